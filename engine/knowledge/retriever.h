#pragma once
// Hybrid retrieval over one collection: keyword (BM25, keyword_search.h) and vector
// (exact cosine, vector_index.h) rankings fused by reciprocal rank fusion,
//     score(chunk) = sum over the lists it is in of 1 / (rrf_k + rank),   rank from 1,
// with floors so that a question the collection cannot answer retrieves nothing: vector hits
// need similarity >= min_similarity; keyword hits need coverage >= min_coverage and, when the
// chunk has a vector, similarity >= keyword_min_similarity. Without an embedder (or before
// any vector exists) it is keyword retrieval alone; with vectors only, vector retrieval alone.
//
// The vectors of the collection's model are loaded into memory once and reloaded only when
// the collection's revision changes (the indexer bumps it on every commit), at most once per
// reload interval.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "knowledge/embedder.h"
#include "knowledge/knowledge_base.h"
#include "knowledge/vector_index.h"

namespace vole::knowledge {

struct SearchOptions {
  size_t k = 8;                         // results
  size_t candidates = 50;               // taken from each ranking before fusion
  float min_similarity = 0.35f;         // vector floor (model dependent; calibrate per model)
  float keyword_min_similarity = 0.2f;  // keyword hits with a vector must reach this
  double min_coverage = 0.4;            // keyword floor
  double rrf_k = 60;
  bool use_keywords = true;
  bool use_vectors = true;
};

struct SearchHit {
  ChunkRecord chunk;
  double score = 0;                 // fused
  std::optional<float> similarity;  // when the chunk has a vector
  std::optional<double> bm25;       // when it matched keywords
  std::optional<double> coverage;
  size_t vector_rank = 0;  // 1-based, 0 = not in that list
  size_t keyword_rank = 0;
};

class Retriever {
 public:
  // `embedder` may be null (keyword retrieval only). It must be the collection's model (the one
  // the indexer used) for the vectors to mean anything; a different model id gets no vectors.
  Retriever(KnowledgeBase& kb, CollectionId collection, Embedder* embedder);
  ~Retriever();

  std::vector<SearchHit> search(std::string_view question, const SearchOptions& options = {});
  // The same with a query vector computed elsewhere (tests, benchmarks, a cached query).
  std::vector<SearchHit> search(std::string_view question, std::span<const float> query_vector,
                                const SearchOptions& options = {});

  // Vectors currently loaded (0 if none) and their memory.
  size_t vector_count();
  size_t vector_memory_bytes();

  // How long loaded vectors are kept after the collection changed (default 0: always current).
  // The app sets a few seconds while an indexer runs; hits whose chunk is gone are dropped.
  void set_reload_interval(std::chrono::milliseconds interval) { reload_interval_ = interval; }

 private:
  const VectorIndex* vectors();
  KnowledgeBase& kb_;
  CollectionId collection_;
  Embedder* embedder_;
  std::unique_ptr<VectorIndex> index_;
  int64_t index_revision_ = -1;
  std::chrono::milliseconds reload_interval_{0};
  std::chrono::steady_clock::time_point loaded_at_{};
};

}  // namespace vole::knowledge
