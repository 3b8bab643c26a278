// Gated DeltaNet kernels vs. the CPU references (tests/reference/deltanet.h), f64 there,
// f32 on the GPU. Tolerances, relative to the largest magnitude of the expected tensor:
// conv and gates 1e-6 (a handful of f32 operations per element); the delta rule 1e-5
// for the recurrent form (measured on lavapipe: at most 4e-7) and 2e-5 for the chunked
// form (at most 3e-6: it reassociates the sums and solves a triangular system).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/deltanet.h"
#include "reference/deltanet.h"
#include "support/gpu_test.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

void expect_near_scaled(const std::vector<float>& got, const std::vector<float>& want, float rel,
                        const std::string& what) {
  float peak = 0;
  for (float w : want) peak = std::max(peak, std::fabs(w));
  expect_close(got, want, rel, rel * peak, what);
}

// ---- conv1d + SiLU ----

constexpr int64_t kTaps = 4;

TEST(Conv1dSilu, FreshSequence) {
  const int64_t c = 6144;  // Qwen3.5-0.8B conv channels
  auto w = random_floats(c * kTaps, 1, -1, 1);
  auto tw = gpu_tensor(w, {c, kTaps});
  for (int64_t t : {1, 2, 3, 5}) {
    auto x = random_floats(t * c, 10 + t, -3, 3);
    std::vector<float> state(3 * c, 0.0f);
    auto tx = gpu_tensor(x, {t, c}), ts = gpu_tensor(state, {3, c});
    auto out = gpu_output({t, c});
    gpu::Graph g(gpu_context(), "conv");
    ops::conv1d_silu(g, tx, tw, ts, out);
    run_graph(g);
    auto want = ref::conv1d_silu(x, w, state, t, c, kTaps);
    expect_near_scaled(read_f32(out), want, 1e-6f, "out, T " + std::to_string(t));
    expect_close(read_f32(ts), state, 0, 0, "state, T " + std::to_string(t));
  }
}

// LFM2's short conv: the same kernel without SiLU, from a non-zero state, prefill then
// decode steps.
TEST(CausalConv1d, MatchesReferenceWithoutActivation) {
  const int64_t c = 300, t = 21, taps = 3;  // LFM2's kernel length
  auto w = random_floats(c * taps, 21, -1, 1), x = random_floats(t * c, 22, -3, 3);
  auto state0 = random_floats(2 * c, 23, -3, 3);
  std::vector<float> want_state = state0;
  auto want = ref::conv1d_silu(x, w, want_state, t, c, taps, /*silu=*/false);
  auto tw = gpu_tensor(w, {c, taps}), tx = gpu_tensor(x, {t, c}), ts = gpu_tensor(state0, {2, c});
  auto out = gpu_output({t, c});
  gpu::Graph g(gpu_context(), "causal_conv");
  ops::causal_conv1d(g, ops::Tensor(tx).rows(0, 18), tw, ts, ops::Tensor(out).rows(0, 18));
  for (int64_t i = 18; i < t; ++i)
    ops::causal_conv1d(g, ops::Tensor(tx).rows(i, 1), tw, ts, ops::Tensor(out).rows(i, 1));
  run_graph(g);
  expect_near_scaled(read_f32(out), want, 1e-6f, "out");
  expect_close(read_f32(ts), want_state, 0, 0, "state");
  // Not the SiLU variant: some outputs are negative.
  EXPECT_LT(*std::min_element(want.begin(), want.end()), -1.0f);
}

