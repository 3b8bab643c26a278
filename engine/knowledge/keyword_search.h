#pragma once
// Keyword retrieval: BM25 ranking by SQLite FTS5 over chunk text (weight 1) and heading path
// (weight 0.5), restricted to one collection's live chunks, plus a coverage score per hit so
// that a question whose important words are not in a chunk does not retrieve it.
//
// The question is cut into words (letters and digits, lower-cased, English stop words
// dropped unless nothing else is left), each quoted so user text is never FTS syntax, and
// OR-ed; words in more than half of all chunks are left out when others remain (BM25 gives
// them almost no weight, and matching them would rank most of the index). coverage = sum of the IDF of the query words
// present in the chunk / sum of the IDF of all query words, with BM25's IDF log(1 + (N - n + 0.5) / (n + 0.5)) (an FTS5
// auxiliary function, vole_coverage). A word that appears nowhere has the highest IDF, so a question about something
// the collection does not contain has low coverage everywhere.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/types.h"

namespace vole::memory::sqlite {
class Connection;
}

namespace vole::knowledge {

struct KeywordHit {
  ChunkId chunk = 0;
  double bm25 = 0;      // FTS5's bm25(): lower (more negative) is better
  double coverage = 0;  // 0..1
};

// The search words of a question (at most 32).
std::vector<std::string> query_terms(std::string_view question);

// Registers vole_coverage on the connection (idempotent).
void register_keyword_functions(memory::sqlite::Connection& conn);

// Best `limit` hits by BM25 among the collection's live chunks, those under `min_coverage`
// removed (after ranking), best first.
std::vector<KeywordHit> keyword_search(memory::sqlite::Connection& conn, CollectionId collection,
                                       const std::vector<std::string>& terms, size_t limit, double min_coverage);

}  // namespace vole::knowledge
