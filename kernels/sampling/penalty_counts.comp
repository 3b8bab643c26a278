#version 450
// Occurrences of each token in the sampling history: counts[token] += 1 per entry (the
// graph zeroes counts first). Only the first history_len entries count; ids outside
// [0, vocab) are ignored.
layout(local_size_x = 256) in;

layout(set = 0, binding = 0) readonly buffer History { int history[]; };
#define PARAMS_BINDING 1
#include "sampling/params.glsl"
layout(set = 0, binding = 2) buffer Counts { uint counts[]; };

#include "sampling/interface.h"
layout(push_constant) uniform Push { PenaltyCountsPush pc; };

void main() {
  uint n = min(params.history_len, pc.capacity);
  for (uint j = gl_GlobalInvocationID.x; j < n; j += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    int token = history[j];
    if (token >= 0 && uint(token) < pc.vocab) atomicAdd(counts[token], 1u);
  }
}
