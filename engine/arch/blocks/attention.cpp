#include "arch/blocks/attention.h"

#include <cmath>

#include "ops/attention.h"
#include "ops/elementwise.h"
#include "util/error.h"

namespace vole::arch {

Attention declare_attention(TensorDeclarer& d, const std::string& stem, const AttentionShape& s, int layer,
                            const AttentionNames& n) {
  Attention a;
  a.shape = s;
  int64_t q_rows = s.heads * s.head_dim * (s.output_gate ? 2 : 1), kv_rows = s.kv_heads * s.head_dim;
  a.q = declare_linear(d, stem + n.q, q_rows, s.hidden, s.qkv_bias, layer);
  a.k = declare_linear(d, stem + n.k, kv_rows, s.hidden, s.qkv_bias, layer);
  a.v = declare_linear(d, stem + n.v, kv_rows, s.hidden, s.qkv_bias, layer);
  a.o = declare_linear(d, stem + n.o, s.hidden, s.heads * s.head_dim, s.output_bias, layer);
  if (s.qk_norm) {
    a.q_norm = declare_norm(d, stem + n.q_norm, s.head_dim, s.qk_norm_kind, s.eps, layer);
    a.k_norm = declare_norm(d, stem + n.k_norm, s.head_dim, s.qk_norm_kind, s.eps, layer);
  }
  return a;
}

float AttentionShape::score_scale() const { return scale > 0 ? scale : 1.0f / std::sqrt(static_cast<float>(head_dim)); }

namespace {

// [T, H, D] -> [T, H, Dp] with zeros in the extra dims (the same tensor when D == Dp).
ops::Tensor widen_heads(gpu::Graph& g, const ops::Tensor& x, int64_t kernel_dim, const char* name) {
  const int64_t T = x.dim(0), H = x.dim(1), D = x.dim(2);
  if (D == kernel_dim) return x;
  ops::Tensor w = ops::activation(g, DType::F32, {T, H, kernel_dim}, name);
  g.fill(w.data, 0);
  ops::copy_columns_into(g, x.reshape({T * H, D}), w.reshape({T * H, kernel_dim}), 0);
  return w;
}

// [T, H, Dp] -> [T, H * D]: the heads without their zero dims, ready for o_proj.
ops::Tensor narrow_heads(gpu::Graph& g, const ops::Tensor& o, int64_t head_dim) {
  const int64_t T = o.dim(0), H = o.dim(1), Dp = o.dim(2);
  if (head_dim == Dp) return o.reshape({T, H * head_dim});
  ops::Tensor n = ops::activation(g, DType::F32, {T, H, head_dim}, "attn out heads");
  ops::copy_columns(g, o.reshape({T * H, Dp}), 0, n.reshape({T * H, head_dim}));
  return n.reshape({T, H * head_dim});
}

// x [T, hidden] -> [T, heads, head_dim] through a projection.
ops::Tensor project_heads(gpu::Graph& g, const Linear& l, const ops::Tensor& x, int64_t heads, int64_t head_dim,
                          const char* name) {
  const int64_t T = x.dim(0);
  ops::Tensor t = ops::activation(g, DType::F32, {T, heads, head_dim}, name);
  record_linear(g, l, x, t.reshape({T, heads * head_dim}));
  return t;
}

// q [T, H, D] (normed and rotated), k and v [T, Hkv, D] (k normed and rotated), and the
// output gate [T, H * D] when the attention has one.
struct Projected {
  ops::Tensor q, k, v, gate;
};

Projected project_qkv(gpu::Graph& g, const Attention& a, const ops::RopeParams* rope, const ops::Tensor& positions,
                      int64_t T, const ops::Tensor& normed) {
  const AttentionShape& s = a.shape;
  const int64_t H = s.heads, Hkv = s.kv_heads, D = s.head_dim;
  Projected p;
  p.q = ops::activation(g, DType::F32, {T, H, D}, "q");
  if (s.output_gate) {
    // q_proj yields [q_h | gate_h] per head; split the two halves.
    ops::Tensor qg = ops::activation(g, DType::F32, {T, H * 2 * D}, "q+gate");
    record_linear(g, a.q, normed, qg);
    p.gate = ops::activation(g, DType::F32, {T, H * D}, "attn gate");
    ops::Tensor per_head = qg.reshape({T * H, 2 * D});
    ops::copy_columns(g, per_head, 0, p.q.reshape({T * H, D}));
    ops::copy_columns(g, per_head, D, p.gate.reshape({T * H, D}));
  } else {
    record_linear(g, a.q, normed, p.q.reshape({T, H * D}));
  }
  p.k = ops::activation(g, DType::F32, {T, Hkv, D}, "k");
  p.v = ops::activation(g, DType::F32, {T, Hkv, D}, "v");
  record_linear(g, a.k, normed, p.k.reshape({T, Hkv * D}));
  record_linear(g, a.v, normed, p.v.reshape({T, Hkv * D}));
  if (s.qk_norm) {
    record_norm(g, a.q_norm, p.q, p.q);
    record_norm(g, a.k_norm, p.k, p.k);
  }
  if (rope) {
    ops::rope(g, p.q, positions, p.q, *rope);
    ops::rope(g, p.k, positions, p.k, *rope);
  }
  return p;
}

// out (+)= o_proj(gate(o)); o [T, H, Dp] in the kernels' padded head size.
void project_out(gpu::Graph& g, const Attention& a, const Projected& p, const ops::Tensor& o, const ops::Tensor& out,
                 bool accumulate) {
  const AttentionShape& s = a.shape;
  ops::Tensor o2 = narrow_heads(g, o, s.head_dim);
  if (s.output_gate) ops::sigmoid_gate(g, o2, p.gate, o2);
  record_linear(g, a.o, o2, out, accumulate);
}

}  // namespace

void record_self_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams& rope, const StepInputs& in,
                           const KvMemory& memory, const ops::Tensor& normed, const ops::Tensor& x) {
  const AttentionShape& s = a.shape;
  const int64_t T = in.tokens, Dp = s.kernel_head_dim();
  Projected p = project_qkv(g, a, &rope, in.positions, T, normed);
  ops::Tensor q = widen_heads(g, p.q, Dp, "q wide");
  ops::store_kv(g, widen_heads(g, p.k, Dp, "k wide"), widen_heads(g, p.v, Dp, "v wide"), memory.k, memory.v, in.start);
  ops::Tensor o = ops::activation(g, DType::F32, {T, s.heads, Dp}, "attn out");
  if (T == 1) {
    ops::attention_decode(g, q, memory.k, memory.v, in.kv_len, o, s.score_scale());
  } else {
    int64_t n = in.past + T;
    ops::attention_prefill(g, q, memory.k.rows(0, n), memory.v.rows(0, n), o, {true, in.past, s.score_scale()});
  }
  project_out(g, a, p, o, x, /*accumulate=*/true);
}

