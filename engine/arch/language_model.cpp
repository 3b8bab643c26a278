#include "arch/language_model.h"

#include "ops/linear.h"
#include "util/error.h"

namespace vole::arch {

const char* family_name(Family f) { return f == Family::Qwen3_5 ? "qwen3_5" : "qwen3"; }

int DecoderSpec::attention_layer_count() const {
  int n = 0;
  for (bool full : full_attention) n += full;
  return n;
}

int DecoderSpec::recurrent_layer_count() const { return layers - attention_layer_count(); }

LanguageModel::LanguageModel(DecoderSpec spec, WeightStore weights)
    : spec_(std::move(spec)), weights_(std::move(weights)) {
  require(static_cast<int>(spec_.full_attention.size()) == spec_.layers, "layer pattern does not cover every layer");
}

StateShapes LanguageModel::state_shapes(int64_t capacity) const {
  StateShapes s;
  s.capacity = capacity;
  s.attention_layers = spec_.attention_layer_count();
  s.kv_heads = spec_.kv_heads;
  s.head_dim = spec_.head_dim;
  s.recurrent_layers = spec_.recurrent_layer_count();
  s.conv_rows = spec_.conv_kernel - 1;
  s.conv_channels = spec_.conv_channels();
  s.value_heads = spec_.value_heads;
  s.key_dim = spec_.key_dim;
  s.value_dim = spec_.value_dim;
  return s;
}

const ops::Weight& LanguageModel::lm_head() const {
  if (!spec_.tied_embeddings && weights_.has("lm_head.weight")) return weights_.matrix("lm_head.weight");
  return weights_.matrix(spec_.prefix + "embed_tokens.weight");
}

void LanguageModel::record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const {
  ops::linear(g, lm_head(), hidden, logits);
}

}  // namespace vole::arch
