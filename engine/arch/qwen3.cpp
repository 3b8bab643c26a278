#include "arch/qwen3.h"

#include "arch/blocks.h"

namespace vole::arch {

void Qwen3Model::record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                                const ops::Tensor& hidden) const {
  AttentionOptions attention{.output_gate = false, .qk_norm = ops::NormWeight::Plain};
  record_decoder(g, *this, attention, ops::NormWeight::Plain, in, state, hidden);
}

}  // namespace vole::arch

namespace vole::arch {

DecoderSpec Qwen3Model::spec_for(const model::ModelConfig& config) {
  const model::TextConfig& c = config.text;
  DecoderSpec s;
  s.family = Family::Qwen3;
  s.hidden = static_cast<int>(c.hidden_size);
  s.intermediate = static_cast<int>(c.intermediate_size);
  s.layers = static_cast<int>(c.num_hidden_layers);
  s.vocab = static_cast<int>(c.vocab_size);
  s.eps = static_cast<float>(c.rms_norm_eps);
  s.full_attention.assign(s.layers, true);
  s.heads = static_cast<int>(c.num_attention_heads);
  s.kv_heads = static_cast<int>(c.num_key_value_heads);
  s.head_dim = static_cast<int>(c.head_dim);
  s.rotary_dims = s.head_dim;  // NeoX RoPE over the whole head
  s.rope_theta = static_cast<float>(c.rope.rope_theta);
  s.tied_embeddings = c.tie_word_embeddings;
  s.max_positions = c.max_position_embeddings;
  s.prefix = "model.";
  return s;
}

}  // namespace vole::arch
