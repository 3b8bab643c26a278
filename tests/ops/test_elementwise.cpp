// Element-wise kernels vs. CPU reference. f32 in, f32 out: tolerance 1e-6 relative
// (exp/tanh in the kernels are the device's, within a few ulp) plus 1e-6 absolute.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/elementwise.h"
#include "ops/pool.h"
#include "reference/elementwise.h"
#include "support/gpu_test.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

// Not a multiple of the workgroup size (256), and large enough to loop.
constexpr int64_t kRows = 7, kCols = 3584 + 13;

TEST(Elementwise, BinaryOps) {
  auto a = random_floats(kRows * kCols, 1, -8, 8), b = random_floats(kRows * kCols, 2, -8, 8);
  auto ta = gpu_tensor(a, {kRows, kCols}), tb = gpu_tensor(b, {kRows, kCols});
  auto o_add = gpu_output({kRows, kCols}), o_mul = gpu_output({kRows, kCols}), o_sw = gpu_output({kRows, kCols}),
       o_sg = gpu_output({kRows, kCols});
  gpu::Graph g(gpu_context(), "binary");
  ops::add(g, ta, tb, o_add);
  ops::mul(g, ta, tb, o_mul);
  ops::swiglu(g, ta, tb, o_sw);
  ops::sigmoid_gate(g, ta, tb, o_sg);
  run_graph(g);
  std::vector<float> add(a.size()), mul(a.size()), sg(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    add[i] = a[i] + b[i];
    mul[i] = a[i] * b[i];
    sg[i] = a[i] * ref::sigmoid(b[i]);
  }
  expect_close(read_f32(o_add), add, 0, 0, "add");
  expect_close(read_f32(o_mul), mul, 0, 0, "mul");
  expect_close(read_f32(o_sw), ref::swiglu(a, b), 1e-5f, 1e-6f, "swiglu");
  expect_close(read_f32(o_sg), sg, 1e-5f, 1e-6f, "sigmoid_gate");
}

TEST(Elementwise, InPlaceAdd) {
  auto a = random_floats(1000, 3), b = random_floats(1000, 4);
  auto ta = gpu_tensor(a, {1000}), tb = gpu_tensor(b, {1000});
  gpu::Graph g(gpu_context(), "inplace");
  ops::add(g, ta, tb, ta);
  run_graph(g);
  std::vector<float> want(1000);
  for (int i = 0; i < 1000; ++i) want[i] = a[i] + b[i];
  expect_close(read_f32(ta), want, 0, 0);
}

// Bias rows of odd lengths (one shorter than a workgroup, one looping across many), for
// one token and several; in place and into a separate output. Sums in f32: exact.
TEST(Elementwise, AddBias) {
  struct Case {
    int64_t t, n;
  } cases[] = {{1, 13}, {1, kCols}, {5, 13}, {kRows, kCols}, {3, 1}};
  uint32_t seed = 10;
  for (const auto& c : cases) {
    const std::string what = "T " + std::to_string(c.t) + " N " + std::to_string(c.n);
    auto x = random_floats(c.t * c.n, ++seed, -8, 8), bias = random_floats(c.n, ++seed, -8, 8);
    auto want = ref::add_bias(x, bias);
    auto tx = gpu_tensor(x, {c.t, c.n}), tb = gpu_tensor(bias, {c.n}), out = gpu_output({c.t, c.n});
    gpu::Graph g(gpu_context(), "add_bias");
    ops::add_bias(g, tx, tb, out);
    ops::add_bias(g, tx, tb, tx);  // after the first: both read the original x
    run_graph(g);
    expect_close(read_f32(out), want, 0, 0, what);
    expect_close(read_f32(tx), want, 0, 0, what + " in place");
  }
}

