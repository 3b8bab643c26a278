#include "arch/blocks/decoder_stack.h"

#include "arch/blocks/embedding.h"
#include "ops/embedding.h"
#include "ops/linear.h"
#include "util/error.h"

namespace vole::arch {

StackedDecoder::StackedDecoder(DecoderDims dims, ops::RopeParams rope, DecoderWeights weights)
    : dims_(dims), rope_(rope), weights_(std::move(weights)) {
  // Two slots per layer: K and V, or conv window and recurrent state.
  for (size_t l = 0; l < weights_.layers.size(); ++l) first_slot_.push_back(static_cast<int>(2 * l));
}

std::vector<StateSlot> StackedDecoder::state_slots(int64_t capacity) const {
  std::vector<StateSlot> slots;
  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    const DecoderLayer& layer = weights_.layers[l];
    if (layer.attention) {
      const AttentionShape& a = layer.self_attn.shape;
      std::string name = "layer " + std::to_string(l);
      slots.push_back(
          {StateKind::SelfAttentionKv, name + " keys", {capacity, a.kv_heads, a.kernel_head_dim()}, DType::F16});
      slots.push_back(
          {StateKind::SelfAttentionKv, name + " values", {capacity, a.kv_heads, a.kernel_head_dim()}, DType::F16});
    } else {
      add_deltanet_state(slots, layer.deltanet.shape, static_cast<int>(l));
    }
  }
  return slots;
}

void StackedDecoder::record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                                    const ops::Tensor& hidden) const {
  const int64_t T = in.tokens;
  ops::Tensor x = ops::activation(g, DType::F32, {T, dims_.hidden}, "residual");
  record_embedding(g, weights_.embed_tokens, in, x);
  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    const DecoderLayer& layer = weights_.layers[l];
    int slot = first_slot_[l];
    ops::Tensor normed = ops::activation(g, DType::F32, {T, dims_.hidden}, "input norm");
    record_norm(g, layer.input_norm, x, normed);
    if (layer.attention)
      record_self_attention(g, layer.self_attn, rope_, in, {state.tensor(slot), state.tensor(slot + 1)}, normed, x);
    else
      record_gated_deltanet(g, layer.deltanet, in, {state.tensor(slot), state.tensor(slot + 1)}, normed, x);
    ops::Tensor post = ops::activation(g, DType::F32, {T, dims_.hidden}, "post norm");
    record_norm(g, layer.post_norm, x, post);
    record_mlp(g, layer.mlp, post, x);
  }
  record_norm(g, weights_.final_norm, x, hidden);
}

void StackedDecoder::record_packed(gpu::Graph& g, const PackedBatch& batch, const ops::Tensor& hidden) const {
  if (rope_.mrope) fail(ErrorCode::Unsupported, "packed sequences with M-RoPE positions are not supported");
  for (const auto& layer : weights_.layers)
    if (!layer.attention)
      fail(ErrorCode::Unsupported, "packed sequences need an attention-only decoder (this one has DeltaNet layers)");
  const int64_t T = batch.tokens;
  ops::Tensor x = ops::activation(g, DType::F32, {T, dims_.hidden}, "residual");
  ops::embed(g, weights_.embed_tokens.matrix(), batch.ids, x);
  for (const auto& layer : weights_.layers) {
    ops::Tensor normed = ops::activation(g, DType::F32, {T, dims_.hidden}, "input norm");
    record_norm(g, layer.input_norm, x, normed);
    record_packed_attention(g, layer.self_attn, rope_, batch, {.causal = true}, normed, x, /*accumulate=*/true);
    ops::Tensor post = ops::activation(g, DType::F32, {T, dims_.hidden}, "post norm");
    record_norm(g, layer.post_norm, x, post);
    record_mlp(g, layer.mlp, post, x);
  }
  record_norm(g, weights_.final_norm, x, hidden);
}

void StackedDecoder::record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const {
  const WeightRef& head = weights_.lm_head ? weights_.lm_head : weights_.embed_tokens;
  ops::linear(g, head.matrix(), hidden, logits);
}

}  // namespace vole::arch

#include "arch/common/decoder_config.h"

namespace vole::arch {

DecoderWeights declare_decoder(TensorDeclarer& d, const DecoderLayout& L, float eps) {
  using model::TensorRole;
  const int64_t H = L.attention.hidden;
  DecoderWeights w;
  w.embed_tokens = d.add(L.prefix + "embed_tokens.weight", {L.vocab, H}, TensorRole::Embedding);
  for (int l = 0; l < static_cast<int>(L.attention_layers.size()); ++l) {
    std::string p = L.prefix + "layers." + std::to_string(l) + ".";
    DecoderLayer layer;
    layer.input_norm = declare_norm(d, p + "input_layernorm", H, L.norm, eps, l);
    layer.attention = L.attention_layers[l];
    if (layer.attention)
      layer.self_attn = declare_attention(d, p + "self_attn.", L.attention, l);
    else
      layer.deltanet = declare_gated_deltanet(d, p + "linear_attn.", L.deltanet, l);
    layer.post_norm = declare_norm(d, p + "post_attention_layernorm", H, L.norm, eps, l);
    layer.mlp = declare_gated_mlp(d, p + "mlp.", H, L.intermediate, L.mlp, l);
    w.layers.push_back(std::move(layer));
  }
  w.final_norm = declare_norm(d, L.prefix + "norm", H, L.norm, eps);
  if (!L.tied_embeddings) w.lm_head = d.add("lm_head.weight", {L.vocab, H}, TensorRole::LmHead);
  return w;
}

ops::RopeParams rope_params(const DecoderConfig& c, bool mrope) {
  ops::RopeParams r;
  r.rotary_dims = static_cast<int>(c.rotary_dim());
  r.theta = static_cast<float>(c.rope.rope_theta);
  r.mrope = mrope;
  if (mrope) {
    const auto& sec = c.rope.mrope_section;
    if (sec.size() >= 3) {
      r.sections = {static_cast<int>(sec[0]), static_cast<int>(sec[1]), static_cast<int>(sec[2])};
    } else {  // [11, 11, 10] for 32 frequency slots
      int slots = r.rotary_dims / 2, h = (slots + 1) / 3, w = slots / 3;
      r.sections = {slots - h - w, h, w};
    }
  }
  return r;
}

}  // namespace vole::arch
