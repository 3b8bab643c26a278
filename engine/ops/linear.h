#pragma once
// y = x · Wᵀ for a weight matrix W [N, K] in any supported dtype (dequantised in
// registers, f32 accumulation): x [T, K] f32 -> y [T, N] f32 (or x [K] -> y [N]).
// T <= 8 uses the bandwidth-bound matrix-vector kernel, which reads the weights once for
// all T tokens (T == 1 is the decode hot path); larger T the tiled matrix-matrix kernel
// (prefill), except on CPU drivers, where passes of 8 tokens through the matvec are faster
// up to 48 tokens. The matvec needs rows that start on a 16-byte block (K % 4 == 0 for
// f32, K % 8 for f16/bf16, always for Q4); other shapes take the tiled kernel at any T.
// Sharded weights take one dispatch per shard, each writing its block of columns of y.
// y must not overlap x.
#include "ops/tensor.h"
#include "ops/weight.h"

namespace vole::ops {

enum class MatvecReduction {
  Auto,          // subgroupAdd when the device has subgroup arithmetic, else shared memory
  Subgroup,      // fails with Unsupported on a device without subgroup arithmetic
  SharedMemory,  // works everywhere
};

struct LinearOptions {
  bool accumulate = false;  // y += x·Wᵀ instead of y = x·Wᵀ (fuses a residual add)
  // Tuning overrides for tests and benchmarks; the defaults are chosen per device and shape.
  MatvecReduction reduction = MatvecReduction::Auto;
  int rows_per_team = 0;  // matvec: rows each team of threads owns (1, 2, 4 or 8; halved while
                          // rows x T > 16); 0 = by shape
};

void linear(gpu::Graph& g, const Weight& w, const Tensor& x, const Tensor& y, LinearOptions options = {});

// Whether linear() on this device and these shapes runs the matvec kernel (else the tiled matmul).
bool linear_uses_matvec(const gpu::DeviceInfo& info, const Weight& w, int64_t tokens);

}  // namespace vole::ops
