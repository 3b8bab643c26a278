#include "memory/search.h"

#include <algorithm>

#include "memory/sqlite.h"

namespace vole::memory {

namespace {
constexpr size_t kMaxWords = 32;

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

std::string fts5_query(std::string_view input) {
  std::string out;
  size_t words = 0;
  size_t i = 0;
  while (i < input.size() && words < kMaxWords) {
    while (i < input.size() && is_space(static_cast<unsigned char>(input[i]))) ++i;
    size_t start = i;
    while (i < input.size() && !is_space(static_cast<unsigned char>(input[i]))) ++i;
    if (i == start) break;
    if (!out.empty()) out += ' ';
    out += '"';
    for (char c : input.substr(start, i - start)) {
      if (c == '"') out += '"';  // FTS5 string literal: a quote is written twice
      if (c != '\0') out += c;
    }
    out += "\"*";
    ++words;
  }
  return out;
}

std::vector<SearchHit> search(Store& store, const SearchQuery& query) {
  std::string match = fts5_query(query.text);
  std::vector<SearchHit> hits;
  if (match.empty() || query.limit == 0) return hits;
  auto l = store.lock();
  sqlite::Operation op(l.conn, "cannot search conversations");
  // Message hits and title hits, merged newest first. Auxiliary functions (snippet,
  // highlight) read the text from messages/conversations through the external content.
  auto st = l.conn.prepare(
      "SELECT conversation_id, title, message_id, role, time, snippet FROM ("
      "  SELECT m.conversation_id, c.title, m.id AS message_id, m.role, m.created_at AS time,"
      "         snippet(message_fts, 0, ?2, ?3, '…', ?4) AS snippet"
      "  FROM message_fts JOIN messages m ON m.id = message_fts.rowid"
      "  JOIN conversations c ON c.id = m.conversation_id"
      "  WHERE message_fts MATCH ?1 AND c.deleted_at IS NULL"
      "  UNION ALL"
      "  SELECT c.id, c.title, NULL, NULL, c.updated_at, highlight(conversation_fts, 0, ?2, ?3)"
      "  FROM conversation_fts JOIN conversations c ON c.id = conversation_fts.rowid"
      "  WHERE conversation_fts MATCH ?1 AND c.deleted_at IS NULL"
      ") ORDER BY time DESC, message_id IS NULL, message_id DESC, conversation_id DESC LIMIT ?5 OFFSET ?6");
  st.bind(1, match).bind(2, query.highlight_begin).bind(3, query.highlight_end);
  st.bind(4, std::clamp(query.snippet_words, 1, 64)).bind(5, query.limit).bind(6, std::max<int64_t>(0, query.offset));
  while (st.step()) {
    SearchHit hit;
    hit.conversation_id = st.int64(0);
    hit.conversation_title = st.text(1);
    hit.message_id = st.optional_int64(2);
    if (!st.is_null(3)) hit.role = role_from_name(st.text(3));
    hit.time_ms = st.int64(4);
    hit.snippet = st.text(5);
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace vole::memory
