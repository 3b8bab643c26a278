#include "memory/message_vectors.h"

#include <algorithm>
#include <cstring>

#include "memory/sqlite.h"
#include "memory/write.h"
#include "util/error.h"
#include "util/half.h"

namespace vole::memory {

namespace {

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

constexpr std::string_view kEmbeddable =
    "m.role IN ('user', 'assistant') AND m.status = 'complete' AND m.content <> '' AND c.deleted_at IS NULL";

}  // namespace

std::vector<MessageText> messages_to_embed(Store& store, std::string_view model, size_t limit, size_t max_chars) {
  auto l = store.lock();
  sqlite::Operation op(l.conn, "cannot read the messages to remember");
  auto st = l.conn.prepare(std::string("SELECT m.id, m.content FROM messages m JOIN conversations c ON c.id = "
                                       "m.conversation_id LEFT JOIN message_vectors v ON v.message_id = m.id AND "
                                       "v.model = ?1 WHERE v.message_id IS NULL AND ") +
                           std::string(kEmbeddable) + " ORDER BY m.id LIMIT ?2");
  st.bind(1, model).bind(2, static_cast<int64_t>(limit));
  std::vector<MessageText> out;
  while (st.step()) out.push_back({st.int64(0), cut_utf8(st.text(1), max_chars)});
  st.reset();
  return out;
}

void save_message_vectors(Store& store, std::string_view model, std::span<const MessageId> ids,
                          std::span<const float> vectors, size_t dims) {
  if (dims == 0 || vectors.size() != ids.size() * dims)
    throw Error(ErrorCode::InvalidArgument, "message vectors: " + std::to_string(vectors.size()) + " values for " +
                                                std::to_string(ids.size()) + " messages of " + std::to_string(dims) +
                                                " dimensions");
  auto l = store.lock();
  Write w(l, "cannot save what the conversation memory learned");
  auto st = l.conn.prepare(
      "INSERT OR REPLACE INTO message_vectors (message_id, model, vector) SELECT ?1, ?2, ?3 WHERE EXISTS "
      "(SELECT 1 FROM messages WHERE id = ?1)");
  std::vector<uint16_t> half(dims);
  for (size_t i = 0; i < ids.size(); ++i) {
    f32_to_f16(vectors.subspan(i * dims, dims), half);
    st.bind(1, ids[i]).bind(2, model).bind_blob(
        3, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(half.data()), half.size() * sizeof(uint16_t)));
    st.run();
    st.reset();
  }
  w.commit();
}

std::vector<MeaningHit> nearest_messages(Store& store, std::string_view model, std::span<const float> query, size_t k,
                                         float min_similarity, std::optional<ConversationId> exclude) {
  auto l = store.lock();
  sqlite::Operation op(l.conn, "cannot search the conversation memory");
  auto st = l.conn.prepare(std::string("SELECT m.id, m.conversation_id, v.vector FROM message_vectors v JOIN messages "
                                       "m ON m.id = v.message_id JOIN conversations c ON c.id = m.conversation_id "
                                       "WHERE v.model = ?1 AND ") +
                           std::string(kEmbeddable));
  st.bind(1, model);
  std::vector<MeaningHit> hits;
  std::vector<uint16_t> half(query.size());
  std::vector<float> row(query.size());
  while (st.step()) {
    std::span<const uint8_t> blob = st.blob(2);
    if (blob.size() != query.size() * sizeof(uint16_t)) continue;  // another width: not comparable
    ConversationId conversation = st.int64(1);
    if (exclude && conversation == *exclude) continue;
    std::memcpy(half.data(), blob.data(), blob.size());
    f16_to_f32(half, row);
    float dot = 0;
    for (size_t i = 0; i < row.size(); ++i) dot += row[i] * query[i];
    if (dot >= min_similarity) hits.push_back({st.int64(0), conversation, dot});
  }
  st.reset();
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.message < b.message;
  });
  if (hits.size() > k) hits.resize(k);
  return hits;
}

size_t message_vector_count(Store& store, std::string_view model) {
  auto l = store.lock();
  auto st = l.conn.prepare("SELECT count(*) FROM message_vectors WHERE model = ?1");
  st.bind(1, model);
  st.step();
  size_t n = static_cast<size_t>(st.int64(0));
  st.reset();
  return n;
}

}  // namespace vole::memory
