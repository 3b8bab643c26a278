#pragma once
// The config.json fields every transformer decoder family shares (Qwen2, Qwen3,
// Qwen3.5's text part, and the families to come), with transformers' defaults and the
// checks that keep the graph builders safe. A family's typed config embeds this and
// adds its own fields.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/family.h"
#include "model/json_util.h"

namespace vole::arch {

struct RopeParameters {
  std::string rope_type = "default";
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::vector<int64_t> mrope_section;  // [T, H, W] frequency counts (M-RoPE)
  bool mrope_interleaved = false;      // as written
  // Scaled variants (yarn, linear, dynamic...): recorded for the graph builder.
  double factor = 1.0;
  std::optional<int64_t> original_max_position_embeddings;
};

struct DecoderConfig {
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
  std::optional<int64_t> bos_token_id, pad_token_id;
  std::vector<int64_t> eos_token_ids;
  std::string dtype;  // checkpoint dtype as declared ("bfloat16"), informational

  int64_t rotary_dim() const {
    return static_cast<int64_t>(static_cast<double>(head_dim) * rope.partial_rotary_factor);
  }
  // (label, value) lines for `vole info`.
  void summarise(std::vector<std::pair<std::string, std::string>>& out) const;
};

// Reads the shared fields (vocab_size ... eos_token_id); head counts, head_dim, rope
// and the context length are read by parse_attention_fields with family defaults.
void parse_decoder_common(const model::JsonObject& t, DecoderConfig& c);
// num_key_value_heads (default: num_attention_heads), head_dim (default hidden /
// heads), max_position_embeddings, rope (rope_parameters or the older fields), with the
// checks of check_attention_fields.
void parse_attention_fields(const model::JsonObject& t, DecoderConfig& c, const RopeParameters& rope_defaults,
                            int64_t default_kv_heads, int64_t default_head_dim, int64_t default_max_positions);
RopeParameters parse_rope(const model::JsonObject& t, RopeParameters defaults);
// Positive head counts and head_dim, GQA divisibility, an even rotary dimension and
// mrope sections that add up to it.
void check_attention_fields(const model::JsonObject& t, const DecoderConfig& c);
void require_positive(const model::JsonObject& o, const char* key, int64_t value);

}  // namespace vole::arch
