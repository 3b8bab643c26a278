#pragma once
// The sidebar: live conversations, pinned first, then newest activity first, with a
// date section for each ("Today", "Yesterday", "Previous 7 days", ...). Also the
// conversation-level actions the sidebar offers (rename, pin, delete with undo).
#include <QAbstractListModel>
#include <QDateTime>
#include <QTimer>
#include <chrono>
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
  // Deleting with undo. remove() moves the conversation to the trash and opens its undo
  // window (emits removed); undoRemove() within the window brings it back. Only the latest
  // deletion can be undone: the window closes (emits undoClosed) when it times out or the
  // next conversation is removed, and the trash is then deleted for good. The UI only
  // offers Undo while the window is open.
  Q_INVOKABLE void remove(qint64 id);
  // False (and nothing changes) unless `id` is the deletion whose window is open.
  Q_INVOKABLE bool undoRemove(qint64 id);
  // Deletes everything in the trash for good (at start: windows that closed with the app).
  void purge_trash();
  // How long a deletion stays undoable (6 s; tests shorten it).
  void set_undo_window(std::chrono::milliseconds window) { undo_timer_.setInterval(window); }
  qint64 undoable() const { return undoable_; }  // the deletion that can be undone, or 0

  // Section label for a time, relative to now.
  static QString section_for(const QDateTime& time, const QDateTime& now);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 Q_SIGNALS:
  void countChanged();
  void removed(qint64 id, const QString& title);  // in the trash, undoable
  void restored(qint64 id);
  void undoClosed(qint64 id);  // the deletion of `id` can no longer be undone
  void errorOccurred(const QString& message);

 private:
  // Runs a store action; a StoreError (read-only session, disk full) becomes errorOccurred.
  bool act(const std::function<void()>& action);
  // Closes the open undo window: the trash is deleted for good (when `purge`).
  void close_undo_window(bool purge);
  memory::Store* store_ = nullptr;
  qint64 undoable_ = 0;
  QTimer undo_timer_;
  std::vector<memory::Conversation> rows_;
  std::function<QDateTime()> now_ = [] { return QDateTime::currentDateTime(); };
};

}  // namespace vole::desktop
