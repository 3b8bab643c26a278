#pragma once
// The CPU reference of a sentence-embedding model, one input at a time, written from
// docs/specs/embeddinggemma.md: the encoder (EmbeddingGemma's bidirectional Gemma 3 with
// sandwich norms, 1 + w, GeGLU, scaled embedding, per-layer-type RoPE base and a
// symmetric sliding window; or a causal Qwen3 decoder for Qwen3-Embedding, §10), then
// pooling (mean over every token, or the last token), the Dense layers, L2
// normalisation and Matryoshka truncation with re-normalisation. f32 values, f64 sums.
#include <cstdint>
#include <string>
#include <vector>

#include "reference/model_forward.h"

namespace vole::ref {

struct EncoderSpec {
  bool gemma = true;  // true: EmbeddingGemma's encoder (§4); false: causal Qwen3 (§10)
  int hidden = 0, intermediate = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0;
  float eps = 1e-6f;
  float scale = 0;  // attention score scale (query_pre_attn_scalar^-0.5 for Gemma, head_dim^-0.5 for Qwen3)
  float theta_full = 1e6f, theta_sliding = 1e4f;
  std::vector<bool> sliding;  // Gemma: per layer
  int radius = 0;             // Gemma sliding layers: keys with |t - s| <= radius
  std::string prefix;         // "" (Gemma) or "model." (Qwen3)
};

struct DenseSpec {
  std::vector<float> weight;  // [out, in]
  std::vector<float> bias;    // empty: none
  int in = 0, out = 0;
};

struct HeadSpec {
  bool mean_pooling = true;  // false: last token
  std::vector<DenseSpec> dense;
};

// The final-norm hidden states [n, hidden] of one input.
std::vector<float> encoder_forward(const EncoderSpec& spec, const WeightMap& w, const std::vector<int32_t>& ids);
// The unit embedding of one input, cut to `dims` (0: all) and re-normalised.
std::vector<float> embedding_forward(const EncoderSpec& spec, const WeightMap& w, const HeadSpec& head,
                                     const std::vector<int32_t>& ids, int dims = 0);

}  // namespace vole::ref
