#version 450
// Chunked gated delta rule, pass 1 (docs/specs/qwen3_5.md §5.10): everything about a chunk
// of C tokens that does not depend on the state entering it. Workgroup (chunk, value
// head h) computes, with padded rows (past T) zero:
//   gamma_r = sum_{s<=r} g_s,  D_rs = e^(gamma_r - gamma_s)                (s <= r)
//   A_rs    = beta_r (k_r . k_s) D_rs  (s < r),  T = (I + A)^-1 (unit lower triangular)
//   U = T (beta v),  W = T (beta e^gamma k),  P_rs = (q_r . k_s) D_rs  (s <= r)
// with q, k L2-normalised (q scaled by dk^-1/2). It writes per (chunk, head):
//   uw:  U [C, dv] then W [C, dk]
//   aux: P [C, C] (zeros above the diagonal), gamma [C], q factor [C], k factor [C]
// (the factors turn raw q, k rows into normalised ones for pass 2).
#include "common.glsl"
#include "deltanet/deltanet_common.glsl"

layout(constant_id = 0) const uint DK = 128;
layout(constant_id = 1) const uint DV = 128;
layout(constant_id = 2) const uint C = 64;  // chunk, multiple of 16, <= 64
const uint WG = 256;
const uint CB = 32;        // columns per block of the U/W product
const uint NT = C / 4;     // 4x4 micro-tiles per side of the C x C products

layout(local_size_x = 256) in;
layout(set = 0, binding = 0) readonly buffer QKV { float qkv[]; };
layout(set = 0, binding = 1) readonly buffer Beta { float beta[]; };
layout(set = 0, binding = 2) readonly buffer Gate { float gate[]; };
layout(set = 0, binding = 3) writeonly buffer UW { float uw[]; };    // [chunks, Hv, C, DV + DK]
layout(set = 0, binding = 4) writeonly buffer Aux { float aux[]; };  // [chunks, Hv, C*C + 3C]
#include "deltanet/interface.h"
layout(push_constant) uniform Push { DeltaNetChunkPreparePush pc; };

// a_s: A strictly below the diagonal; T (below the diagonal, unit diagonal implied)
// stored transposed above it: T[r][c] at a_s[c][r].
shared float a_s[C * (C + 1)];
shared float b_s[C * (CB + 1)];
shared float beta_s[C], gamma_s[C], qf_s[C], kf_s[C];

