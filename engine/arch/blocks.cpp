#include "arch/blocks.h"

#include <cmath>

#include "ops/attention.h"
#include "ops/deltanet.h"
#include "ops/elementwise.h"
#include "ops/embedding.h"
#include "ops/linear.h"
#include "ops/rope.h"

namespace vole::arch {

namespace {
std::string layer_name(const LanguageModel& m, int layer, const std::string& rest) {
  return m.spec().prefix + "layers." + std::to_string(layer) + "." + rest;
}
}  // namespace

void record_embedding(gpu::Graph& g, const LanguageModel& m, const StepInputs& in, const ops::Tensor& x) {
  ops::embed(g, m.weights().matrix(m.spec().prefix + "embed_tokens.weight"), in.ids, x);
}

void record_attention(gpu::Graph& g, const LanguageModel& m, int layer, int attention_index,
                      const AttentionOptions& opts, const StepInputs& in, SequenceState& state,
                      const ops::Tensor& normed, const ops::Tensor& x) {
  const DecoderSpec& s = m.spec();
  const WeightStore& w = m.weights();
  auto name = [&](const std::string& rest) { return layer_name(m, layer, "self_attn." + rest); };
  const int64_t T = in.tokens, H = s.heads, Hkv = s.kv_heads, D = s.head_dim;

  ops::Tensor q = ops::activation(g, DType::F32, {T, H, D}, "q");
  ops::Tensor gate;
  if (opts.output_gate) {
    // q_proj yields [q_h | gate_h] per head; split the two halves (§4.1).
    ops::Tensor qg = ops::activation(g, DType::F32, {T, H * 2 * D}, "q+gate");
    ops::linear(g, w.matrix(name("q_proj.weight")), normed, qg);
    gate = ops::activation(g, DType::F32, {T, H * D}, "attn gate");
    ops::Tensor per_head = qg.reshape({T * H, 2 * D});
    ops::copy_columns(g, per_head, 0, q.reshape({T * H, D}));
    ops::copy_columns(g, per_head, D, gate.reshape({T * H, D}));
  } else {
    ops::linear(g, w.matrix(name("q_proj.weight")), normed, q.reshape({T, H * D}));
  }
  ops::Tensor k = ops::activation(g, DType::F32, {T, Hkv, D}, "k");
  ops::Tensor v = ops::activation(g, DType::F32, {T, Hkv, D}, "v");
  ops::linear(g, w.matrix(name("k_proj.weight")), normed, k.reshape({T, Hkv * D}));
  ops::linear(g, w.matrix(name("v_proj.weight")), normed, v.reshape({T, Hkv * D}));

  ops::rms_norm(g, q.reshape({T * H, D}), w.vector(name("q_norm.weight"), D), q.reshape({T * H, D}), s.eps,
                opts.qk_norm);
  ops::rms_norm(g, k.reshape({T * Hkv, D}), w.vector(name("k_norm.weight"), D), k.reshape({T * Hkv, D}), s.eps,
                opts.qk_norm);
  ops::RopeParams rope{s.rotary_dims, s.rope_theta, s.mrope, s.mrope_sections};
  ops::rope(g, q, in.positions, q, rope);
  ops::rope(g, k, in.positions, k, rope);

  ops::Tensor k_cache = state.k_cache(attention_index), v_cache = state.v_cache(attention_index);
  ops::store_kv(g, k, v, k_cache, v_cache, in.start);

  ops::Tensor o = ops::activation(g, DType::F32, {T, H, D}, "attn out");
  float scale = 1.0f / std::sqrt(static_cast<float>(D));
  if (T == 1) {
    ops::attention_decode(g, q, k_cache, v_cache, in.kv_len, o, scale);
  } else {
    int64_t n = in.past + T;
    ops::attention_prefill(g, q, k_cache.rows(0, n), v_cache.rows(0, n), o, {true, in.past, scale});
  }
  ops::Tensor o2 = o.reshape({T, H * D});
  if (opts.output_gate) ops::sigmoid_gate(g, o2, gate, o2);
  ops::linear(g, w.matrix(name("o_proj.weight")), o2, x, {.accumulate = true});
}

void record_gated_deltanet(gpu::Graph& g, const LanguageModel& m, int layer, int recurrent_index,
                           const StepInputs& in, SequenceState& state, const ops::Tensor& normed,
                           const ops::Tensor& x) {
  const DecoderSpec& s = m.spec();
  const WeightStore& w = m.weights();
  auto name = [&](const std::string& rest) { return layer_name(m, layer, "linear_attn." + rest); };
  const int64_t T = in.tokens, C = s.conv_channels(), Hv = s.value_heads, dv = s.value_dim;

  ops::Tensor mixed = ops::activation(g, DType::F32, {T, C}, "qkv");
  ops::Tensor z = ops::activation(g, DType::F32, {T, Hv * dv}, "z");
  ops::Tensor b = ops::activation(g, DType::F32, {T, Hv}, "b");
  ops::Tensor a = ops::activation(g, DType::F32, {T, Hv}, "a");
  ops::linear(g, w.matrix(name("in_proj_qkv.weight")), normed, mixed);
  ops::linear(g, w.matrix(name("in_proj_z.weight")), normed, z);
  ops::linear(g, w.matrix(name("in_proj_b.weight")), normed, b);
  ops::linear(g, w.matrix(name("in_proj_a.weight")), normed, a);

  ops::Tensor conv_out = ops::activation(g, DType::F32, {T, C}, "conv out");
  ops::Tensor conv_w = w.vector(name("conv1d.weight"), C * s.conv_kernel).reshape({C, s.conv_kernel});
  ops::conv1d_silu(g, mixed, conv_w, state.conv_state(recurrent_index), conv_out);

  ops::Tensor beta = ops::activation(g, DType::F32, {T, Hv}, "beta");
  ops::Tensor decay = ops::activation(g, DType::F32, {T, Hv}, "log decay");
  ops::deltanet_gates(g, b, a, w.vector(name("A_log"), Hv), w.vector(name("dt_bias"), Hv), beta, decay);

  ops::Tensor o = ops::activation(g, DType::F32, {T, Hv * dv}, "deltanet out");
  ops::DeltaNetParams p{s.key_heads, s.value_heads, s.key_dim, s.value_dim, 1e-6f, 64};
  if (T == 1)
    ops::deltanet_recurrent(g, conv_out, beta, decay, state.recurrent_state(recurrent_index), o, p);
  else
    ops::deltanet_chunked(g, conv_out, beta, decay, state.recurrent_state(recurrent_index), o, p);

  ops::Tensor per_head = o.reshape({T * Hv, dv});
  ops::rms_norm_gated(g, per_head, z.reshape({T * Hv, dv}), w.vector(name("norm.weight"), dv), per_head, s.eps);
  ops::linear(g, w.matrix(name("out_proj.weight")), o, x, {.accumulate = true});
}

void record_mlp(gpu::Graph& g, const LanguageModel& m, int layer, ops::NormWeight norm_mode, const ops::Tensor& x) {
  const DecoderSpec& s = m.spec();
  const WeightStore& w = m.weights();
  const int64_t T = x.dim(0), F = s.intermediate;
  ops::Tensor p = ops::activation(g, DType::F32, {T, s.hidden}, "post norm");
  ops::rms_norm(g, x, w.vector(layer_name(m, layer, "post_attention_layernorm.weight"), s.hidden), p, s.eps,
                norm_mode);
  ops::Tensor gate = ops::activation(g, DType::F32, {T, F}, "mlp gate");
  ops::Tensor up = ops::activation(g, DType::F32, {T, F}, "mlp up");
  ops::linear(g, w.matrix(layer_name(m, layer, "mlp.gate_proj.weight")), p, gate);
  ops::linear(g, w.matrix(layer_name(m, layer, "mlp.up_proj.weight")), p, up);
  ops::swiglu(g, gate, up, gate);
  ops::linear(g, w.matrix(layer_name(m, layer, "mlp.down_proj.weight")), gate, x, {.accumulate = true});
}

void record_final_norm(gpu::Graph& g, const LanguageModel& m, ops::NormWeight norm_mode, const ops::Tensor& x,
                       const ops::Tensor& hidden) {
  const DecoderSpec& s = m.spec();
  ops::rms_norm(g, x, m.weights().vector(s.prefix + "norm.weight", s.hidden), hidden, s.eps, norm_mode);
}

void record_decoder(gpu::Graph& g, const LanguageModel& m, const AttentionOptions& attention,
                    ops::NormWeight norm_mode, const StepInputs& in, SequenceState& state, const ops::Tensor& hidden) {
  const DecoderSpec& s = m.spec();
  ops::Tensor x = ops::activation(g, DType::F32, {in.tokens, s.hidden}, "residual");
  record_embedding(g, m, in, x);
  int attention_index = 0, recurrent_index = 0;
  for (int l = 0; l < s.layers; ++l) {
    ops::Tensor normed = ops::activation(g, DType::F32, {in.tokens, s.hidden}, "input norm");
    ops::rms_norm(g, x, m.weights().vector(layer_name(m, l, "input_layernorm.weight"), s.hidden), normed, s.eps,
                  norm_mode);
    if (s.full_attention[l])
      record_attention(g, m, l, attention_index++, attention, in, state, normed, x);
    else
      record_gated_deltanet(g, m, l, recurrent_index++, in, state, normed, x);
    record_mlp(g, m, l, norm_mode, x);
  }
  record_final_norm(g, m, norm_mode, x, hidden);
}

}  // namespace vole::arch
