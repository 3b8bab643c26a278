#version 450
// Gated DeltaNet gates (docs/specs/qwen3_5.md §5.3), per token and value head:
//   beta = sigmoid(b),  gate = -exp(A_log) * softplus(a + dt_bias)   (log-decay <= 0)
#include "common.glsl"
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer B { float b[]; };          // [T, Hv]
layout(set = 0, binding = 1) readonly buffer A { float a[]; };          // [T, Hv]
layout(set = 0, binding = 2) readonly buffer ALog { float a_log[]; };   // [Hv]
layout(set = 0, binding = 3) readonly buffer DtBias { float dt_bias[]; };  // [Hv]
layout(set = 0, binding = 4) writeonly buffer Beta { float beta[]; };   // [T, Hv]
layout(set = 0, binding = 5) writeonly buffer Gate { float gate[]; };   // [T, Hv]
#include "deltanet/interface.h"
layout(push_constant) uniform Push { DeltaNetGatesPush pc; };

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
    uint h = i % pc.hv;
    beta[i] = sigmoid(b[i]);
    gate[i] = -exp(a_log[h]) * softplus(a[i] + dt_bias[h]);
  }
}
