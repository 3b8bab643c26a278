#pragma once
// Qwen3.5 (model_type qwen3_5): hybrid decoder of Gated DeltaNet and gated
// full-attention layers, zero-centred (1+w) RMSNorms, partial interleaved M-RoPE.
// Semantics: specs/qwen3_5.md.
#include "arch/language_model.h"
#include "model/config.h"

namespace vole::arch {

class Qwen3_5Model final : public LanguageModel {
 public:
  using LanguageModel::LanguageModel;
  static DecoderSpec spec_for(const model::ModelConfig& config);
  void record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                      const ops::Tensor& hidden) const override;
};

}  // namespace vole::arch
