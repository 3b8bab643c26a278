#version 450
// The NanoCodec decoder's activations (codec/interface.h): HalfSnake (Snake on the first
// channels, LeakyReLU on the rest) and the output clamp, each on scale * x (the scale
// folds the residual layers' mean into the activation that follows them).
#include "common.glsl"
#include "codec/interface.h"
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Alpha { float alpha[]; };  // [snake]
layout(set = 0, binding = 2) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push { CodecActivationPush pc; };

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.n; i += stride) {
    const float v = pc.scale * x[i];
    float r;
    if (pc.op == kCodecClamp) {
      r = clamp(v, -1.0, 1.0);
    } else {
      const uint c = i % pc.cols;
      if (c < pc.snake) {
        const float a = alpha[c];
        const float s = sin(a * v);
        r = v + s * s / (a + 1e-9);
      } else {
        r = v < 0.0 ? 0.01 * v : v;
      }
    }
    o[pc.out_offset + i] = r;
  }
}