TEST(Conv1dSilu, ContinuationSplitsAgree) {
  // From a non-zero state: one dispatch over 37 tokens == 3 + 34 == token by token.
  const int64_t c = 520, t = 37;  // c not a multiple of the workgroup; t spans 3 token blocks
  auto w = random_floats(c * kTaps, 2, -1, 1), x = random_floats(t * c, 3, -3, 3);
  auto state0 = random_floats(3 * c, 4, -3, 3);
  auto tw = gpu_tensor(w, {c, kTaps}), tx = gpu_tensor(x, {t, c});
  std::vector<float> want_state = state0;
  auto want = ref::conv1d_silu(x, w, want_state, t, c, kTaps);

  const std::vector<std::vector<int64_t>> splits = {{37}, {3, 34}, {2, 1, 1, 33}, std::vector<int64_t>(37, 1)};
  for (const auto& parts : splits) {
    auto ts = gpu_tensor(state0, {3, c});
    auto out = gpu_output({t, c});
    gpu::Graph g(gpu_context(), "conv_parts");
    int64_t begin = 0;
    for (int64_t n : parts) {
      ops::conv1d_silu(g, ops::Tensor(tx).rows(begin, n), tw, ts, ops::Tensor(out).rows(begin, n));
      begin += n;
    }
    run_graph(g);
    const std::string what = std::to_string(parts.size()) + " parts";
    expect_near_scaled(read_f32(out), want, 1e-6f, what);
    expect_close(read_f32(ts), want_state, 0, 0, what + " state");
  }
}

// ---- gates ----

TEST(DeltaNetGates, MatchReference) {
  const int64_t t = 7, hv = 16;
  auto b = random_floats(t * hv, 20, -8, 8), a = random_floats(t * hv, 21, -30, 30);  // softplus threshold 20
  auto a_log = random_floats(hv, 22, -2, 2), dt = random_floats(hv, 23, -1, 1);
  auto beta = gpu_output({t, hv}), gate = gpu_output({t, hv});
  auto tb = gpu_tensor(b, {t, hv}), ta = gpu_tensor(a, {t, hv}), tlog = gpu_tensor(a_log, {hv}),
       tdt = gpu_tensor(dt, {hv});
  gpu::Graph g(gpu_context(), "gates");
  ops::deltanet_gates(g, tb, ta, tlog, tdt, beta, gate);
  run_graph(g);
  std::vector<float> want_beta, want_gate;
  ref::deltanet_gates(b, a, a_log, dt, want_beta, want_gate);
  expect_close(read_f32(beta), want_beta, 1e-6f, 1e-7f, "beta");
  expect_close(read_f32(gate), want_gate, 2e-6f, 1e-7f, "gate");
}

// ---- the delta rule ----

struct Case {
  ref::DeltaNetShape shape;
  std::vector<float> qkv, beta, gate, state;
};

ops::DeltaNetParams params_of(const ref::DeltaNetShape& s, int chunk = 64) {
  ops::DeltaNetParams p;
  p.key_heads = static_cast<int>(s.key_heads);
  p.value_heads = static_cast<int>(s.value_heads);
  p.key_dim = static_cast<int>(s.key_dim);
  p.value_dim = static_cast<int>(s.value_dim);
  p.eps = static_cast<float>(s.eps);
  p.chunk = chunk;
  return p;
}

// Realistic inputs: qkv like a SiLU output, gates from the real gate formula (decays
// from ~0.05 to ~1), a non-zero state as after earlier tokens.
Case make_case(int64_t t, int64_t hk, int64_t hv, int64_t dk, int64_t dv, uint32_t seed) {
  Case c;
  c.shape = {t, hk, hv, dk, dv, 1e-6};
  c.qkv = random_floats(t * (2 * hk * dk + hv * dv), seed, -0.3f, 1.5f);
  auto b = random_floats(t * hv, seed + 1, -3, 3), a = random_floats(t * hv, seed + 2, -4, 3);
  auto a_log = random_floats(hv, seed + 3, -1, 1), dt = random_floats(hv, seed + 4, -1, 1);
  ref::deltanet_gates(b, a, a_log, dt, c.beta, c.gate);
  c.state = random_floats(hv * dk * dv, seed + 5, -0.5f, 0.5f);
  return c;
}

enum class Form { Recurrent, Chunked };

