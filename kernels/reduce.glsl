// Workgroup-wide reductions over the WG invocations of a 1-D workgroup. The includer
// declares WG (a power of two, usually the constant_id 0 specialisation constant that
// also sizes the workgroup) before including this file.
//
// Two variants, chosen when the kernel is compiled (see engine/ops/reduce_path.h):
// with VOLE_SUBGROUP_REDUCE each subgroup combines its values with subgroup arithmetic
// and shared memory carries one value per subgroup; without it a shared-memory tree does
// all the work (devices without subgroup arithmetic). Neither assumes a subgroup size.
//
// Every invocation of the workgroup must call these (they contain barriers) and every
// invocation receives the result. The scratch is free again when they return.
#ifndef VOLE_REDUCE_GLSL
#define VOLE_REDUCE_GLSL

#include "keys.glsl"

#ifdef VOLE_SUBGROUP_REDUCE
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

shared float reduce_f[WG];
shared uvec2 reduce_pair[WG];

float wg_sum(float v) {
#ifdef VOLE_SUBGROUP_REDUCE
  v = subgroupAdd(v);
  if (subgroupElect()) reduce_f[gl_SubgroupID] = v;
  barrier();
  // Every invocation adds the per-subgroup sums in the same order: one result for all.
  float total = 0.0;
  for (uint i = 0; i < gl_NumSubgroups; ++i) total += reduce_f[i];
#else
  uint t = gl_LocalInvocationIndex;
  reduce_f[t] = v;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (t < s) reduce_f[t] += reduce_f[t + s];
    barrier();
  }
  float total = reduce_f[0];
#endif
  barrier();
  return total;
}

// The best (key, index) pair of the workgroup in the order of keys.glsl.
uvec2 wg_best(uvec2 p) {
#ifdef VOLE_SUBGROUP_REDUCE
  uint top = subgroupMax(p.x);
  uint idx = subgroupMin(p.x == top ? p.y : 0xffffffffu);
  if (subgroupElect()) reduce_pair[gl_SubgroupID] = uvec2(top, idx);
  barrier();
  uvec2 best = reduce_pair[0];
  for (uint i = 1; i < gl_NumSubgroups; ++i)
    if (pair_better(reduce_pair[i], best)) best = reduce_pair[i];
#else
  uint t = gl_LocalInvocationIndex;
  reduce_pair[t] = p;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (t < s && pair_better(reduce_pair[t + s], reduce_pair[t])) reduce_pair[t] = reduce_pair[t + s];
    barrier();
  }
  uvec2 best = reduce_pair[0];
#endif
  barrier();
  return best;
}

#endif
