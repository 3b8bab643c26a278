#pragma once
// Token embedding lookup, with embeddings injected at chosen rows of a prefill (what
// image tokens need: their rows come from the vision encoder, not the table).
#include "arch/text_decoder.h"
#include "arch/weights.h"

namespace vole::arch {

// x [T, hidden] = table[ids], then each injection's rows overwritten with its values.
void record_embedding(gpu::Graph& g, const WeightRef& table, const StepInputs& in, const ops::Tensor& x);

}  // namespace vole::arch
