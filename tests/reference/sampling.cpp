#include "reference/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace vole::ref {

namespace {

float sanitise(float v) { return std::isnan(v) ? -std::numeric_limits<float>::infinity() : v; }

}  // namespace

std::vector<int32_t> argmax(const std::vector<float>& logits, int64_t rows, int64_t vocab) {
  std::vector<int32_t> ids(rows);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    for (int64_t i = 1; i < vocab; ++i)
      if (sanitise(logits[r * vocab + i]) > sanitise(logits[r * vocab + best])) best = i;
    ids[r] = static_cast<int32_t>(best);
  }
  return ids;
}

std::vector<Candidate> top_k(const std::vector<float>& logits, int64_t k) {
  std::vector<Candidate> all(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) all[i] = {sanitise(logits[i]), static_cast<int32_t>(i)};
  k = std::min<int64_t>(k, all.size());
  std::partial_sort(all.begin(), all.begin() + k, all.end(), [](const Candidate& a, const Candidate& b) {
    return a.value > b.value || (a.value == b.value && a.id < b.id);
  });
  all.resize(k);
  return all;
}

std::vector<float> apply_penalties(const std::vector<float>& logits, const std::vector<int32_t>& history,
                                   const ops::SamplerParams& p) {
  std::map<int32_t, int> counts;
  for (size_t j = 0; j < std::min<size_t>(p.history_len, history.size()); ++j)
    if (history[j] >= 0 && static_cast<size_t>(history[j]) < logits.size()) ++counts[history[j]];
  std::vector<float> out = logits;
  for (auto [token, c] : counts) {
    double v = logits[token];
    v = v > 0 ? v / p.repetition_penalty : v * p.repetition_penalty;
    v -= p.presence_penalty + static_cast<double>(p.frequency_penalty) * c;
    out[token] = static_cast<float>(v);
  }
  return out;
}

uint32_t pcg_hash(uint32_t v) {
  uint32_t state = v * 747796405u + 2891336453u;
  uint32_t word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

double sampler_uniform(uint32_t seed, uint32_t step) {
  return static_cast<double>(pcg_hash(pcg_hash(seed) + step) >> 8) / 16777216.0;
}

namespace {

// Candidates, their unnormalised weights e_i = p_i / p_max, and the kept prefix length.
struct Kept {
  std::vector<Candidate> cand;
  std::vector<double> e;
  size_t keep = 1;
};

Kept keep(const std::vector<float>& logits, const std::vector<int32_t>& history, const ops::SamplerParams& p) {
  Kept k;
  k.cand = top_k(apply_penalties(logits, history, p), ops::kMaxCandidates);
  size_t kk = p.top_k == 0 ? ops::kMaxCandidates : std::min<uint32_t>(p.top_k, ops::kMaxCandidates);
  kk = std::min(kk, k.cand.size());
  double v0 = k.cand[0].value;
  if (!(p.temperature > 0) || kk <= 1 || std::isinf(v0)) return k;  // greedy: the best one
  for (size_t i = 0; i < kk; ++i) k.e.push_back(std::exp((k.cand[i].value - v0) / p.temperature));
  double total = std::accumulate(k.e.begin(), k.e.end(), 0.0);
  double before = 0;
  k.keep = kk;
  for (size_t i = 1; i < kk; ++i) {
    before += k.e[i - 1];
    bool drop = (p.top_p < 1 && before >= static_cast<double>(p.top_p) * total) || (p.min_p > 0 && k.e[i] < p.min_p);
    if (drop) {
      k.keep = i;
      break;
    }
  }
  return k;
}

}  // namespace

Distribution sampling_distribution(const std::vector<float>& logits, const std::vector<int32_t>& history,
                                   const ops::SamplerParams& p) {
  Kept k = keep(logits, history, p);
  Distribution d;
  if (k.e.empty()) {
    d.ids = {k.cand[0].id};
    d.probs = {1.0};
    return d;
  }
  double mass = std::accumulate(k.e.begin(), k.e.begin() + k.keep, 0.0);
  for (size_t i = 0; i < k.keep; ++i) {
    d.ids.push_back(k.cand[i].id);
    d.probs.push_back(k.e[i] / mass);
  }
  return d;
}

int32_t sample(const std::vector<float>& logits, const std::vector<int32_t>& history, const ops::SamplerParams& p) {
  Kept k = keep(logits, history, p);
  if (k.e.empty()) return k.cand[0].id;
  double mass = std::accumulate(k.e.begin(), k.e.begin() + k.keep, 0.0);
  double target = sampler_uniform(p.seed, p.step) * mass;
  double running = 0;
  for (size_t i = 0; i < k.keep; ++i) {
    running += k.e[i];
    if (running > target) return k.cand[i].id;
  }
  return k.cand[k.keep - 1].id;
}

}  // namespace vole::ref
