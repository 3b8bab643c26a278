#version 450
// Attention for many queries, tiled with an online softmax (flash attention on the
// shader cores). Workgroup (tile, kv head j) takes BQ rows of the packed
// (query t, head g) list of the G query heads sharing kv head j (row = t*G + g), so
// every K/V tile loaded into shared memory serves all of them. Per key tile of BK keys:
//   load K  -> scores S = scale * Q K^T, masked  -> row max/sum (online softmax)
//   load V  -> O = O * alpha + P V
// Causal: query t sits at position past + t and sees keys 0 .. past + t.
// KV_F16: keys/values are f16 (the cache, read as uint pairs); else f32.
// PACKED: many sequences back to back (past = 0, keys = queries' rows); bounds[t] is
// the [start, end) of token t's sequence, so a query sees only its own sequence
// (causally or not), and radius > 0 further limits it to keys s with t - radius <= s <=
// t + ahead (a sliding window; ahead = radius is symmetric, Moonshine Streaming's differ). A tile's rows cover consecutive tokens, whose key
// ranges only move forward, so the tile reads keys from its first row's start to its
// last row's end.
#extension GL_EXT_control_flow_attributes : enable

layout(constant_id = 0) const uint D = 128;  // head dim, multiple of 8, <= 256
layout(constant_id = 1) const uint G = 1;    // query heads per kv head
layout(constant_id = 2) const uint BQ = 32;  // rows per tile (16, 32 or 64)
layout(constant_id = 3) const uint BK = 16;  // keys per tile (multiple of 128 / BQ)
const uint WG = 128;
const uint D4 = D / 4;
const uint QSTRIDE = D4 + 1;          // vec4 row stride in shared (padded against bank conflicts)
const uint TPR = WG / BQ;             // invocations per row in the score pass
const uint NDG = D / 8;               // dim groups of 8 in the value pass
const uint NRG = WG / NDG;            // row groups in the value pass
const uint RPT = (BQ + NRG - 1) / NRG;  // rows per invocation in the value pass
const float NEG = -1.0e30;

layout(local_size_x = 128) in;
layout(set = 0, binding = 0) readonly buffer Q { vec4 q4[]; };  // [T, H, D]
#ifdef KV_F16
layout(set = 0, binding = 1) readonly buffer K { uvec2 k2[]; };  // [N, Hkv, D] f16
layout(set = 0, binding = 2) readonly buffer V { uvec2 v2[]; };
#else
layout(set = 0, binding = 1) readonly buffer K { vec4 k4[]; };   // [N, Hkv, D] f32
layout(set = 0, binding = 2) readonly buffer V { vec4 v4[]; };
#endif
layout(set = 0, binding = 3) writeonly buffer Out { vec4 o4[]; };  // [T, H, D]
#ifdef PACKED
layout(set = 0, binding = 4) readonly buffer Bounds { ivec2 bounds[]; };  // [T]: sequence [start, end)
#endif
#include "attention/interface.h"
layout(push_constant) uniform Push { AttentionPrefillPush pc; };

shared vec4 q_s[BQ * QSTRIDE];
shared vec4 kv_s[BK * QSTRIDE];
shared float p_s[BQ * (BK + 1)];
shared float m_s[BQ], l_s[BQ], alpha_s[BQ];

vec4 load_kv(bool keys, uint row, uint j, uint d4) {
  uint idx = (row * pc.hkv + j) * D4 + d4;
#ifdef KV_F16
  uvec2 raw = keys ? k2[idx] : v2[idx];
  return vec4(unpackHalf2x16(raw.x), unpackHalf2x16(raw.y));
#else
  return keys ? k4[idx] : v4[idx];
#endif
}

// Stages BK rows of K or V (zeros past `kend`) into kv_s.
void stage(bool keys, uint k0, uint kend, uint j) {
  for (uint i = gl_LocalInvocationID.x; i < BK * D4; i += WG) {
    uint n = i / D4, d4 = i - n * D4;
    kv_s[n * QSTRIDE + d4] = k0 + n < kend ? load_kv(keys, k0 + n, j, d4) : vec4(0.0);
  }
}

