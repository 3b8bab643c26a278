#version 450
// out = a (op) b over n f32 elements; op: 0 add, 1 mul, 2 silu(a)*b, 3 a*sigmoid(b),
// 4 add with b broadcast over rows (a is [n / cols, cols], b is [cols]).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer B { float b[]; };
layout(set = 0, binding = 2) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push {
  uint n;
  uint op;
  uint cols;  // op 4: length of b (a row of a)
} pc;

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
    float x = a[i], y = b[pc.op == 4 ? i % pc.cols : i];
    float r;
    if (pc.op == 0 || pc.op == 4) r = x + y;
    else if (pc.op == 1) r = x * y;
    else if (pc.op == 2) r = silu(x) * y;
    else r = x * sigmoid(y);
    o[i] = r;
  }
}
