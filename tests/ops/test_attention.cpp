// Attention kernels vs. the CPU reference (tests/reference/attention.h).
// Tolerances: the kernels accumulate in f32 and use the device's exp; the reference
// accumulates in f64. Errors are measured relative to the largest output magnitude:
// 1e-5 for every path (measured on lavapipe: at most 1.6e-6). f16 K/V paths compare
// against the reference fed the same f16-rounded K/V, so the cache rounding itself is
// not in the error; the f16 conversion is checked bit-exactly by the store_kv test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/attention.h"
#include "reference/attention.h"
#include "support/gpu_test.h"
#include "util/error.h"
#include "util/half.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr float kRelTol = 1e-5f;

void expect_near_scaled(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  float peak = 0;
  for (float w : want) peak = std::max(peak, std::fabs(w));
  expect_close(got, want, kRelTol, kRelTol * peak, what);
}

// Raw f16 contents of a tensor, widened to f32.
std::vector<float> read_f16(const ops::Tensor& t) {
  ops::Tensor words = t;
  words.dtype = DType::I32;
  words.shape = {t.numel() / 2};
  std::vector<float> out;
  for (int32_t w : read_i32(words)) {
    out.push_back(f16_to_f32(static_cast<uint16_t>(w & 0xffff)));
    out.push_back(f16_to_f32(static_cast<uint16_t>(static_cast<uint32_t>(w) >> 16)));
  }
  return out;
}

void set_i32(const GpuTensor& t, int32_t value) { gpu_context().upload(*t.buffer, 0, &value, 4); }

struct Heads {
  int64_t h, hkv, d;
};
constexpr Heads kQwen35{8, 2, 256};  // Qwen3.5-0.8B full attention
constexpr Heads kQwen3{16, 8, 128};  // Qwen3-style GQA

// Queries peaky enough that the softmax is far from uniform.
std::vector<float> queries(int64_t n, uint32_t seed) { return random_floats(n, seed, -4.0f, 4.0f); }
std::vector<float> keys(int64_t n, uint32_t seed) { return random_floats(n, seed, -2.0f, 2.0f); }

TEST(StoreKv, WritesRowsAtRunTimeOffsets) {
  const int64_t cap = 10, hkv = 2, d = 8, t = 3;
  auto k = random_floats(t * hkv * d, 1, -3, 3), v = random_floats(t * hkv * d, 2, -3, 3);
  auto tk = gpu_tensor(k, {t, hkv, d}), tv = gpu_tensor(v, {t, hkv, d});
  std::vector<float> zeros(cap * hkv * d, 0.0f);
  auto ck = gpu_tensor_f16(zeros, {cap, hkv, d}), cv = gpu_tensor_f16(zeros, {cap, hkv, d});
  auto start = gpu_tensor_i32({4}, {1});
  gpu::Graph g(gpu_context(), "store_kv");
  ops::store_kv(g, tk, tv, ck, cv, start);
  run_graph(g);

  auto expect_rows = [&](std::vector<float> cache_k, std::vector<float> cache_v, int64_t first, int64_t count,
                         const std::string& what) {
    const int64_t row = hkv * d;
    std::vector<float> want_k(cap * row, 0.0f), want_v(cap * row, 0.0f);
    for (int64_t r = 0; r < count; ++r)
      for (int64_t i = 0; i < row; ++i) {
        want_k[(first + r) * row + i] = f16_to_f32(f32_to_f16(k[r * row + i]));
        want_v[(first + r) * row + i] = f16_to_f32(f32_to_f16(v[r * row + i]));
      }
    expect_close(cache_k, want_k, 0, 0, what + " k");
    expect_close(cache_v, want_v, 0, 0, what + " v");
  };
  expect_rows(read_f16(ck), read_f16(cv), 4, 3, "start 4");

  // Rows past the capacity are dropped: the caches are the first `cap` rows of buffers
  // with two guard rows that must stay zero.
  std::vector<float> guarded(zeros);
  guarded.resize((cap + 2) * hkv * d, 0.0f);
  auto gk = gpu_tensor_f16(guarded, {cap + 2, hkv, d}), gv = gpu_tensor_f16(guarded, {cap + 2, hkv, d});
  gpu::Graph g2(gpu_context(), "store_kv_end");
  ops::store_kv(g2, tk, tv, ops::Tensor(gk).rows(0, cap), ops::Tensor(gv).rows(0, cap), start);
  set_i32(start, 8);
  run_graph(g2);
  auto all_k = read_f16(gk), all_v = read_f16(gv);
  std::vector<float> guard_zeros(2 * hkv * d, 0.0f);
  expect_close(std::vector<float>(all_k.begin() + cap * hkv * d, all_k.end()), guard_zeros, 0, 0, "k guard rows");
  expect_close(std::vector<float>(all_v.begin() + cap * hkv * d, all_v.end()), guard_zeros, 0, 0, "v guard rows");
  all_k.resize(cap * hkv * d);
  all_v.resize(cap * hkv * d);
  expect_rows(all_k, all_v, 8, 2, "start 8 (one row past the end)");

  // The same recorded graph at a new position.
  auto fresh = [&] {
    ck = gpu_tensor_f16(zeros, {cap, hkv, d});
    cv = gpu_tensor_f16(zeros, {cap, hkv, d});
  };
  set_i32(start, -1);
  fresh();
  gpu::Graph g3(gpu_context(), "store_kv_negative");
  ops::store_kv(g3, tk, tv, ck, cv, start);
  run_graph(g3);
  expect_rows(read_f16(ck), read_f16(cv), 0, 0, "start -1 writes nothing");
  set_i32(start, 0);
  g3.run();
  expect_rows(read_f16(ck), read_f16(cv), 0, 3, "rerun at start 0");
}

