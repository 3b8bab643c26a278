#include "arch/qwen3_5/qwen3_5.h"

#include "arch/blocks/decoder_stack.h"
#include "arch/qwen3_5/vision.h"

namespace vole::arch {

namespace {

using model::Precision;

constexpr model::QuantRule kRules[] = {
    {"*norm*.weight", Precision::Keep, "norm weight"},
    {"*.bias", Precision::Keep, "bias"},
    {"*.A_log", Precision::Keep, "Gated DeltaNet decay rate (f32 in HF)"},
    {"*.dt_bias", Precision::Keep, "Gated DeltaNet time-step bias"},
    {"*.conv1d.weight", Precision::Keep, "depthwise conv taps"},
    {"*.in_proj_a.weight", Precision::Keep, "tiny projection (one row per value head)"},
    {"*.in_proj_b.weight", Precision::Keep, "tiny projection (one row per value head)"},
    {"model.visual.patch_embed.*", Precision::Keep, "vision patch embedding (Conv3d)"},
    {"model.visual.pos_embed.*", Precision::Keep, "vision position table (interpolated)"},
    {"*embed_tokens.weight", Precision::Quantize, "token embedding"},
    {"lm_head.weight", Precision::Quantize, "output projection"},
    {"*_proj.weight", Precision::Quantize, "projection"},
    {"*.linear_attn.in_proj_qkv.weight", Precision::Quantize, "projection"},
    {"*.linear_attn.in_proj_z.weight", Precision::Quantize, "projection"},
    {"model.visual.*.attn.qkv.weight", Precision::Quantize, "vision projection"},
    {"model.visual.*.attn.proj.weight", Precision::Quantize, "vision projection"},
    {"model.visual.*.linear_fc*.weight", Precision::Quantize, "vision projection"},
    {"mtp.fc.weight", Precision::Quantize, "MTP projection"},
    {"*", Precision::Keep, "not a large matrix"},
};

const model::TensorPart kText{"text", {}, false, "language model"};
const model::TensorPart kVision{"vision", {"model.visual."}, true, "vision tower (image input)"};
const model::TensorPart kMtp{"mtp", {"mtp."}, true, "multi-token prediction head"};

AttentionShape attention_shape(const Qwen3_5TextConfig& c) {
  AttentionShape a;
  a.hidden = c.hidden_size;
  a.heads = c.num_attention_heads;
  a.kv_heads = c.num_key_value_heads;
  a.head_dim = c.head_dim;
  a.qkv_bias = a.output_bias = c.attention_bias;
  a.output_gate = true;  // q_proj yields the query and a sigmoid output gate per head (§4.1)
  a.qk_norm = true;
  a.qk_norm_kind = NormKind::RmsPlusOne;
  a.eps = static_cast<float>(c.rms_norm_eps);
  return a;
}

// Multi-token prediction head: norms on the embedding and the hidden state, a fusing
// projection, then gated full-attention blocks and a final norm; it shares embed_tokens
// and lm_head with the main model. Declared so `--mtp` loads and checks it; no graph
// runs it yet.
void declare_mtp(TensorDeclarer& d, const Qwen3_5TextConfig& c) {
  float eps = static_cast<float>(c.rms_norm_eps);
  const int64_t H = c.hidden_size;
  declare_norm(d, "mtp.pre_fc_norm_embedding", H, NormKind::RmsPlusOne, eps);
  declare_norm(d, "mtp.pre_fc_norm_hidden", H, NormKind::RmsPlusOne, eps);
  declare_linear(d, "mtp.fc", H, 2 * H, false);
  for (int j = 0; j < static_cast<int>(c.mtp_num_hidden_layers); ++j) {
    std::string p = "mtp.layers." + std::to_string(j) + ".";
    declare_norm(d, p + "input_layernorm", H, NormKind::RmsPlusOne, eps, j);
    declare_attention(d, p + "self_attn.", attention_shape(c), j);
    declare_norm(d, p + "post_attention_layernorm", H, NormKind::RmsPlusOne, eps, j);
    declare_gated_mlp(d, p + "mlp.", H, c.intermediate_size, MlpKind::SwiGLU, j);
  }
  declare_norm(d, "mtp.norm", H, NormKind::RmsPlusOne, eps);
}

class Qwen3_5Family final : public Family {
 public:
  std::string_view name() const override { return "qwen3_5"; }
  bool reads(std::string_view model_type, std::string_view architecture) const override {
    return model_type == "qwen3_5" || model_type == "qwen3_5_text" ||
           architecture == "Qwen3_5ForConditionalGeneration" || architecture == "Qwen3_5ForCausalLM";
  }
  std::string supported() const override { return "qwen3_5 (Qwen3_5ForConditionalGeneration, Qwen3_5ForCausalLM)"; }
  std::shared_ptr<const model::FamilyConfig> parse_config(const model::JsonObject& top) const override {
    return parse_qwen3_5_config(top);
  }
  std::vector<model::TensorPart> parts() const override { return {kText, kVision, kMtp}; }
  std::span<const model::QuantRule> quant_rules() const override { return kRules; }