// Runs the kernel over `parts` consecutive token ranges in one graph.
std::pair<std::vector<float>, std::vector<float>> run_delta(const Case& c, Form form, std::vector<int64_t> parts,
                                                            int chunk = 64) {
  const auto& s = c.shape;
  const int64_t width = 2 * s.key_heads * s.key_dim + s.value_heads * s.value_dim;
  auto qkv = gpu_tensor(c.qkv, {s.tokens, width}), beta = gpu_tensor(c.beta, {s.tokens, s.value_heads}),
       gate = gpu_tensor(c.gate, {s.tokens, s.value_heads});
  auto state = gpu_tensor(c.state, {s.value_heads, s.key_dim, s.value_dim});
  auto out = gpu_output({s.tokens, s.value_heads * s.value_dim});
  gpu::Graph g(gpu_context(), "deltanet");
  int64_t begin = 0;
  for (int64_t n : parts) {
    auto rows = [&](const GpuTensor& x) { return ops::Tensor(x).rows(begin, n); };
    if (form == Form::Recurrent)
      ops::deltanet_recurrent(g, rows(qkv), rows(beta), rows(gate), state, rows(out), params_of(s, chunk));
    else
      ops::deltanet_chunked(g, rows(qkv), rows(beta), rows(gate), state, rows(out), params_of(s, chunk));
    begin += n;
  }
  run_graph(g);
  return {read_f32(out), read_f32(state)};
}

float tolerance(Form form) { return form == Form::Recurrent ? 1e-5f : 2e-5f; }

void check_against_reference(const Case& c, Form form, std::vector<int64_t> parts, const std::string& what,
                             int chunk = 64) {
  std::vector<float> want_state = c.state;
  auto want = ref::gated_delta_rule(c.qkv, c.beta, c.gate, want_state, c.shape);
  auto [out, state] = run_delta(c, form, parts, chunk);
  expect_near_scaled(out, want, tolerance(form), what + " out");
  expect_near_scaled(state, want_state, tolerance(form), what + " state");
}

// The chunked form against the reference and against the recurrent kernel (one pass).
void check_chunked(const Case& c, std::vector<int64_t> parts, const std::string& what, int chunk = 64) {
  check_against_reference(c, Form::Chunked, parts, what, chunk);
  auto [rec_out, rec_state] = run_delta(c, Form::Recurrent, {c.shape.tokens});
  auto [ch_out, ch_state] = run_delta(c, Form::Chunked, parts, chunk);
  expect_near_scaled(ch_out, rec_out, tolerance(Form::Chunked), what + " vs recurrent out");
  expect_near_scaled(ch_state, rec_state, tolerance(Form::Chunked), what + " vs recurrent state");
}

TEST(DeltaNetReference, ChunkedFormEqualsRecurrence) {
  // The algorithm of spec §5.10 itself, in f64: equal to §5.5 for any chunk split.
  for (int64_t t : {1, 5, 16, 37}) {
    Case c = make_case(t, 2, 4, 8, 6, 30 + static_cast<uint32_t>(t));
    std::vector<float> s1 = c.state, s2 = c.state;
    auto a = ref::gated_delta_rule(c.qkv, c.beta, c.gate, s1, c.shape);
    auto b = ref::gated_delta_rule_chunked(c.qkv, c.beta, c.gate, s2, c.shape, 16);
    expect_near_scaled(b, a, 1e-6f, "out T " + std::to_string(t));
    expect_near_scaled(s2, s1, 1e-6f, "state T " + std::to_string(t));
  }
}

TEST(DeltaNetRecurrent, Qwen35Sizes) {
  for (int64_t t : {1, 3, 64, 200}) {
    Case c = make_case(t, 16, 16, 128, 128, 40 + static_cast<uint32_t>(t));
    check_against_reference(c, Form::Recurrent, {t}, "T " + std::to_string(t));
  }
}

TEST(DeltaNetRecurrent, GroupedHeadsAndTokenByToken) {
  Case c = make_case(19, 2, 4, 64, 64, 50);
  check_against_reference(c, Form::Recurrent, {19}, "one dispatch");
  check_against_reference(c, Form::Recurrent, std::vector<int64_t>(19, 1), "token by token");
  Case wide = make_case(5, 1, 2, 256, 32, 51);  // dk 256, dv 32
  check_against_reference(wide, Form::Recurrent, {5}, "dk 256");
}

TEST(DeltaNetChunked, Qwen35Sizes) {
  for (int64_t t : {1, 2, 3, 63, 64, 65, 200}) {
    Case c = make_case(t, 16, 16, 128, 128, 60 + static_cast<uint32_t>(t));
    check_chunked(c, {t}, "T " + std::to_string(t));
  }
}

