#include "arch/gemma3_text/gemma3_text.h"

#include <cmath>

#include "arch/blocks/attention.h"
#include "arch/blocks/mlp.h"
#include "arch/blocks/norm.h"
#include "arch/common/decoder_config.h"
#include "arch/encoder.h"
#include "ops/elementwise.h"
#include "ops/embedding.h"
#include "util/error.h"

namespace vole::arch {

namespace {

using model::JsonObject;

constexpr model::QuantRule kRules[] = {
    {"*norm*.weight", model::Precision::Keep, "norm weight"},
    {"*.bias", model::Precision::Keep, "bias"},
    {"embed_tokens.weight", model::Precision::Quantize, "token embedding"},
    {"*_proj.weight", model::Precision::Quantize, "projection"},
    {"*", model::Precision::Keep, "not a large matrix"},
};

// Reads the per-layer-type RoPE bases: rope_theta / rope_local_base_freq, or a
// rope_parameters object keyed by layer type (newer transformers). No scaling.
void parse_rope_bases(const JsonObject& t, Gemma3TextConfig& c) {
  c.rope_theta_full = t.get_double("rope_theta", 1e6);
  c.rope_theta_sliding = t.get_double("rope_local_base_freq", 1e4);
  if (t.has("rope_scaling")) t.fail_field("rope_scaling", "is not supported (EmbeddingGemma uses none)");
  if (t.has("rope_parameters")) {
    JsonObject p = t.child("rope_parameters");
    auto read = [&](const char* type, double& theta) {
      if (!p.has(type)) return;
      JsonObject b = p.child(type);
      if (b.get_string("rope_type", "default") != "default")
        b.fail_field("rope_type", "must be \"default\" (no RoPE scaling is supported)");
      theta = b.get_double("rope_theta", theta);
    };
    read("full_attention", c.rope_theta_full);
    read("sliding_attention", c.rope_theta_sliding);
  }
  if (!(c.rope_theta_full > 0) || !(c.rope_theta_sliding > 0)) t.fail_field("rope_theta", "must be positive");
}

void parse_layer_types(const JsonObject& t, Gemma3TextConfig& c) {
  c.sliding_layers.assign(static_cast<size_t>(c.num_hidden_layers), false);
  if (const auto* types = t.find("layer_types")) {
    if (!types->is_array() || static_cast<int64_t>(types->size()) != c.num_hidden_layers)
      t.fail_field("layer_types", "must list one type per layer (" + std::to_string(c.num_hidden_layers) + ")");
    for (size_t i = 0; i < types->size(); ++i) {
      const auto& v = (*types)[i];
      std::string type = v.is_string() ? v.get<std::string>() : "";
      if (type != "sliding_attention" && type != "full_attention")
        t.fail_field("layer_types", "entry " + std::to_string(i) + " must be sliding_attention or full_attention");
      c.sliding_layers[i] = type == "sliding_attention";
    }
    return;
  }
  // transformers' default: every pattern-th layer is full.
  int64_t pattern = t.get_int("sliding_window_pattern", t.get_int("_sliding_window_pattern", 6));
  if (pattern <= 0) t.fail_field("sliding_window_pattern", "must be positive");
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) c.sliding_layers[i] = (i + 1) % pattern != 0;
}

std::shared_ptr<const model::FamilyConfig> parse(const JsonObject& t) {
  auto c = std::make_shared<Gemma3TextConfig>();
  if (!t.get_bool("use_bidirectional_attention", false))
    fail(ErrorCode::Unsupported, t.label() +
                                     ": a causal (generative) Gemma 3 is not supported; gemma3_text is read as the "
                                     "EmbeddingGemma encoder (use_bidirectional_attention true)");
  c->vocab_size = t.get_int("vocab_size");
  c->hidden_size = t.get_int("hidden_size");
  c->intermediate_size = t.get_int("intermediate_size");
  c->num_hidden_layers = t.get_int("num_hidden_layers");
  c->num_attention_heads = t.get_int("num_attention_heads");
  c->num_key_value_heads = t.get_int("num_key_value_heads", c->num_attention_heads);
  c->head_dim = t.get_int("head_dim", 256);
  for (const auto& [key, v] :
       std::initializer_list<std::pair<const char*, int64_t>>{{"vocab_size", c->vocab_size},
                                                              {"hidden_size", c->hidden_size},
                                                              {"intermediate_size", c->intermediate_size},
                                                              {"num_hidden_layers", c->num_hidden_layers},
                                                              {"num_attention_heads", c->num_attention_heads},
                                                              {"num_key_value_heads", c->num_key_value_heads},
                                                              {"head_dim", c->head_dim}})
    require_positive(t, key, v);
  if (c->num_attention_heads % c->num_key_value_heads != 0)
    t.fail_field("num_key_value_heads", "must divide num_attention_heads");
  std::string act = t.get_string("hidden_activation", t.get_string("hidden_act", "gelu_pytorch_tanh"));
  if (act != "gelu_pytorch_tanh")
    fail(ErrorCode::Unsupported,
         t.label() + ": hidden_activation \"" + act + "\" is not supported (gelu_pytorch_tanh)");
  c->rms_norm_eps = t.get_double("rms_norm_eps", 1e-6);
  if (!(c->rms_norm_eps > 0)) t.fail_field("rms_norm_eps", "must be positive");
  c->query_pre_attn_scalar = t.get_double("query_pre_attn_scalar", 256);
  if (!(c->query_pre_attn_scalar > 0)) t.fail_field("query_pre_attn_scalar", "must be positive");
  c->attention_bias = t.get_bool("attention_bias", false);
  if (t.has("attn_logit_softcapping")) t.fail_field("attn_logit_softcapping", "is not supported");
  c->sliding_window = t.get_int("sliding_window", 4096);
  if (c->sliding_window < 2) t.fail_field("sliding_window", "must be at least 2");
  c->max_position_embeddings = t.get_int("max_position_embeddings", 2048);
  parse_rope_bases(t, *c);
  parse_layer_types(t, *c);
  if (t.has("eos_token_id")) c->eos_token_ids = t.get_int_list("eos_token_id");
  return c;
}

struct GemmaLayer {
  Norm input_norm, post_attention_norm, pre_feedforward_norm, post_feedforward_norm;
  Attention self_attn;
  Mlp mlp;
  bool sliding = false;
};

// The encoder: packed sequences in, final-norm hidden states out.
class Gemma3Encoder final : public Component, public PackedEncoder {
 public:
  Gemma3Encoder(const Gemma3TextConfig& c, WeightRef embed, std::vector<GemmaLayer> layers, Norm final_norm)
      : hidden_(c.hidden_size),
        max_positions_(c.max_position_embeddings),
        radius_(c.window_radius()),
        embed_scale_(std::sqrt(static_cast<float>(c.hidden_size))),
        embed_(std::move(embed)),
        layers_(std::move(layers)),
        final_norm_(std::move(final_norm)) {
    full_rope_.rotary_dims = sliding_rope_.rotary_dims = static_cast<int>(c.head_dim);
    full_rope_.theta = static_cast<float>(c.rope_theta_full);
    sliding_rope_.theta = static_cast<float>(c.rope_theta_sliding);
  }

