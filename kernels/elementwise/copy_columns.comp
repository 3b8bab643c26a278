#version 450
// out[r][dst_col_begin + c] = src[r][col_begin + c], c < cols, for a [rows, src_cols] source
// and a [rows, dst_cols] output (other output columns are not touched).
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
    o[r * pc.dst_cols + pc.dst_col_begin + c] = src[r * pc.src_cols + pc.col_begin + c];
  }
}
