#version 450
// Row normalisations over rows of d f32 values, one workgroup per row (the host sizes
// the workgroup to d). Statistics in f32; the input is read again instead of being held
// in registers, so any d works. `o` may alias `x`: each invocation reads an element
// before it writes it and no other invocation touches it.
//
// One kernel per variant (kernels/CMakeLists.txt), selected by a define:
//   NORM_RMS    y = x / sqrt(mean(x²) + eps) * (w or 1 + w)      bindings x, w, o
//   NORM_GATED  y = w * (x / sqrt(mean(x²) + eps)) * silu(z)      bindings x, z, w, o
//   NORM_L2     y = x / sqrt(sum(x²) + eps) * scale               bindings x, o
//   NORM_LAYER  y = (x - mean) / sqrt(var + eps) * w + b          bindings x, w, b, o
//   NORM_LAYER_NOBIAS  y = (x - mean) / sqrt(var + eps) * (w or 1 + w)   bindings x, w, o
//   NORM_FRAME_ASINH   y = asinh(exp(w[0]) * (x - mean) / sqrt(var + eps))  bindings x, w, o
//               (Moonshine Streaming's per-frame CMVN and asinh compression; w = log_k [1])
#include "common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
#if defined(NORM_RMS)
layout(set = 0, binding = 1) readonly buffer W { float w[]; };
layout(set = 0, binding = 2) buffer Out { float o[]; };
#elif defined(NORM_GATED)
layout(set = 0, binding = 1) readonly buffer Z { float z[]; };
layout(set = 0, binding = 2) readonly buffer W { float w[]; };
layout(set = 0, binding = 3) buffer Out { float o[]; };
#elif defined(NORM_L2)
layout(set = 0, binding = 1) buffer Out { float o[]; };
#elif defined(NORM_LAYER)
layout(set = 0, binding = 1) readonly buffer W { float w[]; };
layout(set = 0, binding = 2) readonly buffer B { float b[]; };
layout(set = 0, binding = 3) buffer Out { float o[]; };
#elif defined(NORM_LAYER_NOBIAS) || defined(NORM_FRAME_ASINH)
layout(set = 0, binding = 1) readonly buffer W { float w[]; };
layout(set = 0, binding = 2) buffer Out { float o[]; };
#else
#error "define one of NORM_RMS, NORM_GATED, NORM_L2, NORM_LAYER, NORM_LAYER_NOBIAS, NORM_FRAME_ASINH"
#endif

#if defined(NORM_FRAME_ASINH)
// asinh(v) = sign(v) * log(|v| + sqrt(v² + 1)), with sqrt(v² + 1) written as |v| *
// sqrt(1 + 1/v²) above 1e18 so v² cannot overflow, and v itself below 1e-4 (where the
// log form cancels; the series' next term, v³/6, is below 2e-13).
float asinh_stable(float v) {
  float a = abs(v);
  float r = a < 1e-4 ? a : log(a + (a > 1e18 ? a * sqrt(1.0 + 1.0 / (a * a)) : sqrt(a * a + 1.0)));
  return v < 0.0 ? -r : r;
}
#endif

#include "norm/interface.h"
layout(push_constant) uniform Push { NormPush pc; };

float sum_of_squares(uint base) {
  float s = 0.0;
  for (uint i = gl_LocalInvocationIndex; i < pc.d; i += WG) {
    float v = x[base + i];
    s += v * v;
  }
  return wg_sum(s);
}

void main() {
  // More rows than workgroups (beyond the 65535 every device allows): loop. The row is
  // uniform across the workgroup, so the barriers inside stay in uniform control flow.
  for (uint row = gl_WorkGroupID.x; row < pc.rows; row += gl_NumWorkGroups.x) {
    uint base = row * pc.d;
#if defined(NORM_RMS) || defined(NORM_GATED)
    float inv = inversesqrt(sum_of_squares(base) / float(pc.d) + pc.eps);
#elif defined(NORM_L2)
    float inv = inversesqrt(sum_of_squares(base) + pc.eps) * pc.scale;
#else
    // Rows far from zero (x ~ 1000 + noise) would lose precision in an f32 mean, so work
    // with u = x - x[0] (exact for nearby values): mean_u, then var from u - mean_u.
    float shift = x[base];
    float s = 0.0;
    for (uint i = gl_LocalInvocationIndex; i < pc.d; i += WG) s += x[base + i] - shift;
    float mean_u = wg_sum(s) / float(pc.d);
    float q = 0.0;
    for (uint i = gl_LocalInvocationIndex; i < pc.d; i += WG) {
      precise float dv = (x[base + i] - shift) - mean_u;  // precise: not v - (shift + mean_u)
      q += dv * dv;
    }
    float inv = inversesqrt(wg_sum(q) / float(pc.d) + pc.eps);
#endif
    for (uint i = gl_LocalInvocationIndex; i < pc.d; i += WG) {
      float v = x[base + i];
#if defined(NORM_RMS)
      float wi = pc.plus_one != 0 ? 1.0 + w[i] : w[i];
      o[base + i] = v * inv * wi;
#elif defined(NORM_GATED)
      o[base + i] = w[i] * (v * inv) * silu(z[base + i]);
#elif defined(NORM_L2)
      o[base + i] = v * inv;
#elif defined(NORM_LAYER)
      precise float dv = (v - shift) - mean_u;
      o[base + i] = dv * inv * w[i] + b[i];
#elif defined(NORM_FRAME_ASINH)
      precise float dv = (v - shift) - mean_u;
      o[base + i] = asinh_stable(exp(w[0]) * (dv * inv));
#else
      precise float dv = (v - shift) - mean_u;
      float wi = pc.plus_one != 0 ? 1.0 + w[i] : w[i];
      o[base + i] = dv * inv * wi;
#endif
    }
  }
}
