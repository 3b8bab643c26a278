#pragma once
// The tensors a model needs, by Hugging Face name, with the shapes its config implies.
// The GPU graph builders read weights by these names; the loader checks the checkpoint
// against this list. Names are canonical HF names whatever the source (MLX
// checkpoints are renamed on load, see model/catalog.h).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"

namespace vole::model {

// Which part of the model a tensor belongs to; a load selects parts.
enum class TensorGroup : uint8_t { Text, Vision, Mtp };
const char* tensor_group_name(TensorGroup g);
TensorGroup tensor_group_of(std::string_view canonical_name);

// What a tensor is for, which tells consumers how to use it.
enum class TensorRole : uint8_t {
  Embedding,        // [vocab, hidden] row lookup
  LmHead,           // [vocab, hidden] output projection
  Linear,           // [out, in] matrix of a linear layer
  Bias,             // [out] additive bias
  RmsNorm,          // plain RMSNorm weight (Qwen3): y = x̂ · w
  RmsNormZeroCentred,  // Qwen3.5 RMSNorm weight: y = x̂ · (1 + w)
  GatedRmsNorm,     // Qwen3.5 linear_attn.norm: plain w, gated by SiLU(z)
  LayerNorm,        // vision LayerNorm weight (with a Bias tensor beside it)
  Conv1d,           // depthwise causal conv taps [channels, 1, kernel]
  ALog,             // Gated DeltaNet log decay rate [value heads]
  DtBias,           // Gated DeltaNet time-step bias [value heads]
  PatchEmbed,       // vision Conv3d [hidden, channels, t, p, p]
  PositionEmbed,    // vision learned position grid [positions, hidden]
};
const char* tensor_role_name(TensorRole r);

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  TensorRole role = TensorRole::Linear;
  TensorGroup group = TensorGroup::Text;
  int layer = -1;  // decoder / vision block index, -1 for model-level tensors
};

// Which tensors a load asks for: whole parts, optionally narrowed to name prefixes.
struct Selection {
  bool text = true;
  bool vision = false;
  bool mtp = false;
  std::vector<std::string> prefixes;  // if non-empty, only names starting with one of these

  static Selection text_only() { return {}; }
  static Selection everything() { return {true, true, true, {}}; }
  bool wants_group(TensorGroup g) const;
  bool wants(std::string_view canonical_name) const;  // group and prefix filter
};

// Canonical prefix of the decoder: "model.language_model." (Qwen3.5) or "model." (Qwen3).
std::string text_prefix(Architecture arch);

// Every tensor the config requires, in load order (embedding, layers in order, final
// norm, lm_head unless tied; then vision, then MTP), filtered by `selection`'s parts
// (not by its prefixes). Vision tensors only if the config has a vision tower, MTP
// tensors only if mtp_num_hidden_layers > 0.
std::vector<TensorSpec> expected_tensors(const ModelConfig& config, const Selection& selection = Selection::text_only());

std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace vole::model
