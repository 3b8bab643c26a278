#include "ops/embedding.h"

#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "linear/interface.h"
#include "ops/weight_kernels.h"
#include "util/error.h"

namespace vole::ops {

namespace {
constexpr detail::WeightKernels kEmbedding{"embedding", kernels::embedding_f32, kernels::embedding_f16,
                                           kernels::embedding_bf16, kernels::embedding_q4};
}

void embed(gpu::Graph& g, const Weight& table, const Tensor& ids, const Tensor& out) {
  detail::check_weight("embed", table);
  const std::string op = "embed " + table.name;
  expect_dtype(op.c_str(), ids, DType::I32, "ids");
  expect_dtype(op.c_str(), out, DType::F32, "out");
  require(ids.rank() == 1 && ids.dim(0) > 0, op + ": ids must be [T], got " + ids.describe());
  const int64_t tokens = ids.dim(0);
  expect_shape(op.c_str(), out, {tokens, table.cols}, "out");
  require(table.rows <= INT32_MAX && static_cast<uint64_t>(tokens * table.cols) <= UINT32_MAX,
          op + ": shapes exceed 32-bit indexing");

  const auto& info = g.context().info();
  auto& pipeline = g.context().pipeline(detail::weight_kernel(kEmbedding, table));
  const std::string label = detail::weight_label(kEmbedding, table);
  std::array<uint32_t, 3> groups{std::min<uint32_t>(ceil_div(table.cols, 256), info.max_workgroup_count[0]),
                                 static_cast<uint32_t>(std::min<int64_t>(tokens, info.max_workgroup_count[1])), 1};
  for (size_t i = 0; i < table.shards.size(); ++i) {
    const auto& shard = table.shards[i];
    kernels::EmbeddingPush push{.tokens = static_cast<uint32_t>(tokens),
                                .cols = static_cast<uint32_t>(table.cols),
                                .row_begin = static_cast<uint32_t>(shard.row_begin),
                                .rows = static_cast<uint32_t>(shard.rows),
                                .table_rows = static_cast<uint32_t>(table.rows),
                                .group_shift = detail::group_shift(table),
                                .zero_invalid = i == 0 ? 1u : 0u};
    auto b = detail::shard_bindings(shard);
    if (table.dtype == DType::Q4)
      g.dispatch(pipeline, {gpu::in(b.data), gpu::in(b.scales), gpu::in(ids.data), gpu::out(out.data)}, push, groups,
                 label);
    else
      g.dispatch(pipeline, {gpu::in(b.data), gpu::in(ids.data), gpu::out(out.data)}, push, groups, label);
  }
}

}  // namespace vole::ops
