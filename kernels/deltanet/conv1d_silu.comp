#version 450
// Causal depthwise conv1d (K taps, tap K-1 = current token) + SiLU with a rolling state
// of the previous K-1 inputs (docs/specs/qwen3_5.md §5.2, §5.8). With SILU = false the
// same convolution without the activation (LFM2's short conv, docs/specs/lfm2.md §3.2). Invocation (channel c,
// token block b) slides a K-wide window over TB tokens of channel c. Only block 0 reads
// the state (TB >= K-1), so block 0 alone writes the new one, after its own reads:
// the last K-1 inputs of [state | x].
#include "common.glsl"
#include "deltanet/interface.h"

layout(constant_id = 0) const uint K = 4;  // taps, 2..8
layout(constant_id = 1) const bool SILU = true;
const uint TB = kConvTokensPerThread;       // tokens per invocation

layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };       // [T, C]
layout(set = 0, binding = 1) readonly buffer W { float w[]; };       // [C, K]
layout(set = 0, binding = 2) buffer State { float state[]; };        // [K-1, C]
layout(set = 0, binding = 3) writeonly buffer Out { float o[]; };    // [T, C]
layout(push_constant) uniform Push { Conv1dSiluPush pc; };

void main() {
  const uint c = gl_GlobalInvocationID.x;
  if (c >= pc.c) return;
  const uint t0 = gl_WorkGroupID.y * TB;
  const uint t1 = min(t0 + TB, pc.t);

  float taps[K];
  [[unroll]] for (uint j = 0; j < K; ++j) taps[j] = w[c * K + j];
  // win[j] = input at token t - (K-1) + j; input at a negative token comes from the state.
  float win[K];
  float old_state[K - 1];
  [[unroll]] for (uint j = 0; j + 1 < K; ++j) {
    old_state[j] = t0 == 0 ? state[j * pc.c + c] : 0.0;
    int tok = int(t0) - int(K - 1) + int(j);
    win[j + 1] = tok < 0 ? old_state[j] : x[uint(tok) * pc.c + c];
  }
  for (uint t = t0; t < t1; ++t) {
    [[unroll]] for (uint j = 0; j + 1 < K; ++j) win[j] = win[j + 1];
    win[K - 1] = x[t * pc.c + c];
    float u = 0.0;
    [[unroll]] for (uint j = 0; j < K; ++j) u += taps[j] * win[j];
    o[t * pc.c + c] = SILU ? silu(u) : u;
  }
  if (t0 == 0) {
    // New state row j = element T + j of [state(K-1) | x(T)].
    [[unroll]] for (uint j = 0; j + 1 < K; ++j) {
      uint e = pc.t + j;
      state[j * pc.c + c] = e < K - 1 ? old_state[e] : x[(e - (K - 1)) * pc.c + c];
    }
  }
}