  std::string_view name() const override { return "text encoder"; }
  std::vector<Input> inputs() const override { return {Input::TokenIds, Input::Positions}; }
  std::vector<Output> outputs() const override { return {Output::HiddenStates}; }
  int64_t hidden_size() const override { return hidden_; }
  int64_t max_positions() const override { return max_positions_; }

  void record_packed(gpu::Graph& g, const PackedBatch& batch, const ops::Tensor& hidden) const override {
    const int64_t T = batch.tokens;
    ops::Tensor x = ops::activation(g, DType::F32, {T, hidden_}, "residual");
    ops::embed(g, embed_.matrix(), batch.ids, x);
    ops::scale(g, x, embed_scale_, x);  // sqrt(hidden) in f32 (spec §4.1)
    for (const auto& layer : layers_) {
      // Sandwich norms: each branch is normalised before and after, then added.
      ops::Tensor normed = ops::activation(g, DType::F32, {T, hidden_}, "input norm");
      record_norm(g, layer.input_norm, x, normed);
      ops::Tensor branch = ops::activation(g, DType::F32, {T, hidden_}, "attention branch");
      PackedMask mask{.causal = false, .radius = layer.sliding ? radius_ : 0};
      record_packed_attention(g, layer.self_attn, layer.sliding ? sliding_rope_ : full_rope_, batch, mask, normed,
                              branch, /*accumulate=*/false);
      record_norm(g, layer.post_attention_norm, branch, branch);
      ops::add(g, x, branch, x);
      record_norm(g, layer.pre_feedforward_norm, x, normed);
      record_mlp(g, layer.mlp, normed, branch, /*accumulate=*/false);
      record_norm(g, layer.post_feedforward_norm, branch, branch);
      ops::add(g, x, branch, x);
    }
    record_norm(g, final_norm_, x, hidden);
  }

 private:
  int64_t hidden_, max_positions_, radius_;
  float embed_scale_;
  ops::RopeParams full_rope_, sliding_rope_;
  WeightRef embed_;
  std::vector<GemmaLayer> layers_;
  Norm final_norm_;
};

class Gemma3TextFamily final : public Family {
 public:
  std::string_view name() const override { return "gemma3_text"; }
  bool reads(std::string_view model_type, std::string_view architecture) const override {
    return (!model_type.empty() && model_type == "gemma3_text") ||
           (!architecture.empty() && architecture == "Gemma3TextModel");
  }
  std::string supported() const override { return "gemma3_text (Gemma3TextModel: EmbeddingGemma)"; }
  std::shared_ptr<const model::FamilyConfig> parse_config(const JsonObject& top) const override { return parse(top); }
  std::vector<model::TensorPart> parts() const override { return {{"text", {}, false, "text encoder"}}; }
  std::span<const model::QuantRule> quant_rules() const override { return kRules; }

