#include "arch/blocks/attention.h"

#include <cmath>

#include "ops/attention.h"
#include "ops/elementwise.h"

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

void record_self_attention(gpu::Graph& g, const Attention& a, const ops::RopeParams& rope, const StepInputs& in,
                           const KvMemory& memory, const ops::Tensor& normed, const ops::Tensor& x) {
  const AttentionShape& s = a.shape;
  const int64_t T = in.tokens, H = s.heads, Hkv = s.kv_heads, D = s.head_dim;

  ops::Tensor q = ops::activation(g, DType::F32, {T, H, D}, "q");
  ops::Tensor gate;
  if (s.output_gate) {
    // q_proj yields [q_h | gate_h] per head; split the two halves.
    ops::Tensor qg = ops::activation(g, DType::F32, {T, H * 2 * D}, "q+gate");
    record_linear(g, a.q, normed, qg);
    gate = ops::activation(g, DType::F32, {T, H * D}, "attn gate");
    ops::Tensor per_head = qg.reshape({T * H, 2 * D});
    ops::copy_columns(g, per_head, 0, q.reshape({T * H, D}));
    ops::copy_columns(g, per_head, D, gate.reshape({T * H, D}));
  } else {
    record_linear(g, a.q, normed, q.reshape({T, H * D}));
  }
  ops::Tensor k = ops::activation(g, DType::F32, {T, Hkv, D}, "k");
  ops::Tensor v = ops::activation(g, DType::F32, {T, Hkv, D}, "v");
  record_linear(g, a.k, normed, k.reshape({T, Hkv * D}));
  record_linear(g, a.v, normed, v.reshape({T, Hkv * D}));

  if (s.qk_norm) {
    record_norm(g, a.q_norm, q, q);
    record_norm(g, a.k_norm, k, k);
  }
  ops::rope(g, q, in.positions, q, rope);
  ops::rope(g, k, in.positions, k, rope);
  ops::store_kv(g, k, v, memory.k, memory.v, in.start);

  ops::Tensor o = ops::activation(g, DType::F32, {T, H, D}, "attn out");
  float scale = 1.0f / std::sqrt(static_cast<float>(D));
  if (T == 1) {
    ops::attention_decode(g, q, memory.k, memory.v, in.kv_len, o, scale);
  } else {
    int64_t n = in.past + T;
    ops::attention_prefill(g, q, memory.k.rows(0, n), memory.v.rows(0, n), o, {true, in.past, scale});
  }
  ops::Tensor o2 = o.reshape({T, H * D});
  if (s.output_gate) ops::sigmoid_gate(g, o2, gate, o2);
  record_linear(g, a.o, o2, x, /*accumulate=*/true);
}

}  // namespace vole::arch
