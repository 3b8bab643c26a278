#include "knowledge/keyword_search.h"

#include <sqlite3.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <vector>

#include "memory/sqlite.h"
#include "text/utf8.h"
#include "util/error.h"

namespace vole::knowledge {

namespace {

constexpr size_t kMaxTerms = 32;
// Ranked matches examined at most per question (other collections' chunks and superseded
// generations are skipped on the way).
constexpr int64_t kMaxRanked = 20000;

const std::set<std::string>& stop_words() {
  static const std::set<std::string> words = {
      "a",
      "about",
      "above",
      "after",
      "again",
      "all",
      "am",
      "an",
      "and",
      "any",
      "are",
      "as",
      "at",
      "be",
      "been",
      "before",
      "being",
      "below",
      "both",
      "but",
      "by",
      "can",
      "could",
      "did",
      "do",
      "does",
      "doing",
      "down",
      "during",
      "each",
      "few",
      "for",
      "from",
      "further",
      "had",
      "has",
      "have",
      "having",
      "he",
      "her",
      "here",
      "hers",
      "him",
      "his",
      "how",
      "i",
      "if",
      "in",
      "into",
      "is",
      "it",
      "its",
      "itself",
      "just",
      "me",
      "more",
      "most",
      "my",
      "no",
      "nor",
      "not",
      "now",
      "of",
      "off",
      "on",
      "once",
      "only",
      "or",
      "other",
      "our",
      "out",
      "over",
      "own",
      "same",
      "she",
      "should",
      "so",
      "some",
      "such",
      "than",
      "that",
      "the",
      "their",
      "them",
      "then",
      "there",
      "these",
      "they",
      "this",
      "those",
      "through",
      "to",
      "too",
      "under",
      "until",
      "up",
      "very",
      "was",
      "we",
      "were",
      "what",
      "when",
      "where",
      "which",
      "while",
      "who",
      "whom",
      "why",
      "will",
      "with",
      "would",
      "you",
      "your",
      "yours",
      "tell",
      "please",
      "much",
      "many",
      "s",
      "t",
      // words that ask rather than say what is asked about
      "often",
      "explain",
      "describe",
      "know",
      "want",
      "need",
      "find",
      "show",
      "give",
      "also",
      "anything",
  };
  return words;
}

// vole_coverage(fts_table): IDF-weighted share of the query's phrases present in this row.
void coverage_function(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int, sqlite3_value**) {
  int phrases = api->xPhraseCount(fts);
  if (phrases <= 0) return sqlite3_result_double(ctx, 0.0);
  // IDF per phrase, computed once per query (as FTS5's own bm25 does) and kept as aux data.
  auto* idf = static_cast<std::vector<double>*>(api->xGetAuxdata(fts, 0));
  if (!idf) {
    sqlite3_int64 rows = 0;
    if (int rc = api->xRowCount(fts, &rows); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
    auto values = std::make_unique<std::vector<double>>(static_cast<size_t>(phrases));
    for (int i = 0; i < phrases; ++i) {
      sqlite3_int64 hits = 0;
      auto count = [](const Fts5ExtensionApi*, Fts5Context*, void* user) -> int {
        ++*static_cast<sqlite3_int64*>(user);
        return SQLITE_OK;
      };
      if (int rc = api->xQueryPhrase(fts, i, &hits, count); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
      (*values)[static_cast<size_t>(i)] = std::log(1.0 + (double(rows) - double(hits) + 0.5) / (double(hits) + 0.5));
    }
    idf = values.get();
    if (int rc = api->xSetAuxdata(fts, values.release(), [](void* p) { delete static_cast<std::vector<double>*>(p); });
        rc != SQLITE_OK)
      return sqlite3_result_error_code(ctx, rc);
  }
  double total = 0, present = 0;
  for (int i = 0; i < phrases; ++i) {
    double w = (*idf)[static_cast<size_t>(i)];
    total += w;
    Fts5PhraseIter iter;
    int col = -1, off = -1;
    if (api->xPhraseFirst(fts, i, &iter, &col, &off) == SQLITE_OK && col >= 0) present += w;
  }
  sqlite3_result_double(ctx, total > 0 ? present / total : 0.0);
}

fts5_api* fts5_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr) != SQLITE_OK) return nullptr;
  sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", nullptr);
  sqlite3_step(st);
  sqlite3_finalize(st);
  return api;
}

// The terms worth matching: those in more than half of all chunks are dropped (unless every
// term is), as BM25 already gives them almost no weight (FTS5 floors their IDF) while matching
// them makes FTS5 rank most of the index. Document frequencies come from the fts5vocab table.
std::vector<std::string> distinctive_terms(memory::sqlite::Connection& conn, const std::vector<std::string>& terms) {
  int64_t rows = conn.query_int64("SELECT count(*) FROM chunks");
  if (rows < 100) return terms;
  std::vector<std::string> kept;
  auto st = conn.prepare("SELECT doc FROM chunk_terms WHERE term = ?1");
  for (const auto& t : terms) {
    st.bind(1, t);
    int64_t docs = st.step() ? st.int64(0) : 0;
    st.reset();
    if (docs * 2 <= rows) kept.push_back(t);
  }
  return kept.empty() ? terms : kept;
}

}  // namespace

