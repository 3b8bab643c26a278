#include "ops/linear.h"

#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "linear/interface.h"
#include "ops/weight_kernels.h"
#include "util/error.h"

namespace vole::ops {

namespace {

constexpr detail::WeightKernels kMatvecSubgroup{"matvec", kernels::matvec_f32_subgroup, kernels::matvec_f16_subgroup,
                                                kernels::matvec_bf16_subgroup, kernels::matvec_q4_subgroup};
constexpr detail::WeightKernels kMatvecShared{"matvec", kernels::matvec_f32_shared, kernels::matvec_f16_shared,
                                              kernels::matvec_bf16_shared, kernels::matvec_q4_shared};
constexpr detail::WeightKernels kMatmul{"matmul", kernels::matmul_f32, kernels::matmul_f16, kernels::matmul_bf16,
                                        kernels::matmul_q4};

// Elements per 16-byte block of one weight row (kernels/linear/weights.glsl W_BLOCK).
int64_t block_elems(DType dtype) {
  switch (dtype) {
    case DType::F32:
      return 4;
    case DType::F16:
    case DType::BF16:
      return 8;
    default:
      return 32;  // Q4
  }
}

// Tokens one matvec pass takes (reading the weights once for all of them).
constexpr int64_t kMatvecPassTokens = 8;

// The most tokens that go through matvec passes; more take the tiled matmul, which reuses
// each weight across 64 tokens. On GPUs that is one pass. On CPU drivers (lavapipe) a
// 64-token tile costs about as much at 9 tokens as at 64 (the vector unit gains nothing
// from the tiling), so passes of 8 go on up to 48 tokens (measured with vole-bench).
int64_t matvec_token_limit(const gpu::DeviceInfo& info) {
  return info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 48 : kMatvecPassTokens;
}

// Partial sums per thread in the matvec (rows per team x tokens): bounds registers and
// the shared-memory variant's workgroup memory.
constexpr uint32_t kMaxMatvecSums = 16;

// How the matvec kernel is specialised: workgroup size, R rows per team, teams per
// workgroup, (shared-memory variant) threads per team, and tokens per workgroup.
struct MatvecConfig {
  bool subgroup = false;
  uint32_t workgroup = 128, rows_per_team = 1, teams = 4, team_size = 32, tokens = 1;
  uint32_t rows_per_workgroup() const { return rows_per_team * teams; }
};

MatvecConfig matvec_config(const gpu::DeviceInfo& info, DType dtype, int64_t rows, int64_t tokens,
                           const LinearOptions& o) {
  MatvecConfig c;
  bool has_subgroups = info.subgroup_basic && info.subgroup_arithmetic && info.subgroup_size > 0;
  if (o.reduction == MatvecReduction::Subgroup && !has_subgroups)
    fail(ErrorCode::Unsupported, "linear: " + info.name + " has no subgroup arithmetic for the subgroup matvec");
  c.subgroup = o.reduction == MatvecReduction::Subgroup || (o.reduction == MatvecReduction::Auto && has_subgroups);
  c.tokens = static_cast<uint32_t>(std::min(tokens, kMatvecPassTokens));
  if (o.rows_per_team) {
    require(o.rows_per_team == 1 || o.rows_per_team == 2 || o.rows_per_team == 4 || o.rows_per_team == 8,
            "linear: rows_per_team must be 1, 2, 4 or 8, got " + std::to_string(o.rows_per_team));
    c.rows_per_team = static_cast<uint32_t>(o.rows_per_team);
  } else {
    // More rows per team reuse each slice of x a lane loads (from cache) more often, but
    // leave fewer teams to spread over the GPU. Int4 needs the reuse most: a 16-byte block
    // of weights takes 128 bytes of x (f16: 32, f32: 16).
    if (dtype == DType::Q4)
      c.rows_per_team = rows >= 2048 ? 4 : 2;
    else
      c.rows_per_team = rows >= 32768 ? 4 : rows >= 4096 ? 2 : 1;
  }
  while (c.rows_per_team * c.tokens > kMaxMatvecSums) c.rows_per_team /= 2;  // tokens <= 8: stops at >= 2
  if (c.subgroup) {
    // One team per subgroup; the kernel copes if the driver picks another subgroup size.
    c.workgroup = std::max<uint32_t>(128, info.subgroup_size);
    c.teams = c.workgroup / info.subgroup_size;
  } else {
    c.team_size = 32;
    c.teams = c.workgroup / c.team_size;
  }
  return c;
}

// Shape checks shared by both kernels; returns T.
int64_t check_linear(const Weight& w, const Tensor& x, const Tensor& y) {
  detail::check_weight("linear", w);
  const std::string op = "linear " + w.name;
  expect_dtype(op.c_str(), x, DType::F32, "x");
  expect_dtype(op.c_str(), y, DType::F32, "y");
  require(x.rank() == 1 || x.rank() == 2, op + ": x must be [T, K] or [K], got " + x.describe());
  require(y.rank() == x.rank(), op + ": y must have x's rank, got x " + x.describe() + ", y " + y.describe());
  require(x.dim(-1) == w.cols,
          op + ": x " + x.describe() + " does not match the weight's " + std::to_string(w.cols) + " input features");
  require(y.dim(-1) == w.rows,
          op + ": y " + y.describe() + " does not match the weight's " + std::to_string(w.rows) + " output features");
  int64_t tokens = x.rank() == 2 ? x.dim(0) : 1;
  require(tokens > 0, op + ": x has no tokens");
  require(x.rank() == 1 || y.dim(0) == tokens,
          op + ": x has " + std::to_string(tokens) + " tokens but y " + y.describe());
  return tokens;
}

void matvec(gpu::Graph& g, const Weight& w, int64_t tokens, const Tensor& x, const Tensor& y, const LinearOptions& o) {
  const auto& info = g.context().info();
  MatvecConfig c = matvec_config(info, w.dtype, w.rows, tokens, o);
  const auto& family = c.subgroup ? kMatvecSubgroup : kMatvecShared;
  auto& pipeline = g.context().pipeline(detail::weight_kernel(family, w),
                                        {c.workgroup, c.rows_per_team, c.teams, c.team_size, c.tokens});
  const std::string label = detail::weight_label(family, w);
  for (const auto& shard : w.shards) {
    kernels::MatvecPush push{.rows = static_cast<uint32_t>(shard.rows),
                             .blocks = static_cast<uint32_t>(w.cols / block_elems(w.dtype)),
                             .group_shift = detail::group_shift(w),
                             .y_offset = static_cast<uint32_t>(shard.row_begin),
                             .y_stride = static_cast<uint32_t>(w.rows),
                             .tokens = static_cast<uint32_t>(tokens),
                             .accumulate = o.accumulate ? 1u : 0u,
                             .grid_x = 0};
    // For one token, bind just this shard's slice of y when its offset is aligned, so
    // the shards' dispatches write disjoint ranges and need no barrier between them.
    gpu::Operand out = y.data;
    uint64_t begin = static_cast<uint64_t>(shard.row_begin) * 4;
    if (tokens == 1 && w.shards.size() > 1 && (y.data.offset + begin) % info.min_storage_buffer_offset_alignment == 0) {
      out = y.data.slice(begin, static_cast<uint64_t>(shard.rows) * 4);
      push.y_offset = 0;
    }
    auto groups = detail::spread_workgroups(info, ceil_div(shard.rows, c.rows_per_workgroup()), label);
    groups[2] = ceil_div(tokens, c.tokens);  // one pass per group of tokens
    push.grid_x = groups[0];
    auto b = detail::shard_bindings(shard);
    if (w.dtype == DType::Q4)
      g.dispatch(pipeline, {gpu::in(b.data), gpu::in(b.scales), gpu::in(x.data), gpu::inout(out)}, push, groups, label);
    else
      g.dispatch(pipeline, {gpu::in(b.data), gpu::in(x.data), gpu::inout(out)}, push, groups, label);
  }
}

void matmul(gpu::Graph& g, const Weight& w, int64_t tokens, const Tensor& x, const Tensor& y, const LinearOptions& o) {
  const auto& info = g.context().info();
  auto& pipeline = g.context().pipeline(detail::weight_kernel(kMatmul, w));
  const std::string label = detail::weight_label(kMatmul, w);
  for (const auto& shard : w.shards) {
    kernels::MatmulPush push{.tokens = static_cast<uint32_t>(tokens),
                             .rows = static_cast<uint32_t>(shard.rows),
                             .cols = static_cast<uint32_t>(w.cols),
                             .group_shift = detail::group_shift(w),
                             .y_stride = static_cast<uint32_t>(w.rows),
                             .y_offset = static_cast<uint32_t>(shard.row_begin),
                             .accumulate = o.accumulate ? 1u : 0u};
    std::array<uint32_t, 3> groups{ceil_div(shard.rows, 64), ceil_div(tokens, 64), 1};
    require(groups[0] <= info.max_workgroup_count[0] && groups[1] <= info.max_workgroup_count[1],
            "linear " + w.name + ": " + std::to_string(tokens) + " x " + std::to_string(shard.rows) +
                " outputs exceed this device's workgroup grid");
    auto b = detail::shard_bindings(shard);
    if (w.dtype == DType::Q4)
      g.dispatch(pipeline, {gpu::in(b.data), gpu::in(b.scales), gpu::in(x.data), gpu::inout(y.data)}, push, groups,
                 label);
    else
      g.dispatch(pipeline, {gpu::in(b.data), gpu::in(x.data), gpu::inout(y.data)}, push, groups, label);
  }
}

}  // namespace

bool linear_uses_matvec(const gpu::DeviceInfo& info, const Weight& w, int64_t tokens) {
  return tokens <= matvec_token_limit(info) && w.cols % block_elems(w.dtype) == 0;
}

void linear(gpu::Graph& g, const Weight& w, const Tensor& x, const Tensor& y, LinearOptions options) {
  int64_t tokens = check_linear(w, x, y);
  require(w.cols <= UINT32_MAX && w.rows <= UINT32_MAX && tokens * std::max(w.cols, w.rows) <= UINT32_MAX,
          "linear " + w.name + ": shapes exceed 32-bit indexing");
  if (linear_uses_matvec(g.context().info(), w, tokens))
    matvec(g, w, tokens, x, y, options);
  else
    matmul(g, w, tokens, x, y, options);
}

}  // namespace vole::ops
