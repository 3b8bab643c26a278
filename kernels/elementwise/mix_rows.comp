#version 450
// out[i][c] (+)= sum over k < 4 of weights[i][k] * table[indices[i][k]][c]: each output
// row a weighted mix of four table rows (bilinear interpolation of a learned position
// grid, e.g. Qwen3.5's vision position table, docs/specs/qwen3_5.md §7.3). Summed in
// the order k = 0..3 in f32, as the reference does.
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer Table { float table[]; };
layout(set = 0, binding = 1) readonly buffer Indices { int indices[]; };
layout(set = 0, binding = 2) readonly buffer Weights { float weights[]; };
layout(set = 0, binding = 3) buffer Out { float o[]; };
#include "elementwise/interface.h"
layout(push_constant) uniform Push { MixRowsPush pc; };

void main() {
  uint n = pc.rows * pc.cols;
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
    uint r = i / pc.cols, c = i - r * pc.cols;
    float acc = 0.0;
    for (uint k = 0; k < 4; ++k) {
      int row = indices[r * 4 + k];
      float w = weights[r * 4 + k];
      if (row >= 0 && uint(row) < pc.table_rows) acc += w * table[uint(row) * pc.cols + c];
    }
    o[i] = pc.accumulate != 0 ? o[i] + acc : acc;
  }
}
