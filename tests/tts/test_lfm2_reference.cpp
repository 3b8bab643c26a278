// The LFM2 CPU reference on tiny random weights: per-row decode with the conv state and
// KV cache equals the whole-sequence computation; the short convolution's taps and
// gates follow the spec; the FF-width formula gives the released sizes; Kani-TTS-2's
// positions, learned RoPE scale and inserted speaker row behave as specified.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "reference/lfm2_forward.h"

namespace vole::ref {
namespace {

std::vector<float> randn(size_t n, float scale, std::mt19937& rng) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

Lfm2Spec tiny_spec() {
  Lfm2Spec s;
  s.hidden = 16;
  s.intermediate = 24;
  s.layers = 4;
  s.heads = 4;
  s.kv_heads = 2;
  s.head_dim = 4;
  s.vocab = 40;
  s.attention = {false, false, true, false};
  return s;
}

WeightMap tiny_weights(const Lfm2Spec& s, uint32_t seed, bool conv_bias = false) {
  std::mt19937 rng(seed);
  const size_t H = static_cast<size_t>(s.hidden), F = static_cast<size_t>(s.intermediate);
  const size_t qd = static_cast<size_t>(s.heads * s.head_dim), kvd = static_cast<size_t>(s.kv_heads * s.head_dim);
  WeightMap w;
  auto norm = [&](size_t n) {
    auto v = randn(n, 0.1f, rng);
    for (float& x : v) x += 1.0f;
    return v;
  };
  w["model.embed_tokens.weight"] = randn(static_cast<size_t>(s.vocab) * H, 0.5f, rng);
  w["model.embedding_norm.weight"] = norm(H);
  for (int l = 0; l < s.layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    w[p + "operator_norm.weight"] = norm(H);
    w[p + "ffn_norm.weight"] = norm(H);
    w[p + "feed_forward.w1.weight"] = randn(F * H, 0.3f, rng);
    w[p + "feed_forward.w3.weight"] = randn(F * H, 0.3f, rng);
    w[p + "feed_forward.w2.weight"] = randn(H * F, 0.3f, rng);
    if (s.attention[static_cast<size_t>(l)]) {
      w[p + "self_attn.q_proj.weight"] = randn(qd * H, 0.3f, rng);
      w[p + "self_attn.k_proj.weight"] = randn(kvd * H, 0.3f, rng);
      w[p + "self_attn.v_proj.weight"] = randn(kvd * H, 0.3f, rng);
      w[p + "self_attn.out_proj.weight"] = randn(H * qd, 0.3f, rng);
      w[p + "self_attn.q_layernorm.weight"] = norm(static_cast<size_t>(s.head_dim));
      w[p + "self_attn.k_layernorm.weight"] = norm(static_cast<size_t>(s.head_dim));
    } else {
      w[p + "conv.in_proj.weight"] = randn(3 * H * H, 0.3f, rng);
      w[p + "conv.conv.weight"] = randn(H * static_cast<size_t>(s.conv_kernel), 0.5f, rng);
      w[p + "conv.out_proj.weight"] = randn(H * H, 0.3f, rng);
      if (conv_bias) {
        w[p + "conv.in_proj.bias"] = randn(3 * H, 0.1f, rng);
        w[p + "conv.conv.bias"] = randn(H, 0.1f, rng);
        w[p + "conv.out_proj.bias"] = randn(H, 0.1f, rng);
      }
    }
  }
  return w;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  return m;
}

TEST(Lfm2Reference, FeedForwardWidthOfTheReleasedModels) {
  EXPECT_EQ(lfm2_ff_dim(6656, true, 1.0, 256), 4608);     // LFM2-350M, Kani-TTS
  EXPECT_EQ(lfm2_ff_dim(10240, true, 1.0, 256), 6912);    // LFM2-700M
  EXPECT_EQ(lfm2_ff_dim(12288, true, 1.0, 256), 8192);    // LFM2-1.2B
  EXPECT_EQ(lfm2_ff_dim(10752, false, 1.0, 256), 10752);  // LFM2-2.6B: no adjustment
  EXPECT_EQ(lfm2_ff_dim(6656, true, 0.0, 256), 4437);     // multiplier null: no rounding
}

TEST(Lfm2Reference, DecodeEqualsFullRecompute) {
  for (bool bias : {false, true}) {
    auto spec = tiny_spec();
    spec.conv_bias = bias;
    auto weights = tiny_weights(spec, 11, bias);
    Lfm2Reference model(spec, weights);
    // Length 1 and 2 prompts matter: fewer rows than the conv kernel.
    std::vector<int32_t> tokens = {3, 17, 5, 5, 39, 0, 21, 8, 8, 13, 2, 30};
    auto whole = model.forward(tokens);
    auto state = model.new_state();
    for (size_t t = 0; t < tokens.size(); ++t) {
      auto step = model.step(tokens[t], state);
      EXPECT_LT(max_diff(step, whole[t]), 2e-5) << "row " << t << " bias " << bias;
    }
    EXPECT_EQ(state.rows, 12);
    EXPECT_EQ(state.k_cache[2].size(), 12u * 2 * 4);
    EXPECT_EQ(state.conv[0].size(), 2u * 16);
  }
}

TEST(Lfm2Reference, ShortConvolutionTapsAndGates) {
  // One conv layer, H = 2, built so the hidden state after it is known in closed form:
  // token 0 embeds as (1, 1) (RMS-normalised: unchanged); in_proj gives B = X = (1, 1) and
  // C = (1, 1), so U = B ⊙ X = 1 on every row; channel 0's taps are (0.5, 0.25, 2) from
  // the oldest row to the current one, channel 1's (0, 0, 1). The MLP is zero, so after
  // the layer h = (1 + V0, 1 + 1) with V0 = 2, 2.25, 2.75 on rows 0, 1, 2. The tied head
  // rows (1, 1) and (1, -1) let the test read n = h / rms(h) back: h0 / h1 = n0 / n1.
  Lfm2Spec s;
  s.hidden = 2;
  s.intermediate = 2;
  s.layers = 1;
  s.heads = 1;
  s.kv_heads = 1;
  s.head_dim = 2;
  s.vocab = 2;
  s.attention = {false};
  s.eps = 0;
  WeightMap w;
  w["model.embed_tokens.weight"] = {1, 1, 1, -1};
  w["model.embedding_norm.weight"] = {1, 1};
  w["model.layers.0.operator_norm.weight"] = {1, 1};
  w["model.layers.0.ffn_norm.weight"] = {1, 1};
  w["model.layers.0.feed_forward.w1.weight"] = {0, 0, 0, 0};
  w["model.layers.0.feed_forward.w3.weight"] = {0, 0, 0, 0};
  w["model.layers.0.feed_forward.w2.weight"] = {0, 0, 0, 0};
  w["model.layers.0.conv.in_proj.weight"] = {1, 0, 0, 1,   // B = x
                                             1, 0, 1, 0,   // C = (x0, x0)
                                             1, 0, 0, 1};  // X = x
  w["model.layers.0.conv.conv.weight"] = {0.5f, 0.25f, 2.0f, 0.0f, 0.0f, 1.0f};
  w["model.layers.0.conv.out_proj.weight"] = {1, 0, 0, 1};
  Lfm2Reference m(s, w);
  auto v0_of = [](const std::vector<float>& logits) {
    double n0 = (logits[0] + logits[1]) / 2.0, n1 = (logits[0] - logits[1]) / 2.0;
    return 2.0 * n0 / n1 - 1.0;  // h0 / h1 = (1 + V0) / 2
  };
  const double want[] = {2.0, 2.25, 2.75};
  auto state = m.new_state();
  auto whole = m.forward({0, 0, 0});
  for (int t = 0; t < 3; ++t) {
    EXPECT_NEAR(v0_of(m.step(0, state)), want[t], 1e-5) << "row " << t;
    EXPECT_NEAR(v0_of(whole[static_cast<size_t>(t)]), want[t], 1e-5) << "row " << t;
  }
}

TEST(Lfm2Reference, RopeScaleActsLikeScaledPositions) {
  auto spec = tiny_spec();
  auto weights = tiny_weights(spec, 5);
  auto scaled = spec;
  scaled.rope_scale = {1.0, 1.0, 0.5, 1.0};
  Lfm2Reference plain(spec, weights), alpha(scaled, weights);
  std::vector<std::vector<float>> rows;
  for (int32_t t : {4, 9, 1, 33}) rows.push_back(plain.embed(t));
  // α = 0.5 on the only attention layer == positions halved (the conv layers ignore positions).
  auto a = alpha.forward_rows(rows, {0, 1, 2, 3});
  auto b = plain.forward_rows(rows, {0, 0.5, 1.0, 1.5});
  for (size_t t = 0; t < rows.size(); ++t) EXPECT_LT(max_diff(a[t], b[t]), 1e-5);
  auto c = plain.forward_rows(rows, {0, 1, 2, 3});
  EXPECT_GT(max_diff(a[3], c[3]), 1e-4);
  EXPECT_NEAR(kani_rope_alpha(0.0), 1.05, 1e-12);
  EXPECT_NEAR(kani_rope_alpha(0.0, 0.5, 2.0), 1.25, 1e-12);
  EXPECT_NEAR(kani_rope_alpha(-50.0), 0.1, 1e-9);
}

TEST(Lfm2Reference, KaniPositionsAndSpeakerRow) {
  const int32_t A = 100;  // audio_tokens_start of this toy vocabulary
  // prompt of 4 rows (incl. a speaker row), then START_OF_AI, START_OF_SPEECH, 2 frames, END_OF_SPEECH
  std::vector<int32_t> rows = {7, -1, 8, 9, 50, 51, A, A + 1, A + 2, A + 3, A + 4, A + 5, A + 6, A + 7, 52};
  auto p = kani_positions(rows, 4, A, 4, 1.0);
  std::vector<double> want = {0, 1, 2, 3, 4, 5, 6, 6, 6, 6, 7, 7, 7, 7, 14};
  EXPECT_EQ(p, want);
  auto q = kani_positions(rows, 4, A, 4, 0.25);
  EXPECT_EQ(q[10], 6.25);
  EXPECT_EQ(q[14], 14.0);

  // A speaker row after the first token: decode == recompute with explicit rows and
  // fractional positions, and the speaker row changes what follows.
  auto spec = tiny_spec();
  spec.rope_scale = {1, 1, kani_rope_alpha(0.7), 1};
  auto weights = tiny_weights(spec, 3);
  Lfm2Reference m(spec, weights);
  std::mt19937 rng(9);
  std::vector<std::vector<float>> seq = {m.embed(1), randn(16, 0.5f, rng), m.embed(2),
                                         m.embed(3), m.embed(4),           m.embed(5)};
  std::vector<double> pos = {0, 1, 2, 3, 3.25, 3.5};
  auto whole = m.forward_rows(seq, pos);
  auto st = m.new_state();
  for (size_t t = 0; t < seq.size(); ++t) EXPECT_LT(max_diff(m.step_row(seq[t], pos[t], st), whole[t]), 2e-5);
  auto other = seq;
  other[1] = randn(16, 0.5f, rng);
  EXPECT_GT(max_diff(m.forward_rows(other, pos)[5], whole[5]), 1e-4);
}

}  // namespace
}  // namespace vole::ref
