#version 450
// Flash-decoding, pass 1: one query token against a slice of the f16 KV cache.
// Workgroup (split s, kv head j) handles the G query heads that share kv head j over
// cache rows [s*chunk, min((s+1)*chunk, kv_len)), chunk = max(ceil(kv_len/splits),
// min_chunk) with kv_len read at run time. It streams the slice in tiles of 128 rows:
//   scores   one invocation per row, all G heads (K row read once for the group)
//   softmax  running max per head over the tiles (online softmax)
//   values   invocations own dim pairs; R2 row groups split the rows when D/2 < 128
// and writes one unnormalised partial (acc, max, sum) per (head, split, row group)
// for decode_merge.comp. Splits past kv_len write nothing (the merge never reads them).
#extension GL_EXT_control_flow_attributes : enable
#include "attention/interface.h"

layout(constant_id = 0) const uint D = 256;  // head dim, multiple of 8, <= 256
layout(constant_id = 1) const uint G = 4;    // query heads per kv head, <= 16
const uint WG = kDecodeWorkgroup;             // = rows per tile
const uint DP = D / 2;                        // dim pairs (one uint of two halves)
const uint R2 = WG / DP;                      // row groups of the value pass
const uint NPART = 16;                        // partial maxima per head and tile
const float NEG = -1.0e30;

layout(local_size_x = WG) in;
layout(set = 0, binding = 0) readonly buffer Q { vec4 q4[]; };        // [H, D]
layout(set = 0, binding = 1) readonly buffer CK { uvec4 ck[]; };      // [capacity, Hkv, D] f16
layout(set = 0, binding = 2) readonly buffer CV { uint cv[]; };       // [capacity, Hkv, D] f16
layout(set = 0, binding = 3) readonly buffer KvLen { int kv_len_buf[]; };
layout(set = 0, binding = 4) writeonly buffer Acc { vec2 part_acc[]; };  // [H, NP, D]
layout(set = 0, binding = 5) writeonly buffer ML { vec2 part_ml[]; };    // [H, NP] (max, sum)
layout(push_constant) uniform Push { AttentionDecodePush pc; };

shared vec4 q_s[G * D / 4];
shared float p_s[G * WG];
shared float pmax_s[G * NPART];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint split = gl_WorkGroupID.x, j = gl_WorkGroupID.y;
  const uint kv_len = uint(clamp(kv_len_buf[0], 0, int(pc.capacity)));
  const uint chunk = max((kv_len + pc.splits - 1) / pc.splits, pc.min_chunk);
  const uint begin = split * chunk;
  if (begin >= kv_len) return;  // uniform over the workgroup
  const uint end = min(begin + chunk, kv_len);

  for (uint i = tid; i < G * D / 4; i += WG) q_s[i] = q4[j * G * D / 4 + i];

  const uint dp = tid % DP, rg = tid / DP;
  float m[G], l[G];
  vec2 acc[G];
  [[unroll]] for (uint g = 0; g < G; ++g) {
    m[g] = NEG;
    l[g] = 0.0;
    acc[g] = vec2(0.0);
  }
  barrier();

  for (uint tile = begin; tile < end; tile += WG) {
    const uint rows = min(WG, end - tile);
    // Scores: invocation tid takes row tile + tid.
    float s[G];
    [[unroll]] for (uint g = 0; g < G; ++g) s[g] = 0.0;
    if (tid < rows) {
      const uint base = ((tile + tid) * pc.hkv + j) * (D / 8);
      for (uint d8 = 0; d8 < D / 8; ++d8) {
        uvec4 raw = ck[base + d8];
        vec4 k0 = vec4(unpackHalf2x16(raw.x), unpackHalf2x16(raw.y));
        vec4 k1 = vec4(unpackHalf2x16(raw.z), unpackHalf2x16(raw.w));
        [[unroll]] for (uint g = 0; g < G; ++g)
          s[g] += dot(q_s[g * D / 4 + 2 * d8], k0) + dot(q_s[g * D / 4 + 2 * d8 + 1], k1);
      }
      [[unroll]] for (uint g = 0; g < G; ++g) {
        s[g] *= pc.scale;
        p_s[g * WG + tid] = s[g];
      }
    }
    barrier();
    // Tile maximum per head: NPART partial maxima, then every invocation combines them.
    const uint per_part = WG / NPART;
    for (uint i = tid; i < G * NPART; i += WG) {
      uint g = i / NPART, part = i % NPART;
      float mx = NEG;
      for (uint r = part * per_part; r < min(rows, (part + 1) * per_part); ++r) mx = max(mx, p_s[g * WG + r]);
      pmax_s[i] = mx;
    }
    barrier();
    float alpha[G];
    [[unroll]] for (uint g = 0; g < G; ++g) {
      float mx = m[g];
      for (uint part = 0; part < NPART; ++part) mx = max(mx, pmax_s[g * NPART + part]);
      alpha[g] = exp(m[g] - mx);
      m[g] = mx;
    }
    if (tid < rows)
      [[unroll]] for (uint g = 0; g < G; ++g) p_s[g * WG + tid] = exp(s[g] - m[g]);
    barrier();
    // Values: row group rg takes rows rg, rg + R2, ...; invocation dp owns dims 2dp, 2dp+1.
    if (rg < R2) {
      [[unroll]] for (uint g = 0; g < G; ++g) {
        acc[g] *= alpha[g];
        l[g] *= alpha[g];
      }
      for (uint r = rg; r < rows; r += R2) {
        vec2 v = unpackHalf2x16(cv[((tile + r) * pc.hkv + j) * DP + dp]);
        [[unroll]] for (uint g = 0; g < G; ++g) {
          float p = p_s[g * WG + r];
          acc[g] += p * v;
          l[g] += p;
        }
      }
    }
    barrier();
  }

  if (rg < R2) {
    const uint np = pc.splits * R2, part = split * R2 + rg;
    [[unroll]] for (uint g = 0; g < G; ++g) {
      const uint h = j * G + g;
      part_acc[(h * np + part) * DP + dp] = acc[g];
      if (dp == 0) part_ml[h * np + part] = vec2(m[g], l[g]);
    }
  }
}
