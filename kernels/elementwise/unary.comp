#version 450
// out = f(x) over n f32 elements; f: silu, sigmoid, gelu (tanh), gelu (erf), softplus,
// scale by a constant, tanh (kUnary* of elementwise/interface.h).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Out { float o[]; };
#include "elementwise/interface.h"
layout(push_constant) uniform Push { UnaryPush pc; };

// erf by Abramowitz-Stegun 7.1.26 is too coarse (1.5e-7 abs is fine, but its relative
// error near 0 is poor); use the erfc-based series with |error| < 1.2e-7 instead.
float erf_approx(float v) {
  float z = abs(v);
  float t = 1.0 / (1.0 + 0.5 * z);
  float r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
  return v >= 0.0 ? 1.0 - r : r - 1.0;
}

// tanh from exp(-2|x|), which cannot overflow (the built-in may give NaN for large |x|).
float tanh_stable(float v) {
  float e = exp(-2.0 * abs(v));
  float t = (1.0 - e) / (1.0 + e);
  return v < 0.0 ? -t : t;
}

void main() {
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
    float v = x[i];
    float r;
    if (pc.op == kUnarySilu) r = silu(v);
    else if (pc.op == kUnarySigmoid) r = sigmoid(v);
    else if (pc.op == kUnaryGeluTanh) r = 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    else if (pc.op == kUnaryGeluErf) r = 0.5 * v * (1.0 + erf_approx(v * 0.7071067811865476));
    else if (pc.op == kUnaryScale) r = v * pc.alpha;
    else if (pc.op == kUnaryTanh) r = tanh_stable(v);
    else r = softplus(v);
    o[i] = r;
  }
}
