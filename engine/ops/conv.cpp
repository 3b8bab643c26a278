#include "ops/conv.h"

#include <algorithm>

#include "conv/interface.h"
#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "util/error.h"

namespace vole::ops {

int64_t conv1d_output_steps(int64_t steps, int64_t kernel, int64_t stride) {
  require(kernel >= 1 && stride >= 1, "conv1d: kernel and stride must be positive");
  return steps < kernel ? 0 : (steps - kernel) / stride + 1;
}

void conv1d_patches(gpu::Graph& g, const Tensor& x, int64_t kernel, int64_t stride, const Tensor& out) {
  expect_dtype("conv1d_patches", x, DType::F32, "x");
  expect_dtype("conv1d_patches", out, DType::F32, "out");
  require(x.rank() == 2, "conv1d_patches: x must be [steps, channels], got " + x.describe());
  int64_t steps = conv1d_output_steps(x.dim(0), kernel, stride);
  require(steps > 0, "conv1d_patches: " + std::to_string(x.dim(0)) + " steps are fewer than the kernel's " +
                         std::to_string(kernel));
  expect_shape("conv1d_patches", out, {steps, x.dim(1) * kernel}, "out");
  require(out.numel() <= UINT32_MAX && x.numel() <= UINT32_MAX, "conv1d_patches: too many elements");
  kernels::Conv1dPatchesPush push{.out_steps = static_cast<uint32_t>(steps),
                                  .channels = static_cast<uint32_t>(x.dim(1)),
                                  .kernel = static_cast<uint32_t>(kernel),
                                  .stride = static_cast<uint32_t>(stride)};
  auto& p = g.context().pipeline(kernels::conv1d_patches);
  std::array<uint32_t, 3> groups{std::min<uint32_t>(ceil_div(out.numel(), 256), 65535u), 1, 1};
  g.dispatch(p, {gpu::in(x.data), gpu::out(out.data)}, push, groups, "conv1d_patches");
}

}  // namespace vole::ops
