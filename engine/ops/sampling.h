#pragma once
// Token selection on the GPU, so a decode step reads back one token id, not the logits.
#include <cstddef>
#include <cstdint>

#include "ops/tensor.h"

namespace vole::ops {

// Index of the largest value in each row (first on ties; NaN counts as -infinity):
// logits [R, V] -> ids i32 [R].
void argmax(gpu::Graph& g, const Tensor& logits, const Tensor& ids);

// The k largest values of one row, sorted descending (ties: lower index first; NaN
// counts as -infinity): logits [1, V] (or [V]) -> values f32 [k], ids i32 [k], with
// 1 <= k <= min(V, kMaxCandidates).
void top_k(gpu::Graph& g, const Tensor& logits, const Tensor& values, const Tensor& ids);

// Sampler settings as the kernels read them from a buffer the host rewrites between
// steps (so the recorded graph stays fixed). Layout is shared with
// kernels/sampling/params.glsl (std430: ten 4-byte scalars).
struct SamplerParams {
  float temperature = 1.0f;   // <= 0: greedy
  float top_p = 1.0f;
  float min_p = 0.0f;
  float repetition_penalty = 1.0f;  // >1 discourages tokens seen in the history
  float presence_penalty = 0.0f;    // subtracted once from every token seen
  float frequency_penalty = 0.0f;   // subtracted per occurrence
  uint32_t top_k = 0;               // 0 or above kMaxCandidates: kMaxCandidates
  uint32_t history_len = 0;         // valid entries in the history buffer
  uint32_t seed = 0;
  uint32_t step = 0;                // mixed into the seed: each step draws fresh randomness
};
static_assert(sizeof(SamplerParams) == 40, "SamplerParams is read by kernels: keep the layout");
static_assert(offsetof(SamplerParams, top_k) == 24 && offsetof(SamplerParams, step) == 36,
              "SamplerParams is read by kernels: keep the layout");

inline constexpr uint32_t kMaxCandidates = 256;

// Full sampling of one row, all on the GPU:
//  1. penalties for the tokens among the first history_len entries of `history` (i32;
//     ids outside the vocabulary are ignored), per distinct token t seen c times:
//     repetition (HF): logit > 0 ? logit / p : logit * p, once; then
//     logit -= presence_penalty + frequency_penalty * c;
//  2. the kMaxCandidates best penalised logits (ties: lower id), cut to top_k;
//  3. temperature <= 0: the best one (greedy). Otherwise softmax(logit / temperature)
//     over the candidates; top-p keeps the smallest prefix whose mass reaches top_p
//     (at least one); min-p drops candidates with p < min_p * p_max; renormalised draw;
//  4. randomness: u = (pcg(pcg(seed) + step) >> 8) / 2^24, where pcg is the PCG hash
//     (Jarzynski & Olano 2020), so a (seed, step) pair always draws the same token.
// NaN logits count as -inf. params: one SamplerParams (see sampler_params_view).
// Writes the chosen id to `token` (i32 [1]).
void sample(gpu::Graph& g, const Tensor& logits, const Tensor& history, const Tensor& params, const Tensor& token);

// A u32 [10] view of a SamplerParams stored in `buffer` at `offset`, for sample().
Tensor sampler_params_view(const gpu::Buffer& buffer, uint64_t offset = 0);

}  // namespace vole::ops
