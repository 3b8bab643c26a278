#include "knowledge_chat.h"

#include <QDesktopServices>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSettings>
#include <QUrl>
#include <algorithm>

#include "app_settings.h"
#include "chat_controller.h"
#include "conversation_memory.h"
#include "engine_controller.h"
#include "event_log.h"
#include "knowledge/answer_context.h"
#include "knowledge/retriever.h"
#include "knowledge_controller.h"
#include "qt_strings.h"
#include "store_session.h"

namespace vole::desktop {

namespace {

// The chat model's tokenizer lives on the engine thread, so the prompt is measured with an
// upper bound instead: no tokenizer Vole loads makes more than one token per two bytes of
// ordinary text (English runs about four bytes per token), so the prompt stays within its
// budget, at the price of some unused room.
class ByteBoundCounter final : public knowledge::TokenCounter {
 public:
  size_t count(std::string_view text) const override { return (text.size() + 1) / 2; }
  std::string id() const override { return "bytes/2"; }
};

}  // namespace

KnowledgeChat::KnowledgeChat(StoreSession* session, ChatController* chat, EngineController* engine,
                             KnowledgeController* knowledge, AppSettings* settings, QObject* parent)
    : QObject(parent), session_(session), chat_(chat), knowledge_(knowledge), settings_(settings) {
  connect(chat_, &ChatController::conversationChanged, this, &KnowledgeChat::on_conversation_changed);
  auto* model = knowledge_->collections();
  connect(model, &QAbstractItemModel::rowsInserted, this, &KnowledgeChat::collectionsChanged);
  connect(model, &QAbstractItemModel::rowsRemoved, this, &KnowledgeChat::collectionsChanged);
  connect(model, &QAbstractItemModel::dataChanged, this, &KnowledgeChat::collectionsChanged);
  connect(engine, &EngineController::readingProgress, this, [this](qint64, const QString& stage) {
    if (stage == reading_status_) return;
    reading_status_ = stage;
    if (!stage.isEmpty()) log_event("document-reading", {{"stage", stage}});
    Q_EMIT readingStatusChanged();
  });
}

void KnowledgeChat::setDocument(const QString& path) {
  if (path == document_) return;
  document_ = path;
  log_event("knowledge-document-chosen", {{"conversation", conversation_}, {"document", path}});
  Q_EMIT documentChanged();
}

QVariantList KnowledgeChat::documents() const {
  QVariantList out;
  knowledge::KnowledgeBase* kb = knowledge_->knowledge_base();
  if (collection_.isEmpty() || !kb) return out;
  try {
    auto c = kb->find_collection(collection_.toStdString());
    if (!c) return out;
    for (const auto& [id, path] : kb->indexed_documents(c->id)) {
      std::filesystem::path label = path;
      if (c->folders.size() == 1) label = path.lexically_relative(c->folders[0]);
      out.append(QVariantMap{{"path", qstr(path.string())}, {"label", qstr(label.string())}});
    }
  } catch (const std::exception& e) {
    log_event("notice", {{"text", qstr(e.what())}});
  }
  return out;
}

memory::Store* KnowledgeChat::store() const { return session_->store(); }

QStringList KnowledgeChat::collections() const {
  QStringList names;
  for (const auto& row : knowledge_->collections()->rows()) names.push_back(row.name);
  return names;
}

void KnowledgeChat::setCollection(const QString& name) {
  if (name == collection_) return;
  collection_ = name;
  if (conversation_ && store()) {
    try {
      memory::set_conversation_collection(*store(), conversation_, name.toStdString());
    } catch (const std::exception& e) {
      log_event("notice", {{"text", qstr(e.what())}});
    }
  }
  log_event("knowledge-collection-chosen", {{"conversation", conversation_}, {"collection", name}});
  setDocument({});  // a document of the collection chosen before
  Q_EMIT collectionChanged();
}

void KnowledgeChat::on_conversation_changed() {
  qint64 id = chat_->conversationId();
  if (id == conversation_) return;
  const bool first_save = conversation_ == 0 && id != 0 && !collection_.isEmpty();
  conversation_ = id;
  if (first_save) {
    // A new chat's first message saved it: the collection chosen meanwhile goes with it.
    QString chosen = collection_, document = document_;
    collection_.clear();
    setCollection(chosen);
    setDocument(document);  // chosen for this first question too
    return;
  }
  setDocument({});
  QString stored;
  if (id && store()) {
    try {
      stored = qstr(memory::conversation_collection(*store(), id).value_or(""));
    } catch (const std::exception&) {
      // A conversation that is gone has no collection.
    }
  }
  if (stored != collection_) {
    collection_ = stored;
    Q_EMIT collectionChanged();
  }
}

void KnowledgeChat::prepare(GenerationJob& job) {
  if (!store()) return;
  auto& messages = job.request.messages;
  auto user = std::find_if(messages.rbegin(), messages.rend(), [](const auto& m) { return m["role"] == "user"; });
  if (user == messages.rend()) return;
  // The content is a string, or a list of parts when pictures go with the question
  // (content_with_images): the question is its text part.
  auto& user_content = (*user)["content"];
  nlohmann::ordered_json* text_part = nullptr;
  if (user_content.is_array()) {
    for (auto& part : user_content)
      if (part.value("type", "") == "text" && part.contains("text") && part["text"].is_string()) text_part = &part;
    if (!text_part) return;  // pictures alone: nothing to search for
  } else if (!user_content.is_string()) {
    return;
  }
  const std::string question = (text_part ? (*text_part)["text"] : user_content).get<std::string>();
  std::string content = question;
  std::vector<memory::MessageSource> saved;
  try {
    if (!collection_.isEmpty() && !document_.isEmpty() && knowledge_->knowledge_base() &&
        read_whole_document(question, job, saved)) {
      memory::save_message_sources(*store(), job.message, saved);
      Q_EMIT sourcesChanged(job.message);
      return;  // the worker reads the document; the question stays as the user wrote it
    }
    if (!collection_.isEmpty() && knowledge_->knowledge_base()) content = with_passages(question, job, saved);
    if (memory_ && memory_->recall()) content = with_recollections(question, content, saved);
    if (saved.empty()) return;  // nothing relevant: the model gets the question alone
    memory::save_message_sources(*store(), job.message, saved);
  } catch (const std::exception& e) {
    // The answer goes on without sources rather than not at all; the reason is shown.
    log_event("notice", {{"text", qstr(e.what())}});
    return;
  }
  (text_part ? (*text_part)["text"] : user_content) = content;
  Q_EMIT sourcesChanged(job.message);
}

knowledge::SearchOptions KnowledgeChat::search_options() const {
  // The similarity floor is model dependent: [knowledge] minSimilarity overrides it, as
  // `vole ask --min-similarity` does (-1 turns the floors off); out-of-range values are ignored.
  knowledge::SearchOptions o;
  QSettings file(settings_->settingsFile(), QSettings::IniFormat);
  bool ok = false;
  float floor = file.value("knowledge/minSimilarity").toFloat(&ok);
  if (ok && floor >= -1 && floor <= 1) o.min_similarity = o.keyword_min_similarity = floor;
  return o;
}

std::string KnowledgeChat::with_passages(const std::string& question, const GenerationJob& job,
                                         std::vector<memory::MessageSource>& saved) {
  knowledge::KnowledgeBase& kb = *knowledge_->knowledge_base();
  auto c = kb.find_collection(collection_.toStdString());
  if (!c) return question;  // removed since it was chosen: the question goes as it is
  // Hybrid once the indexing thread has loaded the embedding model (the Retriever uses
  // vectors only when the model is the collection's); keyword ranking until then.
  std::shared_ptr<LockingEmbedder> embedder = knowledge_->embedder();
  knowledge::Retriever retriever(kb, c->id, embedder.get());
  auto hits = retriever.search(question, search_options());
  knowledge::ContextOptions o;
  o.token_budget = static_cast<size_t>(std::max(256, settings_->contextLength() / 2));
  if (c->folders.size() == 1) o.relative_to = c->folders[0];
  ByteBoundCounter counter;
  knowledge::AnswerContext ctx = knowledge::build_answer_context(question, hits, counter, o);
  log_event(
      "knowledge-retrieved",
      {{"message", qlonglong(job.message)}, {"collection", collection_}, {"sources", qlonglong(ctx.sources.size())}});
  if (ctx.sources.empty()) return question;
  for (const auto& s : ctx.sources) {
    memory::MessageSource m;
    m.number = s.number;
    m.collection = c->name;
    m.path = s.chunk.path.string();
    m.label = s.label;
    m.snippet = s.snippet;
    m.passage = s.chunk.text;
    m.page_begin = s.chunk.location.page_begin;
    m.page_end = s.chunk.location.page_end;
    m.line_begin = s.chunk.location.line_begin;
    m.line_end = s.chunk.location.line_end;
    saved.push_back(std::move(m));
  }
  return ctx.prompt;
}

bool KnowledgeChat::read_whole_document(const std::string& question, GenerationJob& job,
                                        std::vector<memory::MessageSource>& saved) {
  knowledge::KnowledgeBase& kb = *knowledge_->knowledge_base();
  auto c = kb.find_collection(collection_.toStdString());
  if (!c) return false;
  const std::filesystem::path path = document_.toStdString();
  auto id = kb.find_document(c->id, path);
  if (!id) return false;  // gone from the index since it was chosen: passages instead
  auto reading = std::make_shared<DocumentReading>();
  reading->chunks = kb.document_chunks(*id);
  if (reading->chunks.empty()) return false;
  reading->name = path.filename().string();
  reading->task = question;
  log_event(
      "knowledge-document-read",
      {{"message", qlonglong(job.message)}, {"document", document_}, {"chunks", qlonglong(reading->chunks.size())}});
  job.reading = std::move(reading);
  // The document is the answer's one source: listed under it, kept with it.
  memory::MessageSource s;
  s.number = 1;
  s.collection = c->name;
  s.path = path.string();
  s.label = path.filename().string() + " (read whole)";
  s.snippet = job.reading->chunks.front().text.substr(0, 200);
  s.passage = job.reading->chunks.front().text;
  saved.push_back(std::move(s));
  return true;
}

std::string KnowledgeChat::with_recollections(const std::string& question, const std::string& content,
                                              std::vector<memory::MessageSource>& saved) {
  auto hits = memory_->recall_for(question, conversation_);
  if (hits.empty()) return content;
  std::string notes =
      "From earlier conversations with the user (use them only if they help, and say so when you do):\n";
  int number = static_cast<int>(saved.size());
  for (const auto& h : hits) {
    auto m = store()->message(h.message);
    if (!m) continue;
    auto c = store()->conversation(h.conversation);
    std::string title = c && !c->title.empty() ? c->title : std::string("an earlier chat");
    std::string text = m->content.size() > kRecallChars ? m->content.substr(0, kRecallChars) + "…" : m->content;
    notes += "- In \"" + title + "\", " + std::string(memory::role_name(m->role)) + ": " + text + "\n";
    memory::MessageSource s;
    s.number = ++number;
    s.collection = "memory";
    s.label = "Recalled from \"" + title + "\"";
    s.snippet = text.substr(0, 200);
    s.passage = m->content;
    saved.push_back(std::move(s));
  }
  log_event("memory-recalled", {{"conversation", conversation_}, {"messages", qlonglong(hits.size())}});
  return notes + "\n" + content;
}

QVariantList KnowledgeChat::sources(qint64 message, const QString& answer_text) const {
  QVariantList out;
  if (!store() || message <= 0) return out;
  std::vector<memory::MessageSource> list;
  try {
    list = memory::message_sources(*store(), message);
  } catch (const std::exception&) {
    return out;
  }
  if (list.empty()) return out;
  const std::vector<int> cited = knowledge::cited_sources(answer_text.toStdString(), list.size());
  for (const auto& s : list)
    out.push_back(QVariantMap{{"number", s.number},
                              {"collection", qstr(s.collection)},
                              {"path", qstr(s.path)},
                              {"label", qstr(s.label)},
                              {"snippet", qstr(s.snippet)},
                              {"passage", qstr(s.passage)},
                              {"cited", std::find(cited.begin(), cited.end(), s.number) != cited.end()}});
  return out;
}

QString KnowledgeChat::linkCitations(const QString& markdown, int count) {
  static const QRegularExpression citation(QStringLiteral("\\[(\\d{1,3})\\](?!\\()"));
  QString out;
  qsizetype last = 0;
  for (auto it = citation.globalMatch(markdown); it.hasNext();) {
    QRegularExpressionMatch m = it.next();
    int n = m.captured(1).toInt();
    if (n < 1 || n > count) continue;
    out += markdown.mid(last, m.capturedStart() - last);
    out += QStringLiteral("[\\[%1\\]](source:%1)").arg(n);
    last = m.capturedEnd();
  }
  return out + markdown.mid(last);
}

QString KnowledgeChat::openSource(const QString& path) const {
  if (!QFileInfo::exists(path)) return tr("%1 is no longer there; the passage is still shown.").arg(path);
  QDesktopServices::openUrl(QUrl::fromLocalFile(path));
  log_event("source-opened", {{"path", path}});
  return {};
}

}  // namespace vole::desktop
