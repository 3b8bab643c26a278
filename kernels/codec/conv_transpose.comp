#version 450
// Grouped causal transposed conv1d of the NanoCodec up-sampling layers
// (docs/specs/kani-tts.md §6.3; codec/interface.h): output sample s = t*r + j of channel
// o reads input rows t (tap j) and t - 1 (tap j + r) of its group's channels.
#include "common.glsl"
#include "codec/interface.h"
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer Ext { float ext[]; };   // [1 + T, Cin]
layout(set = 0, binding = 1) readonly buffer W { float w[]; };       // [Cin, 2r]
layout(set = 0, binding = 2) readonly buffer Bias { float b[]; };    // [Cout]
layout(set = 0, binding = 3) writeonly buffer Out { float o[]; };    // [T*r, Cout]
layout(push_constant) uniform Push { CodecConvTransposePush pc; };

void main() {
  const uint n = pc.t * pc.rate * pc.cout;
  const uint per_group = pc.cin / pc.cout;
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
    const uint s = i / pc.cout, ch = i % pc.cout;
    const uint t = s / pc.rate, j = s % pc.rate;
    float acc = b[ch];
    for (uint g = 0; g < per_group; ++g) {
      const uint c = ch * per_group + g;
      acc += ext[(t + 1) * pc.cin + c] * w[c * 2 * pc.rate + j] + ext[t * pc.cin + c] * w[c * 2 * pc.rate + j + pc.rate];
    }
    o[i] = acc;
  }
}
