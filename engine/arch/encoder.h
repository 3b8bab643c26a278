#pragma once
// Encoders that turn many token sequences into hidden states in one pass, packed back
// to back without padding (an embedding model indexing chunks). No KV cache: each
// sequence is complete, and each token attends only within its own sequence
// (ops::attention_packed), so a batch gives exactly what each sequence gives alone.
#include <cstdint>

#include "gpu/graph.h"
#include "ops/tensor.h"

namespace vole::arch {

// The per-run inputs of a packed pass, in host-written buffers.
struct PackedBatch {
  ops::Tensor ids;        // i32 [T]
  ops::Tensor positions;  // i32 [T]: each token's position within its sequence
  ops::Tensor bounds;     // i32 [T, 2]: the [start, end) rows of each token's sequence
  int64_t tokens = 0;     // T
};

// Implemented by components that can run packed sequences (next to Component).
class PackedEncoder {
 public:
  virtual ~PackedEncoder() = default;
  virtual int64_t hidden_size() const = 0;
  virtual int64_t max_positions() const = 0;  // 0: no limit from the config
  // hidden [T, hidden] = the final-norm hidden state of every token.
  virtual void record_packed(gpu::Graph& g, const PackedBatch& batch, const ops::Tensor& hidden) const = 0;
};

}  // namespace vole::arch
