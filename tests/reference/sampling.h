#pragma once
// CPU references for token selection (ops/sampling.h): argmax, top-k, penalties and the
// full sampler, with the same candidate order (value descending, ties to the lower id,
// NaN as -inf) and the same counter-based RNG, so a (seed, step) pair picks the same
// token as the GPU. Probabilities in double.
#include <cstdint>
#include <vector>

#include "ops/sampling.h"

namespace vole::ref {

// First index of the largest value of each row of logits [rows, vocab].
std::vector<int32_t> argmax(const std::vector<float>& logits, int64_t rows, int64_t vocab);

struct Candidate {
  float value;
  int32_t id;
};
// The k best values of a row, best first.
std::vector<Candidate> top_k(const std::vector<float>& logits, int64_t k);

// Logits after the repetition / presence / frequency penalties of the first
// history_len entries of `history`.
std::vector<float> apply_penalties(const std::vector<float>& logits, const std::vector<int32_t>& history,
                                   const ops::SamplerParams& p);

// PCG hash and the sampler's uniform draw in [0, 1) for (seed, step).
uint32_t pcg_hash(uint32_t v);
double sampler_uniform(uint32_t seed, uint32_t step);

// What the sampler draws from: the kept candidates (best first) and their renormalised
// probabilities. Greedy settings give one candidate with probability 1.
struct Distribution {
  std::vector<int32_t> ids;
  std::vector<double> probs;
};
Distribution sampling_distribution(const std::vector<float>& logits, const std::vector<int32_t>& history,
                                   const ops::SamplerParams& p);

// The token ops::sample draws for these parameters (seed and step included).
int32_t sample(const std::vector<float>& logits, const std::vector<int32_t>& history, const ops::SamplerParams& p);

}  // namespace vole::ref
