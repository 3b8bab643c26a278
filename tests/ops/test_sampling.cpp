// Token selection kernels vs. the CPU reference: argmax, top-k and the full sampler.
//
// Tolerances: argmax and top-k are exact (ids equal, values equal: they are copies; -0
// comes back as +0, the same value).
// The sampler must pick the same token as the reference for the same (seed, step): the
// two differ only in rounding (f32 on the GPU, double on the CPU), which moves a draw
// only when u lands within ~1e-6 of a boundary, so the fixed seeds below agree exactly.
// Statistics: 2000 draws; each token's count must be within 4.5 binomial standard
// deviations of its probability (a false alarm about once in 150000 runs per token).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "ops/reduce_path.h"
#include "ops/sampling.h"
#include "reference/sampling.h"
#include "support/gpu_test.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr int64_t kVocab = 248320;  // Qwen3.5


std::vector<int32_t> gpu_argmax(const std::vector<float>& logits, int64_t rows, int64_t vocab) {
  auto tl = gpu_tensor(logits, {rows, vocab});
  auto ids = gpu_output({rows}, DType::I32);
  gpu::Graph g(gpu_context(), "argmax");
  ops::argmax(g, tl, ids);
  run_graph(g);
  return read_i32(ids);
}

TEST(Argmax, ModelVocabulary) {
  int64_t rows = 3;
  auto logits = random_floats(rows * kVocab, 81, -20, 20);
  logits[0 * kVocab + 248319] = 30;  // last element
  logits[1 * kVocab + 4096] = 30;    // first of a chunk
  logits[1 * kVocab + 200000] = 30;  // tie: the first wins
  logits[2 * kVocab + 123457] = 25;
  for_each_reduce_path([&](const char* path) {
    auto got = gpu_argmax(logits, rows, kVocab);
    EXPECT_EQ(got, ref::argmax(logits, rows, kVocab)) << path;
    EXPECT_EQ(got, (std::vector<int32_t>{248319, 4096, 123457})) << path;
  });
}

TEST(Argmax, EdgeCases) {
  const float inf = INFINITY, nan = NAN;
  for_each_reduce_path([&](const char* path) {
    // All equal: the first. Odd vocabulary sizes around the chunk size.
    for (int64_t vocab : {1, 7, 4095, 4097, 9000}) {
      std::vector<float> equal(2 * vocab, 0.5f);
      EXPECT_EQ(gpu_argmax(equal, 2, vocab), (std::vector<int32_t>{0, 0})) << path << " vocab " << vocab;
    }
    // NaN is never picked over a number; -inf rows give the first; +inf wins.
    std::vector<float> v = {nan, -3, nan, 2, 2, nan,        // row 0: 3
                            -inf, -inf, -inf, -inf, -inf, -inf,  // row 1: 0
                            nan, nan, nan, nan, nan, nan,   // row 2: 0
                            1, inf, 5, inf, nan, 0};        // row 3: 1
    EXPECT_EQ(gpu_argmax(v, 4, 6), (std::vector<int32_t>{3, 0, 0, 1})) << path;
  });
}

struct TopK {
  std::vector<float> values;
  std::vector<int32_t> ids;
};

TopK gpu_top_k(const std::vector<float>& logits, int64_t k) {
  auto tl = gpu_tensor(logits, {1, static_cast<int64_t>(logits.size())});
  auto values = gpu_output({k}), ids = gpu_output({k}, DType::I32);
  gpu::Graph g(gpu_context(), "top_k");
  ops::top_k(g, tl, values, ids);
  run_graph(g);
  return {read_f32(values), read_i32(ids)};
}

void expect_top_k(const std::vector<float>& logits, int64_t k, const std::string& what) {
  auto got = gpu_top_k(logits, k);
  auto want = ref::top_k(logits, k);
  ASSERT_EQ(got.ids.size(), want.size());
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i)
    if (got.ids[i] != want[i].id || got.values[i] != want[i].value) {
      if (bad++ < 5)
        ADD_FAILURE() << what << ": rank " << i << ": got (" << got.values[i] << ", " << got.ids[i] << "), want ("
                      << want[i].value << ", " << want[i].id << ")";
    }
  EXPECT_EQ(bad, 0u) << what;
}

