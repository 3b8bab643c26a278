#version 450
// Top-k, merge pass: one workgroup selects the k best of the chunks' candidates
// (cand [chunks, k] from topk_partial). Without SAMPLE it writes them out (values f32,
// ids i32); with SAMPLE (k == 256) it draws one token from them:
//
//   greedy (temperature <= 0): the best candidate
//   else K = top_k (0: all), e_i = exp((v_i - v_0) / temperature) for i < K (v sorted, so
//   e_i = p_i / p_max), then keep the prefix [0, L): top-p drops i once the mass before
//   it reaches top_p, min-p drops i once e_i < min_p (L >= 1), and the token is the first
//   i < L whose running mass exceeds u * mass(L), u = uniform [0, 1) from the counter-based
//   RNG below keyed by (seed, step). All cuts are prefixes because candidates are sorted.
#include "keys.glsl"
#include "sampling/interface.h"

layout(local_size_x = kSelectSlots) in;

layout(set = 0, binding = 0) readonly buffer Cand { uvec2 cand[]; };
#ifdef SAMPLE
#define PARAMS_BINDING 1
#include "sampling/params.glsl"
layout(set = 0, binding = 2) writeonly buffer Token { int token[]; };
#else
layout(set = 0, binding = 1) writeonly buffer Values { float values[]; };
layout(set = 0, binding = 2) writeonly buffer Ids { int ids[]; };
#endif

layout(push_constant) uniform Push { TopkMergePush pc; };

// No global top-k element ranks below the k-th best of any single chunk (that chunk
// alone has k better ones), so candidates under the largest such key are skipped.
shared uint merge_bound;

uint sel_size() { return pc.chunks * pc.k; }
uint sel_key(uint j) {
  uint key = cand[j].x;
  return key >= merge_bound ? key : 0u;
}
uint sel_index(uint j) { return cand[j].y; }

#include "sampling/select.glsl"

#ifdef SAMPLE
// PCG hash (a permutation of u32 with good avalanche, Jarzynski & Olano 2020); the draw
// for (seed, step) is pcg(pcg(seed) + step), its top 24 bits scaled to [0, 1).
// tests/reference/sampling.cpp implements the same function.
uint pcg_hash(uint v) {
  uint state = v * 747796405u + 2891336453u;
  uint word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

shared float mass[kSlots];  // inclusive running sum of e
shared uint cut;
shared uint pick;

void draw(uint count) {
  uint t = gl_LocalInvocationIndex;
  float v0 = key_value(top_key[0]);
  uint kk = params.top_k == 0u ? kSlots : min(params.top_k, kSlots);
  kk = min(kk, count);
  // Uniform across the workgroup (parameters and shared data), so returning is safe.
  if (params.temperature <= 0.0 || kk <= 1u || isinf(v0) || isnan(params.temperature)) {
    if (t == 0u) token[0] = int(top_idx[0]);
    return;
  }
  float e = t < kk ? exp((key_value(top_key[t]) - v0) / params.temperature) : 0.0;

  // Inclusive scan (Hillis-Steele).
  mass[t] = e;
  barrier();
  for (uint off = 1u; off < kSlots; off <<= 1u) {
    float add = t >= off ? mass[t - off] : 0.0;
    barrier();
    mass[t] += add;
    barrier();
  }
  float total = mass[kSlots - 1u];

  if (t == 0u) {
    cut = kk;
    pick = kNoIndex;
  }
  barrier();
  if (t >= 1u && t < kk) {
    bool drop = (params.top_p < 1.0 && mass[t - 1u] >= params.top_p * total) ||
                (params.min_p > 0.0 && e < params.min_p);
    if (drop) atomicMin(cut, t);
  }
  barrier();
  uint keep = cut;
  float u = float(pcg_hash(pcg_hash(params.seed) + params.step) >> 8u) * (1.0 / 16777216.0);
  float target = u * mass[keep - 1u];
  if (t < keep && mass[t] > target) atomicMin(pick, t);
  barrier();
  if (t == 0u) token[0] = int(top_idx[min(pick, keep - 1u)]);
}
#endif

void main() {
  uint t = gl_LocalInvocationIndex;
  if (t == 0u) merge_bound = 0u;
  barrier();
  for (uint c = t; c < pc.chunks; c += kSlots) atomicMax(merge_bound, cand[c * pc.k + pc.k - 1u].x);
  barrier();
  uint count = select_top(pc.k);
#ifdef SAMPLE
  draw(count);
#else
  if (t < pc.k) {
    values[t] = key_value(top_key[t]);
    ids[t] = int(top_idx[t]);
  }
#endif
}
