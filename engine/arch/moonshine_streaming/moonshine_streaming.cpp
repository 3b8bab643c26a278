#include "arch/moonshine_streaming/moonshine_streaming.h"

#include <algorithm>

#include "model/json_util.h"
#include "util/error.h"

namespace vole::arch {

namespace {

using model::JsonObject;
using model::Precision;

constexpr model::QuantRule kRules[] = {
    {"*norm*", Precision::Keep, "norm weight"},
    {"*.bias", Precision::Keep, "bias"},
    {"model.encoder.embedder.*", Precision::Keep, "audio front end"},
    {"model.decoder.pos_emb.weight", Precision::Keep, "frame positions"},
    {"model.decoder.embed_tokens.weight", Precision::Quantize, "token embedding"},
    {"proj_out.weight", Precision::Quantize, "output projection"},
    {"*proj.weight", Precision::Quantize, "projection"},
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

// Heads and head size of one side (encoder or decoder); kv heads must equal heads.
void read_heads(const JsonObject& o, int64_t hidden, int64_t& heads, int64_t& head_dim) {
  heads = positive(o, "num_attention_heads");
  if (o.get_int("num_key_value_heads", heads) != heads)
    o.fail_field("num_key_value_heads", "differs from the head count (grouped KV heads are not supported)");
  if (!o.has("head_dim") && hidden % heads != 0)
    o.fail_field("hidden_size", "is not a multiple of num_attention_heads and no head_dim is given");
  head_dim = o.has("head_dim") ? positive(o, "head_dim") : hidden / heads;
  if (o.get_bool("attention_bias", false)) o.fail_field("attention_bias", "true is not a released layout");
}

std::vector<FrameWindow> read_windows(const JsonObject& e, int64_t layers) {
  const auto* list = e.find("sliding_windows");
  if (!list) e.fail_field("sliding_windows", "missing (one [left, right] window per encoder layer)");
  if (!list->is_array() || static_cast<int64_t>(list->size()) != layers)
    e.fail_field("sliding_windows",
                 "must list one [left, right] pair per encoder layer (" + std::to_string(layers) + ")");
  std::vector<FrameWindow> out;
  for (const auto& w : *list) {
    if (!w.is_array() || w.size() != 2 || !w[0].is_number_integer() || !w[1].is_number_integer())
      e.fail_field("sliding_windows", "has an entry that is not a [left, right] pair of integers");
    const int64_t left = w[0].get<int64_t>(), right = w[1].get<int64_t>();
    // left counts the frame itself; a window of the frame alone (left 1) would be radius 0,
    // which the attention kernel reads as "no window", and no checkpoint has one.
    if (left < 2 || right < 0)
      e.fail_field("sliding_windows", "needs left >= 2 and right >= 0, found [" + std::to_string(left) + ", " +
                                          std::to_string(right) + "]");
    out.push_back({left - 1, std::max<int64_t>(right - 1, 0)});
  }
  return out;
}

ops::RopeParams rope_of(const MoonshineStreamingConfig& c) {
  ops::RopeParams r;
  r.rotary_dims = static_cast<int>(c.rotary_dims);
  r.frequency_dims = static_cast<int>(c.rope_frequency_dims);
  r.theta = static_cast<float>(c.rope_theta);
  r.interleaved = true;  // v1's GPT-J pairs
  return r;
}

class MoonshineStreamingFamily final : public Family {
 public:
  std::string_view name() const override { return "moonshine_streaming"; }
  bool reads(std::string_view model_type, std::string_view architecture) const override {
    return model_type == "moonshine_streaming" || architecture == "MoonshineStreamingForConditionalGeneration";
  }
  std::string supported() const override { return "moonshine_streaming (MoonshineStreamingForConditionalGeneration)"; }
  std::shared_ptr<const model::FamilyConfig> parse_config(const JsonObject& top) const override {
    return parse_moonshine_streaming_config(top);
  }
  std::vector<model::TensorPart> parts() const override { return {kSpeech}; }
  std::span<const model::QuantRule> quant_rules() const override { return kRules; }
  // A tied checkpoint may still store the head.
  bool ignorable(const std::string& name, const model::ModelConfig& config) const override {
    return name == "proj_out.weight" && config.as<MoonshineStreamingConfig>().tie_word_embeddings;
  }

  Components create(const model::ModelConfig& config, TensorDeclarer& d) const override {
    const MoonshineStreamingConfig& c = config.as<MoonshineStreamingConfig>();
    const int64_t He = c.encoder_hidden, Hd = c.hidden_size;
    d.begin_part(kSpeech);

    MoonshineStreamingEncoderWeights e;
    const std::string ep = "model.encoder.";
    e.log_k = d.add(ep + "embedder.comp.log_k", {}, model::TensorRole::Bias);
    e.frame_linear = declare_linear(d, ep + "embedder.linear", He, kStreamingFrameSamples, false);
    e.conv1 = declare_conv1d(d, ep + "embedder.conv1", 2 * He, He, 5, 2, true);
    e.conv2 = declare_conv1d(d, ep + "embedder.conv2", He, 2 * He, 5, 2, true);
    AttentionShape a;
    a.hidden = He;
    a.heads = a.kv_heads = c.encoder_heads;
    a.head_dim = c.encoder_head_dim;
    for (int l = 0; l < static_cast<int>(c.encoder_layers); ++l) {
      std::string p = ep + "layers." + std::to_string(l) + ".";
      MoonshineStreamingEncoderLayer layer;
      layer.input_norm =
          declare_norm(d, p + "input_layernorm", He, NormKind::LayerNoBiasPlusOne, kMoonshineNormEps, l, "gamma");
      layer.self_attn = declare_attention(d, p + "self_attn.", a, l);
      layer.window = c.windows[l];
      layer.post_norm = declare_norm(d, p + "post_attention_layernorm", He, NormKind::LayerNoBiasPlusOne,
                                     kMoonshineNormEps, l, "gamma");
      layer.mlp =
          declare_two_layer_mlp(d, p + "mlp.", "fc1", "fc2", He, c.encoder_intermediate, MlpKind::GeluErf, true, l);
      e.layers.push_back(std::move(layer));
    }
    e.final_norm = declare_norm(d, ep + "final_norm", He, NormKind::LayerNoBiasPlusOne, kMoonshineNormEps, -1, "gamma");
    e.pos_emb = d.add("model.decoder.pos_emb.weight", {c.max_frames, He}, model::TensorRole::PositionEmbed);
    if (He != Hd) e.proj = declare_linear(d, "model.decoder.proj", Hd, He, false);

    MoonshineDecoderWeights w =
        declare_moonshine_decoder(d, {c.vocab_size, Hd, c.intermediate_size, c.decoder_layers, c.decoder_heads,
                                      c.decoder_head_dim, c.tie_word_embeddings});
    // One pass takes at most kMoonshineMaxSamples, and the position table bounds the frames.
    const int64_t max_frames = std::min(moonshine_streaming_frames(kMoonshineMaxSamples), c.max_frames);
    Components out;
    out.push_back(std::make_unique<MoonshineStreamingEncoder>(He, Hd, max_frames, std::move(e)));
    DecoderDims dims{static_cast<int>(Hd), static_cast<int>(c.vocab_size), 0, 1};
    out.push_back(std::make_unique<MoonshineDecoder>(dims, rope_of(c), max_frames, std::move(w)));
    return out;
  }
};

}  // namespace

std::shared_ptr<const MoonshineStreamingConfig> parse_moonshine_streaming_config(const JsonObject& t) {
  auto c = std::make_shared<MoonshineStreamingConfig>();
  const JsonObject e = t.child("encoder_config");
  c->encoder_hidden = positive(e, "hidden_size");
  c->encoder_intermediate = positive(e, "intermediate_size");
  c->encoder_layers = positive(e, "num_hidden_layers");
  read_heads(e, c->encoder_hidden, c->encoder_heads, c->encoder_head_dim);
  if (e.get_string("hidden_act", "gelu") != "gelu")
    e.fail_field("hidden_act", "is not \"gelu\" (the only activation Moonshine Streaming's encoder uses)");
  if (e.get_int("sample_rate", 16000) != 16000) e.fail_field("sample_rate", "is not 16000");
  if (e.get_double("frame_ms", 5.0) != 5.0) e.fail_field("frame_ms", "is not 5 (80-sample frames)");
  c->windows = read_windows(e, c->encoder_layers);

  c->vocab_size = positive(t, "vocab_size");
  c->hidden_size = positive(t, "hidden_size");
  c->intermediate_size = positive(t, "intermediate_size");
  c->decoder_layers = positive(t, "num_hidden_layers");
  read_heads(t, c->hidden_size, c->decoder_heads, c->decoder_head_dim);
  if (t.get_string("hidden_act", "silu") != "silu")
    t.fail_field("hidden_act", "is not \"silu\" (the only activation Moonshine Streaming's decoder uses)");
  c->max_frames = t.get_int("max_position_embeddings", 4096);
  if (c->max_frames <= 0) t.fail_field("max_position_embeddings", "must be positive");

  if (t.has("rope_parameters")) {
    JsonObject r = t.child("rope_parameters");
    if (r.get_string("rope_type", "default") != "default")
      r.fail_field("rope_type", "only the default RoPE is supported");
    c->partial_rotary_factor = r.get_double("partial_rotary_factor", 0.8);
    c->rope_theta = r.get_double("rope_theta", 10000.0);
  }
  if (t.has("rope_scaling")) t.fail_field("rope_scaling", "only the default RoPE is supported");
  if (!(c->rope_theta > 0)) t.fail_field("rope_theta", "must be positive");
  // HF: d = int(head_dim * factor) frequencies' denominator, ceil(d / 2) slots (spec §4.2).
  const int64_t d = static_cast<int64_t>(static_cast<double>(c->decoder_head_dim) * c->partial_rotary_factor);
  c->rotary_dims = (d + 1) / 2 * 2;
  c->rope_frequency_dims = d;
  if (d <= 0 || c->rotary_dims > c->decoder_head_dim)
    t.fail_field("partial_rotary_factor",
                 "gives " + std::to_string(d) + " rotary dims of " + std::to_string(c->decoder_head_dim));

  c->tie_word_embeddings = t.get_bool("tie_word_embeddings", false);
  c->bos_token_id = t.get_int("bos_token_id", 1);
  c->eos_token_id = t.get_int("eos_token_id", 2);
  c->decoder_start_token_id = t.has("decoder_start_token_id") ? t.get_int("decoder_start_token_id") : c->bos_token_id;
  if (c->eos_token_id < 0 || c->eos_token_id >= c->vocab_size)
    t.fail_field("eos_token_id", "is outside the vocabulary");
  if (c->decoder_start_token_id < 0 || c->decoder_start_token_id >= c->vocab_size)
    t.fail_field("decoder_start_token_id", "is outside the vocabulary");
  c->eos_token_ids = {c->eos_token_id};
  c->max_position_embeddings = 0;  // the frame table bounds frames, not tokens
  return c;
}

std::vector<std::pair<std::string, std::string>> MoonshineStreamingConfig::summary() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::string windows_text;
  for (const auto& w : windows)
    windows_text += (windows_text.empty() ? "" : " ") + std::to_string(w.behind) + "/" + std::to_string(w.ahead);
  out.emplace_back("vocab", std::to_string(vocab_size));
  out.emplace_back("encoder", std::to_string(encoder_layers) + " layers of " + std::to_string(encoder_hidden) + ", " +
                                  std::to_string(encoder_heads) + " heads of " + std::to_string(encoder_head_dim) +
                                  ", no positions");
  out.emplace_back("windows", windows_text + " frames back/ahead");
  out.emplace_back("decoder", std::to_string(decoder_layers) + " layers of " + std::to_string(hidden_size) + ", " +
                                  std::to_string(decoder_heads) + " heads, cross-attention");
  out.emplace_back("rope", std::to_string(rotary_dims) + " of " + std::to_string(decoder_head_dim) +
                               " dims rotated (adjacent pairs)");
  out.emplace_back("audio", "16 kHz, 80-sample frames, one encoder frame per 320 samples (20 ms)");
  return out;
}

int64_t moonshine_streaming_frames(int64_t samples) {
  if (samples < kStreamingFrameSamples) return 0;
  const int64_t t0 = (samples + kStreamingFrameSamples - 1) / kStreamingFrameSamples;
  const int64_t t1 = (t0 - 1) / 2 + 1;
  return (t1 - 1) / 2 + 1;
}

const Family& moonshine_streaming_family() {
  static const MoonshineStreamingFamily family;
  return family;
}

}  // namespace vole::arch
