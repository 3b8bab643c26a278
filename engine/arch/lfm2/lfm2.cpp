#include "arch/lfm2/lfm2.h"

#include "arch/blocks/decoder_stack.h"
#include "arch/lfm2/lfm2_decoder.h"

namespace vole::arch {

namespace {

using model::Precision;

constexpr model::QuantRule kRules[] = {
    {"*norm.weight", Precision::Keep, "norm weight"},
    {"*_layernorm.weight", Precision::Keep, "per-head q/k norm"},
    {"*.bias", Precision::Keep, "bias"},
    {"*.conv.conv.weight", Precision::Keep, "depthwise conv taps"},
    {"*embed_tokens.weight", Precision::Quantize, "token embedding"},
    {"lm_head.weight", Precision::Quantize, "output projection"},
    {"*_proj.weight", Precision::Quantize, "projection"},
    {"*.feed_forward.w*.weight", Precision::Quantize, "MLP projection"},
    {"model.speaker_emb_projection.weight", Precision::Keep, "speaker projection (Kani-TTS-2; small)"},
    {"*", Precision::Keep, "not a large matrix"},
};

const model::TensorPart kText{"text", {}, false, "language model"};

class Lfm2Family final : public Family {
 public:
  std::string_view name() const override { return "lfm2"; }
  bool reads(std::string_view model_type, std::string_view architecture) const override {
    return model_type == "lfm2" || architecture == "Lfm2ForCausalLM";
  }
  std::string supported() const override { return "lfm2 (Lfm2ForCausalLM)"; }
  std::shared_ptr<const model::FamilyConfig> parse_config(const model::JsonObject& top) const override {
    return parse_lfm2_config(top);
  }
  std::vector<model::TensorPart> parts() const override { return {kText}; }
  std::span<const model::QuantRule> quant_rules() const override { return kRules; }
  bool ignorable(const std::string& name, const model::ModelConfig& config) const override {
    return name == "lm_head.weight" && config.as<Lfm2Config>().text.tie_word_embeddings;
  }
  std::vector<std::string> end_of_turn_markers() const override { return {"<|im_end|>"}; }

  Components create(const model::ModelConfig& config, TensorDeclarer& d) const override {
    const Lfm2Config& cfg = config.as<Lfm2Config>();
    const DecoderConfig& c = cfg.text;
    d.begin_part(kText);
    Lfm2Weights w = declare_lfm2(d, cfg);
    DecoderDims dims{static_cast<int>(c.hidden_size), static_cast<int>(c.vocab_size), c.max_position_embeddings, 1};
    Components out;
    out.push_back(std::make_unique<Lfm2Decoder>(dims, rope_params(c, false), std::move(w), cfg.kani2));
    return out;
  }
};

}  // namespace

const Family& lfm2_family() {
  static const Lfm2Family family;
  return family;
}

}  // namespace vole::arch
