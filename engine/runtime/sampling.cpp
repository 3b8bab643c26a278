#include "runtime/sampling.h"

#include <cmath>

#include "util/error.h"

namespace vole::runtime {

SamplingOptions SamplingOptions::greedy() {
  SamplingOptions o;
  o.temperature = 0.0f;
  o.top_k = 1;
  o.top_p = 1.0f;
  return o;
}

void SamplingOptions::validate() const {
  auto finite = [](float v) { return std::isfinite(v); };
  require(finite(temperature) && temperature >= 0.0f && temperature <= 100.0f, "temperature must be in [0, 100]");
  require(top_k >= 0, "top-k must be >= 0");
  require(finite(top_p) && top_p > 0.0f && top_p <= 1.0f, "top-p must be in (0, 1]");
  require(finite(min_p) && min_p >= 0.0f && min_p < 1.0f, "min-p must be in [0, 1)");
  require(finite(repetition_penalty) && repetition_penalty > 0.0f, "repetition penalty must be > 0");
  require(finite(presence_penalty) && finite(frequency_penalty), "penalties must be finite numbers");
  require(penalty_last_n >= 0 && penalty_last_n <= 4096, "penalty window must be in [0, 4096]");
}

ops::SamplerParams to_sampler_params(const SamplingOptions& o, uint32_t seed, uint32_t step, uint32_t history_len) {
  ops::SamplerParams p;
  p.temperature = o.temperature;
  p.top_p = o.top_p;
  p.min_p = o.min_p;
  p.repetition_penalty = o.repetition_penalty;
  p.presence_penalty = o.presence_penalty;
  p.frequency_penalty = o.frequency_penalty;
  p.top_k = static_cast<uint32_t>(o.top_k);
  p.history_len = history_len;
  p.seed = seed;
  p.step = step;
  return p;
}

}  // namespace vole::runtime
