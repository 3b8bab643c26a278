#pragma once
// Token selection on the GPU, so a decode step reads back one token id, not the logits.
#include <cstdint>

#include "ops/tensor.h"

namespace vole::ops {

// Index of the largest value in each row (first on ties): logits [R, V] -> ids i32 [R].
void argmax(gpu::Graph& g, const Tensor& logits, const Tensor& ids);

// The k largest values of one row, sorted descending (ties: lower index first):
// logits [1, V] -> values f32 [k], ids i32 [k].
void top_k(gpu::Graph& g, const Tensor& logits, const Tensor& values, const Tensor& ids);

// Sampler settings as the kernels read them from a buffer the host rewrites between
// steps (so the recorded graph stays fixed). Layout is shared with kernels/sampling.
struct SamplerParams {
  float temperature = 1.0f;   // <= 0: greedy
  float top_p = 1.0f;
  float min_p = 0.0f;
  float repetition_penalty = 1.0f;  // >1 discourages tokens seen in the history
  float presence_penalty = 0.0f;    // subtracted once from every token seen
  float frequency_penalty = 0.0f;   // subtracted per occurrence
  uint32_t top_k = 0;               // 0: no limit (up to kMaxCandidates)
  uint32_t history_len = 0;         // valid entries in the history buffer
  uint32_t seed = 0;
  uint32_t step = 0;                // mixed into the seed: each step draws fresh randomness
};
static_assert(sizeof(SamplerParams) == 40, "SamplerParams is read by kernels: keep the layout");

inline constexpr uint32_t kMaxCandidates = 256;

// Full sampling of one row: penalties from `history` (i32 tokens) applied to a copy
// of the logits, then top-k (<= kMaxCandidates), temperature, top-p, min-p, and a draw
// from a counter-based RNG keyed by (seed, step). params: a buffer holding one
// SamplerParams. Writes the chosen id to `token` (i32 [1]).
void sample(gpu::Graph& g, const Tensor& logits, const Tensor& history, const Tensor& params, const Tensor& token);

}  // namespace vole::ops
