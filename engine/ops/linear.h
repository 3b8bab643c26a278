#pragma once
// y = x · Wᵀ for a weight matrix W [N, K] in any supported dtype (dequantised in
// registers, f32 accumulation): x [T, K] f32 -> y [T, N] f32. T == 1 uses the
// bandwidth-bound matrix-vector kernel (the decode hot path); T > 1 the tiled
// matrix-matrix kernel (prefill).
#include "ops/tensor.h"
#include "ops/weight.h"

namespace vole::ops {

struct LinearOptions {
  bool accumulate = false;  // y += x·Wᵀ instead of y = x·Wᵀ (fuses a residual add)
};

void linear(gpu::Graph& g, const Weight& w, const Tensor& x, const Tensor& y, LinearOptions options = {});

}  // namespace vole::ops
