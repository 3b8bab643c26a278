#pragma once
// One vector per sequence from the rows of sequences packed back to back: the mean of
// its rows (sentence-transformers' mean pooling over the real tokens) or its last row
// (last-token pooling, e.g. Qwen3-Embedding).
#include "ops/tensor.h"

namespace vole::ops {

enum class Pooling { Mean, LastToken };

// x f32 [T, C]; offsets i32 [S + 1] (sequence s is rows offsets[s] .. offsets[s + 1],
// non-decreasing, read on the GPU); out f32 [S, C]. An empty sequence gives zeros.
void pool_sequences(gpu::Graph& g, const Tensor& x, const Tensor& offsets, const Tensor& out, Pooling mode);

}  // namespace vole::ops