std::vector<std::string> query_terms(std::string_view question) {
  std::vector<std::string> words;
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  while (!question.empty()) {
    text::Utf8Char c = text::decode_utf8_char(question);
    question.remove_prefix(c.length);
    UChar32 cp = static_cast<UChar32>(c.code_point);
    if (c.valid && (u_isalnum(cp) || u_charType(cp) == U_NON_SPACING_MARK)) {
      text::append_utf8(static_cast<char32_t>(u_tolower(cp)), word);
    } else {
      end_word();
    }
  }
  end_word();
  std::vector<std::string> terms, stops;
  std::set<std::string> seen;
  for (auto& w : words) {
    if (!seen.insert(w).second) continue;
    (stop_words().count(w) ? stops : terms).push_back(w);
  }
  if (terms.empty()) terms = std::move(stops);
  if (terms.size() > kMaxTerms) terms.resize(kMaxTerms);
  return terms;
}

void register_keyword_functions(memory::sqlite::Connection& conn) {
  fts5_api* api = fts5_of(conn.handle());
  if (!api) fail(ErrorCode::Internal, "this SQLite has no FTS5");
  if (api->xCreateFunction(api, "vole_coverage", nullptr, coverage_function, nullptr) != SQLITE_OK)
    fail(ErrorCode::Internal, "cannot register the vole_coverage FTS5 function");
}

std::vector<KeywordHit> keyword_search(memory::sqlite::Connection& conn, CollectionId collection,
                                       const std::vector<std::string>& terms, size_t limit, double min_coverage) {
  std::vector<KeywordHit> hits;
  if (terms.empty() || limit == 0) return hits;
  std::string match;
  for (const auto& t : distinctive_terms(conn, terms)) {
    if (!match.empty()) match += " OR ";
    match += "\"" + t + "\"";  // terms are letters and digits only: nothing to escape
  }
  // FTS5 ranks all matches itself (ORDER BY rank with the column weights set per query); the
  // collection and live-generation filter runs on the ranked rows only, page by page, so a
  // question matching most of a large index does not join every match before sorting.
  auto ranked = conn.prepare(
      "SELECT rowid, rank, vole_coverage(chunk_fts) FROM chunk_fts WHERE chunk_fts MATCH ?1 AND rank MATCH "
      "'bm25(1.0, 0.5)' ORDER BY rank LIMIT ?2 OFFSET ?3");
  auto live = conn.prepare(
      "SELECT 1 FROM chunks c JOIN documents d ON d.id = c.document_id AND c.generation = d.generation WHERE c.id = ?1 "
      "AND d.collection_id = ?2");
  const int64_t page = static_cast<int64_t>(std::max<size_t>(limit * 4, 64));
  for (int64_t offset = 0; hits.size() < limit && offset < kMaxRanked; offset += page) {
    ranked.bind(1, match).bind(2, page).bind(3, offset);
    int64_t rows = 0;
    std::vector<KeywordHit> candidates;
    while (ranked.step()) {
      ++rows;
      candidates.push_back({ranked.int64(0), ranked.real(1), ranked.real(2)});
    }
    ranked.reset();
    for (const KeywordHit& h : candidates) {
      if (h.coverage + 1e-9 < min_coverage || hits.size() >= limit) continue;
      live.bind(1, h.chunk).bind(2, collection);
      bool visible = live.step();
      live.reset();
      if (visible) hits.push_back(h);
    }
    if (rows < page) break;  // no more matches
  }
  return hits;
}

}  // namespace vole::knowledge