  std::vector<model::PrefixRename> mlx_renames() const override {
    return {{"language_model.model.", "model.language_model."},
            {"language_model.lm_head.", "lm_head."},
            {"vision_tower.", "model.visual."}};
  }
  // A text-only checkpoint may name the decoder "model.X" rather than "model.language_model.X".
  std::string canonical_name(const std::string& s, const model::CheckpointNames& ck) const override {
    if (ck.mlx) return model::Family::canonical_name(s, ck);
    if (s.starts_with("model.") && !s.starts_with("model.visual.") && !s.starts_with("model.language_model.") &&
        !ck.any_starts_with("model.language_model."))
      return "model.language_model." + s.substr(6);
    return s;
  }
  // mlx-lm adds 1 to the zero-centred norms exactly when it moves conv1d to the MLX
  // layout [C, K, 1].
  bool mlx_norms_shifted(const model::CheckpointNames& ck, const model::Selection& selection) const override {
    for (const auto& n : ck.names()) {
      if (!n.ends_with("linear_attn.conv1d.weight")) continue;
      auto shape = ck.shape_of(n);
      return shape.size() == 3 && shape[2] == 1 && shape[1] > 1;
    }
    return false;
  }
  bool ignorable(const std::string& name, const model::ModelConfig& config) const override {
    return name == "lm_head.weight" && config.as<Qwen3_5Config>().text.tie_word_embeddings;
  }
  std::vector<std::string> end_of_turn_markers() const override { return {"<|im_end|>", "<|endoftext|>"}; }

  Components create(const model::ModelConfig& config, TensorDeclarer& d) const override {
    const Qwen3_5Config& cfg = config.as<Qwen3_5Config>();
    const Qwen3_5TextConfig& c = cfg.text;
    float eps = static_cast<float>(c.rms_norm_eps);
    DecoderLayout L;
    L.prefix = "model.language_model.";
    L.norm = NormKind::RmsPlusOne;
    L.attention = attention_shape(c);
    L.deltanet = {c.hidden_size,
                  c.linear_num_key_heads,
                  c.linear_num_value_heads,
                  c.linear_key_head_dim,
                  c.linear_value_head_dim,
                  c.linear_conv_kernel_dim,
                  eps};
    for (auto t : c.layer_types) L.attention_layers.push_back(t == Qwen3_5Layer::FullAttention);
    L.intermediate = c.intermediate_size;
    L.vocab = c.vocab_size;
    L.tied_embeddings = c.tie_word_embeddings;

    Components out;
    d.begin_part(kText);
    DecoderWeights w = declare_decoder(d, L, eps);
    // HF Qwen3.5 always uses the interleaved M-RoPE layout (§6); with text-only positions
    // it equals plain RoPE.
    DecoderDims dims{static_cast<int>(c.hidden_size), static_cast<int>(c.vocab_size), c.max_position_embeddings, 3};
    out.push_back(std::make_unique<StackedDecoder>(dims, rope_params(c, true), std::move(w)));
    d.begin_part(kVision);
    if (cfg.vision && d.part_selected()) {
      // Only a load that selects the vision part gets the encoder (the runtime loads it
      // when a prompt has an image).
      auto id = [](const std::optional<int64_t>& v) { return v ? static_cast<int32_t>(*v) : -1; };
      ImageTokenIds ids{id(cfg.vision_start_token_id), id(cfg.image_token_id), id(cfg.vision_end_token_id)};
      out.push_back(std::make_unique<Qwen3_5VisionEncoder>(*cfg.vision, declare_qwen3_5_vision(d, *cfg.vision), ids));
    }
    d.begin_part(kMtp);
    if (c.mtp_num_hidden_layers > 0) declare_mtp(d, c);
    return out;
  }
};

}  // namespace

std::vector<std::pair<std::string, std::string>> Qwen3_5Config::summary() const {
  std::vector<std::pair<std::string, std::string>> out;
  text.summarise(out);
  out.emplace_back("deltanet", std::to_string(text.linear_num_key_heads) + " key / " +
                                   std::to_string(text.linear_num_value_heads) + " value heads x " +
                                   std::to_string(text.linear_key_head_dim) + "/" +
                                   std::to_string(text.linear_value_head_dim) + ", conv " +
                                   std::to_string(text.linear_conv_kernel_dim));
  std::string pattern;
  for (size_t i = 0; i < text.layer_types.size(); ++i) {
    if (i && i % 4 == 0) pattern += ' ';
    pattern += text.layer_types[i] == Qwen3_5Layer::FullAttention ? 'F' : 'L';
  }
  int64_t full = text.num_full_attention_layers();
  out.emplace_back("layers", pattern + "  (L linear attention x" + std::to_string(text.num_hidden_layers - full) +
                                 ", F full attention x" + std::to_string(full) + ")");
  if (vision)
    out.emplace_back("vision", "depth " + std::to_string(vision->depth) + ", hidden " +
                                   std::to_string(vision->hidden_size) + ", " + std::to_string(vision->num_heads) +
                                   " heads, patch " + std::to_string(vision->patch_size) + ", merge " +
                                   std::to_string(vision->spatial_merge_size) + ", out " +
                                   std::to_string(vision->out_hidden_size));
  return out;
}

const Family& qwen3_5_family() {
  static const Qwen3_5Family family;
  return family;
}

}  // namespace vole::arch
