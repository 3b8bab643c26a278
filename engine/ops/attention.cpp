#include "ops/attention.h"

#include <algorithm>

#include "attention/interface.h"
#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "util/error.h"

namespace vole::ops {

namespace {

constexpr int64_t kMaxHeadDim = 256;
constexpr int64_t kMaxGroup = 16;  // query heads per kv head the decode kernel holds in registers

// Flash-decoding: a split never gets fewer rows than this (so short contexts use few
// splits), and the split count aims at this many workgroups over all kv heads.
constexpr uint32_t kDecodeMinChunk = 64;
constexpr uint32_t kDecodeTargetGroups = 256;
constexpr uint32_t kDecodeGroupSize = kernels::kDecodeWorkgroup;

std::string dims(int64_t v) { return std::to_string(v); }

void expect_head_dim(const char* op, int64_t d) {
  require(d > 0 && d % 8 == 0 && d <= kMaxHeadDim,
          std::string(op) + ": head dim must be a multiple of 8 up to " + dims(kMaxHeadDim) + ", got " + dims(d));
}

// Heads per kv head, checking that kv heads divide query heads.
int64_t group_size(const char* op, int64_t heads, int64_t kv_heads) {
  require(heads > 0 && kv_heads > 0 && heads % kv_heads == 0,
          std::string(op) + ": " + dims(heads) + " query heads are not a multiple of " + dims(kv_heads) + " kv heads");
  return heads / kv_heads;
}

void expect_cache(const char* op, const Tensor& cache, int64_t kv_heads, int64_t d, const char* what) {
  expect_dtype(op, cache, DType::F16, what);
  require(cache.rank() == 3 && cache.dim(1) == kv_heads && cache.dim(2) == d,
          std::string(op) + ": " + what + " must be [capacity, " + dims(kv_heads) + ", " + dims(d) + "], got " +
              cache.describe());
}

void expect_position(const char* op, const Tensor& t, const char* what) {
  expect_dtype(op, t, DType::I32, what);
  expect_shape(op, t, {1}, what);
}

uint32_t shared_budget(const gpu::Context& ctx) { return ctx.info().max_shared_memory_bytes; }

// Prefill tile: BQ rows x BK keys, the largest that fits shared memory (see prefill.comp).
struct PrefillTile {
  uint32_t bq = 0, bk = 0;
};

uint64_t prefill_shared_bytes(int64_t d, uint32_t bq, uint32_t bk) {
  uint64_t row = static_cast<uint64_t>(d) + 4;  // padded row of floats
  return 4 * (bq * row + bk * row + bq * (bk + 1) + 3ull * bq);
}

PrefillTile pick_prefill_tile(const gpu::Context& ctx, int64_t d) {
  // Bigger BQ reuses each staged key more; the value pass holds BQ*D/128 floats per
  // invocation, kept at 64 or fewer.
  static constexpr PrefillTile candidates[] = {{64, 32}, {64, 16}, {32, 32}, {32, 16}, {32, 8}, {16, 16}, {16, 8}};
  uint32_t budget = shared_budget(ctx);
  for (const auto& c : candidates) {
    uint32_t ndg = static_cast<uint32_t>(d / 8), nrg = 128 / ndg;
    uint32_t rows_per_thread = (c.bq + nrg - 1) / nrg;
    if (rows_per_thread * 8 > 64) continue;
    if (prefill_shared_bytes(d, c.bq, c.bk) <= budget) return c;
  }
  fail(ErrorCode::Unsupported, "attention_prefill: head dim " + dims(d) + " needs more shared memory than the " +
                                   dims(budget) + " bytes this device has");
}

}  // namespace

void store_kv(gpu::Graph& g, const Tensor& k, const Tensor& v, const Tensor& cache_k, const Tensor& cache_v,
              const Tensor& start) {
  const char* op = "store_kv";
  expect_dtype(op, k, DType::F32, "k");
  require(k.rank() == 3, std::string(op) + ": k must be [T, Hkv, D], got " + k.describe());
  expect_same_shape(op, k, v);
  expect_dtype(op, v, DType::F32, "v");
  const int64_t t = k.dim(0), hkv = k.dim(1), d = k.dim(2);
  require(t > 0 && hkv > 0, std::string(op) + ": empty input " + k.describe());
  require(d % 2 == 0, std::string(op) + ": head dim must be even, got " + k.describe());
  expect_cache(op, cache_k, hkv, d, "cache_k");
  expect_cache(op, cache_v, hkv, d, "cache_v");
  require(cache_k.shape == cache_v.shape,
          std::string(op) + ": caches differ: " + cache_k.describe() + " vs " + cache_v.describe());
  require(t <= cache_k.dim(0),
          std::string(op) + ": " + dims(t) + " tokens do not fit a cache of " + dims(cache_k.dim(0)) + " rows");
  expect_position(op, start, "start");
  kernels::StoreKvPush push{.pairs = static_cast<uint32_t>(k.numel() / 2),
                            .row_pairs = static_cast<uint32_t>(hkv * d / 2),
                            .capacity = static_cast<uint32_t>(cache_k.dim(0))};
  auto& p = g.context().pipeline(kernels::attention_store_kv);
  std::array<uint32_t, 3> groups{std::min<uint32_t>(ceil_div(push.pairs, 256), 65535u), 1, 1};
  g.dispatch(
      p, {gpu::in(k.data), gpu::in(v.data), gpu::inout(cache_k.data), gpu::inout(cache_v.data), gpu::in(start.data)},
      push, groups, op);
}

void attention_decode(gpu::Graph& g, const Tensor& q, const Tensor& cache_k, const Tensor& cache_v,
                      const Tensor& kv_len, const Tensor& out, float scale) {
  const char* op = "attention_decode";
  expect_dtype(op, q, DType::F32, "q");
  require(q.rank() == 3 && q.dim(0) == 1, std::string(op) + ": q must be [1, H, D], got " + q.describe());
  expect_dtype(op, out, DType::F32, "out");
  expect_same_shape(op, q, out);
  const int64_t h = q.dim(1), d = q.dim(2);
  require(h > 0, std::string(op) + ": no heads in " + q.describe());
  expect_head_dim(op, d);
  require(cache_k.rank() == 3, std::string(op) + ": cache_k must be [capacity, Hkv, D], got " + cache_k.describe());
  const int64_t hkv = cache_k.dim(1), gsize = group_size(op, h, hkv);
  require(gsize <= kMaxGroup,
          std::string(op) + ": " + dims(gsize) + " query heads per kv head exceed " + dims(kMaxGroup));
  expect_cache(op, cache_k, hkv, d, "cache_k");
  expect_cache(op, cache_v, hkv, d, "cache_v");
  require(cache_k.shape == cache_v.shape,
          std::string(op) + ": caches differ: " + cache_k.describe() + " vs " + cache_v.describe());
  expect_position(op, kv_len, "kv_len");

  const uint32_t capacity = static_cast<uint32_t>(cache_k.dim(0));
  require(capacity > 0, std::string(op) + ": empty cache");
  const uint32_t max_splits = std::max<uint32_t>(1, kDecodeTargetGroups / static_cast<uint32_t>(hkv));
  const uint32_t splits = std::clamp<uint32_t>(ceil_div(capacity, kDecodeMinChunk), 1, max_splits);
  const uint32_t row_groups = kDecodeGroupSize / static_cast<uint32_t>(d / 2);  // R2 in decode.comp
  const uint64_t shared = 4ull * gsize * (d + kDecodeGroupSize + 16);
  require(shared <= shared_budget(g.context()), std::string(op) + ": " + dims(gsize) + " heads of dim " + dims(d) +
                                                    " per kv head need more shared memory than this device has");

  const int64_t partials = static_cast<int64_t>(splits) * row_groups;
  Tensor acc = activation(g, DType::F32, {h, partials, d}, "attention_decode.partials");
  Tensor ml = activation(g, DType::F32, {h, partials, 2}, "attention_decode.max_sum");

  kernels::AttentionDecodePush push{.capacity = capacity,
                                    .hkv = static_cast<uint32_t>(hkv),
                                    .splits = splits,
                                    .min_chunk = kDecodeMinChunk,
                                    .scale = scale};
  auto& split_pass =
      g.context().pipeline(kernels::attention_decode, {static_cast<uint32_t>(d), static_cast<uint32_t>(gsize)});
  g.dispatch(split_pass,
             {gpu::in(q.data), gpu::in(cache_k.data), gpu::in(cache_v.data), gpu::in(kv_len.data), gpu::out(acc.data),
              gpu::out(ml.data)},
             push, {splits, static_cast<uint32_t>(hkv), 1}, op);

  kernels::AttentionDecodeMergePush merge{.capacity = capacity,
                                          .splits = splits,
                                          .min_chunk = kDecodeMinChunk,
                                          .groups = row_groups,
                                          .d = static_cast<uint32_t>(d)};
  auto& merge_pass = g.context().pipeline(kernels::attention_decode_merge);
  g.dispatch(merge_pass, {gpu::in(acc.data), gpu::in(ml.data), gpu::in(kv_len.data), gpu::out(out.data)}, merge,
             {static_cast<uint32_t>(h), 1, 1}, "attention_decode_merge");
}

void attention_prefill(gpu::Graph& g, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                       const PrefillParams& params) {
  const char* op = "attention_prefill";
  expect_dtype(op, q, DType::F32, "q");
  require(q.rank() == 3, std::string(op) + ": q must be [T, H, D], got " + q.describe());
  expect_dtype(op, out, DType::F32, "out");
  expect_same_shape(op, q, out);
  const int64_t t = q.dim(0), h = q.dim(1), d = q.dim(2);
  require(t > 0 && h > 0, std::string(op) + ": empty input " + q.describe());
  expect_head_dim(op, d);
  require(k.dtype == DType::F16 || k.dtype == DType::F32,
          std::string(op) + ": k must be f16 or f32, got " + k.describe());
  require(k.dtype == v.dtype && k.shape == v.shape,
          std::string(op) + ": k and v differ: " + k.describe() + " vs " + v.describe());
  require(k.rank() == 3 && k.dim(2) == d,
          std::string(op) + ": k must be [N, Hkv, " + dims(d) + "], got " + k.describe());
  const int64_t hkv = k.dim(1), gsize = group_size(op, h, hkv), nkeys = k.dim(0);
  require(params.past >= 0, std::string(op) + ": negative past");
  if (params.causal) {
    require(nkeys >= params.past + t, std::string(op) + ": causal attention of " + dims(t) + " queries after " +
                                          dims(params.past) + " past tokens needs " + dims(params.past + t) +
                                          " keys, got " + k.describe());
  } else {
    require(params.past == 0, std::string(op) + ": bidirectional attention takes no past");
    require(nkeys > 0, std::string(op) + ": no keys");
  }
  const PrefillTile tile = pick_prefill_tile(g.context(), d);
  const int64_t rows = t * gsize;
  require(ceil_div(rows, tile.bq) <= g.context().info().max_workgroup_count[0],
          std::string(op) + ": " + dims(t) + " queries are too many for one dispatch");

  kernels::AttentionPrefillPush push{.t = static_cast<uint32_t>(t),
                                     .h = static_cast<uint32_t>(h),
                                     .hkv = static_cast<uint32_t>(hkv),
                                     .nkeys = static_cast<uint32_t>(nkeys),
                                     .past = static_cast<uint32_t>(params.past),
                                     .causal = params.causal ? 1u : 0u,
                                     .scale = params.scale,
                                     .radius = 0,
                                     .ahead = 0};
  auto& p =
      g.context().pipeline(k.dtype == DType::F16 ? kernels::attention_prefill_f16 : kernels::attention_prefill_f32,
                           {static_cast<uint32_t>(d), static_cast<uint32_t>(gsize), tile.bq, tile.bk});
  g.dispatch(p, {gpu::in(q.data), gpu::in(k.data), gpu::in(v.data), gpu::out(out.data)}, push,
             {ceil_div(rows, tile.bq), static_cast<uint32_t>(hkv), 1}, op);
}

void attention_packed(gpu::Graph& g, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bounds,
                      const Tensor& out, const PackedParams& params) {
  const char* op = "attention_packed";
  expect_dtype(op, q, DType::F32, "q");
  require(q.rank() == 3, std::string(op) + ": q must be [T, H, D], got " + q.describe());
  expect_dtype(op, out, DType::F32, "out");
  expect_same_shape(op, q, out);
  const int64_t t = q.dim(0), h = q.dim(1), d = q.dim(2);
  require(t > 0 && h > 0, std::string(op) + ": empty input " + q.describe());
  expect_head_dim(op, d);
  expect_dtype(op, k, DType::F32, "k");
  expect_dtype(op, v, DType::F32, "v");
  require(k.rank() == 3 && k.dim(0) == t && k.dim(2) == d,
          std::string(op) + ": k must be [" + dims(t) + ", Hkv, " + dims(d) + "], got " + k.describe());
  expect_same_shape(op, k, v);
  expect_dtype(op, bounds, DType::I32, "bounds");
  expect_shape(op, bounds, {t, 2}, "bounds");
  require(params.radius >= 0, std::string(op) + ": negative window radius");
  require(params.ahead < 0 || params.radius > 0, std::string(op) + ": a window's reach ahead needs a radius");
  const int64_t hkv = k.dim(1), gsize = group_size(op, h, hkv);
  const PrefillTile tile = pick_prefill_tile(g.context(), d);
  const int64_t rows = t * gsize;
  require(ceil_div(rows, tile.bq) <= g.context().info().max_workgroup_count[0],
          std::string(op) + ": " + dims(t) + " queries are too many for one dispatch");
  kernels::AttentionPrefillPush push{.t = static_cast<uint32_t>(t),
                                     .h = static_cast<uint32_t>(h),
                                     .hkv = static_cast<uint32_t>(hkv),
                                     .nkeys = static_cast<uint32_t>(t),
                                     .past = 0,
                                     .causal = params.causal ? 1u : 0u,
                                     .scale = params.scale,
                                     .radius = static_cast<uint32_t>(params.radius),
                                     .ahead = static_cast<uint32_t>(params.ahead >= 0 ? params.ahead : params.radius)};
  auto& p = g.context().pipeline(kernels::attention_prefill_packed,
                                 {static_cast<uint32_t>(d), static_cast<uint32_t>(gsize), tile.bq, tile.bk});
  g.dispatch(p, {gpu::in(q.data), gpu::in(k.data), gpu::in(v.data), gpu::out(out.data), gpu::in(bounds.data)}, push,
             {ceil_div(rows, tile.bq), static_cast<uint32_t>(hkv), 1}, op);
}

}  // namespace vole::ops