// Prefill against the reference. kv: f16 (a cache of past + T rows, plus `extra`
// rows of NaN that must never be read) or f32.
void check_prefill(const Heads& hd, int64_t t, int64_t past, bool causal, bool f16, int64_t extra, uint32_t seed) {
  const int64_t n = past + t;
  auto q = queries(t * hd.h * hd.d, seed);
  auto k = keys(n * hd.hkv * hd.d, seed + 1), v = random_floats(n * hd.hkv * hd.d, seed + 2, -1, 1);
  if (f16) {
    k = ref::round_to_f16(k);
    v = ref::round_to_f16(v);
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd.d));
  ref::AttentionShape shape{t, hd.h, hd.hkv, hd.d, n};
  auto want = ref::attention(q, k, v, shape, causal, past, scale);

  auto tq = gpu_tensor(q, {t, hd.h, hd.d});
  auto out = gpu_output({t, hd.h, hd.d});
  auto padded = [&](std::vector<float> x) {
    x.resize((n + extra) * hd.hkv * hd.d, std::numeric_limits<float>::quiet_NaN());
    return x;
  };
  GpuTensor tk = f16 ? gpu_tensor_f16(padded(k), {n + extra, hd.hkv, hd.d}) : gpu_tensor(k, {n, hd.hkv, hd.d});
  GpuTensor tv = f16 ? gpu_tensor_f16(padded(v), {n + extra, hd.hkv, hd.d}) : gpu_tensor(v, {n, hd.hkv, hd.d});
  gpu::Graph g(gpu_context(), "prefill");
  ops::attention_prefill(g, tq, tk, tv, out, {causal, past, scale});
  run_graph(g);
  expect_near_scaled(read_f32(out), want,
                     "T " + std::to_string(t) + " past " + std::to_string(past) + " H " + std::to_string(hd.h) + "/" +
                         std::to_string(hd.hkv) + " D " + std::to_string(hd.d) + (f16 ? " f16" : " f32"));
}

TEST(AttentionPrefill, CausalQwen35Heads) {
  uint32_t seed = 10;
  for (int64_t t : {1, 2, 3, 63, 64, 65, 200}) check_prefill(kQwen35, t, 0, true, true, 0, seed += 3);
}

