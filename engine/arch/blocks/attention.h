#pragma once
// Causal self-attention with a KV cache: q/k/v projections (with biases where declared),
// optional per-head q/k norms, RoPE (plain, partial or M-RoPE), an optional sigmoid
// output gate (Qwen3.5, docs/specs/qwen3_5.md §4.1, §4.6), GQA, and the output
// projection added into the residual stream.
#include <string>

#include "arch/blocks/linear.h"
#include "arch/blocks/norm.h"
#include "arch/encoder.h"
#include "arch/text_decoder.h"
#include "ops/rope.h"

namespace vole::arch {

struct AttentionShape {
  int64_t hidden = 0, heads = 0, kv_heads = 0, head_dim = 0;
  bool qkv_bias = false;     // biases on q/k/v_proj
  bool output_bias = false;  // bias on o_proj
  bool output_gate = false;  // q_proj also yields a per-head sigmoid gate: [q_h | gate_h] per head
  bool qk_norm = false;      // per-head norms on q and k (kind qk_norm_kind)
  NormKind qk_norm_kind = NormKind::Rms;
  float eps = 1e-6f;
  float scale = 0.0f;  // scores multiplier; 0: 1 / sqrt(head_dim)
  float score_scale() const;
  // The head size the attention kernels and KV caches use: head_dim rounded up to a
  // multiple of 8 (HF's pad_head_dim_to_multiple_of; Moonshine tiny's 36 -> 40). The
  // extra dims are zeros, which change no dot product, and are dropped again after.
  int64_t kernel_head_dim() const { return (head_dim + 7) / 8 * 8; }
};

// Tensor names under the stem (families that name them differently, e.g. LFM2's
// out_proj / q_layernorm, pass their own).
struct AttentionNames {
  std::string q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj", q_norm = "q_norm", k_norm = "k_norm";
};

struct Attention {
  AttentionShape shape;
  Linear q, k, v, o;
  Norm q_norm, k_norm;
};

// Declares `<stem>q_proj`, `k_proj`, `v_proj`, `o_proj` (+ biases) and `q_norm`, `k_norm`
// (or the given names).
Attention declare_attention(TensorDeclarer& d, const std::string& stem, const AttentionShape& shape, int layer,
                            const AttentionNames& names = {});

// The K and V caches one attention layer reads and appends to: f16 [capacity, kv_heads,
// kernel_head_dim]. Cross-attention keeps its K/V of an encoder output in the same form.
struct KvMemory {
  ops::Tensor k, v;
};

// x += o_proj(attention(normed)): T == 1 uses flash decoding over the cache, T > 1 the
// tiled causal prefill over the cached past plus the new rows.
void record_self_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams& rope, const StepInputs& in,
                           const KvMemory& memory, const ops::Tensor& normed, const ops::Tensor& x);

// Which keys a packed query sees within its sequence.
struct PackedMask {
  bool causal = false;
  int64_t radius = 0;  // > 0: only keys within this distance (a bidirectional sliding window)
  int64_t ahead = -1;  // >= 0 with a radius: keys at most this far ahead (an asymmetric window)
};

// o_proj(attention(normed)) over packed sequences without a cache, written into `out`,
// or added into it with `accumulate` (a residual stream). rope.rotary_dims == 0: no RoPE.
void record_packed_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams& rope, const PackedBatch& batch,
                             const PackedMask& mask, const ops::Tensor& normed, const ops::Tensor& out,
                             bool accumulate);
// Encoders: x += o_proj(attention(normed)) where every row sees every row (no mask, no
// cache), RoPE at `positions` (i32 [T]) when `rope` is given.
void record_bidirectional_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams* rope,
                                    const ops::Tensor& positions, const ops::Tensor& normed, const ops::Tensor& x);

// Cross-attention, once per input: K and V of `source` [frames, hidden] (an encoder's
// output) into memory rows [0, frames); `zero` is an i32 [1] holding 0.
void record_cross_kv(gpu::Graph& g, const Attention& a, const ops::Tensor& source, const KvMemory& memory,
                     const ops::Tensor& zero);
// Then per step: x += o_proj(attention(q(normed), memory rows [0, kv_len))), no RoPE, no
// mask; kv_len is an i32 [1] read at run time, so a recorded decode graph serves every input.
void record_cross_attention(gpu::Graph& g, const Attention& a, const KvMemory& memory, const ops::Tensor& kv_len,
                            const ops::Tensor& normed, const ops::Tensor& x);

}  // namespace vole::arch
