#pragma once
// LFM2's decoder stack (docs/specs/lfm2.md §3): embedding -> per layer (operator_norm ->
// short conv or attention -> ffn_norm -> SwiGLU) -> embedding_norm -> head. Its state:
// a conv window per conv layer, K and V per attention layer.
#include <optional>
#include <vector>

#include "arch/blocks/attention.h"
#include "arch/blocks/mlp.h"
#include "arch/blocks/norm.h"
#include "arch/blocks/short_conv.h"
#include "arch/lfm2/lfm2.h"
#include "arch/text_decoder.h"

namespace vole::arch {

struct Lfm2Layer {
  Norm operator_norm, ffn_norm;
  bool attention = false;  // false: short conv
  Attention self_attn;
  ShortConv conv;
  Mlp feed_forward;
  WeightRef rope_alpha;  // Kani-TTS-2 with learnable RoPE, attention layers: the scale's raw weight
};

struct Lfm2Weights {
  WeightRef embed_tokens;
  std::vector<Lfm2Layer> layers;
  Norm final_norm;               // model.embedding_norm
  WeightRef lm_head;             // empty when tied to embed_tokens
  WeightRef speaker_projection;  // Kani-TTS-2: [hidden, speaker_emb_dim]
};

// Declares every tensor of §2 under "model." (+ lm_head unless tied).
Lfm2Weights declare_lfm2(TensorDeclarer& d, const Lfm2Config& config);

class Lfm2Decoder final : public TextDecoder {
 public:
  Lfm2Decoder(DecoderDims dims, ops::RopeParams rope, Lfm2Weights weights,
              std::optional<KaniTts2Fields> kani2 = std::nullopt);

  std::string_view name() const override { return "text decoder"; }
  const DecoderDims& dims() const override { return dims_; }
  std::vector<StateSlot> state_slots(int64_t capacity) const override;
  void record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                      const ops::Tensor& hidden) const override;
  void record_logits(gpu::Graph& g, const ops::Tensor& hidden, const ops::Tensor& logits) const override;

  // Kani-TTS-2 (kani-tts.md §5): null for plain LFM2.
  const KaniTts2Fields* kani2() const { return kani2_ ? &*kani2_ : nullptr; }
  // The input row a speaker embedding [1, speaker_emb_dim] becomes: row [1, hidden] =
  // embedding · W_spkᵀ (§5.1). Kani-TTS-2 only.
  void record_speaker_row(gpu::Graph& g, const ops::Tensor& embedding, const ops::Tensor& row) const;

 private:
  // The layer's RoPE: Kani-TTS-2 scales its frequencies by the learned α and by the
  // position units (§5.2, §5.3).
  ops::RopeParams layer_rope(const Lfm2Layer& layer) const;

  DecoderDims dims_;
  ops::RopeParams rope_;
  Lfm2Weights weights_;
  std::optional<KaniTts2Fields> kani2_;
  std::vector<int> first_slot_;  // per layer: its first state slot (conv: 1 slot, attention: 2)
};

}  // namespace vole::arch