  // The bare Gemma3TextModel has no "model." prefix; a save through a wrapper has it.
  std::string canonical_name(const std::string& source, const model::CheckpointNames& checkpoint) const override {
    if (source.starts_with("model.")) return source.substr(6);
    return Family::canonical_name(source, checkpoint);
  }
  // mlx-embeddings stores the encoder under "model." (the writer of test checkpoints reads this too).
  std::vector<model::PrefixRename> mlx_renames() const override { return {{"model.", ""}}; }
  // ... and the sentence-transformers Dense layers beside it ("dense.<i>.weight", quantized like
  // the rest): the embedding model reads those (runtime/embedding_model.cpp), not the encoder.
  bool ignorable(const std::string& name, const model::ModelConfig&) const override {
    if (!name.starts_with("dense.")) return false;
    size_t dot = name.find('.', 6);
    if (dot == std::string::npos || dot == 6 || name.find_first_not_of("0123456789", 6) != dot) return false;
    std::string_view rest = std::string_view(name).substr(dot + 1);
    return rest == "weight" || rest == "scales" || rest == "biases";
  }

  Components create(const model::ModelConfig& config, TensorDeclarer& d) const override {
    const auto& c = config.as<Gemma3TextConfig>();
    const float eps = static_cast<float>(c.rms_norm_eps);
    const int64_t H = c.hidden_size;
    AttentionShape shape{.hidden = H,
                         .heads = c.num_attention_heads,
                         .kv_heads = c.num_key_value_heads,
                         .head_dim = c.head_dim,
                         .qkv_bias = c.attention_bias,
                         .output_bias = c.attention_bias,
                         .qk_norm = true,
                         .qk_norm_kind = NormKind::RmsPlusOne,
                         .eps = eps,
                         .scale = static_cast<float>(1.0 / std::sqrt(c.query_pre_attn_scalar))};
    d.begin_part(parts().front());
    WeightRef embed = d.add("embed_tokens.weight", {c.vocab_size, H}, model::TensorRole::Embedding);
    std::vector<GemmaLayer> layers;
    for (int l = 0; l < static_cast<int>(c.num_hidden_layers); ++l) {
      std::string p = "layers." + std::to_string(l) + ".";
      GemmaLayer layer;
      layer.sliding = c.sliding_layers[l];
      layer.input_norm = declare_norm(d, p + "input_layernorm", H, NormKind::RmsPlusOne, eps, l);
      layer.self_attn = declare_attention(d, p + "self_attn.", shape, l);
      layer.post_attention_norm = declare_norm(d, p + "post_attention_layernorm", H, NormKind::RmsPlusOne, eps, l);
      layer.pre_feedforward_norm = declare_norm(d, p + "pre_feedforward_layernorm", H, NormKind::RmsPlusOne, eps, l);
      layer.mlp = declare_gated_mlp(d, p + "mlp.", H, c.intermediate_size, MlpKind::GeGLU, l);
      layer.post_feedforward_norm = declare_norm(d, p + "post_feedforward_layernorm", H, NormKind::RmsPlusOne, eps, l);
      layers.push_back(std::move(layer));
    }
    Norm final_norm = declare_norm(d, "norm", H, NormKind::RmsPlusOne, eps);
    Components out;
    out.push_back(std::make_unique<Gemma3Encoder>(c, std::move(embed), std::move(layers), std::move(final_norm)));
    return out;
  }
};

}  // namespace

std::vector<std::pair<std::string, std::string>> Gemma3TextConfig::summary() const {
  int64_t sliding = 0;
  for (bool s : sliding_layers) sliding += s;
  return {{"vocab", std::to_string(vocab_size)},
          {"hidden", std::to_string(hidden_size)},
          {"intermediate", std::to_string(intermediate_size)},
          {"layers", std::to_string(num_hidden_layers) + " (" + std::to_string(sliding) + " sliding, window " +
                         std::to_string(sliding_window) + ")"},
          {"attention", std::to_string(num_attention_heads) + " query heads, " + std::to_string(num_key_value_heads) +
                            " key/value heads, head_dim " + std::to_string(head_dim) + ", bidirectional"},
          {"rope", "theta " + std::to_string(static_cast<int64_t>(rope_theta_full)) + " full, " +
                       std::to_string(static_cast<int64_t>(rope_theta_sliding)) + " sliding"},
          {"context", std::to_string(max_position_embeddings) + " tokens"}};
}

const Family& gemma3_text_family() {
  static const Gemma3TextFamily family;
  return family;
}

}  // namespace vole::arch
