#pragma once
// Weight matrices on the GPU. A matrix [rows = out features, cols = in features] is
// stored in f32, f16, bf16 or Vole's Q4 (util/dtype.h), split into row shards when a
// single buffer would exceed the device's maxStorageBufferRange (e.g. a 248320 x 1024
// f16 embedding on a device limited to 128 MiB per binding).
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/buffer.h"
#include "gpu/context.h"
#include "ops/tensor.h"
#include "util/host_tensor.h"

namespace vole::ops {

struct WeightShard {
  int64_t row_begin = 0;
  int64_t rows = 0;
  gpu::Buffer data;    // rows x cols elements (Q4: packed nibbles)
  gpu::Buffer scales;  // Q4 only: rows x cols/group_size words (f16 scale | f16 min << 16)
};

struct Weight {
  std::string name;
  DType dtype = DType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  int group_size = 0;  // Q4 only
  std::vector<WeightShard> shards;

  uint64_t bytes() const;  // device bytes, data + scales
};

// Uploads a 2-D host tensor (f32/f16/bf16/Q4) as a Weight, through the context's
// staging ring, sharded by rows to respect maxStorageBufferRange. `max_shard_bytes`
// overrides the limit (tests use it to force sharding on small matrices).
Weight upload_weight(gpu::Context& ctx, const HostTensor& src, uint64_t max_shard_bytes = 0);

// Uploads a small tensor (norm weights, biases, A_log, conv kernels...) converted to
// f32, into its own buffer. The returned buffer backs `tensor`.
struct DeviceTensor {
  gpu::Buffer buffer;
  Tensor tensor;
};
DeviceTensor upload_f32(gpu::Context& ctx, const HostTensor& src);
// An f32 device tensor of `shape` whose contents a graph will write (no upload).
DeviceTensor allocate_f32(gpu::Context& ctx, const std::string& name, Shape shape);
DeviceTensor upload_f32(gpu::Context& ctx, const std::string& name, Shape shape, const float* values);

}  // namespace vole::ops
