#include <cmath>

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

// Kani-TTS-2's keys (kani-tts.md §5). Its checkpoints always carry them; plain LFM2 and
// Kani-TTS 1 never do.
std::optional<KaniTts2Fields> parse_kani2_fields(const JsonObject& t) {
  if (!t.has("use_learnable_rope") && !t.has("speaker_emb_dim") && !t.has("audio_step")) return std::nullopt;
  KaniTts2Fields k;
  k.audio_tokens_start = t.get_int("audio_tokens_start", k.audio_tokens_start);
  k.tokens_per_frame = static_cast<int>(t.get_int("tokens_per_frame", k.tokens_per_frame));
  k.audio_step = t.get_double("audio_step", k.audio_step);
  k.learnable_rope = t.get_bool("use_learnable_rope", false);
  k.alpha_min = t.get_double("alpha_min", k.alpha_min);
  k.alpha_max = t.get_double("alpha_max", k.alpha_max);
  k.speaker_emb_dim = t.get_int("speaker_emb_dim", k.speaker_emb_dim);
  require_positive(t, "audio_tokens_start", k.audio_tokens_start);
  require_positive(t, "speaker_emb_dim", k.speaker_emb_dim);
  if (k.tokens_per_frame < 1 || k.tokens_per_frame > 64) t.fail_field("tokens_per_frame", "must be 1..64");
  if (!(k.alpha_min > 0) || !(k.alpha_max >= k.alpha_min) || k.alpha_max > 1e3)
    t.fail_field("alpha_min", "alpha_min and alpha_max must satisfy 0 < alpha_min <= alpha_max");
  // Positions stay integers on the GPU: in units of 1/q for the smallest q that makes the
  // step whole (0.25 -> q 4).
  if (!(k.audio_step > 0) || k.audio_step > 1e4) t.fail_field("audio_step", "must be > 0");
  int units = 0;
  for (int q = 1; q <= 64 && units == 0; ++q)
    if (std::abs(k.audio_step * q - std::round(k.audio_step * q)) < 1e-6) units = q;
  if (units == 0)
    t.fail_field("audio_step", "must be a fraction with a denominator up to 64 (e.g. 1, 0.5, 0.25), found " +
                                   std::to_string(k.audio_step));
  k.position_units = units;
  return k;
}

}  // namespace

int32_t KaniTts2Fields::frame_step() const { return static_cast<int32_t>(std::lround(audio_step * position_units)); }

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
  cfg->kani2 = parse_kani2_fields(t);
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
  if (kani2) {
    std::string step = std::to_string(kani2->audio_step);
    step.erase(step.find_last_not_of('0') + 1);
    if (step.back() == '.') step.pop_back();
    out.emplace_back("kani-tts-2",
                     std::string(kani2->learnable_rope ? "learned RoPE scale per attention layer, " : "") +
                         "audio frames advance positions by " + step + ", speaker embedding " +
                         std::to_string(kani2->speaker_emb_dim));
  }
  return out;
}

}  // namespace vole::arch
