#include "arch/common/dense_family.h"

#include "arch/blocks/decoder_stack.h"
#include "util/error.h"

namespace vole::arch {

namespace {

constexpr model::QuantRule kRules[] = {
    {"*norm*.weight", model::Precision::Keep, "norm weight"},
    {"*.bias", model::Precision::Keep, "bias"},
    {"*embed_tokens.weight", model::Precision::Quantize, "token embedding"},
    {"lm_head.weight", model::Precision::Quantize, "output projection"},
    {"*_proj.weight", model::Precision::Quantize, "projection"},
    {"*", model::Precision::Keep, "not a large matrix"},
};

}  // namespace

std::vector<std::pair<std::string, std::string>> DenseConfig::summary() const {
  std::vector<std::pair<std::string, std::string>> out;
  text.summarise(out);
  return out;
}

bool DenseDecoderFamily::reads(std::string_view model_type, std::string_view architecture) const {
  return (!model_type.empty() && model_type == traits_.model_type) ||
         (!architecture.empty() && architecture == traits_.architecture);
}

std::shared_ptr<const model::FamilyConfig> DenseDecoderFamily::parse_config(const model::JsonObject& t) const {
  auto c = std::make_shared<DenseConfig>();
  parse_decoder_common(t, c->text);
  parse_attention_fields(t, c->text, RopeParameters{}, c->text.num_attention_heads, 0, 32768);
  check_attention_fields(t, c->text);
  if (t.get_bool("use_sliding_window", false))
    fail(ErrorCode::Unsupported, t.label() + ": use_sliding_window is not supported");
  if (!traits_.bias_from_config) c->text.attention_bias = traits_.qkv_bias;
  c->eos_token_ids = c->text.eos_token_ids;
  c->max_position_embeddings = c->text.max_position_embeddings;
  return c;
}

std::vector<model::TensorPart> DenseDecoderFamily::parts() const { return {{"text", {}, false, "language model"}}; }

std::span<const model::QuantRule> DenseDecoderFamily::quant_rules() const { return kRules; }

bool DenseDecoderFamily::ignorable(const std::string& name, const model::ModelConfig& config) const {
  return name == "lm_head.weight" && config.as<DenseConfig>().text.tie_word_embeddings;
}

std::string DenseDecoderFamily::canonical_name(const std::string& source,
                                               const model::CheckpointNames& checkpoint) const {
  bool bare = !checkpoint.any_starts_with("model.") && checkpoint.any_starts_with("embed_tokens.");
  if (bare && source != "lm_head.weight") return "model." + source;
  return Family::canonical_name(source, checkpoint);
}

Components DenseDecoderFamily::create(const model::ModelConfig& config, TensorDeclarer& d) const {
  const DecoderConfig& c = config.as<DenseConfig>().text;
  float eps = static_cast<float>(c.rms_norm_eps);
  DecoderLayout L;
  L.prefix = "model.";
  L.norm = NormKind::Rms;
  L.attention.hidden = c.hidden_size;
  L.attention.heads = c.num_attention_heads;
  L.attention.kv_heads = c.num_key_value_heads;
  L.attention.head_dim = c.head_dim;
  L.attention.qkv_bias = traits_.bias_from_config ? c.attention_bias : traits_.qkv_bias;
  L.attention.output_bias = traits_.bias_from_config ? c.attention_bias : traits_.output_bias;
  L.attention.qk_norm = traits_.qk_norm;
  L.attention.eps = eps;
  L.attention_layers.assign(static_cast<size_t>(c.num_hidden_layers), true);
  L.intermediate = c.intermediate_size;
  L.vocab = c.vocab_size;
  L.tied_embeddings = c.tie_word_embeddings;
  d.begin_part(parts().front());
  DecoderWeights w = declare_decoder(d, L, eps);
  DecoderDims dims{static_cast<int>(c.hidden_size), static_cast<int>(c.vocab_size), c.max_position_embeddings, 1};
  Components out;
  out.push_back(std::make_unique<StackedDecoder>(dims, rope_params(c, false), std::move(w)));
  return out;
}

}  // namespace vole::arch
