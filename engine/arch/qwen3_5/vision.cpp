#include "arch/qwen3_5/vision.h"

namespace vole::arch {

Qwen3_5VisionWeights declare_qwen3_5_vision(TensorDeclarer& d, const Qwen3_5VisionConfig& v) {
  using model::TensorRole;
  constexpr float kEps = 1e-6f;  // LayerNorm eps of the vision blocks and merger
  const std::string p = "model.visual.";
  const int64_t h = v.hidden_size;
  Qwen3_5VisionWeights w;
  w.patch_embed = d.add(p + "patch_embed.proj.weight",
                        {h, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size}, TensorRole::PatchEmbed);
  w.patch_bias = d.add(p + "patch_embed.proj.bias", {h}, TensorRole::Bias);
  w.pos_embed = d.add(p + "pos_embed.weight", {v.num_position_embeddings, h}, TensorRole::PositionEmbed);
  for (int j = 0; j < static_cast<int>(v.depth); ++j) {
    std::string b = p + "blocks." + std::to_string(j) + ".";
    Qwen3_5VisionBlock blk;
    blk.norm1 = declare_norm(d, b + "norm1", h, NormKind::Layer, kEps, j);
    blk.qkv = declare_linear(d, b + "attn.qkv", 3 * h, h, true, j);
    blk.proj = declare_linear(d, b + "attn.proj", h, h, true, j);
    blk.norm2 = declare_norm(d, b + "norm2", h, NormKind::Layer, kEps, j);
    blk.mlp = declare_two_layer_mlp(d, b + "mlp.", "linear_fc1", "linear_fc2", h, v.intermediate_size,
                                    MlpKind::GeluTanh, true, j);
    w.blocks.push_back(std::move(blk));
  }
  int64_t merged = h * v.spatial_merge_size * v.spatial_merge_size;
  w.merger_norm = declare_norm(d, p + "merger.norm", h, NormKind::Layer, kEps);
  w.merger = Mlp{MlpKind::GeluErf, merged, merged, {}, {}, {}};
  w.merger.up = declare_linear(d, p + "merger.linear_fc1", merged, merged, true);
  w.merger.down = declare_linear(d, p + "merger.linear_fc2", v.out_hidden_size, merged, true);
  return w;
}

}  // namespace vole::arch
