// Normalisation kernels vs. the CPU reference (double accumulation), on both reduction
// variants (subgroup arithmetic and shared memory).
//
// Tolerance: rtol 2e-5 + atol 1e-6 (relative to the output scale). The kernel sums d
// squares in f32 (per-invocation runs, then a tree): relative error of the statistic
// ~ log2(d) * 2^-24 plus inversesqrt's 2 ulp; each output then takes 2-3 more roundings.
// For rows far from zero (layer_norm on x ~ 1000 + noise) the two-pass variance keeps
// the same bound.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/norm.h"
#include "ops/reduce_path.h"
#include "reference/moonshine.h"
#include "reference/moonshine_streaming.h"
#include "reference/norm.h"
#include "support/gpu_test.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr float kRtol = 2e-5f, kAtol = 1e-6f;

// Rows of size d scaled by per-row magnitudes, so rows differ in scale.
std::vector<float> rows_of(int64_t rows, int64_t d, uint32_t seed, float scale = 1.0f, float offset = 0.0f) {
  auto v = random_floats(rows * d, seed, -2.0f, 2.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < d; ++i) v[r * d + i] = v[r * d + i] * scale * (1.0f + 0.5f * (r % 3)) + offset;
  return v;
}

void check_rms(const ops::Shape& shape, ops::NormWeight mode, float scale, const std::string& what) {
  int64_t d = shape.back(), n = 1;
  for (auto s : shape) n *= s;
  auto x = rows_of(n / d, d, 11 + d, scale);
  auto w = random_floats(d, 12, -0.5f, 1.5f);
  auto tx = gpu_tensor(x, shape), tw = gpu_tensor(w, {d});
  auto out = gpu_output(shape);
  gpu::Graph g(gpu_context(), "rms");
  ops::rms_norm(g, tx, tw, out, 1e-6f, mode);
  run_graph(g);
  expect_close(read_f32(out), ref::rms_norm(x, d, w, 1e-6f, mode == ops::NormWeight::PlusOne), kRtol, kAtol, what);
}

TEST(Norm, RmsNormModelShapesAndOddSizes) {
  for_each_reduce_path([](const char* path) {
    std::string p = path;
    check_rms({3, 1024}, ops::NormWeight::PlusOne, 1, p + " hidden 1024 (1+w)");
    check_rms({2, 8, 256}, ops::NormWeight::PlusOne, 1, p + " q_norm 8x256");
    check_rms({2, 2, 256}, ops::NormWeight::PlusOne, 1, p + " k_norm 2x256");
    check_rms({3, 16, 128}, ops::NormWeight::Plain, 1, p + " 16x128 plain");
    check_rms({2, 4096 + 3}, ops::NormWeight::Plain, 1, p + " 4099");
    check_rms({5, 37}, ops::NormWeight::Plain, 1, p + " 37");
    check_rms({1, 1}, ops::NormWeight::PlusOne, 1, p + " d=1");
  });
}

TEST(Norm, RmsNormExtremeMagnitudes) {
  // Huge rows (mean(x²) ~ 1e30 still fits f32) and tiny ones (eps dominates).
  for_each_reduce_path([](const char* path) {
    check_rms({3, 1024}, ops::NormWeight::PlusOne, 1e15f, std::string(path) + " 1e15");
    check_rms({3, 1000}, ops::NormWeight::Plain, 1e-15f, std::string(path) + " 1e-15");
  });
}

TEST(Norm, RmsNormInPlaceAndZeroRows) {
  auto x = rows_of(4, 1024, 21);
  for (int i = 0; i < 1024; ++i) x[2 * 1024 + i] = 0.0f;  // an all-zero row stays zero
  auto w = random_floats(1024, 22);
  auto tx = gpu_tensor(x, {4, 1024}), tw = gpu_tensor(w, {1024});
  gpu::Graph g(gpu_context(), "rms in place");
  ops::rms_norm(g, tx, tw, tx, 1e-6f, ops::NormWeight::PlusOne);
  run_graph(g);
  expect_close(read_f32(tx), ref::rms_norm(x, 1024, w, 1e-6f, true), kRtol, kAtol);
}