TEST(TopK, ModelVocabulary) {
  auto logits = random_floats(kVocab, 91, -15, 15);
  expect_top_k(logits, 256, "k=256");
  expect_top_k(logits, 20, "k=20");
  expect_top_k(logits, 1, "k=1");
}

TEST(TopK, Ties) {
  // All equal: the lowest ids, in order (ties across every chunk boundary).
  expect_top_k(std::vector<float>(kVocab, 1.25f), 256, "all equal");
  // Few distinct values: thousands tie at the k-th value in every chunk and in the merge.
  auto coarse = random_floats(kVocab, 92, -4, 4);
  for (auto& v : coarse) v = std::round(v * 2) / 2;
  expect_top_k(coarse, 256, "coarse values");
  expect_top_k(coarse, 37, "coarse values k=37");
  // Signed zeros are equal values.
  std::vector<float> zeros(1000, -1.0f);
  zeros[10] = -0.0f;
  zeros[5] = 0.0f;
  zeros[700] = -0.0f;
  expect_top_k(zeros, 4, "signed zeros");
}

TEST(TopK, SmallRowsAndSpecialValues) {
  expect_top_k(random_floats(5, 93), 5, "k == V");
  expect_top_k(random_floats(300, 94, -1e30f, 1e30f), 256, "V=300 huge");
  expect_top_k(random_floats(9000, 95, -1e-30f, 1e-30f), 256, "tiny");
  auto special = random_floats(5000, 96);
  special[17] = NAN;
  special[18] = INFINITY;
  special[19] = -INFINITY;
  special[4000] = INFINITY;
  for (int i = 100; i < 200; ++i) special[i] = NAN;
  auto got = gpu_top_k(special, 256);
  for (float v : got.values) EXPECT_FALSE(std::isnan(v));
  expect_top_k(special, 256, "NaN and inf");
}

// A SamplerParams in a device buffer (u32 [10]) that tests rewrite between runs.
struct ParamsBuffer {
  GpuTensor t;
  explicit ParamsBuffer(const ops::SamplerParams& p) : t(gpu_tensor_i32(std::vector<int32_t>(10, 0), {10})) {
    set(p);
  }
  void set(const ops::SamplerParams& p) { gpu_context().upload(*t.buffer, 0, &p, sizeof p); }
};

// One recorded sampling graph, run as often as needed with new parameters.
struct Sampler {
  GpuTensor logits, history, token;
  ParamsBuffer params;
  gpu::Graph g{gpu_context(), "sample"};
  Sampler(const std::vector<float>& l, const std::vector<int32_t>& h)
      : logits(gpu_tensor(l, {1, static_cast<int64_t>(l.size())})),
        history(gpu_tensor_i32(h.empty() ? std::vector<int32_t>{0} : h,
                               {std::max<int64_t>(1, static_cast<int64_t>(h.size()))})),
        token(gpu_output({1}, DType::I32)),
        params(ops::SamplerParams{}) {
    ops::sample(g, logits, history, params.t, token);
    g.compile();
  }
  int32_t draw(const ops::SamplerParams& p) {
    params.set(p);
    g.run();
    EXPECT_EQ(gpu_context().validation_errors(), 0u);
    return read_i32(token)[0];
  }
};

