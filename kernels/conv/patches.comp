#version 450
// The input windows of a valid (unpadded) strided 1-D convolution, one row per output
// step: out[t][c * kernel + k] = x[t * stride + k][c] for x [in_steps, channels]
// (time-major). A weight [out_ch, channels, kernel] read as a matrix [out_ch,
// channels * kernel] then turns the rows into the convolution with one matmul.
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Out { float o[]; };
#include "conv/interface.h"
layout(push_constant) uniform Push { Conv1dPatchesPush pc; };

void main() {
  uint row = pc.channels * pc.kernel;
  uint n = pc.out_steps * row;
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
    uint t = i / row, j = i - t * row;
    uint c = j / pc.kernel, k = j - c * pc.kernel;
    o[i] = x[(t * pc.stride + k) * pc.channels + c];
  }
}
