#include "arch/blocks/linear.h"

#include "ops/elementwise.h"
#include "ops/linear.h"

namespace vole::arch {

Linear declare_linear(TensorDeclarer& d, const std::string& stem, int64_t out, int64_t in, bool bias, int layer) {
  Linear l;
  l.weight = d.add(stem + ".weight", {out, in}, model::TensorRole::Linear, layer);
  if (bias) l.bias = d.add(stem + ".bias", {out}, model::TensorRole::Bias, layer);
  return l;
}

void record_linear(gpu::Graph& g, const Linear& l, const ops::Tensor& x, const ops::Tensor& y, bool accumulate) {
  ops::linear(g, l.weight.matrix(), x, y, {.accumulate = accumulate});
  if (l.bias) {
    int64_t n = l.weight.matrix().rows;
    ops::Tensor rows = y.reshape({y.numel() / n, n});
    ops::add_bias(g, rows, l.bias.vector(n), rows);
  }
}

}  // namespace vole::arch
