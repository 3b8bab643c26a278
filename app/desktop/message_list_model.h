#pragma once
// The open conversation: its active path (root -> active leaf, what the user sees),
// with each message's branch position for "< 2/3 >" navigation, and the streaming
// answer growing in place as deltas arrive.
#include <QAbstractListModel>
#include <QElapsedTimer>
#include <QUrl>
#include <optional>
#include <vector>

#include "memory/store.h"

namespace vole::desktop {

class MessageListModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    RoleRole,  // "user" | "assistant" | "tool"
    ContentRole,
    ReasoningRole,
    BlocksRole,  // content split into prose / code blocks (markdown_blocks.h), assistant only
    StatusRole,  // "complete" | "streaming" | "interrupted" | "error" | "cancelled"
    ErrorRole,
    StatsRole,         // "24 tokens · 31.2 tok/s · first token 180 ms"
    StatsDetailRole,   // the same and more (prompt tokens, model), for a tooltip
    SiblingIndexRole,  // 0-based
    SiblingCountRole,
    ThinkingSecondsRole,   // time spent thinking; -1 when unknown or none
    ThinkingRole,          // still thinking (streaming, reasoning, no answer text yet)
    LastRole,              // the last row
    ImagesRole,            // the message's attached pictures: a list of file URLs
    RecordingRole,         // the dictation the message was made from (file URL), or empty
    RecordingSecondsRole,  // its length
  };
  explicit MessageListModel(QObject* parent = nullptr);

  int count() const { return static_cast<int>(rows_.size()); }
  // Replaces the rows with the conversation's active path (system messages are not shown).
  void load(memory::Store& store, memory::ConversationId conversation);
  void clear();
  // Appends streamed text to a message's row; false if the message is not shown.
  bool append_delta(memory::MessageId message, const QString& reasoning, const QString& content);
  // Replaces a streaming message's text with the full text streamed so far (the store
  // may be a batch behind when a conversation is reopened mid-answer).
  void set_streaming_text(memory::MessageId message, const QString& reasoning, const QString& content);
  // Re-reads one message (after its answer finished).
  void refresh_message(memory::Store& store, memory::MessageId message);

  Q_INVOKABLE int rowOf(qint64 message) const;
  std::optional<memory::Message> message_at(int row) const;
  std::vector<memory::Message> messages() const;

  static QString stats_text(const memory::MessageStats& stats, bool detailed);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 Q_SIGNALS:
  void countChanged();

 private:
  struct Row {
    memory::Message message;
    QString content, reasoning;  // UTF-16 copies, extended in place while streaming
    QVariantList blocks;
    std::optional<QElapsedTimer> thinking_since;  // live "thinking" clock of a streaming answer
    std::optional<double> live_thinking_s;
    QVariantList images;  // file URLs of the attached pictures
    QUrl recording;       // the kept dictation, if any
    double recording_seconds = 0;
  };
  static Row make_row(memory::Message message);
  std::vector<Row> rows_;
};

}  // namespace vole::desktop
