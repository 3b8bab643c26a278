#pragma once
// The checkpoint as the model sees it: every tensor a load selects, under its Hugging
// Face name, HF shape and HF meaning, with a note of how it is actually stored.
//
// Sources normalised here, so consumers never see the difference:
//  * MLX (mlx-lm / mlx-vlm conversions): names through the family's renames
//    (Family::mlx_renames, e.g. "language_model.model.X" -> "model.language_model.X");
//    depthwise conv1d taps stored [C, K, 1] (MLX conv layout) instead of HF's [C, 1, K]
//    (same bytes, only the shape is restored); zero-centred RMSNorm weights stored as
//    1 + w where the family says the converter shifted them (Family::mlx_norms_shifted;
//    the loader subtracts 1 again, exact in f32); a channels-last vision Conv3d patch
//    embedding [O, T, H, W, C] permuted back to HF's [O, C, T, H, W]; 4-bit affine
//    matrices X.weight (uint32) + X.scales + X.biases: a matrix is quantized iff
//    X.scales exists, bits / group_size from the config's "quantization" block or its
//    per-module override.
//  * GPTQ: X.qweight / X.qzeros / X.scales / X.g_idx become the logical X.weight.
//  * Other family-specific renames (Family::canonical_name).
// A stored tensor that nothing selected uses is an error naming it, unless the family
// says it may be ignored.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/config.h"
#include "model/family.h"
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
  TensorSpec spec;  // canonical name, HF shape, role, group
  Encoding encoding = Encoding::Plain;
  StDType dtype = StDType::F32;  // Plain: element type; quantized: type of the scales
  Fixup fixup = Fixup::None;
  int bits = 0;        // quantized sources
  int group_size = 0;  // quantized sources: the source's group
  // Checkpoint tensors that hold it (Plain: data; MLX: data=weight, scales, biases;
  // GPTQ: data=qweight, scales, zeros, g_idx).
  TensorRef data, scales, biases, zeros, g_idx;
  std::string source_name;  // the name of `data` in the checkpoint

  uint64_t source_bytes() const;  // bytes read from the checkpoint to produce it
};

enum class Naming : uint8_t { HuggingFace, Mlx };

struct CheckpointMap {
  Naming naming = Naming::HuggingFace;
  bool mlx_norms_shifted = false;
  bool lm_head_tied = false;          // an embedding but no lm_head is declared: the head reuses it
  std::vector<SourceTensor> tensors;  // in expected_tensors() order, filtered by the selection
  // Stored tensors of the selected parts that no graph uses but the family allows
  // (e.g. an lm_head present although tied), by canonical name.
  std::vector<std::string> unused;
  std::vector<std::string> skipped;  // canonical names of tensors outside the selection
  const SourceTensor* find(const std::string& canonical_name) const;
  std::unordered_map<std::string, size_t> index;
};

// Maps the checkpoint onto the family's declared tensors for `selection`. Opens only
// the shards that hold selected tensors. Errors: a required tensor missing (NotFound),
// a shape that differs from the config's (InvalidFile, naming expected and actual), a
// stored tensor of a selected part that nothing uses (InvalidFile, naming it), a dtype
// Vole cannot use, inconsistent quantization parts, GPTQ act-order.
CheckpointMap map_checkpoint(Checkpoint& checkpoint, const ModelConfig& config, const Selection& selection);

// How the family names this checkpoint's tensors: canonical name -> stored name.
CheckpointNames checkpoint_names(Checkpoint& checkpoint, const ModelConfig& config);

}  // namespace vole::model
