#pragma once
// Opens the conversation database and, when it cannot be opened, holds the problem and
// the ways out the store offers (memory/store.h) until the user picks one. Nothing is
// ever deleted: a damaged file is only renamed aside, and only when the user says so.
#include <QObject>
#include <QString>
#include <filesystem>
#include <memory>

#include "memory/store.h"

namespace vole::desktop {

class StoreSession : public QObject {
  Q_OBJECT
  Q_PROPERTY(bool ready READ ready NOTIFY changed)         // a store is open (of any mode)
  Q_PROPERTY(QString mode READ mode NOTIFY changed)        // "normal" | "readOnly" | "inMemory" | "none"
  Q_PROPERTY(QString problem READ problem NOTIFY changed)  // store_problem_name() of the last failure, or ""
  Q_PROPERTY(QString message READ message NOTIFY changed)  // the store's one-line explanation
  Q_PROPERTY(QString path READ path CONSTANT)
  Q_PROPERTY(bool canRetry READ canRetry NOTIFY changed)
  Q_PROPERTY(bool canReadOnly READ canReadOnly NOTIFY changed)
  Q_PROPERTY(bool canMoveAside READ canMoveAside NOTIFY changed)
  Q_PROPERTY(QString movedTo READ movedTo NOTIFY changed)  // where move-aside put the old file
  Q_PROPERTY(int interruptedAtOpen READ interruptedAtOpen NOTIFY changed)

 public:
  explicit StoreSession(std::filesystem::path path, QObject* parent = nullptr);
  ~StoreSession() override;

  memory::Store* store() { return store_.get(); }
  bool ready() const { return store_ != nullptr; }
  QString mode() const;
  QString problem() const { return problem_; }
  QString message() const { return message_; }
  QString path() const { return QString::fromStdString(path_.string()); }
  bool canRetry() const;
  bool canReadOnly() const;
  bool canMoveAside() const;
  QString movedTo() const { return moved_to_; }
  int interruptedAtOpen() const;

  // Each returns whether a store is now open; on failure problem/message describe why.
  Q_INVOKABLE bool open();          // read-write, the normal way (also "Retry")
  Q_INVOKABLE bool openReadOnly();  // a read-only snapshot of the file
  Q_INVOKABLE bool openInMemory();  // an empty session; nothing is saved
  Q_INVOKABLE bool moveAsideAndStartFresh();

 Q_SIGNALS:
  // A different store is open (or none): everything holding Store* must re-read.
  void changed();

 private:
  bool attempt(const std::function<memory::Store()>& opener, const QString& mode);
  std::filesystem::path path_;
  std::unique_ptr<memory::Store> store_;
  QString mode_ = "none";
  std::optional<memory::StoreProblem> problem_kind_;
  QString problem_, message_, moved_to_;
};

}  // namespace vole::desktop
