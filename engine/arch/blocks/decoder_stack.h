#pragma once
// The standard decoder stack most text families share: token embedding -> per layer
// (input norm -> mixer -> post norm -> MLP) -> final norm -> head. The mixer of a
// layer is full attention or Gated DeltaNet; norms, MLP kind, attention options and
// tensor names come from the family's declaration, so Qwen2, Qwen3 and Qwen3.5 are
// each a config parser plus a declaration function over this one class.
#include <string>
#include <vector>

#include "arch/blocks/attention.h"
#include "arch/blocks/gated_deltanet.h"
#include "arch/blocks/mlp.h"
#include "arch/blocks/norm.h"
#include "arch/encoder.h"
#include "arch/text_decoder.h"

namespace vole::arch {

struct DecoderLayer {
  Norm input_norm, post_norm;
  bool attention = true;  // false: Gated DeltaNet
  Attention self_attn;
  GatedDeltaNet deltanet;
  Mlp mlp;
};

struct DecoderWeights {
  WeightRef embed_tokens;
  std::vector<DecoderLayer> layers;
  Norm final_norm;
  WeightRef lm_head;  // empty when tied to embed_tokens
};

// Also a PackedEncoder: an attention-only stack runs packed sequences causally without
// a cache (a decoder used as an embedding model, e.g. Qwen3-Embedding).
class StackedDecoder final : public TextDecoder, public PackedEncoder {
 public:
  StackedDecoder(DecoderDims dims, ops::RopeParams rope, DecoderWeights weights);

  std::string_view name() const override { return "text decoder"; }
  const DecoderDims& dims() const override { return dims_; }
  std::vector<StateSlot> state_slots(int64_t capacity) const override;
  void record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                      const ops::Tensor& hidden) const override;
  void record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const override;

  int64_t hidden_size() const override { return dims_.hidden; }
  int64_t max_positions() const override { return dims_.max_positions; }
  // Fails (Unsupported) for a stack with Gated DeltaNet layers or M-RoPE.
  void record_packed(gpu::Graph& g, const PackedBatch& batch, const ops::Tensor& hidden) const override;

  const DecoderWeights& weights() const { return weights_; }

 private:
  DecoderDims dims_;
  ops::RopeParams rope_;
  DecoderWeights weights_;
  std::vector<int> first_slot_;  // per layer: index of its first state slot
};

}  // namespace vole::arch

namespace vole::arch {

struct DecoderConfig;

// How a family's decoder is laid out, for declare_decoder().
struct DecoderLayout {
  std::string prefix;  // e.g. "model." or "model.language_model."
  NormKind norm = NormKind::Rms;
  AttentionShape attention;            // hidden, heads, head_dim, biases, gate, q/k norm
  DeltaNetShape deltanet;              // for layers that are not attention
  std::vector<bool> attention_layers;  // per layer; false = Gated DeltaNet
  int64_t intermediate = 0;
  MlpKind mlp = MlpKind::SwiGLU;
  int64_t vocab = 0;
  bool tied_embeddings = false;
};

// Declares `<prefix>embed_tokens`, `<prefix>layers.N.{input_layernorm, self_attn.* |
// linear_attn.*, post_attention_layernorm, mlp.*}`, `<prefix>norm` and `lm_head` unless tied.
DecoderWeights declare_decoder(TensorDeclarer& d, const DecoderLayout& layout, float eps);

// RoPE parameters from a config: rotary dims, theta, and M-RoPE sections when `mrope`.
ops::RopeParams rope_params(const DecoderConfig& c, bool mrope);

}  // namespace vole::arch
