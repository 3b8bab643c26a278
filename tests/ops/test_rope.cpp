// RoPE kernel vs. the CPU reference (f32 angle as in the reference model, cos/sin and
// rotation in double).
//
// Tolerance: atol 2e-6 + rtol 2e-6 for |x| <= 1. The angle is the same f32 value on both
// sides (inv_freq within 1 ulp, correctly rounded f32 product); the kernel's own sin/cos
// are within ~1e-7 of the exact values for angles up to ~1e6 (positions up to 1e6 are
// tested), and the rotation adds a few f32 roundings.
#include <gtest/gtest.h>

#include "ops/rope.h"
#include "reference/moonshine.h"
#include "reference/rope.h"
#include "reference/vision.h"
#include "support/gpu_test.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr float kRtol = 2e-6f, kAtol = 2e-6f;

ref::RopeConfig to_ref(const ops::RopeParams& p) { return {p.rotary_dims, p.theta, p.mrope, p.sections}; }

// Rotates x [T, H, hd] out of place and in place and checks both against the reference.
void check_rope(int64_t tokens, int64_t heads, int64_t head_dim, const std::vector<int32_t>& positions,
                const ops::RopeParams& params, const std::string& what) {
  auto x = random_floats(tokens * heads * head_dim, 71 + head_dim);
  auto want = ref::rope(x, tokens, heads, head_dim, positions, to_ref(params));
  ops::Shape pos_shape = params.mrope ? ops::Shape{3, tokens} : ops::Shape{tokens};
  auto tx = gpu_tensor(x, {tokens, heads, head_dim});
  auto tp = gpu_tensor_i32(positions, pos_shape);
  auto out = gpu_output({tokens, heads, head_dim});
  {
    gpu::Graph g(gpu_context(), "rope");
    ops::rope(g, tx, tp, out, params);
    run_graph(g);
  }
  expect_close(read_f32(out), want, kRtol, kAtol, what + " (out of place)");
  {
    gpu::Graph g(gpu_context(), "rope in place");
    ops::rope(g, tx, tp, tx, params);
    run_graph(g);
  }
  expect_close(read_f32(tx), want, kRtol, kAtol, what + " (in place)");
}

const ops::RopeParams kQwen35{64, 1e7f, true, {11, 11, 10}};
const ops::RopeParams kQwen3{128, 1e6f, false, {0, 0, 0}};

TEST(Rope, InverseFrequenciesMatchTheReference) {
  for (auto p : {kQwen35, kQwen3, ops::RopeParams{32, 10000.0f}, ops::RopeParams{96, 5e5f}}) {
    auto got = ops::rope_inv_freq(p), want = ref::rope_inv_freq(to_ref(p));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_NEAR(got[i], want[i], std::abs(want[i]) * 1.2e-7) << "slot " << i << " rotary " << p.rotary_dims;
  }
}

TEST(Rope, Qwen35TextPositions) {
  // q: 8 heads and k: 2 heads of 256, 64 rotary dims, text-only (three equal rows).
  std::vector<int32_t> t = {0, 1, 2, 17, 4095, 32768, 99999};
  std::vector<int32_t> pos;
  for (int r = 0; r < 3; ++r) pos.insert(pos.end(), t.begin(), t.end());
  check_rope(7, 8, 256, pos, kQwen35, "qwen3.5 q");
  check_rope(7, 2, 256, pos, kQwen35, "qwen3.5 k");
}

TEST(Rope, Qwen35ImagePositionsUseTheirAxes) {
  // Distinct t/h/w rows, as for image tokens (specs §7.10): each slot must read its axis.
  int64_t tokens = 6;
  std::vector<int32_t> pos = {5, 5, 5, 5, 9,  10,   // t
                              5, 5, 6, 6, 10, 11,   // h
                              5, 6, 5, 6, 10, 12};  // w
  check_rope(tokens, 2, 256, pos, kQwen35, "image grid");
  // Unequal sections: the boundary rule (i < 3*s) matters.
  check_rope(tokens, 3, 64, pos, ops::RopeParams{40, 1e4f, true, {4, 10, 6}}, "sections 4/10/6");
}

TEST(Rope, Qwen3FullRotaryLargePositions) {
  std::vector<int32_t> pos = {0, 3, 1000, 65535, 99999, 100000, 131071, 262143, 1000000};
  check_rope(static_cast<int64_t>(pos.size()), 4, 128, pos, kQwen3, "qwen3 full rotary");
}

TEST(Rope, OddShapes) {
  // Items per head not a multiple of the workgroup; rotary dims < head_dim, odd head count.
  std::vector<int32_t> pos = {7, 0, -123, 4, -100000};  // negative positions rotate backwards
  check_rope(5, 3, 96, pos, ops::RopeParams{32, 10000.0f}, "hd 96 rot 32");
  check_rope(5, 1, 2, pos, ops::RopeParams{2, 10000.0f}, "hd 2");
  check_rope(5, 5, 50, pos, ops::RopeParams{18, 500.0f}, "hd 50 rot 18");
}

