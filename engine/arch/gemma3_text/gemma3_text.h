#pragma once
// EmbeddingGemma's encoder (model_type "gemma3_text", Gemma3TextModel with
// use_bidirectional_attention): a bidirectional Gemma 3 stack with sandwich norms
// (1 + w), per-head q/k norms, GeGLU (gelu tanh), the embedding scaled by
// sqrt(hidden), and per-layer-type attention: full layers see the whole sequence,
// sliding layers keys within sliding_window / 2 positions, each with its own RoPE base
// (docs/specs/embeddinggemma.md §2-§4). It yields hidden states of packed sequences;
// pooling, Dense layers and normalisation are the sentence-transformers head
// (runtime/embedding_model.h). A causal (generative) Gemma 3 config is refused.
#include <string>
#include <vector>

#include "arch/family.h"

namespace vole::arch {

struct Gemma3TextConfig : model::FamilyConfig {
  int64_t vocab_size = 0, hidden_size = 0, intermediate_size = 0, num_hidden_layers = 0;
  int64_t num_attention_heads = 0, num_key_value_heads = 0, head_dim = 0;
  double rms_norm_eps = 1e-6;
  double query_pre_attn_scalar = 256;
  bool attention_bias = false;
  int64_t sliding_window = 512;  // as written; a key is seen within sliding_window / 2
  double rope_theta_full = 1e6, rope_theta_sliding = 1e4;
  std::vector<bool> sliding_layers;  // per layer: sliding_attention (true) or full_attention

  // |t - s| <= radius on sliding layers (transformers: sliding_window // 2 + 1, exclusive).
  int64_t window_radius() const { return sliding_window / 2; }
  std::vector<std::pair<std::string, std::string>> summary() const override;
};

const Family& gemma3_text_family();

}  // namespace vole::arch
