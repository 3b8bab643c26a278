#pragma once
// Internal to engine/ops: what the weight-reading ops (linear, embedding) share about
// their kernels (kernels/linear/weights.glsl): names, checks, dispatch sizes.
#include <array>
#include <string>

#include "gpu/device_info.h"
#include "ops/weight.h"

namespace vole::ops::detail {

// Throws InvalidArgument unless `w` is a well-formed weight (as upload_weight makes):
// a supported dtype, shards covering rows 0..rows-1 in order, a valid Q4 group size.
void check_weight(const char* op, const Weight& w);

// "<family>_<f32|f16|bf16|q4>", e.g. weight_kernel("matmul", w) == "matmul_q4".
std::string weight_kernel(const char* family, const Weight& w);

// log2 of the Q4 group size (the kernels shift instead of dividing); 0 for other dtypes.
uint32_t group_shift(const Weight& w);

// The storage buffers a kernel reads a shard through: data, then scales for Q4.
struct ShardBindings {
  gpu::Operand data, scales;
};
ShardBindings shard_bindings(const WeightShard& shard);

// `count` workgroups on a grid of at most maxComputeWorkGroupCount[0] columns; kernels
// recover the linear index as y * columns + x and skip indices >= count.
std::array<uint32_t, 3> spread_workgroups(const gpu::DeviceInfo& info, uint64_t count, const std::string& what);

}  // namespace vole::ops::detail
