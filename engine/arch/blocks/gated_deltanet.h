#pragma once
// Gated DeltaNet linear attention (Qwen3.5's linear_attention layers,
// docs/specs/qwen3_5.md §5): fused q|k|v projection, causal depthwise conv + SiLU with a
// rolling window, the decay and beta gates, the delta rule (recurrent for decode,
// chunked for prefill), a gated RMSNorm per value head, and the output projection added
// into the residual stream.
#include <string>

#include "arch/blocks/linear.h"
#include "arch/blocks/norm.h"
#include "arch/component.h"
#include "arch/text_decoder.h"

namespace vole::arch {

struct DeltaNetShape {
  int64_t hidden = 0;
  int64_t key_heads = 0, value_heads = 0, key_dim = 0, value_dim = 0, conv_kernel = 4;
  float eps = 1e-6f;
  int64_t conv_channels() const { return 2 * key_heads * key_dim + value_heads * value_dim; }
};

struct GatedDeltaNet {
  DeltaNetShape shape;
  Linear in_qkv, in_z, in_b, in_a, out;
  WeightRef conv, a_log, dt_bias;
  Norm norm;  // plain-weight RMSNorm over each value head, gated by SiLU(z)
};

// Declares `<stem>in_proj_qkv`, `in_proj_z`, `in_proj_b`, `in_proj_a`, `conv1d.weight`,
// `A_log`, `dt_bias`, `norm.weight`, `out_proj`.
GatedDeltaNet declare_gated_deltanet(TensorDeclarer& d, const std::string& stem, const DeltaNetShape& shape, int layer);

// The two slots one layer keeps: the conv window [K-1, channels] and the recurrent
// state [value_heads, key_dim, value_dim], both f32.
void add_deltanet_state(std::vector<StateSlot>& slots, const DeltaNetShape& shape, int layer);

struct DeltaNetMemory {
  ops::Tensor conv_window, recurrent;
};

// x += out_proj(gated_norm(deltanet(conv(in_proj_qkv(normed)))...)).
void record_gated_deltanet(gpu::Graph& g, const GatedDeltaNet& n, const StepInputs& in, const DeltaNetMemory& memory,
                           const ops::Tensor& normed, const ops::Tensor& x);

}  // namespace vole::arch
