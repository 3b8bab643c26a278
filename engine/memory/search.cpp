#include "memory/search.h"

#include <algorithm>
#include <climits>
#include <unordered_map>

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
  if (match.empty() || query.limit <= 0) return hits;
  const int64_t offset = std::max<int64_t>(0, query.offset);
  const int64_t wanted = offset + query.limit;  // the first `wanted` of each kind suffice to merge
  auto l = store.lock();
  sqlite::Operation op(l.conn, "cannot search conversations");

  // Title hits, most recently active first.
  auto titles = l.conn.prepare(
      "SELECT c.id, c.title, c.updated_at, highlight(conversation_fts, 0, ?2, ?3)"
      " FROM conversation_fts JOIN conversations c ON c.id = conversation_fts.rowid"
      " WHERE conversation_fts MATCH ?1 AND c.deleted_at IS NULL ORDER BY c.updated_at DESC, c.id DESC LIMIT ?4");
  titles.bind(1, match).bind(2, query.highlight_begin).bind(3, query.highlight_end).bind(4, wanted);
  std::vector<SearchHit> title_hits;
  while (titles.step())
    title_hits.push_back({.conversation_id = titles.int64(0),
                          .conversation_title = titles.text(1),
                          .time_ms = titles.int64(2),
                          .snippet = titles.text(3)});

  // Message hits, newest first. Message ids grow with creation time, and FTS5 returns
  // rowids in descending order by itself, so a common word stops after `wanted` rows
  // instead of sorting every match. Snippets are made below, for the page only.
  auto messages = l.conn.prepare(
      "SELECT m.id, m.conversation_id, c.title, m.role, m.created_at"
      " FROM message_fts JOIN messages m ON m.id = message_fts.rowid"
      " JOIN conversations c ON c.id = m.conversation_id"
      " WHERE message_fts MATCH ?1 AND c.deleted_at IS NULL ORDER BY message_fts.rowid DESC LIMIT ?2");
  messages.bind(1, match).bind(2, wanted);
  std::vector<SearchHit> message_hits;
  while (messages.step())
    message_hits.push_back({.conversation_id = messages.int64(1),
                            .conversation_title = messages.text(2),
                            .message_id = messages.int64(0),
                            .role = role_from_name(messages.text(3)),
                            .time_ms = messages.int64(4)});

  // Merge newest first (a message before a title at the same moment) and cut the page.
  std::vector<SearchHit> merged(title_hits.size() + message_hits.size());
  std::merge(message_hits.begin(), message_hits.end(), title_hits.begin(), title_hits.end(), merged.begin(),
             [](const SearchHit& a, const SearchHit& b) { return a.time_ms > b.time_ms; });
  for (int64_t i = offset; i < static_cast<int64_t>(merged.size()) && i < wanted; ++i)
    hits.push_back(std::move(merged[static_cast<size_t>(i)]));

  // Snippets in one pass over the page's rowid range: FTS5 sets a query up once per scan,
  // which for prefix terms costs far more than making a snippet.
  MessageId lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& hit : hits)
    if (hit.message_id) lo = std::min(lo, *hit.message_id), hi = std::max(hi, *hit.message_id);
  if (lo <= hi) {
    auto snippets = l.conn.prepare(
        "SELECT rowid, snippet(message_fts, 0, ?2, ?3, '…', ?4) FROM message_fts"
        " WHERE message_fts MATCH ?1 AND rowid BETWEEN ?5 AND ?6");
    snippets.bind(1, match).bind(2, query.highlight_begin).bind(3, query.highlight_end);
    snippets.bind(4, std::clamp(query.snippet_words, 1, 64)).bind(5, lo).bind(6, hi);
    std::unordered_map<MessageId, std::string> by_id;
    while (snippets.step()) by_id.emplace(snippets.int64(0), snippets.text(1));
    for (auto& hit : hits)
      if (hit.message_id) hit.snippet = std::move(by_id[*hit.message_id]);
  }
  return hits;
}

}  // namespace vole::memory
