#pragma once
// A linear layer: y = x·Wᵀ (+ b). The bias is applied whenever it was declared.
#include <string>

#include "arch/weights.h"
#include "gpu/graph.h"
#include "ops/tensor.h"

namespace vole::arch {

struct Linear {
  WeightRef weight, bias;
};

// Declares `<stem>.weight` [out, in] and, with `bias`, `<stem>.bias` [out].
Linear declare_linear(TensorDeclarer& d, const std::string& stem, int64_t out, int64_t in, bool bias, int layer = -1);

// y = x·Wᵀ + b, or y += x·Wᵀ + b with `accumulate` (adds into a residual stream).
void record_linear(gpu::Graph& g, const Linear& l, const ops::Tensor& x, const ops::Tensor& y, bool accumulate = false);

}  // namespace vole::arch
