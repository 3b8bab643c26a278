#pragma once
// A model folder's config.json as generic code sees it: which family reads it, the
// family's typed config (engine/arch/<family>/ defines and parses it), and the
// quantization block, which is about the checkpoint rather than the family. Plus
// generation_config.json.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/family.h"

namespace vole::model {

// How the checkpoint's weights are quantized, if at all.
enum class QuantMethod { None, MlxAffine, Gptq };
const char* quant_method_name(QuantMethod m);

struct MlxLayerQuant {
  bool quantized = true;
  int bits = 4;
  int group_size = 64;
};

struct QuantizationConfig {
  QuantMethod method = QuantMethod::None;
  int bits = 0;
  int group_size = 0;  // GPTQ: -1 = one group per column
  // MLX: per-module overrides keyed by the module path as MLX names it
  // ("language_model.model.layers.0.mlp.gate_proj").
  std::map<std::string, MlxLayerQuant> mlx_overrides;
  // GPTQ
  bool sym = true;
  bool desc_act = false;
  bool gptq_v2 = false;  // checkpoint_format "gptq_v2": zero points stored as is (v1 stores zero - 1)
};

struct ModelConfig {
  const Family* family = nullptr;
  std::string architecture;  // architectures[0] as written (may be empty)
  std::string model_type;    // top-level model_type as written
  std::shared_ptr<const FamilyConfig> typed;
  QuantizationConfig quant;

  // The family's own config type; fails if the config belongs to another family.
  template <class T>
  const T& as() const {
    const T* t = dynamic_cast<const T*>(typed.get());
    if (!t) wrong_family();
    return *t;
  }

 private:
  [[noreturn]] void wrong_family() const;
};

// `label` names the source in errors (usually the file path).
ModelConfig parse_model_config(std::string_view json_text, const std::string& label, const FamilyTable& families);
ModelConfig load_model_config(const std::filesystem::path& config_json, const FamilyTable& families);
QuantizationConfig parse_quantization(const JsonObject& top);

// Sampling defaults from generation_config.json; absent fields stay empty.
struct GenerationConfig {
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> bos_token_id, pad_token_id;
  std::optional<bool> do_sample;
  std::optional<double> temperature, top_p, min_p, repetition_penalty, presence_penalty;
  std::optional<int64_t> top_k, max_new_tokens;
};

GenerationConfig parse_generation_config(std::string_view json_text, const std::string& label);
GenerationConfig load_generation_config(const std::filesystem::path& generation_config_json);

}  // namespace vole::model
