#pragma once
// Gated DeltaNet references (docs/specs/qwen3_5.md §5), f64 arithmetic, written to follow
// the spec text step by step.
#include <cstdint>
#include <vector>

namespace vole::ref {

// Causal depthwise conv1d + SiLU (§5.2, §5.8): x [T, C], weight [C, K] (tap K-1 = current
// token), state [K-1, C] (previous inputs, updated to the last K-1 of [state | x]).
// `silu` false: the plain convolution (LFM2's short conv).
std::vector<float> conv1d_silu(const std::vector<float>& x, const std::vector<float>& weight, std::vector<float>& state,
                               int64_t tokens, int64_t channels, int64_t taps, bool silu = true);

// §5.3: beta = sigmoid(b), gate = -exp(A_log) * softplus(a + dt_bias); b, a [T, Hv].
void deltanet_gates(const std::vector<float>& b, const std::vector<float>& a, const std::vector<float>& a_log,
                    const std::vector<float>& dt_bias, std::vector<float>& beta, std::vector<float>& gate);

struct DeltaNetShape {
  int64_t tokens = 0;
  int64_t key_heads = 0, value_heads = 0;  // value head h uses key head h / (Hv / Hk)
  int64_t key_dim = 0, value_dim = 0;
  double eps = 1e-6;
};

// The recurrence of §5.5 (decay, read, delta, write, output per token) on qkv
// [T, 2 Hk dk + Hv dv] (q | k | v), with §5.4 normalisation; state [Hv, dk, dv] is
// continued and updated. Returns out [T, Hv dv].
std::vector<float> gated_delta_rule(const std::vector<float>& qkv, const std::vector<float>& beta,
                                    const std::vector<float>& gate, std::vector<float>& state,
                                    const DeltaNetShape& shape);

// The chunked form of §5.10 with chunk length `chunk` (last chunk padded); same
// contract. Equal to gated_delta_rule up to rounding: a check of the algorithm itself.
std::vector<float> gated_delta_rule_chunked(const std::vector<float>& qkv, const std::vector<float>& beta,
                                            const std::vector<float>& gate, std::vector<float>& state,
                                            const DeltaNetShape& shape, int64_t chunk);

}  // namespace vole::ref
