#pragma once
// Chats that answer from a knowledge collection (`App.knowledgeChat`): the collection each
// conversation asks (stored with it; none by default), and, before each answer, the
// question's passages retrieved from that collection and put into the prompt in the
// documented format (knowledge/answer_context.h) within half the context length. The
// sources given to the model are stored with the answer (memory/message_sources.h), so the
// list under it, and which of them it cites, survive a restart and an export.
//
// Retrieval runs on the UI thread with its own connection to the index. It uses the keyword
// ranking (FTS5 BM25 with its coverage floor): the query's vector would need the embedding
// model, which lives on the indexing thread (see the report of issue 12 for what is left).
#include <QObject>
#include <QStringList>
#include <QVariantList>
#include <map>
#include <optional>

#include "engine_jobs.h"
#include "memory/message_sources.h"

namespace vole::desktop {

class AppSettings;
class ChatController;
class KnowledgeController;
class StoreSession;

class KnowledgeChat : public QObject {
  Q_OBJECT
  // The collection the current conversation asks ("" none). A new chat keeps the choice
  // until its first message saves the conversation.
  Q_PROPERTY(QString collection READ collection WRITE setCollection NOTIFY collectionChanged)
  Q_PROPERTY(QStringList collections READ collections NOTIFY collectionsChanged)  // names to pick from

 public:
  KnowledgeChat(StoreSession* session, ChatController* chat, KnowledgeController* knowledge, AppSettings* settings,
                QObject* parent = nullptr);

  QString collection() const { return collection_; }
  void setCollection(const QString& name);
  QStringList collections() const;

  // The answer's sources: [{number, label, path, snippet, passage, cited, collection}] in
  // number order; `answer_text` says which ones it cites.
  Q_INVOKABLE QVariantList sources(qint64 message, const QString& answer_text) const;
  // Opens a source's file with the desktop's viewer ("" or why not).
  Q_INVOKABLE QString openSource(const QString& path) const;

  // ChatController's job preparer: retrieval, the prompt, the sources saved with the answer.
  void prepare(GenerationJob& job);

 Q_SIGNALS:
  void collectionChanged();
  void collectionsChanged();
  void sourcesChanged(qint64 message);

 private:
  void on_conversation_changed();
  memory::Store* store() const;

  StoreSession* session_;
  ChatController* chat_;
  KnowledgeController* knowledge_;
  AppSettings* settings_;
  qint64 conversation_ = 0;
  QString collection_;
};

}  // namespace vole::desktop
