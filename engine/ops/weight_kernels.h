#pragma once
// Internal to engine/ops: what the weight-reading ops (linear, embedding) share about
// their kernels (kernels/linear/weights.glsl): names, checks, dispatch sizes.
#include <array>
#include <string>

#include "gpu/device_info.h"
#include "gpu/kernel_names.h"
#include "ops/weight.h"

namespace vole::ops::detail {

// Throws InvalidArgument unless `w` is a well-formed weight (as upload_weight makes):
// a supported dtype, shards covering rows 0..rows-1 in order, a valid Q4 group size.
void check_weight(const char* op, const Weight& w);

// One kernel family compiled once per weight format, e.g.
// {"matmul", kernels::matmul_f32, kernels::matmul_f16, kernels::matmul_bf16, kernels::matmul_q4}.
struct WeightKernels {
  const char* name;
  gpu::KernelName f32, f16, bf16, q4;
};

// The kernel for w's format, e.g. kernels::matmul_q4 for an int4 weight.
gpu::KernelName weight_kernel(const WeightKernels& family, const Weight& w);
// The profile label "<family>_<f32|f16|bf16|q4>", e.g. "matmul_q4".
std::string weight_label(const WeightKernels& family, const Weight& w);

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
