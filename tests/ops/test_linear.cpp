// linear() (matvec and tiled matmul) against the CPU reference (tests/reference/linear.h).
//
// Tolerances are relative to each output's magnitude Σ_k |x_k|·|w_k| (for Q4 the weight
// term is |q·scale| + |min|, the two parts the kernel sums separately). Every dtype is
// compared with the reference computed in double on the same dequantised weights (f16,
// bf16 and Q4 convert to f32 exactly), so what remains is f32 accumulation error, about
// sqrt(K)·2^-24 of the typical term, i.e. ~2^-24/sqrt(K) of the magnitude:
//   f32, f16, bf16 and Q4 weights alike: 2e-6 of the magnitude.
// (Worst seen on lavapipe: 3e-7. A 1e-4 relative error in any one part of the Q4 sum, such
// as min·Σx, exceeds it.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "linear_test_util.h"
#include "ops/linear.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr double kTolerance = 2e-6;

struct RunSpec {
  ops::LinearOptions options;
  uint64_t max_shard_bytes = 0;
  size_t expect_shards = 0;  // 0: don't check
};

// y = x·Wᵀ (or y += x·Wᵀ) on the GPU for random x [T, K], compared with ref::linear.
void check(const ref::HostMatrix& m, int64_t tokens, const RunSpec& s = {}, const std::string& tag = "") {
  const std::string what = m.name + " T=" + std::to_string(tokens) + tag;
  SCOPED_TRACE(what);
  ops::Weight w = upload(m, s.max_shard_bytes);
  if (s.expect_shards) {
    ASSERT_EQ(w.shards.size(), s.expect_shards);
  }
  auto x = random_floats(tokens * m.cols, static_cast<uint32_t>(m.rows * 31 + tokens));
  auto tx = gpu_tensor(x, {tokens, m.cols}, "x");
  std::vector<float> y0;
  GpuTensor ty;
  if (s.options.accumulate) {
    y0 = random_floats(tokens * m.rows, 99, -4, 4);
    ty = gpu_tensor(y0, {tokens, m.rows}, "y");
  } else {
    ty = gpu_output({tokens, m.rows});
  }
  gpu::Graph g(gpu_context(), "linear");
  ops::linear(g, w, tx, ty, s.options);
  run_graph(g);
  ref::LinearResult want = ref::linear(x, tokens, m.view());
  for (size_t i = 0; i < y0.size(); ++i) {
    want.y[i] += y0[i];
    want.magnitude[i] += std::fabs(y0[i]);
  }
  expect_within(read_f32(ty), want, kTolerance, what);
}

const gpu::DeviceInfo& info() { return gpu_context().info(); }

bool has_subgroups() {
  const auto& info = gpu_context().info();
  return info.subgroup_basic && info.subgroup_arithmetic;
}

std::vector<ops::MatvecReduction> reductions() {
  std::vector<ops::MatvecReduction> r{ops::MatvecReduction::SharedMemory};
  if (has_subgroups()) r.push_back(ops::MatvecReduction::Subgroup);
  return r;
}

const char* reduction_name(ops::MatvecReduction r) {
  return r == ops::MatvecReduction::Subgroup ? " subgroup" : r == ops::MatvecReduction::SharedMemory ? " shared" : "";
}

// One small matrix per format; row counts not a multiple of any workgroup or team.
std::vector<ref::HostMatrix> small_matrices(int64_t rows, uint64_t seed) {
  return {matrix(rows, 260, DType::F32, seed),     matrix(rows, 264, DType::F16, seed + 1),
          matrix(rows, 264, DType::BF16, seed + 2), matrix(rows, 352, DType::Q4, seed + 3, 32),
          matrix(rows, 320, DType::Q4, seed + 4, 64), matrix(rows, 384, DType::Q4, seed + 5, 128)};
}

TEST(Linear, SubgroupMatvecIsTestedOnLavapipe) {
  // CI runs on lavapipe, which has subgroup arithmetic: the subgroup matvec must not be
  // skipped there (other devices without it test the shared-memory variant only).
  if (gpu_context().info().name.find("llvmpipe") != std::string::npos) EXPECT_TRUE(has_subgroups());
}

