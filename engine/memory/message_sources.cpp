#include "memory/message_sources.h"

#include <set>

#include "memory/sqlite.h"
#include "memory/write.h"
#include "util/error.h"

namespace vole::memory {

void save_message_sources(Store& store, MessageId message, const std::vector<MessageSource>& sources) {
  std::set<int> numbers;
  for (const auto& s : sources)
    if (s.number <= 0 || !numbers.insert(s.number).second)
      throw Error(ErrorCode::InvalidArgument, "source numbers must be positive and distinct");
  auto l = store.lock();
  Write w(l, "cannot save the answer's sources");
  auto exists = l.conn.prepare("SELECT 1 FROM messages WHERE id = ?1");
  exists.bind(1, message);
  if (!exists.step()) throw Error(ErrorCode::NotFound, "no message " + std::to_string(message));
  exists.reset();
  l.conn.prepare("DELETE FROM message_sources WHERE message_id = ?1").bind(1, message).run();
  auto insert = l.conn.prepare(
      "INSERT INTO message_sources (message_id, number, collection, path, label, snippet, passage, page_begin, "
      "page_end, line_begin, line_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  for (const auto& s : sources) {
    insert.bind(1, message)
        .bind(2, s.number)
        .bind(3, s.collection)
        .bind(4, s.path)
        .bind(5, s.label)
        .bind(6, s.snippet)
        .bind(7, s.passage)
        .bind(8, int64_t{s.page_begin})
        .bind(9, int64_t{s.page_end})
        .bind(10, int64_t{s.line_begin})
        .bind(11, int64_t{s.line_end})
        .run();
    insert.reset();
  }
  w.commit();
}

std::vector<MessageSource> message_sources(Store& store, MessageId message) {
  auto l = store.lock();
  sqlite::Operation op(l.conn, "cannot read the answer's sources");
  auto st = l.conn.prepare(
      "SELECT number, collection, path, label, snippet, passage, page_begin, page_end, line_begin, line_end "
      "FROM message_sources WHERE message_id = ?1 ORDER BY number");
  st.bind(1, message);
  std::vector<MessageSource> out;
  while (st.step()) {
    MessageSource s;
    s.number = static_cast<int>(st.int64(0));
    s.collection = st.text(1);
    s.path = st.text(2);
    s.label = st.text(3);
    s.snippet = st.text(4);
    s.passage = st.text(5);
    s.page_begin = static_cast<uint32_t>(st.int64(6));
    s.page_end = static_cast<uint32_t>(st.int64(7));
    s.line_begin = static_cast<uint32_t>(st.int64(8));
    s.line_end = static_cast<uint32_t>(st.int64(9));
    out.push_back(std::move(s));
  }
  st.reset();
  return out;
}

void set_conversation_collection(Store& store, ConversationId conversation, std::optional<std::string_view> name) {
  if (name && name->empty()) name.reset();
  auto l = store.lock();
  Write w(l, "cannot save the conversation's knowledge collection");
  l.conn.prepare("UPDATE conversations SET knowledge_collection = ?2 WHERE id = ?1")
      .bind(1, conversation)
      .bind(2, name)
      .run();
  if (l.conn.changes() == 0) throw Error(ErrorCode::NotFound, "no conversation " + std::to_string(conversation));
  w.commit();
}

std::optional<std::string> conversation_collection(Store& store, ConversationId conversation) {
  auto l = store.lock();
  sqlite::Operation op(l.conn, "cannot read the conversation's knowledge collection");
  auto st = l.conn.prepare("SELECT knowledge_collection FROM conversations WHERE id = ?1");
  st.bind(1, conversation);
  if (!st.step()) throw Error(ErrorCode::NotFound, "no conversation " + std::to_string(conversation));
  auto name = st.optional_text(0);
  st.reset();
  return name;
}

}  // namespace vole::memory
