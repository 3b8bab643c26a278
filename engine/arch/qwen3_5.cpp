#include "arch/qwen3_5.h"

#include "arch/blocks.h"

namespace vole::arch {

void Qwen3_5Model::record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                                  const ops::Tensor& hidden) const {
  AttentionOptions attention{.output_gate = true, .qk_norm = ops::NormWeight::PlusOne};
  record_decoder(g, *this, attention, ops::NormWeight::PlusOne, in, state, hidden);
}

}  // namespace vole::arch

namespace vole::arch {

DecoderSpec Qwen3_5Model::spec_for(const model::ModelConfig& config) {
  const model::TextConfig& c = config.text;
  DecoderSpec s;
  s.family = Family::Qwen3_5;
  s.hidden = static_cast<int>(c.hidden_size);
  s.intermediate = static_cast<int>(c.intermediate_size);
  s.layers = static_cast<int>(c.num_hidden_layers);
  s.vocab = static_cast<int>(c.vocab_size);
  s.eps = static_cast<float>(c.rms_norm_eps);
  for (auto t : c.layer_types) s.full_attention.push_back(t == model::LayerType::FullAttention);
  s.heads = static_cast<int>(c.num_attention_heads);
  s.kv_heads = static_cast<int>(c.num_key_value_heads);
  s.head_dim = static_cast<int>(c.head_dim);
  s.rotary_dims = static_cast<int>(c.rotary_dim());
  s.rope_theta = static_cast<float>(c.rope.rope_theta);
  // HF Qwen3.5 always uses the interleaved M-RoPE layout (specs §6); with text-only
  // positions it equals plain RoPE, so sections default to the model's [11, 11, 10].
  s.mrope = true;
  const auto& sec = c.rope.mrope_section;
  if (sec.size() >= 3)
    s.mrope_sections = {static_cast<int>(sec[0]), static_cast<int>(sec[1]), static_cast<int>(sec[2])};
  else {  // [11, 11, 10] for 32 frequency slots
    int slots = s.rotary_dims / 2, h = (slots + 1) / 3, w = slots / 3;
    s.mrope_sections = {slots - h - w, h, w};
  }
  s.key_heads = static_cast<int>(c.linear_num_key_heads);
  s.value_heads = static_cast<int>(c.linear_num_value_heads);
  s.key_dim = static_cast<int>(c.linear_key_head_dim);
  s.value_dim = static_cast<int>(c.linear_value_head_dim);
  s.conv_kernel = static_cast<int>(c.linear_conv_kernel_dim);
  s.tied_embeddings = c.tie_word_embeddings;
  s.max_positions = c.max_position_embeddings;
  s.prefix = "model.language_model.";
  return s;
}

}  // namespace vole::arch