TEST(Linear, MatvecEveryDtypeBothReductions) {
  // Every format with both reductions at 1 and 3 tokens (rows per team by default)...
  for (const auto& m : small_matrices(67, 10)) {
    ASSERT_TRUE(ops::linear_uses_matvec(info(), upload(m), 1));
    ASSERT_TRUE(ops::linear_uses_matvec(info(), upload(m), 8));
    ASSERT_FALSE(ops::linear_uses_matvec(info(), upload(m), 65));
    for (auto reduction : reductions()) {
      RunSpec s;
      s.options.reduction = reduction;
      for (int64_t tokens : {1, 3}) check(m, tokens, s, reduction_name(reduction));
    }
  }
  // ...and the team shapes (rows per team R, up to 8 tokens) on one plain and one int4
  // format: R and the token count only change how sums are laid out, not the format code.
  for (const auto& m : {matrix(67, 264, DType::F16, 11), matrix(67, 352, DType::Q4, 12, 32)})
    for (auto reduction : reductions())
      for (auto [rows_per_team, tokens] : {std::pair{2, 1}, {4, 1}, {8, 1}, {8, 8}}) {
        RunSpec s;
        s.options.reduction = reduction;
        s.options.rows_per_team = rows_per_team;
        check(m, tokens, s, std::string(reduction_name(reduction)) + " R=" + std::to_string(rows_per_team));
      }
}

TEST(Linear, MatvecAutoConfiguration) {
  // The defaults pick rows per team by format and height: f16 with 67, 5000 and 40000 rows
  // gives 1, 2 and 4; int4 with 67 and 3000 rows 2 and 4.
  for (int64_t rows : {67, 5000, 40000}) check(matrix(rows, 64, DType::F16, 20), 1);
  for (int64_t rows : {67, 3000}) check(matrix(rows, 64, DType::Q4, 21, 32), 1);
}

TEST(Linear, VectorShapes) {
  // x [K] -> y [N] is the same as x [1, K] -> y [1, N].
  auto m = matrix(40, 64, DType::Q4, 22, 32);
  ops::Weight w = upload(m);
  auto x = random_floats(64, 23);
  auto tx = gpu_tensor(x, {64});
  auto ty = gpu_output({40});
  gpu::Graph g(gpu_context(), "vector");
  ops::linear(g, w, tx, ty);
  run_graph(g);
  expect_within(read_f32(ty), ref::linear(x, 1, m.view()), kTolerance, "vector");
}

TEST(Linear, MatmulEveryDtype) {
  // Odd K (37) for f32 and f16 cannot use the matvec, so they run the tiled kernel at every
  // T; the others from T = 9 on GPUs and from T = 49 on CPU drivers (below that, passes of
  // 8 tokens through the matvec: T = 17 on lavapipe).
  std::vector<ref::HostMatrix> ms = {matrix(67, 37, DType::F32, 30), matrix(67, 37, DType::F16, 31),
                                     matrix(67, 50, DType::BF16, 32), matrix(67, 96, DType::Q4, 33, 32),
                                     matrix(130, 128, DType::Q4, 34, 64), matrix(70, 256, DType::Q4, 35, 128)};
  EXPECT_FALSE(ops::linear_uses_matvec(info(), upload(ms[0]), 1));
  for (const auto& m : ms)
    for (int64_t tokens : {1, 2, 3, 17, 64, 65}) check(m, tokens);
}

TEST(Linear, Accumulate) {
  RunSpec s;
  s.options.accumulate = true;
  for (const auto& m : {matrix(67, 264, DType::F16, 40), matrix(67, 352, DType::Q4, 41, 32)})
    for (int64_t tokens : {1, 3, 17})
      for (auto reduction : reductions()) {
        s.options.reduction = reduction;
        check(m, tokens, s, std::string(" accumulate") + reduction_name(reduction));
        if (!ops::linear_uses_matvec(info(), upload(m), tokens)) break;  // the reduction is the matvec's
      }
}

TEST(Linear, ForcedSharding) {
  // 300 rows of 128 bytes: 64-row shards (aligned slices of y) or 10-row shards (y bound
  // whole, shard offset in push constants), including a short last shard.
  auto f16 = matrix(300, 64, DType::F16, 50);
  auto q4 = matrix(300, 256, DType::Q4, 51, 64);
  for (const auto* m : {&f16, &q4})
    for (auto [max_bytes, shards] : {std::pair<uint64_t, size_t>{64 * 128, 5}, {10 * 128, 30}}) {
      RunSpec s;
      s.max_shard_bytes = max_bytes;
      s.expect_shards = shards;
      for (auto reduction : reductions()) {
        s.options.reduction = reduction;
        check(*m, 1, s, " shards=" + std::to_string(shards) + reduction_name(reduction));
        check(*m, 5, s, " shards=" + std::to_string(shards) + reduction_name(reduction));
      }
      for (int64_t tokens : {12, 64}) check(*m, tokens, s, " shards=" + std::to_string(shards));
      s.options.accumulate = true;
      for (int64_t tokens : {1, 5, 12, 64})
        check(*m, tokens, s, " shards=" + std::to_string(shards) + " accumulate");
    }
}

