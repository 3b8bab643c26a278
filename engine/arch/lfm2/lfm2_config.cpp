#include "arch/lfm2/lfm2.h"
#include "util/error.h"

namespace vole::arch {

using model::JsonObject;

int64_t lfm2_ff_dim(int64_t ff_dim, bool auto_adjust, std::optional<double> multiplier, int64_t multiple_of) {
  int64_t f = ff_dim;
  if (!auto_adjust) return f;
  f = static_cast<int64_t>(2.0 * static_cast<double>(f) / 3.0);  // Python int(): toward zero
  if (multiplier) {
    f = static_cast<int64_t>(*multiplier * static_cast<double>(f));
    f = multiple_of * ((f + multiple_of - 1) / multiple_of);
  }
  return f;
}

namespace {

// Per layer: attention or short conv, from layer_types or (Liquid's key) full_attn_idxs.
std::vector<bool> parse_layer_kinds(const JsonObject& t, int64_t layers) {
  std::vector<bool> kinds;
  if (const auto* lt = t.find("layer_types")) {
    if (!lt->is_array() || static_cast<int64_t>(lt->size()) != layers)
      t.fail_field("layer_types", "must list one type per layer (" + std::to_string(layers) + ")");
    for (const auto& e : *lt) {
      std::string s = e.is_string() ? e.get<std::string>() : e.dump();
      if (s != "conv" && s != "full_attention")
        t.fail_field("layer_types", "has unknown layer type " + s + " (conv or full_attention)");
      kinds.push_back(s == "full_attention");
    }
    return kinds;
  }
  if (!t.has("full_attn_idxs")) return std::vector<bool>(static_cast<size_t>(layers), true);
  kinds.assign(static_cast<size_t>(layers), false);
  for (int64_t i : t.get_int_list("full_attn_idxs")) {
    if (i < 0 || i >= layers)
      t.fail_field("full_attn_idxs", "lists layer " + std::to_string(i) + " of " + std::to_string(layers));
    kinds[static_cast<size_t>(i)] = true;
  }
  return kinds;
}

}  // namespace

std::shared_ptr<const Lfm2Config> parse_lfm2_config(const JsonObject& t) {
  auto cfg = std::make_shared<Lfm2Config>();
  DecoderConfig& c = cfg->text;
  c.vocab_size = t.get_int("vocab_size", 65536);
  c.hidden_size = t.get_int("hidden_size", 2560);
  c.num_hidden_layers = t.get_int("num_hidden_layers", 32);
  c.num_attention_heads = t.get_int("num_attention_heads", 32);
  require_positive(t, "vocab_size", c.vocab_size);
  require_positive(t, "hidden_size", c.hidden_size);
  require_positive(t, "num_hidden_layers", c.num_hidden_layers);
  require_positive(t, "num_attention_heads", c.num_attention_heads);

  // block_ff_dim (Liquid's key) wins over intermediate_size, then the width is adjusted.
  int64_t ff = t.get_int("block_ff_dim", t.get_int("intermediate_size", 12288));
  require_positive(t, "intermediate_size", ff);
  // An explicit null skips the multiplier step and the rounding (§1.1).
  std::optional<double> multiplier = 1.0;
  if (t.is_null("block_ffn_dim_multiplier"))
    multiplier.reset();
  else
    multiplier = t.get_double("block_ffn_dim_multiplier", 1.0);
  int64_t multiple_of = t.get_int("block_multiple_of", 256);
  require_positive(t, "block_multiple_of", multiple_of);
  c.intermediate_size = lfm2_ff_dim(ff, t.get_bool("block_auto_adjust_ff_dim", true), multiplier, multiple_of);
  require_positive(t, "intermediate_size", c.intermediate_size);

  c.rms_norm_eps = t.get_double("norm_eps", 1e-5);
  if (!(c.rms_norm_eps > 0)) t.fail_field("norm_eps", "must be positive");
  c.hidden_act = "silu";
  c.bos_token_id = t.opt_int("bos_token_id");
  c.pad_token_id = t.opt_int("pad_token_id");
  if (t.has("eos_token_id")) c.eos_token_ids = t.get_int_list("eos_token_id");
  c.dtype = t.get_string("dtype", t.get_string("torch_dtype", ""));
  c.tie_word_embeddings = t.get_bool("tie_embedding", t.get_bool("tie_word_embeddings", true));

  RopeParameters rope;
  rope.rope_theta = t.get_double("theta", 1000000.0);
  parse_attention_fields(t, c, rope, 8, 0, 128000);
  check_attention_fields(t, c);
  if (c.rope.rope_type != "default")
    fail(ErrorCode::Unsupported, t.label() + ": rope type \"" + c.rope.rope_type + "\" is not supported by LFM2");
  if (c.rope.partial_rotary_factor != 1.0) t.fail_field("partial_rotary_factor", "must be 1 for LFM2");

  cfg->conv_kernel = t.get_int("conv_L_cache", 3);
  if (cfg->conv_kernel < 2 || cfg->conv_kernel > 8)
    t.fail_field("conv_L_cache",
                 "must be 2..8 (the short convolution's kernel), found " + std::to_string(cfg->conv_kernel));
  cfg->conv_bias = t.get_bool("conv_bias", false);
  cfg->attention_layers = parse_layer_kinds(t, c.num_hidden_layers);
  // Kani-TTS-2's modified LFM2 (kani-tts.md §5) changes positions and RoPE: not this family.
  if (t.get_bool("use_learnable_rope", false) || t.has("speaker_emb_dim"))
    fail(ErrorCode::Unsupported, t.label() +
                                     ": Kani-TTS-2's modified LFM2 (learnable RoPE, speaker embedding) "
                                     "is not supported yet; plain LFM2 and Kani-TTS 1 are");
  cfg->eos_token_ids = c.eos_token_ids;
  cfg->max_position_embeddings = c.max_position_embeddings;
  return cfg;
}

std::vector<std::pair<std::string, std::string>> Lfm2Config::summary() const {
  std::vector<std::pair<std::string, std::string>> out;
  text.summarise(out);
  std::string pattern;
  int attention = 0;
  for (bool a : attention_layers) {
    pattern += a ? 'A' : 'C';
    attention += a;
  }
  out.emplace_back("layers", pattern + "  (C short conv x" + std::to_string(attention_layers.size() - attention) +
                                 ", A attention x" + std::to_string(attention) + "), conv kernel " +
                                 std::to_string(conv_kernel) + (conv_bias ? " with biases" : ""));
  return out;
}

}  // namespace vole::arch
