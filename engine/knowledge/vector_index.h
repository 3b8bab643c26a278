#pragma once
// Exact nearest-neighbour search over a collection's vectors, in memory, on the CPU: every
// stored vector is scored against the query (cosine similarity of unit vectors = dot product)
// and the best k above a similarity floor are returned. The rows are kept as stored (int8 or
// f16) in one contiguous array and scanned with SIMD (AVX2 where the CPU has it, chosen at run
// time; SSE2 otherwise). At 100k x 768 int8 that is 77 MB read per query: a few milliseconds
// (bench/knowledge_bench.cpp). An approximate index is not needed below ~1M chunks.
#include <cstdint>
#include <span>
#include <vector>

#include "knowledge/types.h"
#include "knowledge/vector_codec.h"

namespace vole::knowledge {

struct ScoredChunk {
  ChunkId chunk = 0;
  float similarity = 0;
};

// The best `k` of `scores` (one per id) at or above `floor`, best first, ties by chunk id.
std::vector<ScoredChunk> best_scores(std::span<const float> scores, std::span<const ChunkId> ids, size_t k,
                                     float floor);

class VectorIndex {
 public:
  VectorIndex(VectorEncoding encoding, size_t dims);

  void reserve(size_t rows);
  // `blob` as vector_codec encodes it; InvalidFile if its size does not fit.
  void add(ChunkId chunk, std::span<const uint8_t> blob);

  size_t size() const { return ids_.size(); }
  size_t dims() const { return dims_; }
  VectorEncoding encoding() const { return encoding_; }
  size_t memory_bytes() const;

  // Best `k` chunks with similarity >= `floor`, best first (ties by chunk id). `query` has
  // dims() components and unit length.
  std::vector<ScoredChunk> top_k(std::span<const float> query, size_t k, float floor) const;

  // Similarity of every row, in insertion order (ids()).
  void score_all(std::span<const float> query, std::span<float> out) const;
  const std::vector<ChunkId>& ids() const { return ids_; }

 private:
  VectorEncoding encoding_;
  size_t dims_;
  std::vector<ChunkId> ids_;
  std::vector<int8_t> int8_rows_;
  std::vector<float> scales_;
  std::vector<uint16_t> f16_rows_;
};

}  // namespace vole::knowledge