// The keys query token t sees: [lo, hi).
uvec2 key_range(uint t) {
#ifdef PACKED
  uint lo = uint(bounds[t].x), hi = uint(bounds[t].y);
  if (pc.causal != 0) hi = min(hi, t + 1);
  if (pc.radius != 0) {
    lo = max(lo, t > pc.radius ? t - pc.radius : 0);
    hi = min(hi, t + pc.ahead + 1);
  }
  return uvec2(lo, hi);
#else
  return uvec2(0, pc.causal != 0 ? min(pc.nkeys, pc.past + t + 1) : pc.nkeys);
#endif
}

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint j = gl_WorkGroupID.y;
  const uint rows_total = pc.t * G;
  const uint r0 = gl_WorkGroupID.x * BQ;
  const uint rows = min(BQ, rows_total - r0);

  // Q tile (zeros for rows past the end) and row statistics.
  for (uint i = tid; i < BQ * D4; i += WG) {
    uint r = i / D4, d4 = i - r * D4;
    vec4 x = vec4(0.0);
    if (r < rows) {
      uint row = r0 + r, t = row / G, g = row - t * G;
      x = q4[(t * pc.h + j * G + g) * D4 + d4];
    }
    q_s[r * QSTRIDE + d4] = x;
  }
  for (uint r = tid; r < BQ; r += WG) {
    m_s[r] = NEG;
    l_s[r] = 0.0;
  }

  // Keys this tile can see: from its first query's first key to its last query's last.
  const uint kstart = key_range(r0 / G).x;
  const uint kend = key_range((r0 + rows - 1) / G).y;

  // Score pass mapping: row sr, keys lane, lane + TPR, ...
  const uint sr = tid / TPR, lane = tid % TPR;
  const uvec2 s_keys = key_range(min((r0 + sr) / G, pc.t - 1));  // row sr's keys
  // Value pass mapping: dim group dg (dims 8dg .. 8dg+7), rows vr, vr + NRG, ...
  const uint dg = tid % NDG, vr = tid / NDG;
  vec4 acc[RPT][2];
  [[unroll]] for (uint i = 0; i < RPT; ++i) acc[i][0] = acc[i][1] = vec4(0.0);

  for (uint k0 = kstart; k0 < kend; k0 += BK) {
    barrier();  // previous tile's value pass is done with kv_s and p_s
    stage(true, k0, kend, j);
    barrier();
    [[unroll]] for (uint c = 0; c < BK / TPR; ++c) {
      const uint n = lane + c * TPR;
      float s = 0.0;
      for (uint d4 = 0; d4 < D4; ++d4) s += dot(q_s[sr * QSTRIDE + d4], kv_s[n * QSTRIDE + d4]);
      bool visible = sr < rows && k0 + n >= s_keys.x && k0 + n < s_keys.y;
      p_s[sr * (BK + 1) + n] = visible ? s * pc.scale : NEG;
    }
    barrier();
    stage(false, k0, kend, j);
    for (uint r = tid; r < BQ; r += WG) {  // online softmax, one invocation per row
      float m_old = m_s[r], mx = m_old;
      for (uint n = 0; n < BK; ++n) mx = max(mx, p_s[r * (BK + 1) + n]);
      float sum = 0.0;
      for (uint n = 0; n < BK; ++n) {
        float s = p_s[r * (BK + 1) + n];
        float p = s > 0.5 * NEG ? exp(s - mx) : 0.0;
        p_s[r * (BK + 1) + n] = p;
        sum += p;
      }
      float alpha = exp(m_old - mx);
      alpha_s[r] = alpha;
      l_s[r] = l_s[r] * alpha + sum;
      m_s[r] = mx;
    }
    barrier();
    if (vr < NRG) {
      [[unroll]] for (uint i = 0; i < RPT; ++i) {
        uint r = vr + i * NRG;
        if (r < BQ) {
          float a = alpha_s[r];
          acc[i][0] *= a;
          acc[i][1] *= a;
        }
      }
      for (uint n = 0; n < BK; ++n) {
        vec4 v0 = kv_s[n * QSTRIDE + 2 * dg], v1 = kv_s[n * QSTRIDE + 2 * dg + 1];
        [[unroll]] for (uint i = 0; i < RPT; ++i) {
          uint r = vr + i * NRG;
          if (r < BQ) {
            float p = p_s[r * (BK + 1) + n];
            acc[i][0] += p * v0;
            acc[i][1] += p * v1;
          }
        }
      }
    }
  }

  if (vr < NRG) {
    [[unroll]] for (uint i = 0; i < RPT; ++i) {
      uint r = vr + i * NRG;
      if (r < rows) {
        uint row = r0 + r, t = row / G, g = row - t * G;
        float inv = 1.0 / l_s[r];
        uint base = (t * pc.h + j * G + g) * D4 + 2 * dg;
        o4[base] = acc[i][0] * inv;
        o4[base + 1] = acc[i][1] * inv;
      }
    }
  }
}
