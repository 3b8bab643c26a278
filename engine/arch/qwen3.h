#pragma once
// Qwen3 dense (Qwen3ForCausalLM): every layer full attention with per-head q/k RMSNorm
// (plain weight), NeoX RoPE over the whole head, GQA, SwiGLU.
#include "arch/language_model.h"
#include "model/config.h"

namespace vole::arch {

class Qwen3Model final : public LanguageModel {
 public:
  using LanguageModel::LanguageModel;
  static DecoderSpec spec_for(const model::ModelConfig& config);
  void record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                      const ops::Tensor& hidden) const override;
};

}  // namespace vole::arch