TEST(Norm, RmsNormMoreRowsThanWorkgroups) {
  // 70000 rows: more than the 65535 workgroups every device allows, so rows loop.
  int64_t rows = 70000, d = 8;
  auto x = rows_of(rows, d, 31);
  auto w = random_floats(d, 32);
  auto tx = gpu_tensor(x, {rows, d}), tw = gpu_tensor(w, {d});
  auto out = gpu_output({rows, d});
  gpu::Graph g(gpu_context(), "rms many rows");
  ops::rms_norm(g, tx, tw, out, 1e-6f, ops::NormWeight::Plain);
  run_graph(g);
  expect_close(read_f32(out), ref::rms_norm(x, d, w, 1e-6f, false), kRtol, kAtol);
}

TEST(Norm, GatedRmsNorm) {
  for_each_reduce_path([](const char* path) {
    for (auto shape : {ops::Shape{3, 16, 128}, ops::Shape{4, 77}, ops::Shape{2, 2048 + 5}}) {
      int64_t d = shape.back(), n = 1;
      for (auto s : shape) n *= s;
      auto x = rows_of(n / d, d, 41), z = random_floats(n, 42, -12, 12), w = random_floats(d, 43, 0.5f, 1.5f);
      auto tx = gpu_tensor(x, shape), tz = gpu_tensor(z, shape), tw = gpu_tensor(w, {d});
      auto out = gpu_output(shape);
      gpu::Graph g(gpu_context(), "gated");
      ops::rms_norm_gated(g, tx, tz, tw, out, 1e-6f);
      run_graph(g);
      expect_close(read_f32(out), ref::rms_norm_gated(x, z, d, w, 1e-6f), kRtol, kAtol,
                   std::string(path) + " d=" + std::to_string(d));
    }
  });
}

TEST(Norm, L2Norm) {
  for_each_reduce_path([](const char* path) {
    struct Case {
      ops::Shape shape;
      float scale, magnitude;
    } cases[] = {{{3, 16, 128}, 1.0f / std::sqrt(128.0f), 1},  // GDN q: l2 norm and 1/sqrt(dk)
                 {{3, 16, 128}, 1.0f, 1},                      // GDN k
                 {{5, 300}, 2.0f, 1},
                 {{2, 128}, 1.0f, 1e16f},   // sum(x²) ~ 1e34 still fits f32
                 {{2, 128}, 1.0f, 1e-5f}};  // norm ~ eps: the eps term matters
    for (const auto& c : cases) {
      int64_t d = c.shape.back(), n = 1;
      for (auto s : c.shape) n *= s;
      auto x = rows_of(n / d, d, 51, c.magnitude);
      auto tx = gpu_tensor(x, c.shape);
      auto out = gpu_output(c.shape);
      gpu::Graph g(gpu_context(), "l2");
      ops::l2_norm(g, tx, out, 1e-6f, c.scale);
      run_graph(g);
      expect_close(read_f32(out), ref::l2_norm(x, d, 1e-6f, c.scale), kRtol, kAtol,
                   std::string(path) + " d=" + std::to_string(d) + " magnitude " + std::to_string(c.magnitude));
    }
  });
}

TEST(Norm, LayerNorm) {
  for_each_reduce_path([](const char* path) {
    struct Case {
      int64_t rows, d;
      float scale, offset;
    } cases[] = {{6, 768, 1, 0},      // ViT width
                 {3, 1000, 1, 1000},  // far from zero: needs the two-pass variance
                 {2, 4099, 1e12f, 0},
                 {3, 33, 1e-12f, 0}};
    for (const auto& c : cases) {
      auto x = rows_of(c.rows, c.d, 61, c.scale, c.offset);
      auto w = random_floats(c.d, 62, 0.5f, 1.5f), b = random_floats(c.d, 63);
      auto tx = gpu_tensor(x, {c.rows, c.d}), tw = gpu_tensor(w, {c.d}), tb = gpu_tensor(b, {c.d});
      auto out = gpu_output({c.rows, c.d});
      gpu::Graph g(gpu_context(), "layer");
      ops::layer_norm(g, tx, tw, tb, out, 1e-6f);
      run_graph(g);
      expect_close(read_f32(out), ref::layer_norm(x, c.d, w, b, 1e-6f), kRtol, kAtol,
                   std::string(path) + " d=" + std::to_string(c.d));
    }
  });
}