TEST(Sample, GreedyIsArgmaxAfterPenalties) {
  auto logits = random_floats(kVocab, 101, -10, 10);
  logits[777] = 12;  // best, but repeated in the history
  logits[778] = 11.9f;
  logits[5] = -0.1f;
  std::vector<int32_t> history = {777, 3, 777, -5, kVocab + 10};
  Sampler s(logits, history);
  ops::SamplerParams p;
  p.temperature = 0;
  EXPECT_EQ(s.draw(p), 777);  // no history counted: history_len 0
  p.history_len = static_cast<uint32_t>(history.size());
  p.repetition_penalty = 1.1f;  // 12 / 1.1 < 11.9
  EXPECT_EQ(s.draw(p), 778);
  EXPECT_EQ(s.draw(p), ref::sample(logits, history, p));
  p.repetition_penalty = 1.0f;
  p.frequency_penalty = 0.06f;  // 12 - 2 * 0.06 < 11.9 (777 occurs twice)
  EXPECT_EQ(s.draw(p), 778);
  p.frequency_penalty = 0.03f;  // 12 - 0.06 > 11.9
  EXPECT_EQ(s.draw(p), 777);
  p.presence_penalty = 0.05f;  // 12 - 0.06 - 0.05 < 11.9
  EXPECT_EQ(s.draw(p), 778);
  p.top_k = 1;  // one candidate: greedy even with temperature
  p.temperature = 1;
  EXPECT_EQ(s.draw(p), 778);
}

TEST(Sample, PenaltiesChangeExactlyTheRightLogits) {
  // Reference: only tokens in the first history_len entries change, each once, with
  // the HF sign rule; out-of-range ids are ignored.
  std::vector<float> logits = {2, -2, 0, 4, -1, 3};
  std::vector<int32_t> history = {0, 1, 1, 2, 9, -1, 3, 4};
  ops::SamplerParams p;
  p.repetition_penalty = 2;
  p.presence_penalty = 0.5f;
  p.frequency_penalty = 0.25f;
  p.history_len = 6;  // 3 and 4 are beyond it
  auto got = ref::apply_penalties(logits, history, p);
  std::vector<float> want = {2.0f / 2 - 0.5f - 0.25f, -2.0f * 2 - 0.5f - 0.5f, 0 - 0.5f - 0.25f, 4, -1, 3};
  EXPECT_EQ(got, want);

  // GPU: with temperature 0 the pick shows which side of a threshold the penalised logit
  // of token 0 (three times in the history) lands.
  ops::SamplerParams q;
  q.temperature = 0;
  q.history_len = 3;
  Sampler rep({5, 4}, {0, 0, 0});
  q.repetition_penalty = 1.1f;  // once: 4.55 > 4 (three times would give 3.76)
  EXPECT_EQ(rep.draw(q), 0);
  q.repetition_penalty = 1.3f;  // 3.85 < 4
  EXPECT_EQ(rep.draw(q), 1);
  Sampler negative({-1, -1.05f}, {0, 0, 0});
  q.repetition_penalty = 1.1f;  // a negative logit is multiplied: -1.1 < -1.05
  EXPECT_EQ(negative.draw(q), 1);
  q.repetition_penalty = 1.0f;
  Sampler close({5, 4.9f}, {0, 0, 0, 7, -1});  // 7 and -1 are not tokens: ignored
  q.history_len = 5;
  q.frequency_penalty = 0.03f;  // 5 - 3 * 0.03 = 4.91 > 4.9
  EXPECT_EQ(close.draw(q), 0);
  q.frequency_penalty = 0.04f;  // 4.88 < 4.9
  EXPECT_EQ(close.draw(q), 1);
  q.history_len = 2;  // only two occurrences count: 4.92 > 4.9
  EXPECT_EQ(close.draw(q), 0);
  q.frequency_penalty = 0;
  q.history_len = 3;
  q.presence_penalty = 0.05f;  // once: 4.95 > 4.9 (three times would give 4.85)
  EXPECT_EQ(close.draw(q), 0);
  q.presence_penalty = 0.15f;
  EXPECT_EQ(close.draw(q), 1);
}