TEST(Linear, ModelShapes) {
  // Qwen3.5-0.8B decode projections (hidden 1024, FFN 3584) as matvecs, in each format.
  check(matrix(6144, 1024, DType::Q4, 60, 64), 1);    // GDN in_proj_qkv
  check(matrix(3584, 1024, DType::F16, 61), 1);       // mlp gate/up
  check(matrix(1024, 2048, DType::BF16, 62), 1);      // GDN out_proj, attention o_proj
  check(matrix(1024, 3584, DType::Q4, 63, 128), 1);   // mlp down
  check(matrix(1024, 3584, DType::F32, 64), 1);
  // And prefill.
  check(matrix(3584, 1024, DType::Q4, 65, 128), 17);
  check(matrix(1024, 3584, DType::BF16, 66), 65);
}

TEST(Linear, VocabHeadQ4) {
  // lm_head 248320 x 1024 in int4 (121 MiB: one shard even on lavapipe).
  check(matrix(248320, 1024, DType::Q4, 70, 64), 1);
}

TEST(Linear, VocabHeadShardedF16) {
  // The same in f16 (485 MiB) in 128 MiB shards, as on devices with that binding limit.
  check(matrix(248320, 1024, DType::F16, 71), 1, {{}, 128ull << 20, 4});
}

TEST(Linear, QuantizedWeights) {
  // Quantise real-valued weights with the reference quantiser, run the int4 kernels.
  const int64_t rows = 96, cols = 512;
  auto values = random_floats(rows * cols, 80, -0.2f, 0.3f);
  for (int group : {32, 64, 128}) {
    ref::HostMatrix m = ref::quantize_q4(values, rows, cols, group);
    m.name = "quantised/g" + std::to_string(group);
    check(m, 1);
    check(m, 9);
    // Quantisation error is within half a step per weight, plus the f16 rounding of the
    // group's scale (times q <= 15) and min: |w - v| <= 0.5·step + 15·step·2^-11 + |min|·2^-11.
    auto deq = ref::dequantize(m.view());
    double worst = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c0 = 0; c0 < cols; c0 += group) {
        const float* v = values.data() + r * cols + c0;
        auto [lo, hi] = std::minmax_element(v, v + group);
        double step = (*hi - *lo) / 15.0;
        double bound = 0.5 * step + 15 * step * 0x1p-11 + std::fabs(*lo) * 0x1p-11;
        for (int i = 0; i < group; ++i) worst = std::max(worst, std::fabs(deq[r * cols + c0 + i] - v[i]) / bound);
      }
    EXPECT_LE(worst, 1.0) << "group " << group;
  }
}

TEST(Linear, RejectsBadShapes) {
  auto w = upload(matrix(16, 64, DType::Q4, 90, 32));
  auto x = gpu_tensor(random_floats(2 * 64, 1), {2, 64});
  auto x_short = gpu_tensor(random_floats(2 * 60, 1), {2, 60});
  auto x_f16 = gpu_tensor_f16(random_floats(2 * 64, 1), {2, 64});
  auto y = gpu_output({2, 16}), y_wide = gpu_output({2, 17}), y_three = gpu_output({3, 16}), y_flat = gpu_output({32});
  auto y_i32 = gpu_output({2, 16}, DType::I32);
  gpu::Graph g(gpu_context(), "bad");
  EXPECT_THROW(ops::linear(g, w, x_short, y), Error);  // K mismatch
  EXPECT_THROW(ops::linear(g, w, x_f16, y), Error);    // x not f32
  EXPECT_THROW(ops::linear(g, w, x, y_i32), Error);    // y not f32
  EXPECT_THROW(ops::linear(g, w, x, y_wide), Error);   // N mismatch
  EXPECT_THROW(ops::linear(g, w, x, y_three), Error);  // T mismatch
  EXPECT_THROW(ops::linear(g, w, x, y_flat), Error);   // rank mismatch
  ops::LinearOptions bad_r;
  bad_r.rows_per_team = 3;
  auto x1 = gpu_tensor(random_floats(64, 1), {64});
  auto y1 = gpu_output({16});
  EXPECT_THROW(ops::linear(g, w, x1, y1, bad_r), Error);
  ops::Weight broken = upload(matrix(16, 64, DType::Q4, 91, 32));
  broken.group_size = 48;  // group size not dividing K
  EXPECT_THROW(ops::linear(g, broken, x, y), Error);
  ops::Weight empty;
  EXPECT_THROW(ops::linear(g, empty, x, y), Error);
  EXPECT_EQ(g.node_count(), 0u);  // nothing reached the graph
}

}  // namespace
