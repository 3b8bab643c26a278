#pragma once
// 1-D convolution support: the windows of a valid (unpadded) strided convolution as rows
// (im2col), so that the convolution itself is a matmul against the weight [out, in,
// kernel] read as a matrix [out, in * kernel] (arch/blocks/conv.h puts the two together).
#include "ops/tensor.h"

namespace vole::ops {

// The output length of a valid convolution: (steps - kernel) / stride + 1, or 0 when
// the input is shorter than the kernel.
int64_t conv1d_output_steps(int64_t steps, int64_t kernel, int64_t stride);

// out[t][c * kernel + k] = x[t * stride + k][c] for x f32 [steps, channels] and out
// f32 [conv1d_output_steps(steps, kernel, stride), channels * kernel].
void conv1d_patches(gpu::Graph& g, const Tensor& x, int64_t kernel, int64_t stride, const Tensor& out);

}  // namespace vole::ops
