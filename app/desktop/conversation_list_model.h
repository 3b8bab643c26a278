#pragma once
// The sidebar: live conversations, pinned first, then newest activity first, with a
// date section for each ("Today", "Yesterday", "Previous 7 days", ...). Also the
// conversation-level actions the sidebar offers (rename, pin, delete with undo).
#include <QAbstractListModel>
#include <QDateTime>
#include <functional>
#include <vector>

#include "memory/store.h"

namespace vole::desktop {

class ConversationListModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)

 public:
  enum Role { IdRole = Qt::UserRole + 1, TitleRole, UpdatedRole, PinnedRole, SectionRole, ModelRole };
  explicit ConversationListModel(QObject* parent = nullptr);

  void set_store(memory::Store* store);
  // The clock that decides "Today" / "Yesterday" (tests pin it).
  void set_clock(std::function<QDateTime()> now) { now_ = std::move(now); }
  int count() const { return static_cast<int>(rows_.size()); }

  Q_INVOKABLE void refresh();
  Q_INVOKABLE int indexOf(qint64 id) const;
  Q_INVOKABLE QString titleOf(qint64 id) const;
  Q_INVOKABLE void rename(qint64 id, const QString& title);
  Q_INVOKABLE void setPinned(qint64 id, bool pinned);
  // Moves it to the trash (emits removed); undoRemove brings it back, purgeRemoved
  // deletes the trash for good (the snackbar calls it when its undo window closes).
  Q_INVOKABLE void remove(qint64 id);
  Q_INVOKABLE void undoRemove(qint64 id);
  Q_INVOKABLE void purgeRemoved();

  // Section label for a time, relative to now.
  static QString section_for(const QDateTime& time, const QDateTime& now);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 Q_SIGNALS:
  void countChanged();
  void removed(qint64 id, const QString& title);
  void restored(qint64 id);
  void errorOccurred(const QString& message);

 private:
  // Runs a store action; a StoreError (read-only session, disk full) becomes errorOccurred.
  bool act(const std::function<void()>& action);
  memory::Store* store_ = nullptr;
  std::vector<memory::Conversation> rows_;
  std::function<QDateTime()> now_ = [] { return QDateTime::currentDateTime(); };
};

}  // namespace vole::desktop
