#pragma once
// Chats that answer from a knowledge collection (`App.knowledgeChat`): the collection each
// conversation asks (stored with it; none by default), and, before each answer, the
// question's passages retrieved from that collection and put into the prompt in the
// documented format (knowledge/answer_context.h) within half the context length. The
// sources given to the model are stored with the answer (memory/message_sources.h), so the
// list under it, and which of them it cites, survive a restart and an export.
//
// Retrieval runs on the UI thread with the controller's connection to the index: hybrid
// (knowledge/retriever.h) with the shared embedding model once the indexing thread has
// loaded it (the question's vector waits at most one indexing batch), keyword-only before.
#include <QObject>
#include <QStringList>
#include <QVariantList>
#include <map>
#include <optional>

#include "engine_jobs.h"
#include "knowledge/retriever.h"
#include "memory/message_sources.h"

namespace vole::desktop {

class AppSettings;
class ChatController;
class EngineController;
class ConversationMemory;
class KnowledgeController;
class StoreSession;

class KnowledgeChat : public QObject {
  Q_OBJECT
  // The collection the current conversation asks ("" none). A new chat keeps the choice
  // until its first message saves the conversation.
  Q_PROPERTY(QString collection READ collection WRITE setCollection NOTIFY collectionChanged)
  Q_PROPERTY(QStringList collections READ collections NOTIFY collectionsChanged)  // names to pick from
  // Whole-document mode: a document of the collection (its path) that the next questions
  // are asked of as a whole, read in parts ("" = answer from retrieved passages). Reset
  // when the collection or the conversation changes.
  Q_PROPERTY(QString document READ document WRITE setDocument NOTIFY documentChanged)
  // What the reading of a document is doing now ("Reading report.pdf: part 3 of 7"), or "".
  Q_PROPERTY(QString readingStatus READ readingStatus NOTIFY readingStatusChanged)

 public:
  KnowledgeChat(StoreSession* session, ChatController* chat, EngineController* engine, KnowledgeController* knowledge,
                AppSettings* settings, QObject* parent = nullptr);

  QString collection() const { return collection_; }
  void setCollection(const QString& name);
  QStringList collections() const;
  QString document() const { return document_; }
  void setDocument(const QString& path);
  QString readingStatus() const { return reading_status_; }
  // The chosen collection's indexed documents: [{path, label}] by path (label: the path
  // relative to the collection's folder when it has one).
  Q_INVOKABLE QVariantList documents() const;

  // The answer's sources: [{number, label, path, snippet, passage, cited, collection}] in
  // number order; `answer_text` says which ones it cites.
  Q_INVOKABLE QVariantList sources(qint64 message, const QString& answer_text) const;
  // The answer's Markdown with each citation [n] of a source 1..count made a link
  // "source:n" (the message shows that source's passage when it is clicked).
  Q_INVOKABLE static QString linkCitations(const QString& markdown, int count);
  // Opens a source's file with the desktop's viewer ("" or why not).
  Q_INVOKABLE QString openSource(const QString& path) const;

  // ChatController's job preparer: retrieval, the prompt, the sources saved with the answer.
  void prepare(GenerationJob& job);
  // With recall on, earlier conversations' nearest messages go before the question too
  // (stored as sources of collection "memory": the visible note under the answer).
  void set_memory(ConversationMemory* memory) { memory_ = memory; }
  static constexpr size_t kRecallChars = 600;  // of each recalled message

 Q_SIGNALS:
  void collectionChanged();
  void collectionsChanged();
  void documentChanged();
  void readingStatusChanged();
  void sourcesChanged(qint64 message);

 private:
  void on_conversation_changed();
  memory::Store* store() const;
  knowledge::SearchOptions search_options() const;
  std::string with_passages(const std::string& question, const GenerationJob& job,
                            std::vector<memory::MessageSource>& saved);
  // Whole-document mode: the document's chunks into the job (the worker reads them).
  bool read_whole_document(const std::string& question, GenerationJob& job, std::vector<memory::MessageSource>& saved);
  std::string with_recollections(const std::string& question, const std::string& content,
                                 std::vector<memory::MessageSource>& saved);

  StoreSession* session_;
  ChatController* chat_;
  KnowledgeController* knowledge_;
  AppSettings* settings_;
  ConversationMemory* memory_ = nullptr;
  qint64 conversation_ = 0;
  QString collection_;
  QString document_;
  QString reading_status_;
};

}  // namespace vole::desktop
