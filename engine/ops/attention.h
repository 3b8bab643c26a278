#pragma once
// Scaled dot-product attention with grouped KV heads (query head h reads KV head
// h / (H / Hkv)), f32 queries and outputs, f16 or f32 keys/values, f32 softmax.
//
// KV cache layout: [capacity, Hkv, D] per tensor (token-major), f16.
#include "ops/tensor.h"

namespace vole::ops {

// Writes k, v [T, Hkv, D] f32 into the caches at rows [pos, pos + T), pos read from
// `start` (i32 [1], so a recorded decode graph takes a new position each run).
void store_kv(gpu::Graph& g, const Tensor& k, const Tensor& v, const Tensor& cache_k, const Tensor& cache_v,
              const Tensor& start);

// One query token against the first kv_len cache rows (kv_len: i32 [1], read at run
// time). q [1, H, D] -> out [1, H, D]. Long contexts are split across workgroups
// and merged (flash-decoding) so all heads × splits keep the GPU busy.
void attention_decode(gpu::Graph& g, const Tensor& q, const Tensor& cache_k, const Tensor& cache_v,
                      const Tensor& kv_len, const Tensor& out, float scale);

struct PrefillParams {
  bool causal = true;
  int64_t past = 0;  // keys/values before the first query (query t sits at position past + t)
  float scale = 1.0f;
};
// Many queries at once, tiled with an online softmax: q [T, H, D], k/v [past + T, Hkv, D]
// (a cache prefix or plain f32 tensors), out [T, H, D]. Causal: query t sees keys
// 0 .. past + t. Bidirectional (vision): every query sees every key.
void attention_prefill(gpu::Graph& g, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                       const PrefillParams& params);

}  // namespace vole::ops
