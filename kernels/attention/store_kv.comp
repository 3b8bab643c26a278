#version 450
// Writes f32 k, v [T, Hkv, D] into f16 caches [capacity, Hkv, D] at rows start + t,
// start read from a buffer at run time. Rows outside [0, capacity) are skipped, so a
// bad position never writes outside the cache. One invocation per pair of halves.
layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer K { vec2 k[]; };
layout(set = 0, binding = 1) readonly buffer V { vec2 v[]; };
layout(set = 0, binding = 2) buffer CacheK { uint cache_k[]; };
layout(set = 0, binding = 3) buffer CacheV { uint cache_v[]; };
layout(set = 0, binding = 4) readonly buffer Start { int start[]; };
#include "attention/interface.h"
layout(push_constant) uniform Push { StoreKvPush pc; };

void main() {
  int first = start[0];
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < pc.pairs; i += stride) {
    uint t = i / pc.row_pairs;
    if (first < 0 || uint(first) + t >= pc.capacity) continue;  // no overflow: first < 2^31, t < 2^31
    uint dst = (uint(first) + t) * pc.row_pairs + (i - t * pc.row_pairs);
    cache_k[dst] = packHalf2x16(k[i]);
    cache_v[dst] = packHalf2x16(v[i]);
  }
}
