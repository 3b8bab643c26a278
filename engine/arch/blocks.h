#pragma once
// Layer pieces shared by the decoder families. Each records its dispatches into the
// graph and adds its result into the residual stream x [T, hidden] (the projections
// back to `hidden` accumulate into x, so no separate residual add is needed).
#include <string>

#include "arch/language_model.h"
#include "ops/norm.h"

namespace vole::arch {

struct AttentionOptions {
  bool output_gate = false;  // Qwen3.5: q_proj also yields a per-head sigmoid gate (§4.1, §4.6)
  ops::NormWeight qk_norm = ops::NormWeight::Plain;
};

// Embedding lookup into x [T, hidden].
void record_embedding(gpu::Graph& g, const LanguageModel& m, const StepInputs& in, const ops::Tensor& x);

// x += o_proj(attention(norm(x)...)). `attention_index` counts attention layers only.
void record_attention(gpu::Graph& g, const LanguageModel& m, int layer, int attention_index,
                      const AttentionOptions& opts, const StepInputs& in, SequenceState& state,
                      const ops::Tensor& normed, const ops::Tensor& x);

// x += out_proj(gated_norm(deltanet(conv(in_proj_qkv(a)))...)) (specs §5).
void record_gated_deltanet(gpu::Graph& g, const LanguageModel& m, int layer, int recurrent_index,
                           const StepInputs& in, SequenceState& state, const ops::Tensor& normed,
                           const ops::Tensor& x);

// x += down(silu(gate(norm(x))) * up(norm(x))), with the post-attention norm.
void record_mlp(gpu::Graph& g, const LanguageModel& m, int layer, ops::NormWeight norm_mode, const ops::Tensor& x);

// hidden = final_norm(x)
void record_final_norm(gpu::Graph& g, const LanguageModel& m, ops::NormWeight norm_mode, const ops::Tensor& x,
                       const ops::Tensor& hidden);

// A standard decoder stack: embedding, then per layer input norm -> mixer (attention or
// Gated DeltaNet) -> MLP, then the final norm.
void record_decoder(gpu::Graph& g, const LanguageModel& m, const AttentionOptions& attention,
                    ops::NormWeight norm_mode, const StepInputs& in, SequenceState& state, const ops::Tensor& hidden);

}  // namespace vole::arch