TEST(Elementwise, UnaryOps) {
  auto x = random_floats(kRows * kCols, 5, -30, 30);
  auto tx = gpu_tensor(x, {kRows, kCols});
  struct Case {
    ops::Unary op;
    float (*ref)(float);
    const char* name;
  } cases[] = {
      {ops::Unary::Silu, ref::silu, "silu"},
      {ops::Unary::Sigmoid, ref::sigmoid, "sigmoid"},
      {ops::Unary::GeluTanh, ref::gelu_tanh, "gelu_tanh"},
      {ops::Unary::GeluErf, ref::gelu_erf, "gelu_erf"},
      {ops::Unary::Softplus, ref::softplus, "softplus"},
      {ops::Unary::Tanh, [](float v) { return static_cast<float>(std::tanh(static_cast<double>(v))); }, "tanh"}};
  for (const auto& c : cases) {
    auto out = gpu_output({kRows, kCols});
    gpu::Graph g(gpu_context(), c.name);
    ops::unary(g, c.op, tx, out);
    run_graph(g);
    std::vector<float> want(x.size());
    for (size_t i = 0; i < x.size(); ++i) want[i] = c.ref(x[i]);
    expect_close(read_f32(out), want, 2e-6f, 2e-6f, c.name);
  }
}

TEST(Elementwise, CopyColumns) {
  auto x = random_floats(5 * 300, 6);
  auto tx = gpu_tensor(x, {5, 300});
  auto out = gpu_output({5, 77});
  gpu::Graph g(gpu_context(), "cols");
  ops::copy_columns(g, tx, 200, out);
  run_graph(g);
  std::vector<float> want;
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 77; ++c) want.push_back(x[r * 300 + 200 + c]);
  expect_close(read_f32(out), want, 0, 0);
}

// Widening heads with zero columns (Moonshine's head_dim 36 -> 40): the block lands at its
// offset, the columns around it keep their earlier values.
TEST(Elementwise, CopyColumnsInto) {
  auto x = random_floats(6 * 36, 7);
  auto tx = gpu_tensor(x, {6, 36});
  auto out = gpu_output({6, 40});
  gpu::Graph g(gpu_context(), "cols into");
  g.fill(out.tensor.data, 0);
  ops::copy_columns_into(g, tx, out, 3);
  run_graph(g);
  std::vector<float> want(6 * 40, 0.0f);
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 36; ++c) want[r * 40 + 3 + c] = x[r * 36 + c];
  expect_close(read_f32(out), want, 0, 0);
  gpu::Graph bad(gpu_context(), "bad");
  EXPECT_THROW(ops::copy_columns_into(bad, tx, out, 5), Error);  // 5 + 36 > 40
}

TEST(Elementwise, RejectsBadShapes) {
  auto a = gpu_tensor(random_floats(10, 1), {10}), b = gpu_tensor(random_floats(12, 1), {12});
  gpu::Graph g(gpu_context(), "bad");
  EXPECT_THROW(ops::add(g, a, b, a), Error);
  auto ids = gpu_tensor_i32({1, 2, 3}, {3});
  EXPECT_THROW(ops::unary(g, ops::Unary::Silu, ids, ids), Error);
  auto src = gpu_tensor(random_floats(20, 1), {2, 10});
  auto dst = gpu_output({2, 4});
  EXPECT_THROW(ops::copy_columns(g, src, 8, dst), Error);

  auto x = gpu_tensor(random_floats(12, 1), {3, 4}), bias = gpu_tensor(random_floats(4, 2), {4});
  auto out = gpu_output({3, 4});
  EXPECT_NO_THROW(ops::add_bias(g, x, bias, out));
  EXPECT_THROW(ops::add_bias(g, x, gpu_tensor(random_floats(3, 1), {3}), out), Error);  // bias not [N]
  EXPECT_THROW(ops::add_bias(g, x, gpu_tensor(random_floats(4, 1), {1, 4}), out), Error);
  EXPECT_THROW(ops::add_bias(g, x.tensor.reshape({12}), bias, out.tensor.reshape({12})), Error);  // x not [T, N]
  EXPECT_THROW(ops::add_bias(g, x, bias, gpu_output({4, 3})), Error);                             // out not x's shape
  EXPECT_THROW(ops::add_bias(g, x, gpu_tensor_i32({1, 2, 3, 4}, {4}), out), Error);               // not f32
  auto row = gpu_tensor(random_floats(4, 3), {1, 4});
  EXPECT_THROW(ops::add_bias(g, row, bias, bias.tensor.reshape({1, 4})), Error);  // out aliases bias
}

