#version 450
// out[s] = pool(x[offsets[s] .. offsets[s + 1])): the mean of a packed sequence's rows
// (sentence-transformers' mean pooling over real tokens) or its last row (last-token
// pooling). Workgroup (column block, sequence); each invocation owns one column and
// sums in f32 in row order. An empty sequence gives zeros.
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };       // [T, cols]
layout(set = 0, binding = 1) readonly buffer Offsets { int off[]; };  // [sequences + 1]
layout(set = 0, binding = 2) writeonly buffer Out { float o[]; };     // [sequences, cols]
#include "pool/interface.h"
layout(push_constant) uniform Push { PoolPush pc; };

void main() {
  const uint c = gl_WorkGroupID.x * 256 + gl_LocalInvocationID.x, s = gl_WorkGroupID.y;
  if (c >= pc.cols || s >= pc.sequences) return;
  const uint begin = uint(off[s]), end = uint(off[s + 1]);
  float r = 0.0;
  if (end > begin) {
    if (pc.mode == kPoolLast) {
      r = x[(end - 1) * pc.cols + c];
    } else {
      for (uint t = begin; t < end; ++t) r += x[t * pc.cols + c];
      r /= float(end - begin);
    }
  }
  o[s * pc.cols + c] = r;
}
