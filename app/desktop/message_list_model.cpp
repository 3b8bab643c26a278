#include "message_list_model.h"

#include <QLocale>
#include <QUrl>

#include "image_attachments.h"
#include "markdown_blocks.h"
#include "memory/recordings.h"
#include "qt_strings.h"

namespace vole::desktop {

namespace {

QString number(double v, int decimals) { return QLocale().toString(v, 'f', decimals); }
}  // namespace

MessageListModel::MessageListModel(QObject* parent) : QAbstractListModel(parent) {}

MessageListModel::Row MessageListModel::make_row(memory::Message message) {
  Row r;
  r.content = qstr(message.content);
  r.reasoning = qstr(message.reasoning);
  if (message.role == memory::Role::Assistant) r.blocks = markdown_blocks_for_qml(r.content);
  r.message = std::move(message);
  return r;
}

void MessageListModel::load(memory::Store& store, memory::ConversationId conversation) {
  std::vector<Row> rows;
  auto path = store.active_path(conversation);
  auto images = stored_images(store, path);
  std::vector<memory::MessageId> ids;
  for (const auto& m : path) ids.push_back(m.id);
  const auto recordings = memory::message_recordings(store, ids);
  for (auto& m : path)
    if (m.role != memory::Role::System) {
      rows.push_back(make_row(std::move(m)));
      Row& row = rows.back();
      if (auto it = images.find(row.message.id); it != images.end())
        for (const auto& im : it->second) row.images.append(QUrl::fromLocalFile(qstr(im.file.string())));
      if (auto it = recordings.find(row.message.id); it != recordings.end()) {
        row.recording = QUrl::fromLocalFile(qstr(it->second.file.string()));
        row.recording_seconds = static_cast<double>(it->second.duration_ms) / 1000.0;
      }
    }
  int old = count();
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
  if (old != count()) Q_EMIT countChanged();
}

void MessageListModel::clear() {
  if (rows_.empty()) return;
  beginResetModel();
  rows_.clear();
  endResetModel();
  Q_EMIT countChanged();
}

int MessageListModel::rowOf(qint64 message) const {
  for (int i = count() - 1; i >= 0; --i)
    if (rows_[i].message.id == message) return i;
  return -1;
}

std::optional<memory::Message> MessageListModel::message_at(int row) const {
  if (row < 0 || row >= count()) return std::nullopt;
  return rows_[row].message;
}

std::vector<memory::Message> MessageListModel::messages() const {
  std::vector<memory::Message> out;
  for (const auto& r : rows_) out.push_back(r.message);
  return out;
}

bool MessageListModel::append_delta(memory::MessageId message, const QString& reasoning, const QString& content) {
  int row = rowOf(message);
  if (row < 0) return false;
  Row& r = rows_[row];
  QList<int> roles;
  if (!reasoning.isEmpty()) {
    if (!r.thinking_since) r.thinking_since.emplace().start();
    r.reasoning += reasoning;
    roles << ReasoningRole;
  }
  if (!content.isEmpty()) {
    if (r.thinking_since && !r.live_thinking_s) r.live_thinking_s = r.thinking_since->elapsed() / 1000.0;
    r.content += content;
    r.blocks = markdown_blocks_for_qml(r.content);
    roles << ContentRole << BlocksRole;
  }
  roles << ThinkingSecondsRole << ThinkingRole;
  Q_EMIT dataChanged(index(row), index(row), roles);
  return true;
}

void MessageListModel::set_streaming_text(memory::MessageId message, const QString& reasoning, const QString& content) {
  int row = rowOf(message);
  if (row < 0) return;
  Row& r = rows_[row];
  r.reasoning = reasoning;
  r.content = content;
  r.blocks = markdown_blocks_for_qml(content);
  Q_EMIT dataChanged(index(row), index(row));
}

void MessageListModel::refresh_message(memory::Store& store, memory::MessageId message) {
  int row = rowOf(message);
  if (row < 0) return;
  auto m = store.message(message);
  if (!m) return;
  // What make_row does not read from the message itself carries over.
  Row old = std::move(rows_[row]);
  rows_[row] = make_row(std::move(*m));
  rows_[row].live_thinking_s = old.live_thinking_s;
  rows_[row].images = std::move(old.images);
  rows_[row].recording = old.recording;
  rows_[row].recording_seconds = old.recording_seconds;
  Q_EMIT dataChanged(index(row), index(row));
}

QString MessageListModel::stats_text(const memory::MessageStats& s, bool detailed) {
  QStringList parts;
  if (detailed && s.prompt_tokens) parts << tr("%1 prompt tokens").arg(*s.prompt_tokens);
  if (s.generated_tokens)
    parts << (*s.generated_tokens == 1 ? tr("1 token") : tr("%1 tokens").arg(*s.generated_tokens));
  if (s.tokens_per_second) parts << tr("%1 tok/s").arg(number(*s.tokens_per_second, 1));
  if (s.time_to_first_token_ms) {
    double ms = *s.time_to_first_token_ms;
    parts << (ms >= 1000 ? tr("first token %1 s").arg(number(ms / 1000.0, 1))
                         : tr("first token %1 ms").arg(number(ms, 0)));
  }
  if (detailed && s.model) parts << qstr(*s.model);
  return parts.join(QStringLiteral(" · "));
}

int MessageListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const Row& r = rows_[index.row()];
  const memory::Message& m = r.message;
  switch (role) {
    case IdRole:
      return QVariant::fromValue<qint64>(m.id);
    case RoleRole:
      return qstr(std::string(memory::role_name(m.role)));
    case Qt::DisplayRole:
    case ContentRole:
      return r.content;
    case ReasoningRole:
      return r.reasoning;
    case BlocksRole:
      return r.blocks;
    case StatusRole:
      return qstr(std::string(memory::status_name(m.status)));
    case ErrorRole:
      return m.error ? qstr(*m.error) : QString();
    case StatsRole:
      return m.stats ? stats_text(*m.stats, false) : QString();
    case StatsDetailRole:
      return m.stats ? stats_text(*m.stats, true) : QString();
    case SiblingIndexRole:
      return m.sibling_index;
    case SiblingCountRole:
      return m.sibling_count;
    case ThinkingSecondsRole:
      if (m.stats && m.stats->reasoning_ms) return *m.stats->reasoning_ms / 1000.0;
      if (r.live_thinking_s) return *r.live_thinking_s;
      return -1.0;
    case ThinkingRole:
      return m.status == memory::MessageStatus::Streaming && !r.reasoning.isEmpty() && r.content.isEmpty();
    case LastRole:
      return index.row() == count() - 1;
    case ImagesRole:
      return r.images;
    case RecordingRole:
      return r.recording;
    case RecordingSecondsRole:
      return r.recording_seconds;
  }
  return {};
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
  return {{IdRole, "messageId"},
          {RoleRole, "author"},
          {ContentRole, "content"},
          {ReasoningRole, "reasoning"},
          {BlocksRole, "blocks"},
          {StatusRole, "status"},
          {ErrorRole, "errorText"},
          {StatsRole, "statsText"},
          {StatsDetailRole, "statsDetail"},
          {SiblingIndexRole, "siblingIndex"},
          {SiblingCountRole, "siblingCount"},
          {ThinkingSecondsRole, "thinkingSeconds"},
          {ThinkingRole, "thinking"},
          {LastRole, "isLast"},
          {ImagesRole, "images"},
          {RecordingRole, "recording"},
          {RecordingSecondsRole, "recordingSeconds"}};
}

}  // namespace vole::desktop
