#include "arch/common/decoder_config.h"

#include "util/error.h"

namespace vole::arch {

using model::JsonObject;

void require_positive(const JsonObject& o, const char* key, int64_t v) {
  if (v <= 0) o.fail_field(key, "must be positive, found " + std::to_string(v));
}

RopeParameters parse_rope(const JsonObject& text, RopeParameters r) {
  r.partial_rotary_factor = text.get_double("partial_rotary_factor", r.partial_rotary_factor);
  r.rope_theta = text.get_double("rope_theta", r.rope_theta);
  auto read_block = [&](const JsonObject& b) {
    r.rope_type = b.get_string("rope_type", b.get_string("type", r.rope_type));
    r.rope_theta = b.get_double("rope_theta", r.rope_theta);
    r.partial_rotary_factor = b.get_double("partial_rotary_factor", r.partial_rotary_factor);
    if (b.has("mrope_section")) r.mrope_section = b.get_int_list("mrope_section");
    r.mrope_interleaved = b.get_bool("mrope_interleaved", r.mrope_interleaved);
    r.factor = b.get_double("factor", r.factor);
    r.original_max_position_embeddings = b.opt_int("original_max_position_embeddings");
  };
  // rope_parameters (transformers v5) or the older rope_scaling beside rope_theta.
  if (text.has("rope_scaling")) read_block(text.child("rope_scaling"));
  if (text.has("rope_parameters")) read_block(text.child("rope_parameters"));
  if (!(r.partial_rotary_factor > 0.0 && r.partial_rotary_factor <= 1.0))
    text.fail_field("partial_rotary_factor", "must be in (0, 1]");
  if (!(r.rope_theta > 0.0)) text.fail_field("rope_theta", "must be positive");
  return r;
}

void parse_decoder_common(const JsonObject& t, DecoderConfig& c) {
  c.vocab_size = t.get_int("vocab_size");
  c.hidden_size = t.get_int("hidden_size");
  c.intermediate_size = t.get_int("intermediate_size");
  c.num_hidden_layers = t.get_int("num_hidden_layers");
  c.num_attention_heads = t.get_int("num_attention_heads");
  require_positive(t, "vocab_size", c.vocab_size);
  require_positive(t, "hidden_size", c.hidden_size);
  require_positive(t, "intermediate_size", c.intermediate_size);
  require_positive(t, "num_hidden_layers", c.num_hidden_layers);
  require_positive(t, "num_attention_heads", c.num_attention_heads);
  c.hidden_act = t.get_string("hidden_act", "silu");
  if (c.hidden_act != "silu")
    fail(ErrorCode::Unsupported, t.label() + ": hidden_act \"" + c.hidden_act + "\" is not supported (only silu)");
  c.rms_norm_eps = t.get_double("rms_norm_eps", 1e-6);
  if (!(c.rms_norm_eps > 0)) t.fail_field("rms_norm_eps", "must be positive");
  c.attention_bias = t.get_bool("attention_bias", false);
  c.bos_token_id = t.opt_int("bos_token_id");
  c.pad_token_id = t.opt_int("pad_token_id");
  if (t.has("eos_token_id")) c.eos_token_ids = t.get_int_list("eos_token_id");
  c.dtype = t.get_string("dtype", t.get_string("torch_dtype", ""));
  c.tie_word_embeddings = t.get_bool("tie_word_embeddings", false);
}

void parse_attention_fields(const JsonObject& t, DecoderConfig& c, const RopeParameters& rope_defaults,
                            int64_t default_kv_heads, int64_t default_head_dim, int64_t default_max_positions) {
  c.num_key_value_heads = t.get_int("num_key_value_heads", default_kv_heads);
  if (default_head_dim <= 0) {
    if (c.hidden_size % c.num_attention_heads != 0 && !t.has("head_dim"))
      t.fail_field("head_dim", "is missing and hidden_size is not a multiple of num_attention_heads");
    default_head_dim = c.hidden_size / c.num_attention_heads;
  }
  c.head_dim = t.get_int("head_dim", default_head_dim);
  c.max_position_embeddings = t.get_int("max_position_embeddings", default_max_positions);
  c.rope = parse_rope(t, rope_defaults);
}

void check_attention_fields(const JsonObject& t, const DecoderConfig& c) {
  require_positive(t, "num_key_value_heads", c.num_key_value_heads);
  require_positive(t, "head_dim", c.head_dim);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    t.fail_field("num_key_value_heads", "(" + std::to_string(c.num_key_value_heads) +
                                            ") must divide num_attention_heads (" +
                                            std::to_string(c.num_attention_heads) + ")");
  if (c.rotary_dim() <= 0 || c.rotary_dim() % 2 != 0)
    t.fail_field("partial_rotary_factor", "gives an odd or empty rotary dimension " + std::to_string(c.rotary_dim()));
  if (!c.rope.mrope_section.empty()) {
    int64_t sum = 0;
    for (int64_t s : c.rope.mrope_section) {
      if (s < 0) t.fail_field("mrope_section", "has a negative entry");
      sum += s;
    }
    if (sum != c.rotary_dim() / 2)
      t.fail_field("mrope_section", "sums to " + std::to_string(sum) + " but the rotary dimension needs " +
                                        std::to_string(c.rotary_dim() / 2) + " frequencies");
  }
}

void DecoderConfig::summarise(std::vector<std::pair<std::string, std::string>>& out) const {
  auto add = [&](const char* k, const std::string& v) { out.emplace_back(k, v); };
  add("vocab", std::to_string(vocab_size));
  add("hidden", std::to_string(hidden_size));
  add("intermediate", std::to_string(intermediate_size));
  add("layers", std::to_string(num_hidden_layers));
  add("attention", std::to_string(num_attention_heads) + " query heads, " + std::to_string(num_key_value_heads) +
                       " key/value heads, head_dim " + std::to_string(head_dim) +
                       (attention_bias ? ", with biases" : ""));
  add("rope", "theta " + std::to_string(static_cast<int64_t>(rope.rope_theta)) + ", " + std::to_string(rotary_dim()) +
                  " of " + std::to_string(head_dim) + " dims rotated" +
                  (rope.rope_type != "default" ? ", " + rope.rope_type : ""));
  add("context", std::to_string(max_position_embeddings) + " tokens");
  add("embeddings", tie_word_embeddings ? "tied (lm_head = embed_tokens)" : "separate lm_head");
}

}  // namespace vole::arch
