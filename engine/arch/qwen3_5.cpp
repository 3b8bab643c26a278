#include "arch/qwen3_5.h"

#include "arch/blocks.h"

namespace vole::arch {

void Qwen3_5Model::record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                                  const ops::Tensor& hidden) const {
  AttentionOptions attention{.output_gate = true, .qk_norm = ops::NormWeight::PlusOne};
  record_decoder(g, *this, attention, ops::NormWeight::PlusOne, in, state, hidden);
}

}  // namespace vole::arch
