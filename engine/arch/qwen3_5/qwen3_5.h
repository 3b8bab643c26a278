#pragma once
// Qwen3.5 (model_type "qwen3_5": Qwen3_5ForConditionalGeneration / Qwen3_5ForCausalLM,
// or a bare "qwen3_5_text" config): a hybrid decoder of Gated DeltaNet and gated
// full-attention layers with zero-centred (1 + w) RMSNorms and partial interleaved
// M-RoPE, an optional vision tower (model.visual.*) and an optional multi-token
// prediction head (mtp.*). Semantics: docs/specs/qwen3_5.md.
#include <cstdint>
#include <optional>
#include <vector>

#include "arch/common/decoder_config.h"
#include "arch/family.h"

namespace vole::arch {

enum class Qwen3_5Layer { LinearAttention, FullAttention };

struct Qwen3_5TextConfig : DecoderConfig {
  // Gated DeltaNet layers.
  int64_t linear_conv_kernel_dim = 0;
  int64_t linear_key_head_dim = 0;
  int64_t linear_value_head_dim = 0;
  int64_t linear_num_key_heads = 0;
  int64_t linear_num_value_heads = 0;
  int64_t full_attention_interval = 0;
  std::vector<Qwen3_5Layer> layer_types;  // one per layer
  bool attn_output_gate = true;           // informational: HF always gates
  std::string mamba_ssm_dtype;            // informational ("float32": keep state in f32)
  int64_t mtp_num_hidden_layers = 0;
  bool mtp_use_dedicated_embeddings = false;

  int64_t linear_key_dim() const { return linear_num_key_heads * linear_key_head_dim; }
  int64_t linear_value_dim() const { return linear_num_value_heads * linear_value_head_dim; }
  int64_t linear_conv_dim() const { return 2 * linear_key_dim() + linear_value_dim(); }
  int64_t num_full_attention_layers() const;
};

// The vision tower (docs/specs/qwen3_5.md §7).
struct Qwen3_5VisionConfig {
  int64_t depth = 27;
  int64_t hidden_size = 1152;
  int64_t num_heads = 16;
  int64_t intermediate_size = 4304;
  std::string hidden_act = "gelu_pytorch_tanh";
  int64_t in_channels = 3;
  int64_t patch_size = 16;
  int64_t temporal_patch_size = 2;
  int64_t spatial_merge_size = 2;
  int64_t out_hidden_size = 3584;
  int64_t num_position_embeddings = 2304;
  std::vector<int64_t> deepstack_visual_indexes;
};

struct Qwen3_5Config : model::FamilyConfig {
  Qwen3_5TextConfig text;
  std::optional<Qwen3_5VisionConfig> vision;
  // Multimodal token ids.
  std::optional<int64_t> image_token_id, video_token_id, vision_start_token_id, vision_end_token_id;
  std::vector<std::pair<std::string, std::string>> summary() const override;
};

const Family& qwen3_5_family();

// Parsing (qwen3_5_config.cpp).
std::shared_ptr<const Qwen3_5Config> parse_qwen3_5_config(const model::JsonObject& top);

}  // namespace vole::arch
