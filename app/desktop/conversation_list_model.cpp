#include "conversation_list_model.h"

#include <QLocale>
#include <utility>

#include "memory/store_error.h"
#include "qt_strings.h"
#include "report_errors.h"

namespace vole::desktop {

namespace {
QDateTime from_ms(int64_t ms) { return QDateTime::fromMSecsSinceEpoch(ms); }
}  // namespace

ConversationListModel::ConversationListModel(QObject* parent) : QAbstractListModel(parent) {
  undo_timer_.setSingleShot(true);
  undo_timer_.setInterval(std::chrono::seconds(6));
  connect(&undo_timer_, &QTimer::timeout, this, [this] { close_undo_window(true); });
}

void ConversationListModel::set_store(memory::Store* store) {
  close_undo_window(false);  // that deletion belongs to the old store; its trash is purged at the next start
  store_ = store;
  refresh();
}

bool ConversationListModel::act(const std::function<void()>& action) {
  if (!store_) return false;
  return run_reporting_errors(action, [this](const QString& message) { Q_EMIT errorOccurred(message); });
}

void ConversationListModel::refresh() {
  std::vector<memory::Conversation> fresh;
  if (store_) {
    try {
      fresh = store_->list_conversations({.pinned_first = true});
    } catch (const std::exception& e) {
      Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
      return;
    }
  }
  bool same_order = fresh.size() == rows_.size();
  for (size_t i = 0; same_order && i < fresh.size(); ++i) same_order = fresh[i].id == rows_[i].id;
  if (!same_order) {
    int old = count();
    beginResetModel();
    rows_ = std::move(fresh);
    endResetModel();
    if (old != count()) Q_EMIT countChanged();
    return;
  }
  for (size_t i = 0; i < fresh.size(); ++i) {
    const auto& a = rows_[i];
    const auto& b = fresh[i];
    bool differs =
        a.title != b.title || a.updated_at_ms != b.updated_at_ms || a.pinned != b.pinned || a.model_id != b.model_id;
    rows_[i] = b;
    if (differs) Q_EMIT dataChanged(index(static_cast<int>(i)), index(static_cast<int>(i)));
  }
}

int ConversationListModel::indexOf(qint64 id) const {
  for (size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].id == id) return static_cast<int>(i);
  return -1;
}

QString ConversationListModel::titleOf(qint64 id) const {
  int at = indexOf(id);
  return at >= 0 ? qstr(rows_[at].title) : QString();
}

void ConversationListModel::rename(qint64 id, const QString& title) {
  QString t = title.simplified();
  if (t.isEmpty()) return;
  if (act([&] { store_->rename(id, t.toStdString()); })) refresh();
}

void ConversationListModel::setPinned(qint64 id, bool pinned) {
  if (act([&] { store_->set_pinned(id, pinned); })) refresh();
}

void ConversationListModel::remove(qint64 id) {
  if (indexOf(id) < 0) return;
  QString title = titleOf(id);
  close_undo_window(true);  // before the trash gets the new one, which stays undoable
  if (!act([&] { store_->soft_delete(id); })) return;
  undoable_ = id;
  undo_timer_.start();
  refresh();
  Q_EMIT removed(id, title);
}

bool ConversationListModel::undoRemove(qint64 id) {
  if (id == 0 || id != undoable_) return false;
  undo_timer_.stop();
  undoable_ = 0;
  bool ok = act([&] { store_->undo_delete(id); });
  Q_EMIT undoClosed(id);
  if (!ok) return false;
  refresh();
  Q_EMIT restored(id);
  return true;
}

void ConversationListModel::close_undo_window(bool purge) {
  undo_timer_.stop();
  qint64 id = std::exchange(undoable_, 0);
  if (id == 0) return;
  if (purge) purge_trash();
  Q_EMIT undoClosed(id);
}

void ConversationListModel::purge_trash() {
  act([&] { store_->purge_deleted(); });
}

QString ConversationListModel::section_for(const QDateTime& time, const QDateTime& now) {
  qint64 days = time.date().daysTo(now.date());
  if (days <= 0) return QObject::tr("Today");
  if (days == 1) return QObject::tr("Yesterday");
  if (days < 7) return QObject::tr("Previous 7 days");
  if (days < 30) return QObject::tr("Previous 30 days");
  if (time.date().year() == now.date().year()) return QLocale().standaloneMonthName(time.date().month());
  return QString::number(time.date().year());
}

int ConversationListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const auto& c = rows_[index.row()];
  switch (role) {
    case IdRole:
      return QVariant::fromValue<qint64>(c.id);
    case Qt::DisplayRole:
    case TitleRole:
      return c.title.empty() ? tr("New chat") : qstr(c.title);
    case UpdatedRole:
      return from_ms(c.updated_at_ms);
    case PinnedRole:
      return c.pinned;
    case SectionRole:
      return c.pinned ? tr("Pinned") : section_for(from_ms(c.updated_at_ms), now_());
    case ModelRole:
      return qstr(c.model_id);
  }
  return {};
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
  return {{IdRole, "conversationId"}, {TitleRole, "title"},     {UpdatedRole, "updatedAt"},
          {PinnedRole, "pinned"},     {SectionRole, "section"}, {ModelRole, "modelId"}};
}

}  // namespace vole::desktop
