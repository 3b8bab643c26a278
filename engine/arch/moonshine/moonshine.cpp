#include "arch/moonshine/moonshine.h"

#include <algorithm>

#include "ops/conv.h"
#include "util/error.h"

namespace vole::arch {

namespace {

using model::JsonObject;
using model::Precision;

constexpr float kNormEps = kMoonshineNormEps;  // every LayerNorm and the GroupNorm

constexpr model::QuantRule kRules[] = {
    {"*norm*.weight", Precision::Keep, "norm weight"},
    {"*.bias", Precision::Keep, "bias"},
    {"model.encoder.conv*", Precision::Keep, "front-end convolution"},
    {"model.decoder.embed_tokens.weight", Precision::Quantize, "token embedding and tied head"},
    {"proj_out.weight", Precision::Quantize, "output projection"},
    {"*_proj.weight", Precision::Quantize, "projection"},
    {"*.fc1.weight", Precision::Quantize, "MLP"},
    {"*.fc2.weight", Precision::Quantize, "MLP"},
    {"*", Precision::Keep, "not a large matrix"},
};

const model::TensorPart kSpeech{"speech", {}, false, "speech-to-text model"};

int64_t positive(const JsonObject& o, const char* key) {
  int64_t v = o.get_int(key);
  if (v <= 0) o.fail_field(key, "must be positive, found " + std::to_string(v));
  return v;
}

AttentionShape attention_shape(const MoonshineConfig& c, int64_t heads) {
  AttentionShape a;
  a.hidden = c.hidden_size;
  a.heads = a.kv_heads = heads;
  a.head_dim = c.hidden_size / heads;
  return a;  // no biases (attention_bias is refused), no gate, no q/k norms
}

ops::RopeParams rope_of(const MoonshineConfig& c) {
  ops::RopeParams r;
  r.rotary_dims = static_cast<int>(c.rotary_dims);
  r.theta = static_cast<float>(c.rope_theta);
  r.interleaved = true;  // GPT-J pairs (spec §3.4)
  return r;
}

class MoonshineFamily final : public Family {
 public:
  std::string_view name() const override { return "moonshine"; }
  bool reads(std::string_view model_type, std::string_view architecture) const override {
    return model_type == "moonshine" || architecture == "MoonshineForConditionalGeneration";
  }
  std::string supported() const override { return "moonshine (MoonshineForConditionalGeneration)"; }
  std::shared_ptr<const model::FamilyConfig> parse_config(const JsonObject& top) const override {
    return parse_moonshine_config(top);
  }
  std::vector<model::TensorPart> parts() const override { return {kSpeech}; }
  std::span<const model::QuantRule> quant_rules() const override { return kRules; }
  // The released checkpoints may store the tied head although the config ties it.
  bool ignorable(const std::string& name, const model::ModelConfig& config) const override {
    return name == "proj_out.weight" && config.as<MoonshineConfig>().tie_word_embeddings;
  }

