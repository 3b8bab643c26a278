#version 450
// out[r][c] = src[r][col_begin + c] for a [rows, src_cols] source and [rows, cols] output.
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer Src { float src[]; };
layout(set = 0, binding = 1) writeonly buffer Out { float o[]; };
#include "elementwise/interface.h"
layout(push_constant) uniform Push { CopyColumnsPush pc; };

void main() {
  uint n = pc.rows * pc.cols;
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
    uint r = i / pc.cols, c = i - r * pc.cols;
    o[i] = src[r * pc.src_cols + pc.col_begin + c];
  }
}
