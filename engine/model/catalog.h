#pragma once
// The checkpoint as the model sees it: every tensor a load selects, under its Hugging
// Face name, HF shape and HF meaning, with a note of how it is actually stored.
//
// Sources normalised here, so consumers never see the difference:
//  * MLX (mlx-lm / mlx-vlm conversions):
//    - names: "language_model.model.X" -> "model.language_model.X",
//      "language_model.lm_head.weight" -> "lm_head.weight", "vision_tower.X" ->
//      "model.visual.X" (Qwen3.5); Qwen3 MLX names are already HF names.
//    - Qwen3.5 conv1d taps are stored [C, K, 1] (MLX conv layout) instead of HF's
//      [C, 1, K]; the bytes are identical, only the shape is restored.
//    - Qwen3.5 zero-centred RMSNorm weights (input/post_attention layernorms, q_norm,
//      k_norm, final norm) are stored as 1 + w (mlx-lm adds 1.0 when it converts,
//      in bf16); the loader subtracts 1 again (exact in f32, so 1 + w' equals the
//      stored value bit for bit). linear_attn.norm is untouched by MLX. The shift is
//      detected as mlx-lm does: it applies exactly when conv1d has the MLX layout.
//    - the vision Conv3d patch embedding is stored [O, T, H, W, C] (channels last);
//      it is permuted back to HF's [O, C, T, H, W].
//    - 4-bit affine matrices X.weight (uint32) + X.scales + X.biases; a matrix is
//      quantized iff X.scales exists; bits / group_size from the config's
//      "quantization" block or its per-module override.
//  * GPTQ: X.qweight / X.qzeros / X.scales / X.g_idx become the logical X.weight.
//  * A text-only Qwen3.5 checkpoint that names the decoder "model.X" is renamed to
//    "model.language_model.X".
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/config.h"
#include "model/safetensors.h"
#include "model/tensor_specs.h"

namespace vole::model {

enum class Encoding : uint8_t { Plain, MlxAffine, Gptq };
const char* encoding_name(Encoding e);

// A change of meaning or layout applied while reading a plain tensor.
enum class Fixup : uint8_t {
  None,
  MinusOne,       // MLX zero-centred norm stored as 1 + w
  MlxPatchEmbed,  // [O, T, H, W, C] -> [O, C, T, H, W]
};

struct SourceTensor {
  TensorSpec spec;                 // canonical name, HF shape, role, group
  Encoding encoding = Encoding::Plain;
  StDType dtype = StDType::F32;    // Plain: element type; quantized: type of the scales
  Fixup fixup = Fixup::None;
  int bits = 0;                    // quantized sources
  int group_size = 0;              // quantized sources: the source's group
  // Checkpoint tensors that hold it (Plain: data; MLX: data=weight, scales, biases;
  // GPTQ: data=qweight, scales, zeros, g_idx).
  TensorRef data, scales, biases, zeros, g_idx;
  std::string source_name;         // the name of `data` in the checkpoint

  uint64_t source_bytes() const;   // bytes read from the checkpoint to produce it
};

enum class Naming : uint8_t { HuggingFace, Mlx };

struct Catalog {
  Naming naming = Naming::HuggingFace;
  bool mlx_norms_shifted = false;
  bool lm_head_tied = false;       // config ties lm_head to embed_tokens (none is loaded)
  std::vector<SourceTensor> tensors;  // in expected_tensors() order, filtered by the selection
  // Checkpoint tensors that nothing selected maps to (canonical names), e.g. an
  // lm_head present although tied, or parts the selection skipped.
  std::vector<std::string> unused;
  std::vector<std::string> skipped;  // canonical names of tensors outside the selection
  const SourceTensor* find(const std::string& canonical_name) const;
  std::unordered_map<std::string, size_t> index;
};

// Maps the checkpoint onto `config`'s expected tensors for `selection`. Opens only
// the shards that hold selected tensors. Errors: a required tensor missing (NotFound),
// a shape that differs from the config's (InvalidFile, naming expected and actual),
// a dtype Vole cannot use, inconsistent quantization parts, GPTQ act-order.
Catalog build_catalog(Checkpoint& checkpoint, const ModelConfig& config, const Selection& selection);

// The canonical (HF) name of a checkpoint tensor name. `decoder_without_prefix`: a
// Qwen3.5 checkpoint whose decoder is named "model.X" rather than
// "model.language_model.X".
std::string canonical_name(const std::string& source_name, Architecture arch, bool decoder_without_prefix);

}  // namespace vole::model