TEST(AttentionPrefill, CausalQwen3Heads) {
  uint32_t seed = 40;
  for (int64_t t : {1, 2, 3, 63, 64, 65, 200}) check_prefill(kQwen3, t, 0, true, true, 0, seed += 3);
}

TEST(AttentionPrefill, ContinuesAfterPastTokens) {
  // A second turn: 37 new queries after 50 cached tokens, cache larger than needed.
  check_prefill(kQwen35, 37, 50, true, true, 13, 70);
  check_prefill(kQwen3, 65, 64, true, true, 7, 71);
  check_prefill(kQwen3, 1, 200, true, true, 5, 72);
  check_prefill(kQwen35, 3, 1, true, false, 0, 73);  // plain f32 k/v too
}

TEST(AttentionPrefill, BidirectionalF32) {
  check_prefill({12, 12, 64}, 100, 0, false, false, 0, 80);  // vision tower shape
  check_prefill(kQwen3, 65, 0, false, false, 0, 81);
  check_prefill({4, 1, 256}, 3, 0, false, false, 0, 82);
  check_prefill({16, 1, 64}, 20, 0, false, false, 0, 83);
}

// Packed sequences against the reference of each sequence alone: the bounds keep them
// apart, causal or not, with or without a sliding window (radius).
void check_packed(const Heads& hd, const std::vector<int64_t>& lengths, bool causal, int64_t radius, uint32_t seed,
                  int64_t ahead = -1) {
  int64_t t = 0;
  for (int64_t n : lengths) t += n;
  auto q = queries(t * hd.h * hd.d, seed);
  auto k = keys(t * hd.hkv * hd.d, seed + 1), v = random_floats(t * hd.hkv * hd.d, seed + 2, -1, 1);
  std::vector<int32_t> bounds;
  std::vector<float> want;
  const float scale = 0.09f;
  int64_t start = 0;
  for (int64_t n : lengths) {
    for (int64_t i = 0; i < n; ++i) {
      bounds.push_back(static_cast<int32_t>(start));
      bounds.push_back(static_cast<int32_t>(start + n));
    }
    auto slice = [&](const std::vector<float>& x, int64_t heads) {
      return std::vector<float>(x.begin() + start * heads * hd.d, x.begin() + (start + n) * heads * hd.d);
    };
    auto part = ref::attention_windowed(slice(q, hd.h), slice(k, hd.hkv), slice(v, hd.hkv), {n, hd.h, hd.hkv, hd.d, n},
                                        causal, radius, scale, ahead);
    want.insert(want.end(), part.begin(), part.end());
    start += n;
  }
  auto out = gpu_output({t, hd.h, hd.d});
  auto tb = gpu_tensor_i32(bounds, {t, 2});
  auto tq = gpu_tensor(q, {t, hd.h, hd.d}), tk = gpu_tensor(k, {t, hd.hkv, hd.d}),
       tv = gpu_tensor(v, {t, hd.hkv, hd.d});
  gpu::Graph g(gpu_context(), "packed");
  ops::attention_packed(g, tq, tk, tv, tb, out, {causal, radius, scale, ahead});
  run_graph(g);
  expect_near_scaled(read_f32(out), want,
                     std::string(causal ? "causal" : "bidirectional") + " radius " + std::to_string(radius) +
                         " ahead " + std::to_string(ahead) + " H " + std::to_string(hd.h) + "/" +
                         std::to_string(hd.hkv) + " D " + std::to_string(hd.d));
}

