#include "arch/blocks/short_conv.h"

#include "ops/deltanet.h"
#include "ops/elementwise.h"

namespace vole::arch {

ShortConv declare_short_conv(TensorDeclarer& d, const std::string& stem, const ShortConvShape& s, int layer) {
  ShortConv c;
  c.shape = s;
  c.in = declare_linear(d, stem + "in_proj", 3 * s.hidden, s.hidden, s.bias, layer);
  c.conv = d.add(stem + "conv.weight", {s.hidden, 1, s.kernel}, model::TensorRole::Conv1d, layer);
  if (s.bias) c.conv_bias = d.add(stem + "conv.bias", {s.hidden}, model::TensorRole::Bias, layer);
  c.out = declare_linear(d, stem + "out_proj", s.hidden, s.hidden, s.bias, layer);
  return c;
}

StateSlot short_conv_state(const ShortConvShape& s, int layer) {
  return {
      StateKind::ConvWindow, "layer " + std::to_string(layer) + " conv window", {s.kernel - 1, s.hidden}, DType::F32};
}

void record_short_conv(gpu::Graph& g, const ShortConv& c, const ops::Tensor& window, const ops::Tensor& normed,
                       const ops::Tensor& x) {
  const int64_t T = normed.dim(0), H = c.shape.hidden, K = c.shape.kernel;
  ops::Tensor bcx = ops::activation(g, DType::F32, {T, 3 * H}, "short conv in");
  record_linear(g, c.in, normed, bcx);
  // Rows of in_proj: B, then C, then X.
  ops::Tensor b = ops::activation(g, DType::F32, {T, H}, "short conv B");
  ops::Tensor gate = ops::activation(g, DType::F32, {T, H}, "short conv C");
  ops::Tensor u = ops::activation(g, DType::F32, {T, H}, "short conv U");
  ops::copy_columns(g, bcx, 0, b);
  ops::copy_columns(g, bcx, H, gate);
  ops::copy_columns(g, bcx, 2 * H, u);
  ops::mul(g, b, u, u);
  ops::Tensor v = ops::activation(g, DType::F32, {T, H}, "short conv out");
  ops::causal_conv1d(g, u, c.conv.vector(H * K).reshape({H, K}), window, v);
  if (c.conv_bias) ops::add_bias(g, v, c.conv_bias.vector(H), v);
  ops::mul(g, gate, v, v);
  record_linear(g, c.out, v, x, /*accumulate=*/true);
}

}  // namespace vole::arch
