#include "conversation_memory.h"

#include <QSettings>
#include <map>

#include "event_log.h"
#include "knowledge_controller.h"
#include "qt_strings.h"
#include "store_session.h"
#include "util/error.h"

namespace vole::desktop {

namespace {

constexpr size_t kBatch = 16;

std::unique_ptr<QSettings> open_settings(const QString& file) {
  return file.isEmpty() ? std::make_unique<QSettings>() : std::make_unique<QSettings>(file, QSettings::IniFormat);
}

// The first words of a message, for a hit found by meaning (no words to highlight).
std::string lead(const std::string& text, size_t words = 16) {
  std::string out;
  size_t count = 0;
  bool in_word = false;
  for (char ch : text) {
    bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
    if (!space && !in_word && ++count > words) return out + "…";
    in_word = !space;
    out += space ? ' ' : ch;
  }
  return out;
}

}  // namespace

ConversationMemory::ConversationMemory(StoreSession* session, KnowledgeController* knowledge, QString settings_file,
                                       QObject* parent)
    : QObject(parent), session_(session), knowledge_(knowledge), settings_file_(std::move(settings_file)) {
  recall_ = open_settings(settings_file_)->value("memory/recall", false).toBool();
  delay_.setSingleShot(true);
  delay_.setInterval(1000);
  connect(&delay_, &QTimer::timeout, this, &ConversationMemory::embed_next);
  connect(knowledge_, &KnowledgeController::textsEmbedded, this, &ConversationMemory::on_embedded);
  connect(knowledge_, &KnowledgeController::embeddingModelsChanged, this, &ConversationMemory::poke);
  connect(session_, &StoreSession::changed, this, &ConversationMemory::poke);
}

void ConversationMemory::setRecall(bool on) {
  if (on == recall_) return;
  recall_ = on;
  open_settings(settings_file_)->setValue("memory/recall", on);
  Q_EMIT recallChanged();
}

void ConversationMemory::poke() {
  if (!tag_) delay_.start();
}

void ConversationMemory::embed_next() {
  memory::Store* store = session_->store();
  auto embedder = knowledge_->embedder();
  if (!store || tag_) return;
  // The model's id names the vectors; before the indexing thread has loaded a model, the
  // first batch loads it (and is then embedded again only if the id it reports differs).
  std::string model = embedder ? embedder->model_id() : std::string("?");
  std::vector<memory::MessageText> todo;
  try {
    todo = memory::messages_to_embed(*store, model, kBatch);
  } catch (const std::exception& e) {
    log_event("notice", {{"text", qstr(e.what())}});
    return;
  }
  if (todo.empty()) return;
  QStringList texts;
  batch_.clear();
  for (auto& m : todo) {
    batch_.push_back(m.id);
    texts.push_back(qstr(m.text));
  }
  static qint64 next_tag = 0;
  tag_ = ++next_tag;
  if (!knowledge_->embed_texts(tag_, texts)) {
    tag_ = 0;  // no embedding model: tried again when one arrives
    batch_.clear();
  }
}

void ConversationMemory::on_embedded(qint64 tag, const QString& model_id, const QList<float>& vectors,
                                     const QString& error) {
  if (tag != tag_) return;
  tag_ = 0;
  memory::Store* store = session_->store();
  if (!error.isEmpty() || !store || batch_.empty()) {
    if (!error.isEmpty()) log_event("memory-failed", {{"error", error}});
    batch_.clear();
    return;
  }
  try {
    size_t dims = static_cast<size_t>(vectors.size()) / batch_.size();
    memory::save_message_vectors(*store, model_id.toStdString(), batch_,
                                 std::span<const float>(vectors.data(), static_cast<size_t>(vectors.size())), dims);
  } catch (const std::exception& e) {
    log_event("memory-failed", {{"error", qstr(e.what())}});
    batch_.clear();
    return;
  }
  log_event("memory-embedded", {{"messages", qlonglong(batch_.size())}});
  batch_.clear();
  count_remembered();
  embed_next();  // the rest, one batch after another
}

void ConversationMemory::count_remembered() {
  auto embedder = knowledge_->embedder();
  if (!embedder || !session_->store()) return;
  try {
    remembered_ = memory::message_vector_count(*session_->store(), embedder->model_id());
    Q_EMIT rememberedChanged();
  } catch (const std::exception&) {
  }
}

std::optional<std::vector<float>> ConversationMemory::query_vector(const std::string& text, std::string* model_id) {
  auto embedder = knowledge_->embedder();
  if (!embedder) return std::nullopt;
  std::vector<float> v(embedder->dims());
  std::string_view view(text);
  embedder->embed(std::span<const std::string_view>(&view, 1), knowledge::EmbedKind::Query, v);
  *model_id = embedder->model_id();
  return v;
}

std::vector<memory::SearchHit> ConversationMemory::search(const QString& query, size_t limit) {
  memory::Store* store = session_->store();
  if (!store) throw Error(ErrorCode::NotFound, "the conversation database is not open");
  std::string model;
  auto q = query_vector(query.toStdString(), &model);
  if (!q)
    throw Error(ErrorCode::NotFound, knowledge_->embeddingModels().isEmpty()
                                         ? "search by meaning needs an embedding model (see the Knowledge page)"
                                         : "the embedding model is still loading; try again in a moment");
  auto nearest = memory::nearest_messages(*store, model, *q, limit, kMinSimilarity);
  auto words =
      memory::search(*store, {.text = query.toStdString(), .limit = static_cast<int64_t>(limit), .snippet_words = 16});
  // Reciprocal rank fusion by message (a title hit is its own entry).
  struct Fused {
    double score = 0;
    std::optional<memory::SearchHit> hit;
    memory::MessageId message = 0;
  };
  std::map<std::pair<int64_t, int64_t>, Fused> fused;  // (message or 0, conversation)
  for (size_t i = 0; i < words.size(); ++i) {
    auto& f = fused[{words[i].message_id.value_or(0), words[i].conversation_id}];
    f.score += 1.0 / (kRrfK + static_cast<double>(i + 1));
    f.hit = words[i];
  }
  for (size_t i = 0; i < nearest.size(); ++i) {
    auto& f = fused[{nearest[i].message, nearest[i].conversation}];
    f.score += 1.0 / (kRrfK + static_cast<double>(i + 1));
    f.message = nearest[i].message;
  }
  std::vector<Fused> ranked;
  for (auto& [key, f] : fused) ranked.push_back(std::move(f));
  std::stable_sort(ranked.begin(), ranked.end(), [](const Fused& a, const Fused& b) { return a.score > b.score; });
  std::vector<memory::SearchHit> out;
  for (auto& f : ranked) {
    if (out.size() >= limit) break;
    if (f.hit) {
      out.push_back(std::move(*f.hit));
      continue;
    }
    auto m = store->message(f.message);
    if (!m) continue;
    auto c = store->conversation(m->conversation_id);
    memory::SearchHit h;
    h.conversation_id = m->conversation_id;
    h.conversation_title = c ? c->title : std::string();
    h.message_id = m->id;
    h.role = m->role;
    h.time_ms = m->created_at_ms;
    h.snippet = lead(m->content);
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<memory::MeaningHit> ConversationMemory::recall_for(const std::string& question,
                                                               memory::ConversationId current, size_t k) {
  memory::Store* store = session_->store();
  if (!recall_ || !store) return {};
  try {
    std::string model;
    auto q = query_vector(question, &model);
    if (!q) return {};
    return memory::nearest_messages(*store, model, *q, k, kMinSimilarity, current);
  } catch (const std::exception& e) {
    log_event("memory-failed", {{"error", qstr(e.what())}});
    return {};
  }
}

}  // namespace vole::desktop