TEST(Rope, RejectsBadShapes) {
  auto x = gpu_tensor(random_floats(4 * 2 * 64, 1), {4, 2, 64});
  auto out = gpu_output({4, 2, 64});
  auto pos = gpu_tensor_i32({0, 1, 2, 3}, {4});
  auto pos3 = gpu_tensor_i32(std::vector<int32_t>(12, 0), {3, 4});
  auto pos_long = gpu_tensor_i32({0, 1, 2, 3, 4}, {5});
  auto fpos = gpu_tensor(random_floats(4, 1), {4});
  auto flat = gpu_tensor(random_floats(4 * 128, 1), {4, 128});
  gpu::Graph g(gpu_context(), "bad");
  EXPECT_THROW(ops::rope(g, x, pos, out, {63, 1e4f}), Error);                       // odd rotary dims
  EXPECT_THROW(ops::rope(g, x, pos, out, {66, 1e4f}), Error);                       // > head_dim
  EXPECT_THROW(ops::rope(g, x, pos, out, {0, 1e4f}), Error);                        // zero
  EXPECT_THROW(ops::rope(g, x, pos, out, {64, -1.0f}), Error);                      // theta
  EXPECT_THROW(ops::rope(g, x, pos_long, out, {64, 1e4f}), Error);                  // positions [T+1]
  EXPECT_THROW(ops::rope(g, x, fpos, out, {64, 1e4f}), Error);                      // f32 positions
  EXPECT_THROW(ops::rope(g, x, pos, out, {64, 1e4f, true, {11, 11, 10}}), Error);   // M-RoPE needs [3, T]
  EXPECT_THROW(ops::rope(g, x, pos3, out, {64, 1e4f, true, {11, 11, 11}}), Error);  // sections sum != 32
  EXPECT_THROW(ops::rope(g, flat, pos, flat, {64, 1e4f}), Error);                   // not [T, H, hd]
  auto big = gpu_tensor(random_floats(1 * 1 * 512, 1), {1, 1, 512});
  auto pos1 = gpu_tensor_i32({0}, {1});
  EXPECT_THROW(ops::rope(g, big, pos1, big, {512, 1e4f}), Error);  // > 256 rotary dims
  try {
    ops::rope(g, x, pos_long, out, {64, 1e4f});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rope: positions must be i32[4], got i32[5]"), std::string::npos) << e.what();
  }
}

// Moonshine's layout: adjacent pairs (2i, 2i + 1) over the first rotary dims of a head whose
// size is not a multiple of 8 (tiny: 36 with 32 rotary dims), positions from 5 on; and
// Moonshine Streaming's odd partial RoPE (head 64, int(64 * 0.8) = 51: 26 slots over 52
// dims with exponents 2i/51).
TEST(Rope, InterleavedPairsMatchTheMoonshineReference) {
  struct Case {
    int64_t head_dim;
    int rotary, frequency_dims;
  };
  for (const Case c : {Case{36, 32, 0}, Case{64, 52, 51}}) {
    const int64_t tokens = 7, heads = 3, head_dim = c.head_dim;
    ops::RopeParams params{c.rotary, 10000.0f};
    params.interleaved = true;
    params.frequency_dims = c.frequency_dims;
    auto x = random_floats(tokens * heads * head_dim, 5);
    auto want = ref::rope_interleaved(x, tokens, heads, head_dim, 5, c.rotary, 10000.0f, c.frequency_dims);
    std::vector<int32_t> positions;
    for (int t = 0; t < tokens; ++t) positions.push_back(5 + t);
    auto tx = gpu_tensor(x, {tokens, heads, head_dim});
    auto tp = gpu_tensor_i32(positions, {tokens});
    auto out = gpu_output({tokens, heads, head_dim});
    gpu::Graph g(gpu_context(), "rope interleaved");
    ops::rope(g, tx, tp, out, params);
    ops::rope(g, tx, tp, tx, params);
    run_graph(g);
    const std::string what = "head " + std::to_string(head_dim) + " rotary " + std::to_string(c.rotary);
    expect_close(read_f32(out), want, kRtol, kAtol, what + " out of place");
    expect_close(read_f32(tx), want, kRtol, kAtol, what + " in place");
    if (c.frequency_dims > 0)  // the denominator matters: the plain 52-dim table differs
      EXPECT_NE(ref::rope_interleaved(x, tokens, heads, head_dim, 5, c.rotary, 10000.0f), want);
  }
}

}  // namespace

// Qwen3.5's ViT rotary (specs §7.4): head_dim 64, all dims rotated, the first 16
// frequency slots by the patch row, the next 16 by its column, against the vision
// reference (angles in double there: the f32 angle differs by < 1 ulp of ~50 rad).
TEST(Rope, VisionRowsAndColumns) {
  const int64_t tokens = 37, heads = 3, head_dim = 64;
  std::vector<std::pair<int64_t, int64_t>> rc;
  std::vector<int32_t> pos(2 * tokens);
  for (int64_t t = 0; t < tokens; ++t) {
    rc.emplace_back(t / 6, (t * 5) % 47);
    pos[t] = static_cast<int32_t>(rc.back().first);
    pos[tokens + t] = static_cast<int32_t>(rc.back().second);
  }
  auto x = random_floats(tokens * heads * head_dim, 93);
  auto want = x;
  ref::apply_vision_rotary(want, heads, head_dim, rc, 10000.0);
  auto tx = gpu_tensor(x, {tokens, heads, head_dim});
  auto tp = gpu_tensor_i32(pos, {2, tokens});
  gpu::Graph g(gpu_context(), "rope 2d");
  ops::rope(g, tx, tp, tx, ops::RopeParams{.rotary_dims = 64, .theta = 10000.0f, .vision = true});
  run_graph(g);
  expect_close(read_f32(tx), want, 1e-5f, 1e-5f, "vision rope");

  gpu::Graph bad(gpu_context(), "bad");
  auto three_rows = gpu_tensor_i32(std::vector<int32_t>(3 * tokens, 0), {3, tokens});
  EXPECT_THROW(ops::rope(bad, tx, three_rows, tx, ops::RopeParams{.rotary_dims = 64, .vision = true}), Error);
}
