#pragma once
// Scaled dot-product attention with grouped KV heads (query head h reads KV head
// h / (H / Hkv)), f32 queries and outputs, f16 or f32 keys/values, f32 softmax.
//
// KV cache layout: [capacity, Hkv, D] per tensor (token-major), f16.
#include "ops/tensor.h"

namespace vole::ops {

// Writes k, v [T, Hkv, D] f32 into the caches at rows [pos, pos + T), pos read from
// `start` (i32 [1], so a recorded decode graph takes a new position each run). Rows
// outside [0, capacity) are skipped on the GPU: a bad position never writes past the
// cache (the host checks T <= capacity). f32 -> f16 by packHalf2x16 (round to nearest
// even on lavapipe, checked bit-exactly by the tests).
void store_kv(gpu::Graph& g, const Tensor& k, const Tensor& v, const Tensor& cache_k, const Tensor& cache_v,
              const Tensor& start);

// One query token against the first kv_len cache rows (kv_len: i32 [1], read at run
// time and clamped to [0, capacity]; 0 gives zeros). q [1, H, D] -> out [1, H, D].
// Long contexts are split across workgroups and merged (flash-decoding): the split
// count is fixed at record time from the capacity (about 256 workgroups over the kv
// heads, >= 64 rows per split), the rows per split follow kv_len at run time.
// D: a multiple of 8 up to 256; H / Hkv <= 16.
void attention_decode(gpu::Graph& g, const Tensor& q, const Tensor& cache_k, const Tensor& cache_v,
                      const Tensor& kv_len, const Tensor& out, float scale);

struct PrefillParams {
  bool causal = true;
  int64_t past = 0;  // keys/values before the first query (query t sits at position past + t)
  float scale = 1.0f;
};
// Many queries at once, tiled with an online softmax: q [T, H, D], k/v [N, Hkv, D]
// (f16 cache or plain f32), out [T, H, D]. Causal: query t sees keys 0 .. past + t,
// so N >= past + T (a whole cache may be passed; rows past past + T are never read).
// Bidirectional (vision, past = 0): every query sees all N keys. D: a multiple of 8
// up to 256. Tiles are sized at record time from the device's shared memory.
void attention_prefill(gpu::Graph& g, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                       const PrefillParams& params);

struct PackedParams {
  bool causal = false;
  int64_t radius = 0;  // > 0: query t sees only keys s with |t - s| <= radius (a sliding window)
  float scale = 1.0f;
  int64_t ahead = -1;  // >= 0 (with radius > 0): keys t - radius <= s <= t + ahead instead
};
// Attention over many sequences packed back to back without padding (an encoder's
// batch): q [T, H, D], k/v f32 [T, Hkv, D], out [T, H, D], bounds i32 [T, 2] holding
// for every token the [start, end) rows of its own sequence. Each query sees only keys
// of its sequence (up to itself when causal, within `radius` when set), so every query
// sees at least itself. The same tiles as attention_prefill.
void attention_packed(gpu::Graph& g, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bounds,
                      const Tensor& out, const PackedParams& params);

}  // namespace vole::ops
