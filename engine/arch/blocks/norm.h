#pragma once
// Normalisation layers: RMSNorm with w or 1 + w, and LayerNorm with or without a bias.
#include <string>

#include "arch/weights.h"
#include "gpu/graph.h"
#include "ops/tensor.h"

namespace vole::arch {

enum class NormKind {
  Rms,                 // x̂ · w
  RmsPlusOne,          // x̂ · (1 + w)  (zero-centred weights, Qwen3.5)
  Layer,               // (x - mean) / std · w + b
  LayerNoBias,         // (x - mean) / std · w     (nn.LayerNorm(bias=False))
  LayerNoBiasPlusOne,  // (x - mean) / std · (1 + w)  (zero-centred weights, Moonshine Streaming)
};

struct Norm {
  NormKind kind = NormKind::Rms;
  float eps = 1e-6f;
  int64_t dim = 0;
  WeightRef weight, bias;  // bias: LayerNorm only
};

// Declares `<stem>.<weight_name>` (and `<stem>.bias` for LayerNorm) of size `dim`.
Norm declare_norm(TensorDeclarer& d, const std::string& stem, int64_t dim, NormKind kind, float eps, int layer = -1,
                  const std::string& weight_name = "weight");

// out = norm(x) over the last dimension (rows of `dim`); out may alias x.
void record_norm(gpu::Graph& g, const Norm& n, const ops::Tensor& x, const ops::Tensor& out);

}  // namespace vole::arch