TEST(DeltaNetChunked, GroupedHeads) {
  for (int64_t t : {1, 2, 3, 63, 64, 65, 200}) {
    Case c = make_case(t, 2, 4, 64, 64, 70 + static_cast<uint32_t>(t));
    check_chunked(c, {t}, "T " + std::to_string(t));
  }
  check_chunked(make_case(70, 1, 2, 256, 32, 79), {70}, "dk 256, dv 32");
  check_chunked(make_case(50, 2, 4, 64, 64, 78), {50}, "chunk 16", 16);
  check_chunked(make_case(50, 2, 4, 64, 64, 77), {50}, "chunk 48", 48);
}

TEST(DeltaNetChunked, ContinuationAndRecurrentAgree) {
  // A prompt in two prefill parts, then a decode token: chunked in any split equals one
  // recurrent pass, at Qwen3.5 sizes.
  check_chunked(make_case(103, 16, 16, 128, 128, 90), {37, 64, 2}, "chunked 37+64+2");
}

TEST(DeltaNet, RejectsBadShapes) {
  gpu::Graph g(gpu_context(), "bad");
  auto params = params_of({3, 2, 4, 64, 64, 1e-6});
  const int64_t width = 2 * 2 * 64 + 4 * 64;
  auto qkv = gpu_tensor(random_floats(3 * width, 1), {3, width});
  auto beta = gpu_tensor(random_floats(3 * 4, 1), {3, 4}), gate = gpu_tensor(random_floats(3 * 4, 1), {3, 4});
  auto state = gpu_tensor(random_floats(4 * 64 * 64, 1), {4, 64, 64});
  auto out = gpu_output({3, 4 * 64});
  for (auto fn : {ops::deltanet_recurrent, ops::deltanet_chunked}) {
    EXPECT_NO_THROW(fn(g, qkv, beta, gate, state, out, params));
    auto bad = params;
    bad.value_heads = 3;  // not a multiple of the key heads
    EXPECT_THROW(fn(g, qkv, beta, gate, state, out, bad), Error);
    bad = params;
    bad.key_dim = 48;  // not a multiple of 32
    EXPECT_THROW(fn(g, qkv, beta, gate, state, out, bad), Error);
    auto wrong_state = gpu_tensor(random_floats(4 * 64 * 32, 1), {4, 64, 32});
    EXPECT_THROW(fn(g, qkv, beta, gate, wrong_state, out, params), Error);
    auto wrong_qkv = gpu_tensor(random_floats(3 * (width - 64), 1), {3, width - 64});
    EXPECT_THROW(fn(g, wrong_qkv, beta, gate, state, out, params), Error);
    auto short_beta = gpu_tensor(random_floats(2 * 4, 1), {2, 4});
    EXPECT_THROW(fn(g, qkv, short_beta, gate, state, out, params), Error);
    auto aliased = ops::view(*qkv.buffer, DType::F32, {3, 4 * 64});
    EXPECT_THROW(fn(g, qkv, beta, gate, state, aliased, params), Error);  // out aliases qkv
  }
  auto bad_chunk = params;
  bad_chunk.chunk = 24;
  EXPECT_THROW(ops::deltanet_chunked(g, qkv, beta, gate, state, out, bad_chunk), Error);

  auto x = gpu_tensor(random_floats(2 * 64, 1), {2, 64});
  auto w = gpu_tensor(random_floats(64 * 4, 1), {64, 4});
  auto conv_state = gpu_tensor(random_floats(3 * 64, 1), {3, 64});
  auto conv_out = gpu_output({2, 64});
  EXPECT_NO_THROW(ops::conv1d_silu(g, x, w, conv_state, conv_out));
  auto short_state = gpu_tensor(random_floats(2 * 64, 1), {2, 64});
  EXPECT_THROW(ops::conv1d_silu(g, x, w, short_state, conv_out), Error);
  auto w_wide = gpu_tensor(random_floats(32 * 4, 1), {32, 4});
  EXPECT_THROW(ops::conv1d_silu(g, x, w_wide, conv_state, conv_out), Error);
  EXPECT_THROW(ops::conv1d_silu(g, x, w, conv_state, x), Error);  // out aliases x
  auto hv16 = gpu_tensor(random_floats(16, 1), {16});
  EXPECT_THROW(ops::deltanet_gates(g, beta, beta, hv16, hv16, beta, gate), Error);  // A_log of 16 heads, b of 4
}

}  // namespace
