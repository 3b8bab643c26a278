#include "ops/weight_kernels.h"

#include "util/error.h"

namespace vole::ops::detail {

void check_weight(const char* op, const Weight& w) {
  const std::string what = std::string(op) + ": weight " + w.name;
  require(w.dtype == DType::F32 || w.dtype == DType::F16 || w.dtype == DType::BF16 || w.dtype == DType::Q4,
          what + " has unsupported dtype " + dtype_name(w.dtype));
  require(w.rows > 0 && w.cols > 0 && !w.shards.empty(), what + " is empty (was it uploaded?)");
  if (w.dtype == DType::Q4)
    require((w.group_size == 32 || w.group_size == 64 || w.group_size == 128) && w.cols % w.group_size == 0,
            what + ": int4 group size " + std::to_string(w.group_size) + " invalid for " + std::to_string(w.cols) +
                " columns");
  int64_t next = 0;
  for (const auto& s : w.shards) {
    require(s.row_begin == next && s.rows > 0 && s.data.valid() && (w.dtype != DType::Q4 || s.scales.valid()),
            what + ": malformed shard at row " + std::to_string(s.row_begin));
    next += s.rows;
  }
  require(next == w.rows, what + ": shards hold " + std::to_string(next) + " of " + std::to_string(w.rows) + " rows");
}

gpu::KernelName weight_kernel(const WeightKernels& family, const Weight& w) {
  switch (w.dtype) {
    case DType::F32:
      return family.f32;
    case DType::F16:
      return family.f16;
    case DType::BF16:
      return family.bf16;
    case DType::Q4:
      return family.q4;
    default:
      fail(ErrorCode::Unsupported, std::string(family.name) + ": no kernel for " + dtype_name(w.dtype) + " weights");
  }
}

std::string weight_label(const WeightKernels& family, const Weight& w) {
  return std::string(family.name) + "_" + (w.dtype == DType::Q4 ? "q4" : dtype_name(w.dtype));
}

uint32_t group_shift(const Weight& w) {
  if (w.dtype != DType::Q4) return 0;
  uint32_t s = 0;
  while ((1 << s) < w.group_size) ++s;
  return s;
}

ShardBindings shard_bindings(const WeightShard& shard) {
  ShardBindings b;
  b.data = gpu::whole(shard.data);
  if (shard.scales.valid()) b.scales = gpu::whole(shard.scales);
  return b;
}

std::array<uint32_t, 3> spread_workgroups(const gpu::DeviceInfo& info, uint64_t count, const std::string& what) {
  uint64_t columns = std::min<uint64_t>(count, info.max_workgroup_count[0]);
  uint64_t lines = (count + columns - 1) / columns;
  require(lines <= info.max_workgroup_count[1],
          what + ": " + std::to_string(count) + " workgroups exceed this device's grid");
  return {static_cast<uint32_t>(columns), static_cast<uint32_t>(lines), 1};
}

}  // namespace vole::ops::detail
