// 1-D convolution as patches (im2col) + matmul vs. the CPU reference convolution of the
// Moonshine front end (tests/reference/moonshine.h, double accumulation).
//
// Patches are copies: exact. The convolution is then ops::linear over f32 weights: the
// matmul accumulates in f32, so rtol 1e-5 + atol 1e-5 for sums of up to ~2000 products
// of values in [-1, 1].
#include <gtest/gtest.h>

#include "ops/conv.h"
#include "ops/elementwise.h"
#include "ops/linear.h"
#include "ops/weight.h"
#include "reference/moonshine.h"
#include "support/gpu_test.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

TEST(Conv1d, OutputSteps) {
  EXPECT_EQ(ops::conv1d_output_steps(16000, 127, 64), 249);
  EXPECT_EQ(ops::conv1d_output_steps(249, 7, 3), 81);
  EXPECT_EQ(ops::conv1d_output_steps(126, 127, 64), 0);
  EXPECT_EQ(ops::conv1d_output_steps(127, 127, 64), 1);
}

TEST(Conv1d, PatchesAreTheWindows) {
  const int64_t steps = 50, ch = 3, kernel = 7, stride = 3, out_steps = (steps - kernel) / stride + 1;
  auto x = random_floats(steps * ch, 21);
  auto tx = gpu_tensor(x, {steps, ch});
  auto out = gpu_output({out_steps, ch * kernel});
  gpu::Graph g(gpu_context(), "patches");
  ops::conv1d_patches(g, tx, kernel, stride, out);
  run_graph(g);
  std::vector<float> want;
  for (int64_t t = 0; t < out_steps; ++t)
    for (int64_t c = 0; c < ch; ++c)
      for (int64_t k = 0; k < kernel; ++k) want.push_back(x[(t * stride + k) * ch + c]);
  expect_close(read_f32(out), want, 0, 0);
}

// Each of Moonshine's three convolutions at a small width: (in, out, kernel, stride).
TEST(Conv1d, PatchesTimesWeightIsTheConvolution) {
  struct Case {
    int64_t in, out, kernel, stride, steps;
  } cases[] = {{1, 24, 127, 64, 1600}, {24, 48, 7, 3, 24}, {48, 24, 3, 2, 6}, {16, 40, 5, 1, 9}};
  uint32_t seed = 30;
  for (const auto& c : cases) {
    const std::string what = "in " + std::to_string(c.in) + " kernel " + std::to_string(c.kernel);
    auto x = random_floats(c.steps * c.in, ++seed);
    ref::FloatTensor w{{c.out, c.in, c.kernel}, random_floats(c.out * c.in * c.kernel, ++seed)};
    ref::FloatTensor b{{c.out}, random_floats(c.out, ++seed)};
    std::vector<float> channel_major(x.size());
    for (int64_t t = 0; t < c.steps; ++t)
      for (int64_t i = 0; i < c.in; ++i) channel_major[i * c.steps + t] = x[t * c.in + i];
    auto ref_cm = ref::conv1d_valid(channel_major, c.in, c.steps, w, &b, c.stride);
    const int64_t n = ops::conv1d_output_steps(c.steps, c.kernel, c.stride);
    std::vector<float> want(n * c.out);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t o = 0; o < c.out; ++o) want[t * c.out + o] = ref_cm[o * n + t];

    HostTensor host{"conv",
                    DType::F32,
                    {c.out, c.in * c.kernel},
                    {reinterpret_cast<const uint8_t*>(w.values.data()), w.values.size() * 4}};
    ops::Weight weight = ops::upload_weight(gpu_context(), host);
    auto tx = gpu_tensor(x, {c.steps, c.in}), tb = gpu_tensor(b.values, {c.out});
    auto y = gpu_output({n, c.out});
    gpu::Graph g(gpu_context(), "conv");
    ops::Tensor patches = ops::activation(g, DType::F32, {n, c.in * c.kernel}, "patches");
    ops::conv1d_patches(g, tx, c.kernel, c.stride, patches);
    ops::linear(g, weight, patches, y);
    ops::add_bias(g, y, tb, y);
    run_graph(g);
    expect_close(read_f32(y), want, 1e-5f, 1e-5f, what);
  }
}

TEST(Conv1d, RejectsBadShapes) {
  auto x = gpu_tensor(random_floats(10 * 2, 1), {10, 2});
  gpu::Graph g(gpu_context(), "bad");
  EXPECT_THROW(ops::conv1d_patches(g, x, 11, 1, gpu_output({1, 22})), Error);  // shorter than the kernel
  EXPECT_THROW(ops::conv1d_patches(g, x, 3, 2, gpu_output({3, 6})), Error);    // 4 steps, not 3
  EXPECT_THROW(ops::conv1d_patches(g, x, 3, 0, gpu_output({4, 6})), Error);    // stride 0
}

}  // namespace
