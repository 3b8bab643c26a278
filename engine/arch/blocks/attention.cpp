#include "arch/blocks/attention.h"

#include <cmath>

#include "ops/attention.h"
#include "ops/elementwise.h"

namespace vole::arch {

Attention declare_attention(TensorDeclarer& d, const std::string& stem, const AttentionShape& s, int layer) {
  Attention a;
  a.shape = s;
  int64_t q_rows = s.heads * s.head_dim * (s.output_gate ? 2 : 1), kv_rows = s.kv_heads * s.head_dim;
  a.q = declare_linear(d, stem + "q_proj", q_rows, s.hidden, s.qkv_bias, layer);
  a.k = declare_linear(d, stem + "k_proj", kv_rows, s.hidden, s.qkv_bias, layer);
  a.v = declare_linear(d, stem + "v_proj", kv_rows, s.hidden, s.qkv_bias, layer);
  a.o = declare_linear(d, stem + "o_proj", s.hidden, s.heads * s.head_dim, s.output_bias, layer);
  if (s.qk_norm) {
    a.q_norm = declare_norm(d, stem + "q_norm", s.head_dim, s.qk_norm_kind, s.eps, layer);
    a.k_norm = declare_norm(d, stem + "k_norm", s.head_dim, s.qk_norm_kind, s.eps, layer);
  }
  return a;
}

float AttentionShape::score_scale() const { return scale > 0 ? scale : 1.0f / std::sqrt(static_cast<float>(head_dim)); }

namespace {

// q [T, H, D] (normed and rotated), k and v [T, Hkv, D] (k normed and rotated), and the
// output gate [T, H * D] when the attention has one.
struct Projected {
  ops::Tensor q, k, v, gate;
};

Projected project_qkv(gpu::Graph& g, const Attention& a, const ops::RopeParams& rope, const ops::Tensor& positions,
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
  ops::rope(g, p.q, positions, p.q, rope);
  ops::rope(g, p.k, positions, p.k, rope);
  return p;
}

// out (+)= o_proj(gate(o)).
void project_out(gpu::Graph& g, const Attention& a, const Projected& p, const ops::Tensor& o, const ops::Tensor& out,
                 bool accumulate) {
  const AttentionShape& s = a.shape;
  ops::Tensor o2 = o.reshape({o.dim(0), s.heads * s.head_dim});
  if (s.output_gate) ops::sigmoid_gate(g, o2, p.gate, o2);
  record_linear(g, a.o, o2, out, accumulate);
}

}  // namespace

void record_self_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams& rope, const StepInputs& in,
                           const KvMemory& memory, const ops::Tensor& normed, const ops::Tensor& x) {
  const AttentionShape& s = a.shape;
  const int64_t T = in.tokens;
  Projected p = project_qkv(g, a, rope, in.positions, T, normed);
  ops::store_kv(g, p.k, p.v, memory.k, memory.v, in.start);
  ops::Tensor o = ops::activation(g, DType::F32, {T, s.heads, s.head_dim}, "attn out");
  if (T == 1) {
    ops::attention_decode(g, p.q, memory.k, memory.v, in.kv_len, o, s.score_scale());
  } else {
    int64_t n = in.past + T;
    ops::attention_prefill(g, p.q, memory.k.rows(0, n), memory.v.rows(0, n), o, {true, in.past, s.score_scale()});
  }
  project_out(g, a, p, o, x, /*accumulate=*/true);
}

void record_packed_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams& rope, const PackedBatch& batch,
                             const PackedMask& mask, const ops::Tensor& normed, const ops::Tensor& out,
                             bool accumulate) {
  const AttentionShape& s = a.shape;
  const int64_t T = batch.tokens;
  Projected p = project_qkv(g, a, rope, batch.positions, T, normed);
  ops::Tensor o = ops::activation(g, DType::F32, {T, s.heads, s.head_dim}, "attn out");
  ops::attention_packed(g, p.q, p.k, p.v, batch.bounds, o, {mask.causal, mask.radius, s.score_scale()});
  project_out(g, a, p, o, out, accumulate);
}

}  // namespace vole::arch
