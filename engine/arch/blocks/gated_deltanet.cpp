#include "arch/blocks/gated_deltanet.h"

#include "ops/deltanet.h"
#include "ops/norm.h"

namespace vole::arch {

GatedDeltaNet declare_gated_deltanet(TensorDeclarer& d, const std::string& stem, const DeltaNetShape& s, int layer) {
  using model::TensorRole;
  GatedDeltaNet n;
  n.shape = s;
  const int64_t C = s.conv_channels(), V = s.value_heads * s.value_dim;
  n.in_qkv = declare_linear(d, stem + "in_proj_qkv", C, s.hidden, false, layer);
  n.in_z = declare_linear(d, stem + "in_proj_z", V, s.hidden, false, layer);
  n.in_b = declare_linear(d, stem + "in_proj_b", s.value_heads, s.hidden, false, layer);
  n.in_a = declare_linear(d, stem + "in_proj_a", s.value_heads, s.hidden, false, layer);
  n.conv = d.add(stem + "conv1d.weight", {C, 1, s.conv_kernel}, TensorRole::Conv1d, layer);
  n.a_log = d.add(stem + "A_log", {s.value_heads}, TensorRole::ALog, layer);
  n.dt_bias = d.add(stem + "dt_bias", {s.value_heads}, TensorRole::DtBias, layer);
  n.norm.kind = NormKind::Rms;
  n.norm.eps = s.eps;
  n.norm.dim = s.value_dim;
  n.norm.weight = d.add(stem + "norm.weight", {s.value_dim}, TensorRole::GatedRmsNorm, layer);
  n.out = declare_linear(d, stem + "out_proj", s.hidden, V, false, layer);
  return n;
}

void add_deltanet_state(std::vector<StateSlot>& slots, const DeltaNetShape& s, int layer) {
  std::string l = "layer " + std::to_string(layer);
  slots.push_back({StateKind::ConvWindow, l + " conv window", {s.conv_kernel - 1, s.conv_channels()}, DType::F32});
  slots.push_back({StateKind::Recurrent, l + " recurrent state", {s.value_heads, s.key_dim, s.value_dim}, DType::F32});
}

void record_gated_deltanet(gpu::Graph& g, const GatedDeltaNet& n, const StepInputs& in, const DeltaNetMemory& memory,
                           const ops::Tensor& normed, const ops::Tensor& x) {
  const DeltaNetShape& s = n.shape;
  const int64_t T = in.tokens, C = s.conv_channels(), Hv = s.value_heads, dv = s.value_dim;

  ops::Tensor mixed = ops::activation(g, DType::F32, {T, C}, "qkv");
  ops::Tensor z = ops::activation(g, DType::F32, {T, Hv * dv}, "z");
  ops::Tensor b = ops::activation(g, DType::F32, {T, Hv}, "b");
  ops::Tensor a = ops::activation(g, DType::F32, {T, Hv}, "a");
  record_linear(g, n.in_qkv, normed, mixed);
  record_linear(g, n.in_z, normed, z);
  record_linear(g, n.in_b, normed, b);
  record_linear(g, n.in_a, normed, a);

  ops::Tensor conv_out = ops::activation(g, DType::F32, {T, C}, "conv out");
  ops::conv1d_silu(g, mixed, n.conv.vector(C * s.conv_kernel).reshape({C, s.conv_kernel}), memory.conv_window,
                   conv_out);

  ops::Tensor beta = ops::activation(g, DType::F32, {T, Hv}, "beta");
  ops::Tensor decay = ops::activation(g, DType::F32, {T, Hv}, "log decay");
  ops::deltanet_gates(g, b, a, n.a_log.vector(Hv), n.dt_bias.vector(Hv), beta, decay);

  ops::Tensor o = ops::activation(g, DType::F32, {T, Hv * dv}, "deltanet out");
  ops::DeltaNetParams p{static_cast<int>(s.key_heads),
                        static_cast<int>(s.value_heads),
                        static_cast<int>(s.key_dim),
                        static_cast<int>(s.value_dim),
                        1e-6f,
                        64};
  if (T == 1)
    ops::deltanet_recurrent(g, conv_out, beta, decay, memory.recurrent, o, p);
  else
    ops::deltanet_chunked(g, conv_out, beta, decay, memory.recurrent, o, p);

  ops::Tensor per_head = o.reshape({T * Hv, dv});
  ops::rms_norm_gated(g, per_head, z.reshape({T * Hv, dv}), n.norm.weight.vector(dv), per_head, s.eps);
  record_linear(g, n.out, o, x, /*accumulate=*/true);
}

}  // namespace vole::arch