TEST(AttentionPacked, SequencesDoNotSeeEachOther) {
  const std::vector<int64_t> lengths{1, 7, 40, 65, 3};
  check_packed({3, 1, 256}, lengths, false, 0, 90);  // EmbeddingGemma's heads, full layers
  check_packed({3, 1, 256}, lengths, false, 8, 91);  // its sliding layers (radius 256 at full size)
  check_packed(kQwen3, lengths, true, 0, 92);        // a causal decoder as an encoder
  check_packed({4, 2, 64}, {130}, false, 16, 93);    // one long sequence, window inside it
  check_packed({4, 2, 64}, {5, 5}, true, 2, 94);
  // Moonshine Streaming's windows: 15 back and 3 ahead, or none ahead; a window wider
  // than a tile and one reaching further ahead than back.
  check_packed({8, 8, 40}, {3, 70}, false, 15, 95, 3);
  check_packed({8, 8, 40}, {70}, false, 15, 96, 0);
  check_packed({2, 1, 64}, {130}, false, 40, 97, 2);
  check_packed({2, 1, 64}, {50}, false, 1, 98, 9);
}

TEST(AttentionPacked, RejectsBadShapes) {
  auto q = gpu_output({4, 2, 64});
  auto kv = gpu_output({4, 1, 64});
  auto bounds = gpu_tensor_i32({0, 4, 0, 4, 0, 4, 0, 4}, {4, 2});
  auto short_bounds = gpu_tensor_i32({0, 3, 0, 3, 0, 3}, {3, 2});
  auto out = gpu_output({4, 2, 64});
  auto kv5 = gpu_output({5, 1, 64});
  gpu::Graph g(gpu_context(), "bad");
  EXPECT_THROW(ops::attention_packed(g, q, kv, kv, short_bounds, out, {}), Error);
  EXPECT_THROW(ops::attention_packed(g, q, kv5, kv5, bounds, out, {}), Error);
  EXPECT_THROW(ops::attention_packed(g, q, kv, kv, bounds, out, {false, -1, 1.0f}), Error);
  EXPECT_THROW(ops::attention_packed(g, q, kv, kv, bounds, out, {false, 0, 1.0f, 2}), Error);  // ahead, no radius
}

// Decode against the reference for several kv_len values, re-running one recorded
// graph. Rows past kv_len hold NaN: reading one would poison the result.
void check_decode(const Heads& hd, int64_t cap, const std::vector<int32_t>& lens, uint32_t seed) {
  auto q = queries(hd.h * hd.d, seed);
  auto k = ref::round_to_f16(keys(cap * hd.hkv * hd.d, seed + 1));
  auto v = ref::round_to_f16(random_floats(cap * hd.hkv * hd.d, seed + 2, -1, 1));
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd.d));
  auto tq = gpu_tensor(q, {1, hd.h, hd.d});
  auto out = gpu_output({1, hd.h, hd.d});
  auto len = gpu_tensor_i32({1}, {1});
  const int64_t row = hd.hkv * hd.d;
  for (int32_t kv_len : lens) {
    const int64_t used = std::clamp<int64_t>(kv_len, 0, cap);
    auto poisoned = [&](std::vector<float> x) {
      std::fill(x.begin() + used * row, x.end(), std::numeric_limits<float>::quiet_NaN());
      return x;
    };
    auto ck = gpu_tensor_f16(poisoned(k), {cap, hd.hkv, hd.d}), cv = gpu_tensor_f16(poisoned(v), {cap, hd.hkv, hd.d});
    gpu::Graph g(gpu_context(), "decode");
    ops::attention_decode(g, tq, ck, cv, len, out, scale);
    set_i32(len, kv_len);
    run_graph(g);
    std::vector<float> want(hd.h * hd.d, 0.0f);
    if (used > 0) {
      std::vector<float> kk(k.begin(), k.begin() + used * row), vv(v.begin(), v.begin() + used * row);
      want = ref::attention(q, kk, vv, {1, hd.h, hd.hkv, hd.d, used}, false, 0, scale);
    }
    expect_near_scaled(read_f32(out), want, "kv_len " + std::to_string(kv_len) + " of " + std::to_string(cap));
  }
}

