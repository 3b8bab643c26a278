#pragma once
// Families whose model is a plain stack of full-attention decoder layers (RMSNorm,
// GQA attention with RoPE, SwiGLU) and whose config is DecoderConfig: Qwen2, Qwen3
// and their relatives differ only in the traits below, so each is one DenseTraits
// value in its own folder.
#include <string>
#include <vector>

#include "arch/common/decoder_config.h"
#include "arch/family.h"

namespace vole::arch {

struct DenseConfig : model::FamilyConfig {
  DecoderConfig text;
  std::vector<std::pair<std::string, std::string>> summary() const override;
};

struct DenseTraits {
  std::string name;          // "qwen3"
  std::string model_type;    // config.json model_type
  std::string architecture;  // architectures[0]
  std::string supported;     // for "unsupported model" messages
  // Attention biases: from config.json's attention_bias (both flags then follow it), or fixed.
  bool bias_from_config = true;
  bool qkv_bias = false, output_bias = false;
  bool qk_norm = false;  // per-head RMSNorm on q and k
  std::vector<std::string> end_of_turn_markers;
};

class DenseDecoderFamily final : public Family {
 public:
  explicit DenseDecoderFamily(DenseTraits traits) : traits_(std::move(traits)) {}

  std::string_view name() const override { return traits_.name; }
  bool reads(std::string_view model_type, std::string_view architecture) const override;
  std::string supported() const override { return traits_.supported; }
  std::shared_ptr<const model::FamilyConfig> parse_config(const model::JsonObject& top) const override;
  std::vector<model::TensorPart> parts() const override;
  std::span<const model::QuantRule> quant_rules() const override;
  bool ignorable(const std::string& canonical, const model::ModelConfig& config) const override;
  // A bare decoder saved without its LM wrapper (e.g. Qwen3-Embedding) has no "model."
  // prefix: its names get it.
  std::string canonical_name(const std::string& source, const model::CheckpointNames& checkpoint) const override;
  std::vector<std::string> end_of_turn_markers() const override { return traits_.end_of_turn_markers; }
  Components create(const model::ModelConfig& config, TensorDeclarer& declarer) const override;

 private:
  DenseTraits traits_;
};

}  // namespace vole::arch
