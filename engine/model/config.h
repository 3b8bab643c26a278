#pragma once
// Typed model configuration read from a Hugging Face config.json, plus
// generation_config.json and the quantization block.
//
// Supported: Qwen3.5 (model_type "qwen3_5", architectures
// Qwen3_5ForConditionalGeneration / Qwen3_5ForCausalLM; also a bare "qwen3_5_text"
// config) and Qwen3 (model_type "qwen3", Qwen3ForCausalLM). Fields the file omits get
// the transformers class defaults; the core dimensions are required.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vole::model {

enum class Architecture { Qwen3_5, Qwen3 };
const char* architecture_name(Architecture a);  // "qwen3_5", "qwen3"

enum class LayerType { LinearAttention, FullAttention };

struct RopeParameters {
  std::string rope_type = "default";
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::vector<int64_t> mrope_section;  // qwen3_5: [T, H, W] frequency counts
  bool mrope_interleaved = false;      // as written; HF Qwen3.5 always interleaves
  // Scaled variants (yarn, linear, dynamic...): recorded for the graph builder.
  double factor = 1.0;
  std::optional<int64_t> original_max_position_embeddings;
};

// The language model. Qwen3 fills the common part; the linear-attention fields are
// zero and every layer is full attention.
struct TextConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;
  std::string hidden_act = "silu";
  double rms_norm_eps = 1e-6;
  bool attention_bias = false;
  int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  RopeParameters rope;

  // Qwen3.5 Gated DeltaNet layers.
  int64_t linear_conv_kernel_dim = 0;
  int64_t linear_key_head_dim = 0;
  int64_t linear_value_head_dim = 0;
  int64_t linear_num_key_heads = 0;
  int64_t linear_num_value_heads = 0;
  int64_t full_attention_interval = 0;
  std::vector<LayerType> layer_types;  // one per layer
  bool attn_output_gate = true;        // informational: HF always gates
  std::string mamba_ssm_dtype;         // informational ("float32": keep state in f32)
  int64_t mtp_num_hidden_layers = 0;
  bool mtp_use_dedicated_embeddings = false;

  std::optional<int64_t> bos_token_id, pad_token_id;
  std::vector<int64_t> eos_token_ids;
  std::string dtype;  // checkpoint dtype as declared ("bfloat16"), informational

  int64_t rotary_dim() const { return static_cast<int64_t>(static_cast<double>(head_dim) * rope.partial_rotary_factor); }
  int64_t linear_key_dim() const { return linear_num_key_heads * linear_key_head_dim; }
  int64_t linear_value_dim() const { return linear_num_value_heads * linear_value_head_dim; }
  int64_t linear_conv_dim() const { return 2 * linear_key_dim() + linear_value_dim(); }
  int64_t num_full_attention_layers() const;
};

// Qwen3.5 vision tower.
struct VisionConfig {
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
  Architecture arch = Architecture::Qwen3_5;
  std::string architecture;  // architectures[0] as written (may be empty)
  std::string model_type;    // top-level model_type as written
  TextConfig text;
  std::optional<VisionConfig> vision;
  QuantizationConfig quant;
  // Multimodal token ids (Qwen3.5).
  std::optional<int64_t> image_token_id, video_token_id, vision_start_token_id, vision_end_token_id;
};

// `label` names the source in errors (usually the file path).
ModelConfig parse_model_config(std::string_view json_text, const std::string& label);
ModelConfig load_model_config(const std::filesystem::path& config_json);

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
