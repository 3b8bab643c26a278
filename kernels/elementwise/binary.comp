#version 450
// out = a (op) b over n f32 elements; op: kBinary* of elementwise/interface.h (add, mul,
// silu(a)*b, a*sigmoid(b), add with b broadcast over rows of cols).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer B { float b[]; };
layout(set = 0, binding = 2) writeonly buffer Out { float o[]; };
#include "elementwise/interface.h"
layout(push_constant) uniform Push { BinaryPush pc; };

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
    float x = a[i], y = b[pc.op == kBinaryAddBias ? i % pc.cols : i];
    float r;
    if (pc.op == kBinaryAdd || pc.op == kBinaryAddBias) r = x + y;
    else if (pc.op == kBinaryMul) r = x * y;
    else if (pc.op == kBinarySwiglu) r = silu(x) * y;
    else r = x * sigmoid(y);
    o[i] = r;
  }
}
