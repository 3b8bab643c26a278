#pragma once
// User-facing sampling settings and their translation into what the GPU sampler reads.
#include <cstdint>
#include <string>

#include "ops/sampling.h"

namespace vole::runtime {

struct SamplingOptions {
  float temperature = 0.7f;  // <= 0: greedy
  int top_k = 20;            // 0: no limit (the sampler still considers at most ops::kMaxCandidates)
  float top_p = 0.8f;
  float min_p = 0.0f;
  float repetition_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int penalty_last_n = 64;   // how many recent tokens the penalties look at
  uint32_t seed = 0;         // 0: a fresh seed per generation

  static SamplingOptions greedy();
  void validate() const;     // throws InvalidArgument naming the bad field
};

ops::SamplerParams to_sampler_params(const SamplingOptions& options, uint32_t seed, uint32_t step,
                                     uint32_t history_len);

}  // namespace vole::runtime