// nn.LayerNorm(bias=False) (Moonshine): an empty bias tensor.
TEST(Norm, LayerNormWithoutBias) {
  for_each_reduce_path([](const char* path) {
    const int64_t rows = 5, d = 288;
    auto x = rows_of(rows, d, 64, 1.0f, 3.0f);
    auto w = random_floats(d, 65, 0.5f, 1.5f);
    auto tx = gpu_tensor(x, {rows, d}), tw = gpu_tensor(w, {d});
    auto out = gpu_output({rows, d});
    gpu::Graph g(gpu_context(), "layer no bias");
    ops::layer_norm(g, tx, tw, ops::Tensor{}, out, 1e-5f);
    run_graph(g);
    expect_close(read_f32(out), ref::layer_norm(x, d, w, std::vector<float>(d, 0.0f), 1e-5f), kRtol, kAtol, path);
  });
}

// Moonshine Streaming's unit-offset LayerNorm: (x - mean) / std · (1 + γ), γ near 0.
TEST(Norm, LayerNormUnitOffset) {
  for_each_reduce_path([](const char* path) {
    const int64_t rows = 6, d = 320;
    auto x = rows_of(rows, d, 70, 1.0f, -2.0f);
    auto gamma = random_floats(d, 71, -0.3f, 0.3f);
    std::vector<float> w(gamma);
    for (float& v : w) v += 1.0f;
    auto tx = gpu_tensor(x, {rows, d}), tg = gpu_tensor(gamma, {d});
    auto out = gpu_output({rows, d});
    gpu::Graph g(gpu_context(), "layer unit offset");
    ops::layer_norm(g, tx, tg, ops::Tensor{}, out, 1e-5f, ops::NormWeight::PlusOne);
    run_graph(g);
    expect_close(read_f32(out), ref::layer_norm(x, d, w, std::vector<float>(d, 0.0f), 1e-5f), kRtol, kAtol, path);
    gpu::Graph bad(gpu_context(), "bias and unit offset");
    EXPECT_THROW(ops::layer_norm(bad, tx, tg, tg, out, 1e-5f, ops::NormWeight::PlusOne), Error);
  });
}

// Moonshine Streaming's audio frames (80 samples): CMVN + asinh(k ·) against the
// reference, with speech-like rows, a silent row (all zeros: 0 out) and a row of one
// large spike, in place too.
TEST(Norm, FrameAsinh) {
  for_each_reduce_path([](const char* path) {
    const int64_t rows = 9, d = 80;
    auto x = rows_of(rows, d, 72, 0.05f, 0.01f);
    for (int64_t i = 0; i < d; ++i) x[3 * d + i] = 0.0f;
    x[5 * d + 17] = 30.0f;
    const float log_k = std::log(0.75f) + 0.2f;
    auto want = ref::frame_cmvn_asinh(x, d, log_k);
    auto tx = gpu_tensor(x, {rows, d}), tk = gpu_tensor(std::vector<float>{log_k}, {1});
    auto out = gpu_output({rows, d});
    gpu::Graph g(gpu_context(), "frame asinh");
    ops::frame_asinh(g, tx, tk, out, 1e-6f);
    ops::frame_asinh(g, tx, tk, tx, 1e-6f);
    run_graph(g);
    expect_close(read_f32(out), want, kRtol, kAtol, path);
    expect_close(read_f32(tx), want, kRtol, kAtol, std::string(path) + " in place");
    for (int64_t i = 0; i < d; ++i) EXPECT_EQ(want[3 * d + i], 0.0f);
  });
}