TEST(AttentionDecode, Qwen35HeadsAcrossSplits) {
  // Capacity 1000: 16 splits of >= 64 rows. 64/65/128/129: split boundaries.
  check_decode(kQwen35, 1000, {1, 2, 63, 64, 65, 128, 129, 999, 1000}, 100);
}

TEST(AttentionDecode, Qwen3HeadsLongContext) {
  // Capacity 8192 with 8 kv heads: 32 splits, so near capacity each split streams
  // several 128-row tiles.
  check_decode(kQwen3, 8192, {1, 2, 300, 8190, 8192}, 110);
}

TEST(AttentionDecode, GroupSizesOneAndSixteen) {
  check_decode({4, 4, 128}, 150, {1, 65, 150}, 115);  // plain multi-head attention
  check_decode({16, 1, 64}, 150, {1, 65, 150}, 116);  // 16 query heads on one kv head
}

TEST(AttentionDecode, ReRunsWithNewLengthAndClamps) {
  const Heads hd{4, 2, 64};
  const int64_t cap = 200;
  auto q = queries(hd.h * hd.d, 120);
  auto k = ref::round_to_f16(keys(cap * hd.hkv * hd.d, 121));
  auto v = ref::round_to_f16(random_floats(cap * hd.hkv * hd.d, 122, -1, 1));
  auto tq = gpu_tensor(q, {1, hd.h, hd.d});
  auto ck = gpu_tensor_f16(k, {cap, hd.hkv, hd.d}), cv = gpu_tensor_f16(v, {cap, hd.hkv, hd.d});
  auto out = gpu_output({1, hd.h, hd.d});
  auto len = gpu_tensor_i32({5}, {1});
  const float scale = 0.125f;
  gpu::Graph g(gpu_context(), "decode_rerun");
  ops::attention_decode(g, tq, ck, cv, len, out, scale);
  g.compile();
  for (int32_t kv_len : {5, 77, 200, 100000, 0, -3}) {
    set_i32(len, kv_len);
    g.run();
    const int64_t used = std::clamp<int64_t>(kv_len, 0, cap);
    std::vector<float> want(hd.h * hd.d, 0.0f);
    if (used > 0) {
      std::vector<float> kk(k.begin(), k.begin() + used * hd.hkv * hd.d),
          vv(v.begin(), v.begin() + used * hd.hkv * hd.d);
      want = ref::attention(q, kk, vv, {1, hd.h, hd.hkv, hd.d, used}, false, 0, scale);
    }
    expect_near_scaled(read_f32(out), want, "kv_len " + std::to_string(kv_len));
  }
  EXPECT_EQ(gpu_context().validation_errors(), 0u);
}

TEST(AttentionDecode, MatchesPrefillOfTheLastToken) {
  // Decode of token t == row t of a causal prefill over the same cache.
  const Heads hd = kQwen35;
  const int64_t n = 70;
  auto q = queries(n * hd.h * hd.d, 130);
  auto k = ref::round_to_f16(keys(n * hd.hkv * hd.d, 131));
  auto v = ref::round_to_f16(random_floats(n * hd.hkv * hd.d, 132, -1, 1));
  auto tq = gpu_tensor(q, {n, hd.h, hd.d});
  auto ck = gpu_tensor_f16(k, {n, hd.hkv, hd.d}), cv = gpu_tensor_f16(v, {n, hd.hkv, hd.d});
  auto full = gpu_output({n, hd.h, hd.d}), last = gpu_output({1, hd.h, hd.d});
  auto len = gpu_tensor_i32({static_cast<int32_t>(n)}, {1});
  gpu::Graph g(gpu_context(), "decode_vs_prefill");
  ops::attention_prefill(g, tq, ck, cv, full, {true, 0, 0.0625f});
  ops::attention_decode(g, ops::Tensor(tq).rows(n - 1, 1), ck, cv, len, last, 0.0625f);
  run_graph(g);
  auto f = read_f32(full);
  std::vector<float> want(f.end() - hd.h * hd.d, f.end());
  expect_near_scaled(read_f32(last), want, "decode vs prefill");
}

