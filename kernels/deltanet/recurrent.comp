#version 450
// Gated delta rule, token by token (docs/specs/qwen3_5.md §5.5), continuing from and
// updating the state S [Hv, dk, dv] (f32, dv contiguous). Workgroup (value head h,
// column block) owns CJ state columns: the columns of S evolve independently, so the
// blocks of one head run in parallel. Invocation (column jj, lane part) keeps rows
// part, part + P, ... of its column in registers; sums over the key dim add the P
// lanes with subgroup shuffles. The state is read once and written once per dispatch.
// Tokens go in blocks of TB: q, k (L2-normalised here, q also scaled), v, beta and
// the decay of a block are staged in shared memory, then each invocation runs
//   S *= e^g;  r = S^T k;  delta = beta (v - r);  S += k delta^T;  o = S^T q.
#extension GL_KHR_shader_subgroup_shuffle : enable
#include "common.glsl"
#include "deltanet/deltanet_common.glsl"

layout(constant_id = 0) const uint DK = 128;  // key dim
layout(constant_id = 1) const uint CJ = 16;   // state columns per workgroup
layout(constant_id = 2) const uint P = 8;     // lanes per column (power of 2, <= subgroup size)
layout(constant_id = 3) const uint TB = 16;   // tokens staged per block
const uint WG = CJ * P;
const uint ROWS = DK / P;  // state rows per invocation

layout(local_size_x_id = 4) in;  // = CJ * P
layout(set = 0, binding = 0) readonly buffer QKV { float qkv[]; };   // [T, 2 Hk dk + Hv dv]
layout(set = 0, binding = 1) readonly buffer Beta { float beta[]; }; // [T, Hv]
layout(set = 0, binding = 2) readonly buffer Gate { float gate[]; }; // [T, Hv]
layout(set = 0, binding = 3) buffer State { float state[]; };        // [Hv, dk, dv]
layout(set = 0, binding = 4) writeonly buffer Out { float o[]; };    // [T, Hv dv]
#include "deltanet/interface.h"
layout(push_constant) uniform Push { DeltaNetRecurrentPush pc; };

shared float qk_s[TB * 2 * DK];  // per token: q then k
shared float v_s[TB * CJ];
shared float beta_s[TB], decay_s[TB];

float lane_sum(float x) {
  [[unroll]] for (uint off = P / 2; off > 0; off /= 2) x += subgroupShuffleXor(x, off);
  return x;
}

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint h = gl_WorkGroupID.x;
  const uint jj = tid / P, part = tid % P;
  const uint col = gl_WorkGroupID.y * CJ + jj;
  const uint stride = 2 * pc.hk * DK + pc.hv * pc.dv;
  const uint qo = q_offset(h, pc.hk, pc.hv, DK), ko = k_offset(h, pc.hk, pc.hv, DK);
  const uint vo = v_offset(h, pc.hk, DK, pc.dv) + gl_WorkGroupID.y * CJ;

  float s[ROWS];  // S[part + P*i][col]
  const uint sbase = h * DK * pc.dv + col;
  [[unroll]] for (uint i = 0; i < ROWS; ++i) s[i] = state[sbase + (part + P * i) * pc.dv];

  for (uint t0 = 0; t0 < pc.t; t0 += TB) {
    const uint nt = min(TB, pc.t - t0);
    barrier();  // the previous block is done with the shared arrays
    // Only the nt tokens of this block are staged and normalised: decode (T = 1) would
    // otherwise spend most of its time on TB - 1 empty slots.
    for (uint i = tid; i < nt * 2 * DK; i += WG) {
      uint tt = i / (2 * DK), e = i - tt * 2 * DK;
      qk_s[i] = qkv[(t0 + tt) * stride + (e < DK ? qo + e : ko + e - DK)];
    }
    for (uint i = tid; i < nt * CJ; i += WG) {
      uint tt = i / CJ;
      v_s[i] = qkv[(t0 + tt) * stride + vo + i - tt * CJ];
    }
    for (uint tt = tid; tt < nt; tt += WG) {
      beta_s[tt] = beta[(t0 + tt) * pc.hv + h];
      decay_s[tt] = exp(gate[(t0 + tt) * pc.hv + h]);
    }
    barrier();
    // L2-normalise the 2*nt staged vectors, P lanes per vector (lane group = tid / P).
    for (uint vec = tid / P; vec < 2 * nt; vec += WG / P) {
      float ss = 0.0;
      for (uint e = part; e < DK; e += P) ss += qk_s[vec * DK + e] * qk_s[vec * DK + e];
      float f = l2_factor(lane_sum(ss), pc.eps) * (vec % 2 == 0 ? pc.q_scale : 1.0);
      for (uint e = part; e < DK; e += P) qk_s[vec * DK + e] *= f;
    }
    barrier();
    for (uint tt = 0; tt < nt; ++tt) {
      const uint qb = tt * 2 * DK, kb = qb + DK;
      const float decay = decay_s[tt];
      float r = 0.0;
      [[unroll]] for (uint i = 0; i < ROWS; ++i) {
        s[i] *= decay;
        r += s[i] * qk_s[kb + part + P * i];
      }
      r = lane_sum(r);
      const float delta = beta_s[tt] * (v_s[tt * CJ + jj] - r);
      float y = 0.0;
      [[unroll]] for (uint i = 0; i < ROWS; ++i) {
        s[i] += qk_s[kb + part + P * i] * delta;
        y += s[i] * qk_s[qb + part + P * i];
      }
      y = lane_sum(y);
      if (part == 0) o[(t0 + tt) * pc.hv * pc.dv + h * pc.dv + col] = y;
    }
  }
  [[unroll]] for (uint i = 0; i < ROWS; ++i) state[sbase + (part + P * i) * pc.dv] = s[i];
}
