#pragma once
// A full (not depthwise) 1-D convolution without padding, with a stride and an optional
// bias, over time-major activations [steps, channels]: the input windows as rows
// (ops::conv1d_patches), then one matmul against the weight [out, in, kernel] read as a
// matrix [out, in * kernel] (model::TensorRole::ConvKernel), then the bias.
#include <string>

#include "arch/weights.h"
#include "gpu/graph.h"
#include "ops/tensor.h"

namespace vole::arch {

struct Conv1d {
  WeightRef weight, bias;
  int64_t in = 0, out = 0, kernel = 0, stride = 1;
  // Output steps for `steps` input steps (0 when the input is shorter than the kernel).
  int64_t output_steps(int64_t steps) const;
};

// Declares `<stem>.weight` [out, in, kernel] and, with `bias`, `<stem>.bias` [out].
Conv1d declare_conv1d(TensorDeclarer& d, const std::string& stem, int64_t out, int64_t in, int64_t kernel,
                      int64_t stride, bool bias, int layer = -1);

// y [output_steps, out] = conv(x [steps, in]) (+ bias).
void record_conv1d(gpu::Graph& g, const Conv1d& c, const ops::Tensor& x, const ops::Tensor& y);

}  // namespace vole::arch
