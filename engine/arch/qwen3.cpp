#include "arch/qwen3.h"

#include "arch/blocks.h"

namespace vole::arch {

void Qwen3Model::record_forward(gpu::Graph& g, const StepInputs& in, SequenceState& state,
                                const ops::Tensor& hidden) const {
  AttentionOptions attention{.output_gate = false, .qk_norm = ops::NormWeight::Plain};
  record_decoder(g, *this, attention, ops::NormWeight::Plain, in, state, hidden);
}

}  // namespace vole::arch