  Components create(const model::ModelConfig& config, TensorDeclarer& d) const override {
    const MoonshineConfig& c = config.as<MoonshineConfig>();
    const int64_t H = c.hidden_size, I = c.intermediate_size;
    d.begin_part(kSpeech);

    MoonshineEncoderWeights e;
    const std::string ep = "model.encoder.";
    e.conv1 = declare_conv1d(d, ep + "conv1", H, 1, 127, 64, false);
    e.groupnorm_weight = d.add(ep + "groupnorm.weight", {H}, model::TensorRole::LayerNorm);
    e.groupnorm_bias = d.add(ep + "groupnorm.bias", {H}, model::TensorRole::Bias);
    e.conv2 = declare_conv1d(d, ep + "conv2", 2 * H, H, 7, 3, true);
    e.conv3 = declare_conv1d(d, ep + "conv3", H, 2 * H, 3, 2, true);
    for (int l = 0; l < static_cast<int>(c.encoder_layers); ++l) {
      std::string p = ep + "layers." + std::to_string(l) + ".";
      MoonshineEncoderLayer layer;
      layer.input_norm = declare_norm(d, p + "input_layernorm", H, NormKind::LayerNoBias, kNormEps, l);
      layer.self_attn = declare_attention(d, p + "self_attn.", attention_shape(c, c.encoder_heads), l);
      layer.post_norm = declare_norm(d, p + "post_attention_layernorm", H, NormKind::LayerNoBias, kNormEps, l);
      layer.mlp = declare_two_layer_mlp(d, p + "mlp.", "fc1", "fc2", H, I, MlpKind::GeluErf, true, l);
      e.layers.push_back(std::move(layer));
    }
    e.final_norm = declare_norm(d, ep + "layer_norm", H, NormKind::LayerNoBias, kNormEps);

    MoonshineDecoderWeights w = declare_moonshine_decoder(
        d, {c.vocab_size, H, I, c.decoder_layers, c.decoder_heads, H / c.decoder_heads, c.tie_word_embeddings});

    Components out;
    out.push_back(std::make_unique<MoonshineEncoder>(H, rope_of(c), std::move(e)));
    // The decoder's positions are not limited by max_position_embeddings (it only sizes
    // HF's RoPE cache), so no limit is reported.
    DecoderDims dims{static_cast<int>(H), static_cast<int>(c.vocab_size), 0, 1};
    out.push_back(
        std::make_unique<MoonshineDecoder>(dims, rope_of(c), moonshine_frames(kMoonshineMaxSamples), std::move(w)));
    return out;
  }
};

}  // namespace

MoonshineDecoderWeights declare_moonshine_decoder(TensorDeclarer& d, const MoonshineDecoderShape& s) {
  const int64_t H = s.hidden;
  AttentionShape a;
  a.hidden = H;
  a.heads = a.kv_heads = s.heads;
  a.head_dim = s.head_dim;
  MoonshineDecoderWeights w;
  const std::string dp = "model.decoder.";
  w.embed_tokens = d.add(dp + "embed_tokens.weight", {s.vocab, H}, model::TensorRole::Embedding);
  for (int l = 0; l < static_cast<int>(s.layers); ++l) {
    std::string p = dp + "layers." + std::to_string(l) + ".";
    MoonshineDecoderLayer layer;
    layer.input_norm = declare_norm(d, p + "input_layernorm", H, NormKind::LayerNoBias, kNormEps, l);
    layer.self_attn = declare_attention(d, p + "self_attn.", a, l);
    layer.post_norm = declare_norm(d, p + "post_attention_layernorm", H, NormKind::LayerNoBias, kNormEps, l);
    layer.cross_attn = declare_attention(d, p + "encoder_attn.", a, l);
    layer.final_norm = declare_norm(d, p + "final_layernorm", H, NormKind::LayerNoBias, kNormEps, l);
    layer.mlp = declare_two_layer_mlp(d, p + "mlp.", "fc1", "fc2", H, s.intermediate, MlpKind::PackedSwiGLU, true, l);
    w.layers.push_back(std::move(layer));
  }
  w.norm = declare_norm(d, dp + "norm", H, NormKind::LayerNoBias, kNormEps);
  if (!s.tied_head) w.proj_out = d.add("proj_out.weight", {s.vocab, H}, model::TensorRole::LmHead);
  return w;
}

std::shared_ptr<const MoonshineConfig> parse_moonshine_config(const JsonObject& t) {
  // Exports from before transformers 4.48 (custom code, or the 4.47-dev conversions with
  // num_hidden_layers and a different rotary factor) describe other model definitions.
  if (!t.has("encoder_num_hidden_layers"))
    t.fail_field("encoder_num_hidden_layers",
                 "missing: this is a pre-release Moonshine export; download the current revision of the model");
  auto c = std::make_shared<MoonshineConfig>();
  c->vocab_size = positive(t, "vocab_size");
  c->hidden_size = positive(t, "hidden_size");
  c->intermediate_size = positive(t, "intermediate_size");
  c->encoder_layers = positive(t, "encoder_num_hidden_layers");
  c->decoder_layers = positive(t, "decoder_num_hidden_layers");
  c->encoder_heads = positive(t, "encoder_num_attention_heads");
  c->decoder_heads = positive(t, "decoder_num_attention_heads");
  if (t.get_int("encoder_num_key_value_heads", c->encoder_heads) != c->encoder_heads)
    t.fail_field("encoder_num_key_value_heads", "differs from the head count (grouped KV heads are not supported)");
  if (t.get_int("decoder_num_key_value_heads", c->decoder_heads) != c->decoder_heads)
    t.fail_field("decoder_num_key_value_heads", "differs from the head count (grouped KV heads are not supported)");
  if (c->hidden_size % c->encoder_heads != 0 || c->hidden_size % c->decoder_heads != 0)
    t.fail_field("hidden_size", "is not a multiple of the head counts");
  if (c->encoder_heads != c->decoder_heads)
    t.fail_field("decoder_num_attention_heads", "differs from the encoder's (one RoPE table serves both)");
  if (t.get_string("encoder_hidden_act", "gelu") != "gelu")
    t.fail_field("encoder_hidden_act", "is not \"gelu\" (the only activation Moonshine uses there)");
  if (t.get_string("decoder_hidden_act", "silu") != "silu")
    t.fail_field("decoder_hidden_act", "is not \"silu\" (the only activation Moonshine uses there)");
  if (t.get_bool("attention_bias", false)) t.fail_field("attention_bias", "true is not a released Moonshine layout");
  if (t.has("rope_scaling")) t.fail_field("rope_scaling", "only the default RoPE is supported");

  c->partial_rotary_factor = t.get_double("partial_rotary_factor", 0.9);
  c->rope_theta = t.get_double("rope_theta", 10000.0);
  if (t.has("rope_parameters")) {  // transformers 5: nested, and it wins
    JsonObject r = t.child("rope_parameters");
    if (r.get_string("rope_type", "default") != "default")
      r.fail_field("rope_type", "only the default RoPE is supported");
    c->partial_rotary_factor = r.get_double("partial_rotary_factor", c->partial_rotary_factor);
    c->rope_theta = r.get_double("rope_theta", c->rope_theta);
  }
  if (!(c->rope_theta > 0)) t.fail_field("rope_theta", "must be positive");
  c->rotary_dims = static_cast<int64_t>(static_cast<double>(c->head_dim()) * c->partial_rotary_factor);
  if (c->rotary_dims <= 0 || c->rotary_dims % 2 != 0 || c->rotary_dims > c->head_dim())
    t.fail_field("partial_rotary_factor", "gives " + std::to_string(c->rotary_dims) + " rotary dims of " +
                                              std::to_string(c->head_dim()) + " (a positive even number is needed)");

  c->tie_word_embeddings = t.get_bool("tie_word_embeddings", true);
  c->bos_token_id = t.get_int("bos_token_id", 1);
  c->eos_token_id = t.get_int("eos_token_id", 2);
  c->decoder_start_token_id = t.get_int("decoder_start_token_id", c->bos_token_id);
  if (c->eos_token_id < 0 || c->eos_token_id >= c->vocab_size)
    t.fail_field("eos_token_id", "is outside the vocabulary");
  if (c->decoder_start_token_id < 0 || c->decoder_start_token_id >= c->vocab_size)
    t.fail_field("decoder_start_token_id", "is outside the vocabulary");
  c->eos_token_ids = {c->eos_token_id};
  c->max_position_embeddings = 0;  // sizes HF's RoPE cache only
  return c;
}

std::vector<std::pair<std::string, std::string>> MoonshineConfig::summary() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("vocab", std::to_string(vocab_size));
  out.emplace_back("hidden", std::to_string(hidden_size));
  out.emplace_back("intermediate", std::to_string(intermediate_size));
  out.emplace_back("encoder", std::to_string(encoder_layers) + " layers, " + std::to_string(encoder_heads) +
                                  " heads of " + std::to_string(head_dim()));
  out.emplace_back("decoder", std::to_string(decoder_layers) + " layers, " + std::to_string(decoder_heads) +
                                  " heads, cross-attention");
  out.emplace_back("rope", "theta " + std::to_string(static_cast<int64_t>(rope_theta)) + ", " +
                               std::to_string(rotary_dims) + " of " + std::to_string(head_dim()) +
                               " dims rotated (adjacent pairs)");
  out.emplace_back("audio", "16 kHz, one frame per 384 samples (24 ms)");
  return out;
}

int64_t moonshine_frames(int64_t samples) {
  int64_t l1 = ops::conv1d_output_steps(samples, 127, 64);
  int64_t l2 = ops::conv1d_output_steps(l1, 7, 3);
  return ops::conv1d_output_steps(l2, 3, 2);
}

int64_t moonshine_max_new_tokens(int64_t samples) {
  int64_t max_length = samples * 13 / (2 * kMoonshineSampleRate);  // floor(samples * 6.5 / 16000), exactly
  return std::max<int64_t>(0, max_length - 1);
}

const Family& moonshine_family() {
  static const MoonshineFamily family;
  return family;
}

}  // namespace vole::arch
