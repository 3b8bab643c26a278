#include "ops/codec.h"

#include <algorithm>
#include <array>

#include "codec/interface.h"
#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "util/error.h"

namespace vole::ops {

namespace {

std::array<uint32_t, 3> grid_for(int64_t n) { return {std::min<uint32_t>(ceil_div(n, 256), 65535u), 1, 1}; }

void require_u32(const char* op, int64_t n, const Tensor& t) {
  require(n > 0 && n <= static_cast<int64_t>(UINT32_MAX),
          std::string(op) + ": " + t.describe() + " is empty or has too many elements");
}

// The binding for `o` from the aligned offset at or below it; `first` gets o's element
// offset within it (kernels that write row views take it as a push constant).
gpu::Operand aligned_down(gpu::Graph& g, const gpu::Operand& o, uint32_t& first) {
  const uint64_t align = std::max<uint64_t>(g.context().info().min_storage_buffer_offset_alignment, 4);
  const uint64_t shift = o.offset % align;
  require(shift % 4 == 0, "a codec tensor view is not 4-byte aligned");
  gpu::Operand a = o;
  a.offset -= shift;
  a.bytes += shift;
  first = static_cast<uint32_t>(shift / 4);
  return a;
}

}  // namespace

void causal_im2col(gpu::Graph& g, const Tensor& ext, int64_t kernel, int64_t dilation, const Tensor& cols) {
  const char* op = "causal_im2col";
  expect_dtype(op, ext, DType::F32, "ext");
  expect_dtype(op, cols, DType::F32, "cols");
  require(kernel >= 1 && dilation >= 1, std::string(op) + ": kernel and dilation must be positive");
  require(ext.rank() == 2, std::string(op) + ": ext must be [span + T, C], got " + ext.describe());
  const int64_t span = (kernel - 1) * dilation, c = ext.dim(1), t = ext.dim(0) - span;
  require(t > 0, std::string(op) + ": ext " + ext.describe() + " holds no new rows after " + std::to_string(span));
  expect_shape(op, cols, {t, c * kernel}, "cols");
  require_u32(op, cols.numel(), cols);
  require(!overlaps(ext.data, cols.data), std::string(op) + ": cols must not alias ext");
  kernels::CodecIm2colPush push{.t = static_cast<uint32_t>(t),
                                .c = static_cast<uint32_t>(c),
                                .k = static_cast<uint32_t>(kernel),
                                .dil = static_cast<uint32_t>(dilation)};
  g.dispatch(g.context().pipeline(kernels::codec_im2col), {gpu::in(ext.data), gpu::out(cols.data)}, push,
             grid_for(cols.numel()), op);
}

void causal_conv_transpose(gpu::Graph& g, const Tensor& ext, const Tensor& weight, const Tensor& bias, int64_t rate,
                           const Tensor& out) {
  const char* op = "causal_conv_transpose";
  for (const auto* x : {&ext, &weight, &bias, &out}) expect_dtype(op, *x, DType::F32, "every tensor");
  require(rate >= 1, std::string(op) + ": rate must be positive");
  require(ext.rank() == 2 && ext.dim(0) >= 2, std::string(op) + ": ext must be [1 + T, Cin], got " + ext.describe());
  const int64_t t = ext.dim(0) - 1, cin = ext.dim(1);
  require(bias.rank() == 1, std::string(op) + ": bias must be [Cout], got " + bias.describe());
  const int64_t cout = bias.dim(0);
  require(cout > 0 && cin % cout == 0,
          std::string(op) + ": Cin " + std::to_string(cin) + " must be a multiple of Cout " + std::to_string(cout));
  expect_shape(op, weight, {cin, 2 * rate}, "weight");
  expect_shape(op, out, {t * rate, cout}, "out");
  require_u32(op, out.numel(), out);
  require(!overlaps(ext.data, out.data), std::string(op) + ": out must not alias ext");
  kernels::CodecConvTransposePush push{.t = static_cast<uint32_t>(t),
                                       .cin = static_cast<uint32_t>(cin),
                                       .cout = static_cast<uint32_t>(cout),
                                       .rate = static_cast<uint32_t>(rate)};
  g.dispatch(g.context().pipeline(kernels::codec_conv_transpose),
             {gpu::in(ext.data), gpu::in(weight.data), gpu::in(bias.data), gpu::out(out.data)}, push,
             grid_for(out.numel()), op);
}

void half_snake(gpu::Graph& g, const Tensor& x, const Tensor& alpha, float scale, const Tensor& out) {
  const char* op = "half_snake";
  for (const auto* v : {&x, &alpha, &out}) expect_dtype(op, *v, DType::F32, "every tensor");
  require(x.rank() == 2, std::string(op) + ": x must be [T, C], got " + x.describe());
  expect_same_shape(op, x, out);
  require(alpha.rank() == 1 && alpha.dim(0) <= x.dim(1),
          std::string(op) + ": alpha must be [<= C], got " + alpha.describe());
  require_u32(op, x.numel(), x);
  require(!overlaps(out.data, alpha.data), std::string(op) + ": out must not alias alpha");
  kernels::CodecActivationPush push{.n = static_cast<uint32_t>(x.numel()),
                                    .cols = static_cast<uint32_t>(x.dim(1)),
                                    .snake = static_cast<uint32_t>(alpha.dim(0)),
                                    .op = kernels::kCodecHalfSnake,
                                    .scale = scale,
                                    .out_offset = 0};
  const gpu::Operand target = aligned_down(g, out.data, push.out_offset);
  g.dispatch(g.context().pipeline(kernels::codec_activation), {gpu::in(x.data), gpu::in(alpha.data), gpu::out(target)},
             push, grid_for(x.numel()), op);
}

void clamp_unit(gpu::Graph& g, const Tensor& x, const Tensor& out) {
  const char* op = "clamp";
  expect_dtype(op, x, DType::F32, "x");
  expect_dtype(op, out, DType::F32, "out");
  expect_same_shape(op, x, out);
  require_u32(op, x.numel(), x);
  kernels::CodecActivationPush push{.n = static_cast<uint32_t>(x.numel()),
                                    .cols = 1,
                                    .snake = 0,
                                    .op = kernels::kCodecClamp,
                                    .scale = 1.0f,
                                    .out_offset = 0};
  // The alpha binding is unused by the clamp; bind x there (read-only) to keep one layout.
  const gpu::Operand target = aligned_down(g, out.data, push.out_offset);
  g.dispatch(g.context().pipeline(kernels::codec_activation), {gpu::in(x.data), gpu::in(x.data), gpu::out(target)},
             push, grid_for(x.numel()), op);
}

}  // namespace vole::ops