TEST(Sample, MatchesReferenceDrawForDraw) {
  // Realistic settings over the whole vocabulary (specs §8.3), and a few variations.
  auto logits = random_floats(kVocab, 111, -8, 8);
  for (int i = 0; i < 40; ++i) logits[(i * 7919) % kVocab] = 9 + 0.1f * i;  // a plausible head
  std::vector<int32_t> history;
  for (int i = 0; i < 300; ++i) history.push_back((i * 7919 * 3) % kVocab);
  Sampler s(logits, history);
  std::vector<ops::SamplerParams> settings(4);
  settings[0] = {1.0f, 0.95f, 0.0f, 1.0f, 1.5f, 0.0f, 20, 300, 1234, 0};  // thinking defaults
  settings[1] = {0.7f, 1.0f, 0.05f, 1.1f, 0.0f, 0.1f, 0, 300, 99, 0};
  settings[2] = {1.3f, 0.9f, 0.0f, 1.0f, 0.0f, 0.0f, 0, 0, 7, 0};
  settings[3] = {2.0f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 256, 150, 5, 0};
  std::set<int32_t> seen;
  for (const auto& base : settings)
    for (uint32_t step = 0; step < 6; ++step) {
      ops::SamplerParams p = base;
      p.step = step;
      int32_t got = s.draw(p);
      EXPECT_EQ(got, ref::sample(logits, history, p)) << "seed " << p.seed << " step " << step;
      seen.insert(got);
    }
  EXPECT_GT(seen.size(), 5u);  // it really samples
}

TEST(Sample, DistributionOfDraws) {
  // Temperature 1 over a known distribution: the frequencies follow the probabilities.
  std::vector<double> probs = {0.4, 0.2, 0.15, 0.1, 0.08, 0.04, 0.02, 0.01};
  std::vector<float> logits(probs.size());
  for (size_t i = 0; i < probs.size(); ++i) logits[i] = static_cast<float>(std::log(probs[i]) + 3.0);
  Sampler s(logits, {});
  ops::SamplerParams p;
  p.seed = 42;
  const int draws = 2000;
  std::vector<int> counts(probs.size(), 0);
  int mismatches = 0;
  for (int i = 0; i < draws; ++i) {
    p.step = static_cast<uint32_t>(i);
    int32_t t = s.draw(p);
    ASSERT_GE(t, 0);
    ASSERT_LT(t, static_cast<int32_t>(probs.size()));
    ++counts[t];
    mismatches += t != ref::sample(logits, {}, p);
  }
  EXPECT_EQ(mismatches, 0);
  for (size_t i = 0; i < probs.size(); ++i) {
    double sd = std::sqrt(draws * probs[i] * (1 - probs[i]));
    EXPECT_NEAR(counts[i], draws * probs[i], 4.5 * sd) << "token " << i;
  }
}

TEST(Sample, CutsKeepExactlyTheRightCandidates) {
  // p = 1/2, 1/4, 1/8, ... (16 tokens, renormalised), shuffled ids.
  std::vector<int32_t> order = {9, 3, 14, 0, 7, 12, 1, 5, 15, 2, 8, 11, 4, 6, 10, 13};
  std::vector<float> logits(16);
  for (int r = 0; r < 16; ++r) logits[order[r]] = -0.6931472f * r;
  Sampler s(logits, {});
  struct Case {
    const char* name;
    ops::SamplerParams p;
    size_t kept;  // the kept prefix of `order`
  } cases[] = {
      {"top_k 3", {1, 1, 0, 1, 0, 0, 3, 0, 1, 0}, 3},
      {"top_p 0.8", {1, 0.8f, 0, 1, 0, 0, 0, 0, 2, 0}, 3},      // 0.5, 0.75 < 0.8; 0.875 reaches it
      {"top_p 0.5", {1, 0.5f, 0, 1, 0, 0, 0, 0, 3, 0}, 1},      // the first alone reaches 0.5
      {"top_p 0", {1, 0.0f, 0, 1, 0, 0, 0, 0, 3, 0}, 1},        // always at least one
      {"min_p 0.2", {1, 1, 0.2f, 1, 0, 0, 0, 0, 4, 0}, 3},      // p/p_max = 1, .5, .25 >= .2 > .125
      {"min_p 0.249", {1, 1, 0.249f, 1, 0, 0, 0, 0, 4, 0}, 3},
      {"all three", {1, 0.95f, 0.01f, 1, 0, 0, 5, 0, 5, 0}, 4},  // mass before the 5th of 5: 0.968
  };
  for (const auto& c : cases) {
    auto dist = ref::sampling_distribution(logits, {}, c.p);
    std::vector<int32_t> want(order.begin(), order.begin() + c.kept);
    EXPECT_EQ(dist.ids, want) << c.name;
    std::set<int32_t> drawn;
    for (uint32_t step = 0; step < 200; ++step) {
      ops::SamplerParams p = c.p;
      p.step = step;
      int32_t t = s.draw(p);
      ASSERT_EQ(t, ref::sample(logits, {}, p)) << c.name << " step " << step;
      drawn.insert(t);
    }
    EXPECT_EQ(drawn, std::set<int32_t>(want.begin(), want.end())) << c.name;
  }
}