TEST(Elementwise, Scale) {
  auto x = random_floats(kRows * kCols, 8);
  auto tx = gpu_tensor(x, {kRows, kCols});
  auto out = gpu_output({kRows, kCols});
  gpu::Graph g(gpu_context(), "scale");
  ops::scale(g, tx, 27.712812f, out);
  run_graph(g);
  std::vector<float> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = x[i] * 27.712812f;
  expect_close(read_f32(out), want, 0, 0);  // one f32 multiply: exact
}

// Mean and last-token pooling of packed sequences (offsets read on the GPU), an empty
// sequence included; more columns than one workgroup covers.
TEST(Pool, MeanAndLastRowOfEachSequence) {
  const int64_t cols = 300;
  const std::vector<int32_t> offsets{0, 1, 8, 8, 50};
  auto x = random_floats(50 * cols, 9);
  auto tx = gpu_tensor(x, {50, cols});
  auto toff = gpu_tensor_i32(offsets, {5});
  for (auto mode : {ops::Pooling::Mean, ops::Pooling::LastToken}) {
    auto out = gpu_output({4, cols});
    gpu::Graph g(gpu_context(), "pool");
    ops::pool_sequences(g, tx, toff, out, mode);
    run_graph(g);
    std::vector<float> want;
    for (int s = 0; s < 4; ++s)
      for (int64_t c = 0; c < cols; ++c) {
        const int b = offsets[s], e = offsets[s + 1];
        double v = 0;
        if (e > b && mode == ops::Pooling::LastToken) v = x[(e - 1) * cols + c];
        if (e > b && mode == ops::Pooling::Mean) {
          for (int t = b; t < e; ++t) v += x[t * cols + c];
          v /= e - b;
        }
        want.push_back(static_cast<float>(v));
      }
    expect_close(read_f32(out), want, 1e-6f, 1e-6f, mode == ops::Pooling::Mean ? "mean" : "last");
  }
  gpu::Graph g(gpu_context(), "bad pool");
  auto out = gpu_output({3, cols});
  EXPECT_THROW(ops::pool_sequences(g, tx, toff, out, ops::Pooling::Mean), Error);  // offsets need S + 1 entries
}

}  // namespace

// Bilinear mixes of table rows (the vision position table, specs §7.3), written and
// accumulated, with an out-of-range index contributing nothing.
TEST(Elementwise, MixRows) {
  const int64_t R = 64, C = 300, N = 45;
  auto table = random_floats(R * C, 21);
  std::vector<int32_t> idx(N * 4);
  auto w = random_floats(N * 4, 22, 0, 1);
  for (int64_t i = 0; i < N * 4; ++i) idx[i] = static_cast<int32_t>((i * 37 + 5) % R);
  idx[7] = static_cast<int32_t>(R + 3);
  auto base = random_floats(N * C, 23);
  auto tt = gpu_tensor(table, {R, C}), ti = gpu_tensor_i32(idx, {N, 4}), tw = gpu_tensor(w, {N, 4});
  auto out = gpu_output({N, C});
  auto acc = gpu_tensor(base, {N, C});
  gpu::Graph g(gpu_context(), "mix");
  ops::mix_rows(g, tt, ti, tw, out, false);
  ops::mix_rows(g, tt, ti, tw, acc, true);
  run_graph(g);
  std::vector<float> want(N * C), want_acc(N * C);
  for (int64_t r = 0; r < N; ++r)
    for (int64_t c = 0; c < C; ++c) {
      float s = 0;
      for (int k = 0; k < 4; ++k) {
        int32_t row = idx[r * 4 + k];
        if (row < R) s += w[r * 4 + k] * table[row * C + c];
      }
      want[r * C + c] = s;
      want_acc[r * C + c] = base[r * C + c] + s;
    }
  expect_close(read_f32(out), want, 1e-6f, 1e-6f, "mix_rows");
  expect_close(read_f32(acc), want_acc, 1e-6f, 1e-6f, "mix_rows accumulate");
  auto bad_idx = gpu_tensor_i32(std::vector<int32_t>(N * 3, 0), {N, 3});
  EXPECT_THROW(ops::mix_rows(g, tt, bad_idx, tw, out, false), Error);
}
