#version 450
// Causal (dilated) im2col: turns a causal conv1d into one matmul (codec/interface.h).
#include "common.glsl"
#include "codec/interface.h"
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer Ext { float ext[]; };   // [span + T, C]
layout(set = 0, binding = 1) writeonly buffer Cols { float cols[]; };  // [T, C*K]
layout(push_constant) uniform Push { CodecIm2colPush pc; };

void main() {
  const uint width = pc.c * pc.k;
  const uint n = pc.t * width;
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
    const uint t = i / width, j = i % width;
    const uint c = j / pc.k, k = j % pc.k;
    cols[i] = ext[(t + k * pc.dil) * pc.c + c];
  }
}
