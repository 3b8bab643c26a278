#pragma once
// The Qwen3.5 vision tower's weights (model.visual.*, docs/specs/qwen3_5.md §7): patch
// embedding (Conv3d), learned position grid, ViT blocks (LayerNorm + bias, fused qkv
// with bias, GELU MLP with biases), and the 2x2 patch merger.
#include <vector>

#include "arch/blocks/linear.h"
#include "arch/blocks/mlp.h"
#include "arch/blocks/norm.h"
#include "arch/qwen3_5/qwen3_5.h"

namespace vole::arch {

struct Qwen3_5VisionBlock {
  Norm norm1, norm2;
  Linear qkv, proj;
  Mlp mlp;  // linear_fc1 -> gelu_tanh -> linear_fc2
};

struct Qwen3_5VisionWeights {
  WeightRef patch_embed, patch_bias, pos_embed;
  std::vector<Qwen3_5VisionBlock> blocks;
  Norm merger_norm;
  Mlp merger;  // linear_fc1 -> gelu_erf -> linear_fc2 over 2x2-merged patches
};

Qwen3_5VisionWeights declare_qwen3_5_vision(TensorDeclarer& d, const Qwen3_5VisionConfig& v);

}  // namespace vole::arch