uint chunk_row(uint r) { return gl_WorkGroupID.x * C + r; }

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint h = gl_WorkGroupID.y;
  const uint t0 = gl_WorkGroupID.x * C;
  const uint valid = min(C, pc.t - t0);
  const uint stride = 2 * pc.hk * DK + pc.hv * DV;
  const uint qo = q_offset(h, pc.hk, pc.hv, DK), ko = k_offset(h, pc.hk, pc.hv, DK);
  const uint vo = v_offset(h, pc.hk, DK, DV);
  const uint block = gl_WorkGroupID.x * pc.hv + h;
  const uint uw_base = block * C * (DV + DK), aux_base = block * (C * C + 3 * C);

  // Gates and normalisation factors (one invocation per vector; rows past T get zeros).
  for (uint i = tid; i < 2 * C; i += WG) {
    uint r = i % C;
    bool is_q = i < C;
    float f = 0.0;
    if (r < valid) {
      uint base = (t0 + r) * stride + (is_q ? qo : ko);
      float ss = 0.0;
      for (uint e = 0; e < DK; ++e) ss += qkv[base + e] * qkv[base + e];
      f = l2_factor(ss, pc.eps) * (is_q ? pc.q_scale : 1.0);
    }
    if (is_q) qf_s[r] = f;
    else kf_s[r] = f;
  }
  for (uint r = tid; r < C; r += WG) {
    beta_s[r] = r < valid ? beta[(t0 + r) * pc.hv + h] : 0.0;
    gamma_s[r] = r < valid ? gate[(t0 + r) * pc.hv + h] : 0.0;
  }
  barrier();
  if (tid == 0)
    for (uint r = 1; r < C; ++r) gamma_s[r] += gamma_s[r - 1];
  barrier();
  for (uint r = tid; r < C; r += WG) {
    aux[aux_base + C * C + r] = gamma_s[r];
    aux[aux_base + C * C + C + r] = qf_s[r];
    aux[aux_base + C * C + 2 * C + r] = kf_s[r];
  }

  // A and P by 4x4 micro-tiles over (rows r, columns s), lower triangle of tiles only.
  for (uint tile = tid; tile < NT * NT; tile += WG) {
    const uint tr = tile / NT, ts = tile % NT;
    float kk[4][4], qk[4][4];
    [[unroll]] for (uint a = 0; a < 4; ++a)
      [[unroll]] for (uint b = 0; b < 4; ++b) kk[a][b] = qk[a][b] = 0.0;
    if (ts <= tr) {
      for (uint e = 0; e < DK; ++e) {
        float kr[4], qr[4], ks[4];
        [[unroll]] for (uint a = 0; a < 4; ++a) {
          uint r = tr * 4 + a, s = ts * 4 + a;
          kr[a] = r < valid ? qkv[(t0 + r) * stride + ko + e] : 0.0;
          qr[a] = r < valid ? qkv[(t0 + r) * stride + qo + e] : 0.0;
          ks[a] = s < valid ? qkv[(t0 + s) * stride + ko + e] : 0.0;
        }
        [[unroll]] for (uint a = 0; a < 4; ++a)
          [[unroll]] for (uint b = 0; b < 4; ++b) {
            kk[a][b] += kr[a] * ks[b];
            qk[a][b] += qr[a] * ks[b];
          }
      }
    }
    [[unroll]] for (uint a = 0; a < 4; ++a)
      [[unroll]] for (uint b = 0; b < 4; ++b) {
        uint r = tr * 4 + a, s = ts * 4 + b;
        float decay = s <= r ? exp(gamma_s[r] - gamma_s[s]) : 0.0;
        if (s < r) a_s[r * (C + 1) + s] = beta_s[r] * kk[a][b] * kf_s[r] * kf_s[s] * decay;
        aux[aux_base + r * C + s] = qk[a][b] * qf_s[r] * kf_s[s] * decay;
      }
  }
  barrier();

  // T = (I + A)^-1 by forward substitution, one invocation per column c:
  //   T[r][c] = -A[r][c] - sum_{c<s<r} A[r][s] T[s][c]   (r > c)
  for (uint c = tid; c < C; c += WG) {
    for (uint r = c + 1; r < C; ++r) {
      float x = -a_s[r * (C + 1) + c];
      for (uint s = c + 1; s < r; ++s) x -= a_s[r * (C + 1) + s] * a_s[c * (C + 1) + s];
      a_s[c * (C + 1) + r] = x;
    }
  }
  barrier();

  // [U | W] = T [beta v | beta e^gamma k], CB columns at a time.
  for (uint c0 = 0; c0 < DV + DK; c0 += CB) {
    for (uint i = tid; i < C * CB; i += WG) {
      uint r = i / CB, cc = i - r * CB, col = c0 + cc;
      float x = 0.0;
      if (r < valid) {
        x = col < DV ? beta_s[r] * qkv[(t0 + r) * stride + vo + col]
                     : beta_s[r] * exp(gamma_s[r]) * kf_s[r] * qkv[(t0 + r) * stride + ko + col - DV];
      }
      b_s[r * (CB + 1) + cc] = x;
    }
    barrier();
    for (uint i = tid; i < C * CB; i += WG) {
      uint r = i / CB, cc = i - r * CB;
      float x = b_s[r * (CB + 1) + cc];
      for (uint s = 0; s < r; ++s) x += a_s[s * (C + 1) + r] * b_s[s * (CB + 1) + cc];
      uw[uw_base + r * (DV + DK) + c0 + cc] = x;
    }
    barrier();
  }
}