// GroupNorm over [steps, channels]: one group (Moonshine's front end, against its
// reference, which takes [channels, steps]) over more values than a workgroup has
// invocations, and three groups against a plain double loop; in place too.
TEST(Norm, GroupNorm) {
  for_each_reduce_path([](const char* path) {
    const int64_t steps = 517, ch = 24;
    auto x = random_floats(steps * ch, 66, -1.0f, 3.0f);
    auto gamma = random_floats(ch, 67, 0.5f, 1.5f), beta = random_floats(ch, 68);
    auto tx = gpu_tensor(x, {steps, ch}), tg = gpu_tensor(gamma, {ch}), tb = gpu_tensor(beta, {ch});
    auto one = gpu_output({steps, ch}), three = gpu_output({steps, ch});
    gpu::Graph g(gpu_context(), "group norm");
    ops::group_norm(g, tx, 1, tg, tb, one, 1e-5f);
    ops::group_norm(g, tx, 3, tg, tb, three, 1e-5f);
    ops::group_norm(g, tx, 1, tg, tb, tx, 1e-5f);
    run_graph(g);

    std::vector<float> channel_major(x.size());
    for (int64_t t = 0; t < steps; ++t)
      for (int64_t c = 0; c < ch; ++c) channel_major[c * steps + t] = x[t * ch + c];
    auto ref_cm = ref::group_norm_one_group(channel_major, ch, steps, gamma, beta, 1e-5f);
    std::vector<float> want_one(x.size());
    for (int64_t t = 0; t < steps; ++t)
      for (int64_t c = 0; c < ch; ++c) want_one[t * ch + c] = ref_cm[c * steps + t];
    expect_close(read_f32(one), want_one, kRtol, kAtol, std::string(path) + " one group");
    expect_close(read_f32(tx), want_one, kRtol, kAtol, std::string(path) + " one group in place");

    std::vector<float> want_three(x.size());
    const int64_t per = ch / 3;
    for (int64_t grp = 0; grp < 3; ++grp) {
      double sum = 0, sq = 0, n = double(steps * per);
      for (int64_t t = 0; t < steps; ++t)
        for (int64_t c = grp * per; c < (grp + 1) * per; ++c) sum += x[t * ch + c];
      double mean = sum / n;
      for (int64_t t = 0; t < steps; ++t)
        for (int64_t c = grp * per; c < (grp + 1) * per; ++c) sq += (x[t * ch + c] - mean) * (x[t * ch + c] - mean);
      double inv = 1.0 / std::sqrt(sq / n + 1e-5);
      for (int64_t t = 0; t < steps; ++t)
        for (int64_t c = grp * per; c < (grp + 1) * per; ++c)
          want_three[t * ch + c] = static_cast<float>((x[t * ch + c] - mean) * inv * gamma[c] + beta[c]);
    }
    expect_close(read_f32(three), want_three, kRtol, kAtol, std::string(path) + " three groups");
  });
  auto x = gpu_tensor(random_floats(10 * 6, 1), {10, 6}), w = gpu_tensor(random_floats(6, 2), {6});
  auto out = gpu_output({10, 6});
  gpu::Graph bad(gpu_context(), "bad");
  EXPECT_THROW(ops::group_norm(bad, x, 4, w, w, out, 1e-5f), Error);  // 4 groups of 6 channels
}

TEST(Norm, RejectsBadShapes) {
  auto x = gpu_tensor(random_floats(2 * 64, 1), {2, 64});
  auto w = gpu_tensor(random_floats(63, 1), {63}), w64 = gpu_tensor(random_floats(64, 1), {64});
  auto out = gpu_output({2, 64}), wrong_out = gpu_output({2, 32});
  auto ids = gpu_tensor_i32(std::vector<int32_t>(128, 0), {2, 64});
  gpu::Graph g(gpu_context(), "bad");
  EXPECT_THROW(ops::rms_norm(g, x, w, out, 1e-6f, ops::NormWeight::Plain), Error);          // weight != D
  EXPECT_THROW(ops::rms_norm(g, x, w64, wrong_out, 1e-6f, ops::NormWeight::Plain), Error);  // out shape
  EXPECT_THROW(ops::rms_norm(g, ids, w64, out, 1e-6f, ops::NormWeight::Plain), Error);      // dtype
  EXPECT_THROW(ops::rms_norm(g, x, w64, out, -1.0f, ops::NormWeight::Plain), Error);        // eps
  EXPECT_THROW(ops::rms_norm_gated(g, x, wrong_out, w64, out, 1e-6f), Error);               // z shape
  EXPECT_THROW(ops::layer_norm(g, x, w64, w, out, 1e-6f), Error);                           // bias != D
  EXPECT_THROW(ops::l2_norm(g, x, wrong_out, 1e-6f), Error);
  try {
    ops::rms_norm(g, x, w, out, 1e-6f, ops::NormWeight::Plain);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rms_norm: weight must be f32[64]"), std::string::npos) << e.what();
  }
}

}  // namespace