void record_packed_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams& rope, const PackedBatch& batch,
                             const PackedMask& mask, const ops::Tensor& normed, const ops::Tensor& out,
                             bool accumulate) {
  const AttentionShape& s = a.shape;
  const int64_t T = batch.tokens, Dp = s.kernel_head_dim();
  Projected p = project_qkv(g, a, rope.rotary_dims > 0 ? &rope : nullptr, batch.positions, T, normed);
  ops::Tensor o = ops::activation(g, DType::F32, {T, s.heads, Dp}, "attn out");
  ops::attention_packed(g, widen_heads(g, p.q, Dp, "q wide"), widen_heads(g, p.k, Dp, "k wide"),
                        widen_heads(g, p.v, Dp, "v wide"), batch.bounds, o,
                        {mask.causal, mask.radius, s.score_scale(), mask.ahead});
  project_out(g, a, p, o, out, accumulate);
}

void record_bidirectional_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams* rope,
                                    const ops::Tensor& positions, const ops::Tensor& normed, const ops::Tensor& x) {
  const AttentionShape& s = a.shape;
  const int64_t T = normed.dim(0), Dp = s.kernel_head_dim();
  Projected p = project_qkv(g, a, rope, positions, T, normed);
  ops::Tensor o = ops::activation(g, DType::F32, {T, s.heads, Dp}, "attn out");
  ops::attention_prefill(g, widen_heads(g, p.q, Dp, "q wide"), widen_heads(g, p.k, Dp, "k wide"),
                         widen_heads(g, p.v, Dp, "v wide"), o, {false, 0, s.score_scale()});
  project_out(g, a, p, o, x, /*accumulate=*/true);
}

void record_cross_kv(gpu::Graph& g, const Attention& a, const ops::Tensor& source, const KvMemory& memory,
                     const ops::Tensor& zero) {
  const AttentionShape& s = a.shape;
  const int64_t D = s.head_dim, Dp = s.kernel_head_dim();
  require(source.dim(0) <= memory.k.dim(0), "cross-attention: " + std::to_string(source.dim(0)) +
                                                " input rows exceed the " + std::to_string(memory.k.dim(0)) +
                                                " the state holds");
  ops::Tensor k = project_heads(g, a.k, source, s.kv_heads, D, "cross k");
  ops::Tensor v = project_heads(g, a.v, source, s.kv_heads, D, "cross v");
  ops::store_kv(g, widen_heads(g, k, Dp, "cross k wide"), widen_heads(g, v, Dp, "cross v wide"), memory.k, memory.v,
                zero);
}

void record_cross_attention(gpu::Graph& g, const Attention& a, const KvMemory& memory, const ops::Tensor& kv_len,
                            const ops::Tensor& normed, const ops::Tensor& x) {
  const AttentionShape& s = a.shape;
  const int64_t T = normed.dim(0), D = s.head_dim, Dp = s.kernel_head_dim();
  ops::Tensor q = widen_heads(g, project_heads(g, a.q, normed, s.heads, D, "cross q"), Dp, "cross q wide");
  ops::Tensor o = ops::activation(g, DType::F32, {T, s.heads, Dp}, "cross out");
  // One decode-kernel pass per query row: the length comes from the GPU at run time, so
  // prefill graphs need no host copy of it either (decoders feed few rows at once).
  for (int64_t t = 0; t < T; ++t)
    ops::attention_decode(g, q.rows(t, 1), memory.k, memory.v, kv_len, o.rows(t, 1), s.score_scale());
  record_linear(g, a.o, narrow_heads(g, o, D), x, /*accumulate=*/true);
}

}  // namespace vole::arch
