#include "arch/blocks/norm.h"

#include "ops/norm.h"

namespace vole::arch {

Norm declare_norm(TensorDeclarer& d, const std::string& stem, int64_t dim, NormKind kind, float eps, int layer,
                  const std::string& weight_name) {
  using model::TensorRole;
  Norm n{kind, eps, dim, {}, {}};
  TensorRole role = kind == NormKind::Rms          ? TensorRole::RmsNorm
                    : kind == NormKind::RmsPlusOne ? TensorRole::RmsNormZeroCentred
                                                   : TensorRole::LayerNorm;  // with or without bias
  n.weight = d.add(stem + "." + weight_name, {dim}, role, layer);
  if (kind == NormKind::Layer) n.bias = d.add(stem + ".bias", {dim}, TensorRole::Bias, layer);
  return n;
}

void record_norm(gpu::Graph& g, const Norm& n, const ops::Tensor& x, const ops::Tensor& out) {
  ops::Tensor rows_x = x.reshape({x.numel() / n.dim, n.dim}), rows_out = out.reshape({out.numel() / n.dim, n.dim});
  switch (n.kind) {
    case NormKind::Rms:
    case NormKind::RmsPlusOne:
      ops::rms_norm(g, rows_x, n.weight.vector(n.dim), rows_out, n.eps,
                    n.kind == NormKind::Rms ? ops::NormWeight::Plain : ops::NormWeight::PlusOne);
      break;
    case NormKind::Layer:
      ops::layer_norm(g, rows_x, n.weight.vector(n.dim), n.bias.vector(n.dim), rows_out, n.eps);
      break;
    case NormKind::LayerNoBias:
    case NormKind::LayerNoBiasPlusOne:
      ops::layer_norm(g, rows_x, n.weight.vector(n.dim), ops::Tensor{}, rows_out, n.eps,
                      n.kind == NormKind::LayerNoBias ? ops::NormWeight::Plain : ops::NormWeight::PlusOne);
      break;
  }
}

}  // namespace vole::arch
