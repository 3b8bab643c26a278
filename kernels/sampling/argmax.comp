#version 450
// Argmax per row in two dispatches (ops::argmax): the partial pass (grid: chunks x rows)
// finds the best (key, index) of each chunk of a row; the final pass (ARGMAX_FINAL,
// grid: rows) picks the best chunk. First index on ties; NaN counts as -inf.

layout(constant_id = 0) const uint WG = 256;
layout(local_size_x_id = 0) in;
#include "reduce.glsl"

#ifndef ARGMAX_FINAL
layout(set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(set = 0, binding = 1) writeonly buffer Partial { uvec2 partial[]; };  // [rows, chunks]
#else
layout(set = 0, binding = 0) readonly buffer Partial { uvec2 partial[]; };
layout(set = 0, binding = 1) writeonly buffer Ids { int ids[]; };
#endif

#include "sampling/interface.h"
layout(push_constant) uniform Push { ArgmaxPush pc; };

void main() {
  uint t = gl_LocalInvocationIndex;
  uvec2 best = uvec2(0u, kNoIndex);
#ifndef ARGMAX_FINAL
  uint row = gl_WorkGroupID.y, c = gl_WorkGroupID.x;
  uint begin = c * pc.chunk, end = min(begin + pc.chunk, pc.vocab);
  uint base = row * pc.vocab;
  // Each invocation walks its elements in increasing order: strict > keeps the first.
  for (uint i = begin + t; i < end; i += WG) {
    uint k = order_key(logits[base + i]);
    if (k > best.x) best = uvec2(k, i);
  }
  best = wg_best(best);
  if (t == 0) partial[row * pc.chunks + c] = best;
#else
  uint row = gl_WorkGroupID.x;
  for (uint c = t; c < pc.chunks; c += WG) {
    uvec2 p = partial[row * pc.chunks + c];
    if (pair_better(p, best)) best = p;
  }
  best = wg_best(best);
  if (t == 0) ids[row] = int(best.y);
#endif
}
