#include "arch/blocks/conv.h"

#include "ops/conv.h"
#include "ops/elementwise.h"
#include "ops/linear.h"
#include "util/error.h"

namespace vole::arch {

int64_t Conv1d::output_steps(int64_t steps) const { return ops::conv1d_output_steps(steps, kernel, stride); }

Conv1d declare_conv1d(TensorDeclarer& d, const std::string& stem, int64_t out, int64_t in, int64_t kernel,
                      int64_t stride, bool bias, int layer) {
  Conv1d c;
  c.in = in;
  c.out = out;
  c.kernel = kernel;
  c.stride = stride;
  c.weight = d.add(stem + ".weight", {out, in, kernel}, model::TensorRole::ConvKernel, layer);
  if (bias) c.bias = d.add(stem + ".bias", {out}, model::TensorRole::Bias, layer);
  return c;
}

void record_conv1d(gpu::Graph& g, const Conv1d& c, const ops::Tensor& x, const ops::Tensor& y) {
  int64_t steps = c.output_steps(x.dim(0));
  require(x.rank() == 2 && x.dim(1) == c.in,
          "conv1d " + c.weight.name() + ": input must be [steps, " + std::to_string(c.in) + "], got " + x.describe());
  ops::Tensor patches = ops::activation(g, DType::F32, {steps, c.in * c.kernel}, "conv patches");
  ops::conv1d_patches(g, x, c.kernel, c.stride, patches);
  ops::linear(g, c.weight.matrix(), patches, y);
  if (c.bias) ops::add_bias(g, y, c.bias.vector(c.out), y);
}

}  // namespace vole::arch