TEST(Attention, RejectsBadShapes) {
  gpu::Graph g(gpu_context(), "bad");
  auto q = gpu_tensor(random_floats(6 * 64, 1), {1, 6, 64});
  auto out = gpu_output({1, 6, 64});
  auto len = gpu_tensor_i32({1}, {1});
  std::vector<float> cache(16 * 4 * 64, 0.0f);
  auto ck4 = gpu_tensor_f16(cache, {16, 4, 64}), cv4 = gpu_tensor_f16(cache, {16, 4, 64});
  EXPECT_THROW(ops::attention_decode(g, q, ck4, cv4, len, out, 1.0f), Error);  // 6 heads over 4 kv heads
  auto q8 = gpu_tensor(random_floats(8 * 64, 1), {1, 8, 64});
  auto out8 = gpu_output({1, 8, 64});
  auto ck_d = gpu_tensor_f16(std::vector<float>(16 * 4 * 32, 0.0f), {16, 4, 32});
  EXPECT_THROW(ops::attention_decode(g, q8, ck_d, ck_d, len, out8, 1.0f), Error);  // head dim mismatch
  EXPECT_THROW(ops::attention_decode(g, q8, ck4, ck_d, len, out8, 1.0f), Error);   // k and v caches differ
  auto big = gpu_tensor(random_floats(2 * 264, 1), {1, 2, 264});
  auto big_out = gpu_output({1, 2, 264});
  auto ck_big = gpu_tensor_f16(std::vector<float>(4 * 2 * 264, 0.0f), {4, 2, 264});
  EXPECT_THROW(ops::attention_decode(g, big, ck_big, ck_big, len, big_out, 1.0f), Error);  // D > 256
  auto len_f = gpu_tensor({1.0f}, {1});
  EXPECT_THROW(ops::attention_decode(g, q8, ck4, cv4, len_f, out8, 1.0f), Error);  // kv_len not i32

  // Prefill: too few keys for causal past + T, bidirectional with a past, D > 256.
  auto qp = gpu_tensor(random_floats(5 * 8 * 64, 1), {5, 8, 64});
  auto outp = gpu_output({5, 8, 64});
  EXPECT_THROW(ops::attention_prefill(g, qp, ck4, cv4, outp, {true, 12, 1.0f}), Error);
  EXPECT_THROW(ops::attention_prefill(g, qp, ck4, cv4, outp, {false, 3, 1.0f}), Error);
  auto qbig = gpu_tensor(random_floats(2 * 264, 1), {1, 2, 264});
  EXPECT_THROW(ops::attention_prefill(g, qbig, ck_big, ck_big, big_out, {true, 0, 1.0f}), Error);
  auto kq = gpu_tensor(random_floats(16 * 4 * 64, 1), {16, 4, 64});
  EXPECT_THROW(ops::attention_prefill(g, qp, kq, cv4, outp, {true, 0, 1.0f}), Error);  // f32 k with f16 v

  // store_kv: more tokens than the cache holds, wrong cache dtype, start not [1] i32.
  auto k20 = gpu_tensor(random_floats(20 * 4 * 64, 1), {20, 4, 64});
  auto start = gpu_tensor_i32({0}, {1});
  EXPECT_THROW(ops::store_kv(g, k20, k20, ck4, cv4, start), Error);
  auto k2 = gpu_tensor(random_floats(2 * 4 * 64, 1), {2, 4, 64});
  EXPECT_THROW(ops::store_kv(g, k2, k2, kq, kq, start), Error);
  auto start2 = gpu_tensor_i32({0, 0}, {2});
  EXPECT_THROW(ops::store_kv(g, k2, k2, ck4, cv4, start2), Error);
  auto k2h = gpu_tensor(random_floats(2 * 2 * 64, 1), {2, 2, 64});
  EXPECT_THROW(ops::store_kv(g, k2h, k2h, ck4, cv4, start), Error);  // kv heads differ from the cache
}

}  // namespace
