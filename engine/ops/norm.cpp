#include "ops/norm.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "norm/interface.h"
#include "ops/reduce_path.h"
#include "util/error.h"

namespace vole::ops {

namespace {

using kernels::NormPush;

// Rows of d elements, checked: x is [..., d] f32 and `out` has its shape.
struct RowShape {
  int64_t rows;
  int64_t d;
};

RowShape check_rows(const char* op, const Tensor& x, const Tensor& out, float eps) {
  expect_dtype(op, x, DType::F32, "x");
  expect_dtype(op, out, DType::F32, "out");
  require(x.rank() >= 1 && x.numel() > 0,
          std::string(op) + ": x must be a non-empty [..., D] tensor, got " + x.describe());
  expect_same_shape(op, x, out);
  require(x.numel() <= UINT32_MAX, std::string(op) + ": " + x.describe() + " has too many elements");
  require(std::isfinite(eps) && eps >= 0,
          std::string(op) + ": eps must be finite and >= 0, got " + std::to_string(eps));
  int64_t d = x.dim(-1);
  return {x.numel() / d, d};
}

void expect_row_vector(const char* op, const Tensor& t, int64_t d, const char* what) {
  expect_dtype(op, t, DType::F32, what);
  expect_shape(op, t, {d}, what);
}

// One workgroup per row, sized so each invocation handles about four elements: 32
// invocations for d = 128, 256 from d = 1024 up (larger rows loop).
void dispatch_rows(gpu::Graph& g, const ReduceKernels& variants, const char* label, const RowShape& s,
                   std::initializer_list<gpu::Binding> bindings, const NormPush& push) {
  auto& ctx = g.context();
  const auto& info = ctx.info();
  uint32_t wg = std::bit_ceil(static_cast<uint32_t>(std::clamp<int64_t>((s.d + 3) / 4, 32, 256)));
  wg = std::min({wg, std::bit_floor(info.max_workgroup_invocations), std::bit_floor(info.max_workgroup_size[0])});
  auto& p = ctx.pipeline(reduce_variant(ctx, variants), {wg});
  uint32_t groups = static_cast<uint32_t>(std::min<int64_t>(s.rows, info.max_workgroup_count[0]));
  g.dispatch(p, bindings, push, {groups, 1, 1}, label);
}

}  // namespace

void rms_norm(gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& out, float eps, NormWeight mode) {
  RowShape s = check_rows("rms_norm", x, out, eps);
  expect_row_vector("rms_norm", weight, s.d, "weight");
  NormPush push{.rows = static_cast<uint32_t>(s.rows),
                .d = static_cast<uint32_t>(s.d),
                .eps = eps,
                .scale = 1.0f,
                .plus_one = mode == NormWeight::PlusOne ? 1u : 0u};
  dispatch_rows(g, {kernels::norm_rms, kernels::norm_rms_sg}, "rms_norm", s,
                {gpu::in(x.data), gpu::in(weight.data), gpu::out(out.data)}, push);
}

void rms_norm_gated(gpu::Graph& g, const Tensor& x, const Tensor& z, const Tensor& weight, const Tensor& out,
                    float eps) {
  RowShape s = check_rows("rms_norm_gated", x, out, eps);
  expect_dtype("rms_norm_gated", z, DType::F32, "z");
  expect_same_shape("rms_norm_gated", x, z);
  expect_row_vector("rms_norm_gated", weight, s.d, "weight");
  NormPush push{.rows = static_cast<uint32_t>(s.rows), .d = static_cast<uint32_t>(s.d), .eps = eps, .scale = 1.0f};
  dispatch_rows(g, {kernels::norm_gated, kernels::norm_gated_sg}, "rms_norm_gated", s,
                {gpu::in(x.data), gpu::in(z.data), gpu::in(weight.data), gpu::out(out.data)}, push);
}

void l2_norm(gpu::Graph& g, const Tensor& x, const Tensor& out, float eps, float scale) {
  RowShape s = check_rows("l2_norm", x, out, eps);
  require(std::isfinite(scale), "l2_norm: scale must be finite");
  NormPush push{.rows = static_cast<uint32_t>(s.rows), .d = static_cast<uint32_t>(s.d), .eps = eps, .scale = scale};
  dispatch_rows(g, {kernels::norm_l2, kernels::norm_l2_sg}, "l2_norm", s, {gpu::in(x.data), gpu::out(out.data)}, push);
}

void layer_norm(gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out, float eps,
                NormWeight mode) {
  RowShape s = check_rows("layer_norm", x, out, eps);
  expect_row_vector("layer_norm", weight, s.d, "weight");
  NormPush push{.rows = static_cast<uint32_t>(s.rows),
                .d = static_cast<uint32_t>(s.d),
                .eps = eps,
                .scale = 1.0f,
                .plus_one = mode == NormWeight::PlusOne ? 1u : 0u};
  if (!bias.data.valid()) {
    dispatch_rows(g, {kernels::norm_layer_nobias, kernels::norm_layer_nobias_sg}, "layer_norm", s,
                  {gpu::in(x.data), gpu::in(weight.data), gpu::out(out.data)}, push);
    return;
  }
  require(mode == NormWeight::Plain, "layer_norm: a (1 + w) weight is only supported without a bias");
  expect_row_vector("layer_norm", bias, s.d, "bias");
  dispatch_rows(g, {kernels::norm_layer, kernels::norm_layer_sg}, "layer_norm", s,
                {gpu::in(x.data), gpu::in(weight.data), gpu::in(bias.data), gpu::out(out.data)}, push);
}

void frame_asinh(gpu::Graph& g, const Tensor& x, const Tensor& log_k, const Tensor& out, float eps) {
  RowShape s = check_rows("frame_asinh", x, out, eps);
  expect_row_vector("frame_asinh", log_k, 1, "log_k");
  NormPush push{.rows = static_cast<uint32_t>(s.rows), .d = static_cast<uint32_t>(s.d), .eps = eps, .scale = 1.0f};
  dispatch_rows(g, {kernels::norm_frame_asinh, kernels::norm_frame_asinh_sg}, "frame_asinh", s,
                {gpu::in(x.data), gpu::in(log_k.data), gpu::out(out.data)}, push);
}

void group_norm(gpu::Graph& g, const Tensor& x, int64_t groups, const Tensor& gamma, const Tensor& beta,
                const Tensor& out, float eps) {
  require(x.rank() == 2, "group_norm: x must be [steps, channels], got " + x.describe());
  RowShape s = check_rows("group_norm", x, out, eps);
  require(groups >= 1 && s.d % groups == 0,
          "group_norm: " + std::to_string(groups) + " groups do not divide " + std::to_string(s.d) + " channels");
  expect_row_vector("group_norm", gamma, s.d, "gamma");
  expect_row_vector("group_norm", beta, s.d, "beta");
  auto& ctx = g.context();
  const auto& info = ctx.info();
  // Few workgroups, each over a large block: as wide as the device allows (up to 1024).
  uint32_t wg =
      std::min({1024u, std::bit_floor(info.max_workgroup_invocations), std::bit_floor(info.max_workgroup_size[0])});
  auto& p = ctx.pipeline(reduce_variant(ctx, {kernels::group_norm, kernels::group_norm_sg}), {wg});
  kernels::GroupNormPush push{.steps = static_cast<uint32_t>(s.rows),
                              .channels = static_cast<uint32_t>(s.d),
                              .groups = static_cast<uint32_t>(groups),
                              .eps = eps};
  g.dispatch(p, {gpu::in(x.data), gpu::in(gamma.data), gpu::in(beta.data), gpu::out(out.data)}, push,
             {static_cast<uint32_t>(groups), 1, 1}, "group_norm");
}

}  // namespace vole::ops
