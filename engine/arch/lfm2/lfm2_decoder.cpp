#include "arch/lfm2/lfm2_decoder.h"

#include <cmath>

#include "arch/blocks/embedding.h"
#include "ops/linear.h"
#include "util/error.h"

namespace vole::arch {

Lfm2Weights declare_lfm2(TensorDeclarer& d, const Lfm2Config& cfg) {
  using model::TensorRole;
  const DecoderConfig& c = cfg.text;
  const int64_t H = c.hidden_size;
  const float eps = static_cast<float>(c.rms_norm_eps);
  AttentionShape a;
  a.hidden = H;
  a.heads = c.num_attention_heads;
  a.kv_heads = c.num_key_value_heads;
  a.head_dim = c.head_dim;
  a.qk_norm = true;  // per-head RMSNorm on q and k before RoPE (§3.3)
  a.qk_norm_kind = NormKind::Rms;
  a.eps = eps;
  const AttentionNames attention_names{"q_proj", "k_proj", "v_proj", "out_proj", "q_layernorm", "k_layernorm"};
  const GatedMlpNames mlp_names{"w1", "w3", "w2"};
  const ShortConvShape conv{H, cfg.conv_kernel, cfg.conv_bias};

  Lfm2Weights w;
  w.embed_tokens = d.add("model.embed_tokens.weight", {c.vocab_size, H}, TensorRole::Embedding);
  for (int l = 0; l < static_cast<int>(c.num_hidden_layers); ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    Lfm2Layer layer;
    layer.operator_norm = declare_norm(d, p + "operator_norm", H, NormKind::Rms, eps, l);
    layer.attention = cfg.attention_layers[static_cast<size_t>(l)];
    if (layer.attention) {
      layer.self_attn = declare_attention(d, p + "self_attn.", a, l, attention_names);
      if (cfg.kani2 && cfg.kani2->learnable_rope)
        layer.rope_alpha =
            d.add("model.learnable_rope_layers." + std::to_string(l) + ".alpha_weight", {}, TensorRole::HostScalar, l);
    } else
      layer.conv = declare_short_conv(d, p + "conv.", conv, l);
    layer.ffn_norm = declare_norm(d, p + "ffn_norm", H, NormKind::Rms, eps, l);
    layer.feed_forward =
        declare_gated_mlp(d, p + "feed_forward.", H, c.intermediate_size, MlpKind::SwiGLU, l, mlp_names);
    w.layers.push_back(std::move(layer));
  }
  // Despite its name, the norm after the last layer (§2).
  w.final_norm = declare_norm(d, "model.embedding_norm", H, NormKind::Rms, eps);
  if (!c.tie_word_embeddings) w.lm_head = d.add("lm_head.weight", {c.vocab_size, H}, TensorRole::LmHead);
  if (cfg.kani2)
    w.speaker_projection =
        d.add("model.speaker_emb_projection.weight", {H, cfg.kani2->speaker_emb_dim}, TensorRole::Linear);
  return w;
}

Lfm2Decoder::Lfm2Decoder(DecoderDims dims, ops::RopeParams rope, Lfm2Weights weights,
                         std::optional<KaniTts2Fields> kani2)
    : dims_(dims), rope_(rope), weights_(std::move(weights)), kani2_(kani2) {
  if (kani2_) dims_.position_units = kani2_->position_units;
  int slot = 0;
  for (const auto& layer : weights_.layers) {
    first_slot_.push_back(slot);
    slot += layer.attention ? 2 : 1;
  }
}

std::vector<StateSlot> Lfm2Decoder::state_slots(int64_t capacity) const {
  std::vector<StateSlot> slots;
  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    const Lfm2Layer& layer = weights_.layers[l];
    if (!layer.attention) {
      slots.push_back(short_conv_state(layer.conv.shape, static_cast<int>(l)));
      continue;
    }
    const AttentionShape& a = layer.self_attn.shape;
    std::string name = "layer " + std::to_string(l);
    slots.push_back({StateKind::SelfAttentionKv, name + " keys", {capacity, a.kv_heads, a.head_dim}, DType::F16});
    slots.push_back({StateKind::SelfAttentionKv, name + " values", {capacity, a.kv_heads, a.head_dim}, DType::F16});
  }
  return slots;
}

void Lfm2Decoder::record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                                 const ops::Tensor& hidden) const {
  const int64_t T = in.tokens;
  ops::Tensor x = ops::activation(g, DType::F32, {T, dims_.hidden}, "residual");
  record_embedding(g, weights_.embed_tokens, in, x);  // no scaling, no norm before layer 0
  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    const Lfm2Layer& layer = weights_.layers[l];
    const int slot = first_slot_[l];
    ops::Tensor normed = ops::activation(g, DType::F32, {T, dims_.hidden}, "operator norm");
    record_norm(g, layer.operator_norm, x, normed);
    if (layer.attention)
      record_self_attention(g, layer.self_attn, layer_rope(layer), in, {state.tensor(slot), state.tensor(slot + 1)},
                            normed, x);
    else
      record_short_conv(g, layer.conv, state.tensor(slot), normed, x);
    ops::Tensor post = ops::activation(g, DType::F32, {T, dims_.hidden}, "ffn norm");
    record_norm(g, layer.ffn_norm, x, post);
    record_mlp(g, layer.feed_forward, post, x);
  }
  record_norm(g, weights_.final_norm, x, hidden);
}

ops::RopeParams Lfm2Decoder::layer_rope(const Lfm2Layer& layer) const {
  ops::RopeParams r = rope_;
  if (!kani2_) return r;
  r.position_units = kani2_->position_units;
  if (layer.rope_alpha) {
    // α = α_min + (α_max − α_min)·σ(w), in f32 as the authors' module computes it.
    const float w = layer.rope_alpha.host_scalar();
    const float sigmoid = 1.0f / (1.0f + std::exp(-w));
    r.frequency_scale =
        static_cast<float>(kani2_->alpha_min) + static_cast<float>(kani2_->alpha_max - kani2_->alpha_min) * sigmoid;
  }
  return r;
}

void Lfm2Decoder::record_speaker_row(gpu::Graph& g, const ops::Tensor& embedding, const ops::Tensor& row) const {
  require(kani2_.has_value(), "only Kani-TTS-2 voices take a speaker embedding");
  ops::linear(g, weights_.speaker_projection.matrix(), embedding, row);
}

void Lfm2Decoder::record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const {
  const WeightRef& head = weights_.lm_head ? weights_.lm_head : weights_.embed_tokens;
  ops::linear(g, head.matrix(), hidden, logits);
}

}  // namespace vole::arch
