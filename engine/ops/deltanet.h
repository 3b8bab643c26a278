#pragma once
// Gated DeltaNet (Qwen3.5 linear attention), per docs/specs/qwen3_5.md §5.
#include "ops/tensor.h"

namespace vole::ops {

// Causal depthwise conv1d (kernel K) + SiLU with a rolling state:
//   x [T, C] f32 (projection output), weight [C, K] f32 (tap K-1 = current token),
//   state [K-1, C] f32: the previous K-1 inputs (zeros for a fresh sequence); on
//   return it holds the last K-1 inputs of [state | x]. out [T, C] = silu(conv).
// K: 2..8. out, x and state must not overlap. T = 1 (decode) and T > 1 (prefill,
// also continuing a sequence) take the same path.
void conv1d_silu(gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& state, const Tensor& out);
// The same causal depthwise convolution without the activation (LFM2's short conv,
// docs/specs/lfm2.md §3.2), same shapes, state and limits.
void causal_conv1d(gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& state, const Tensor& out);

// beta = sigmoid(b); gate = -exp(A_log) * softplus(a + dt_bias)   (log-decay, <= 0)
// b, a [T, Hv]; A_log, dt_bias [Hv]; beta, gate [T, Hv].
void deltanet_gates(gpu::Graph& g, const Tensor& b, const Tensor& a, const Tensor& a_log, const Tensor& dt_bias,
                    const Tensor& beta, const Tensor& gate);

struct DeltaNetParams {
  int key_heads = 0;    // Hk
  int value_heads = 0;  // Hv (multiple of Hk; value head h uses key head h / (Hv/Hk))
  int key_dim = 0;      // dk
  int value_dim = 0;    // dv
  float eps = 1e-6f;    // L2 norm epsilon
  int chunk = 64;       // chunk length of the parallel (prefill) form
};

// The delta rule over T tokens, continuing from `state` [Hv, dk, dv] f32 (updated in
// place). qkv [T, 2*Hk*dk + Hv*dv] is the conv output (q | k | v); q and k are
// L2-normalised inside (q also scaled by dk^-1/2). out [T, Hv*dv], not overlapping
// qkv or state. dk, dv: multiples of 32 up to 256.
// Both forms split each head's state columns over several workgroups (the columns
// evolve independently), and read and write the state once per dispatch.
// Recurrent form: token by token (decode, exact definition). Needs subgroup shuffles.
void deltanet_recurrent(gpu::Graph& g, const Tensor& qkv, const Tensor& beta, const Tensor& gate,
                        const Tensor& state, const Tensor& out, const DeltaNetParams& params);
// Chunked parallel form (prefill, specs §5.10): same result up to f32 rounding.
// params.chunk: 16, 32, 48 or 64. Uses two graph temporaries of about
// T/chunk * Hv * chunk * (dk + dv + chunk + 3) floats (10 MiB for 512 tokens of
// Qwen3.5-0.8B): feed very long prompts in slices.
void deltanet_chunked(gpu::Graph& g, const Tensor& qkv, const Tensor& beta, const Tensor& gate,
                      const Tensor& state, const Tensor& out, const DeltaNetParams& params);

}  // namespace vole::ops