TEST(Sample, EdgeCases) {
  // All-equal logits: uniform over the 256 lowest ids (top_k 0 = 256 candidates).
  Sampler eq(std::vector<float>(5000, 0.25f), {});
  ops::SamplerParams p;
  p.seed = 3;
  std::set<int32_t> seen;
  for (uint32_t step = 0; step < 64; ++step) {
    p.step = step;
    int32_t t = eq.draw(p);
    EXPECT_GE(t, 0);
    EXPECT_LT(t, 256);
    EXPECT_EQ(t, ref::sample(std::vector<float>(5000, 0.25f), {}, p));
    seen.insert(t);
  }
  EXPECT_GT(seen.size(), 30u);
  // Vocabulary smaller than the candidate count, NaN and -inf logits are never drawn.
  std::vector<float> small = {NAN, 1.0f, -INFINITY, 0.5f, NAN};
  Sampler sm(small, {});
  for (uint32_t step = 0; step < 50; ++step) {
    p.step = step;
    p.temperature = 5;
    int32_t t = sm.draw(p);
    EXPECT_TRUE(t == 1 || t == 3) << t;
  }
  // Every logit -inf: the first id, no NaN arithmetic.
  Sampler masked(std::vector<float>(10, -INFINITY), {});
  EXPECT_EQ(masked.draw(p), 0);
}

TEST(Sampling, RejectsBadShapes) {
  auto logits = gpu_tensor(random_floats(100, 1), {1, 100});
  auto two_rows = gpu_tensor(random_floats(200, 1), {2, 100});
  auto v300 = gpu_output({300}), i300 = gpu_output({300}, DType::I32);
  auto v10 = gpu_output({10}), i10 = gpu_output({10}, DType::I32), i9 = gpu_output({9}, DType::I32);
  auto v200 = gpu_output({200}), i200 = gpu_output({200}, DType::I32);
  auto history = gpu_tensor_i32({1, 2}, {2});
  auto fhistory = gpu_tensor(random_floats(2, 1), {2});
  ParamsBuffer params(ops::SamplerParams{});
  auto short_params = gpu_tensor_i32(std::vector<int32_t>(9, 0), {9});
  auto token = gpu_output({1}, DType::I32), token2 = gpu_output({2}, DType::I32);
  auto ids1 = gpu_output({1}, DType::I32), ids3 = gpu_output({3}, DType::I32);
  gpu::Graph g(gpu_context(), "bad");
  EXPECT_THROW(ops::top_k(g, logits, v300, i300), Error);    // k > kMaxCandidates
  EXPECT_THROW(ops::top_k(g, logits, v200, i200), Error);    // k > V
  EXPECT_THROW(ops::top_k(g, logits, v10, i9), Error);       // ids shape
  EXPECT_THROW(ops::top_k(g, two_rows, v10, i10), Error);    // one row only
  EXPECT_THROW(ops::argmax(g, two_rows, ids1), Error);       // ids [R]
  EXPECT_THROW(ops::argmax(g, two_rows, ids3), Error);
  EXPECT_THROW(ops::sample(g, logits, fhistory, params.t, token), Error);      // history dtype
  EXPECT_THROW(ops::sample(g, logits, history, short_params, token), Error);   // params size
  EXPECT_THROW(ops::sample(g, logits, history, params.t, token2), Error);      // token [1]
  EXPECT_THROW(ops::sample(g, two_rows, history, params.t, token), Error);
  try {
    ops::top_k(g, logits, v300, i300);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("top_k: k must be in [1, 256], got 300"), std::string::npos) << e.what();
  }
}

}  // namespace
