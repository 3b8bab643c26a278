#version 450
// GroupNorm over x [steps, channels] (time-major, as the engine keeps activations): the
// channels form `groups` equal blocks; each block's mean and biased variance span all its
// values at every step, then y = (x - mean) / sqrt(var + eps) * gamma[c] + beta[c].
// One workgroup per group loops over its values three times (mean, variance, output):
// Moonshine has one group over a whole utterance, so this is one reduction over up to a
// few million values, read from memory each pass. `o` may alias `x`.
#include "common.glsl"

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Gamma { float gamma[]; };
layout(set = 0, binding = 2) readonly buffer Beta { float beta[]; };
layout(set = 0, binding = 3) buffer Out { float o[]; };

#include "norm/interface.h"
layout(push_constant) uniform Push { GroupNormPush pc; };

void main() {
  uint per_group = pc.channels / pc.groups;
  uint first = gl_WorkGroupID.x * per_group;
  uint n = pc.steps * per_group;
  // Value i of the group: step i / per_group, channel first + i % per_group.
#define INDEX(i) ((i) / per_group * pc.channels + first + (i) % per_group)
  // Shifted by the group's first value, as the LayerNorm kernel does, so values far from
  // zero keep their precision.
  float shift = x[INDEX(0u)];
  float s = 0.0;
  for (uint i = gl_LocalInvocationIndex; i < n; i += WG) s += x[INDEX(i)] - shift;
  float mean_u = wg_sum(s) / float(n);
  float q = 0.0;
  for (uint i = gl_LocalInvocationIndex; i < n; i += WG) {
    precise float dv = (x[INDEX(i)] - shift) - mean_u;
    q += dv * dv;
  }
  float inv = inversesqrt(wg_sum(q) / float(n) + pc.eps);
  for (uint i = gl_LocalInvocationIndex; i < n; i += WG) {
    uint at = INDEX(i);
    uint c = first + i % per_group;
    precise float dv = (x[at] - shift) - mean_u;
    o[at] = dv * inv * gamma[c] + beta[c];
  }
}
