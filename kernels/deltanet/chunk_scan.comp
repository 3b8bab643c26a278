#version 450
// Chunked gated delta rule, pass 2 (docs/specs/qwen3_5.md §5.10): walks the chunks in order,
// carrying the state. Workgroup (value head h, column block) owns CJ state columns
// (independent of the other columns) in shared memory. Per chunk, with U, W, P, gamma
// and the q/k normalisation factors from chunk_prepare.comp:
//   V' = U - W S                                          [C, CJ]
//   O  = (e^gamma q) S + P V'                             [C, CJ]  -> out
//   S  = e^gamma_last S + (e^(gamma_last - gamma) k)^T V'
// The state is read once and written once per dispatch.
#include "common.glsl"
#include "deltanet/deltanet_common.glsl"

layout(constant_id = 0) const uint DK = 128;
layout(constant_id = 1) const uint DV = 128;
layout(constant_id = 2) const uint C = 64;   // chunk, multiple of 16, <= 64
layout(constant_id = 3) const uint CJ = 16;  // state columns per workgroup (8, 16 or 32)
const uint WG = 128;
const uint RG = WG / CJ;      // row groups
const uint CR = C / RG;       // chunk rows per invocation (V', O)
const uint SR = DK / RG;      // state rows per invocation (update)

layout(local_size_x = 128) in;
layout(set = 0, binding = 0) readonly buffer QKV { float qkv[]; };
layout(set = 0, binding = 1) readonly buffer UW { vec4 uw4[]; };     // [chunks, Hv, C, DV + DK]
layout(set = 0, binding = 2) readonly buffer Aux { float aux[]; };   // [chunks, Hv, C*C + 3C]
layout(set = 0, binding = 3) buffer State { float state[]; };        // [Hv, DK, DV]
layout(set = 0, binding = 4) writeonly buffer Out { float o[]; };    // [T, Hv DV]
#include "deltanet/interface.h"
layout(push_constant) uniform Push { DeltaNetChunkScanPush pc; };

shared float s_s[DK * CJ];
shared float vp_s[C * CJ];
shared float gamma_s[C], qf_s[C], kf_s[C];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint h = gl_WorkGroupID.x;
  const uint c0 = gl_WorkGroupID.y * CJ;
  const uint jj = tid % CJ, rg = tid / CJ;
  const uint stride = 2 * pc.hk * DK + pc.hv * DV;
  const uint qo = q_offset(h, pc.hk, pc.hv, DK), ko = k_offset(h, pc.hk, pc.hv, DK);
  const uint chunks = (pc.t + C - 1) / C;

  for (uint i = tid; i < DK * CJ; i += WG) {
    uint r = i / CJ;
    s_s[i] = state[(h * DK + r) * DV + c0 + i - r * CJ];
  }

  for (uint ch = 0; ch < chunks; ++ch) {
    const uint t0 = ch * C, valid = min(C, pc.t - t0);
    const uint block = ch * pc.hv + h;
    const uint uw_base4 = block * C * (DV + DK) / 4, aux_base = block * (C * C + 3 * C);
    barrier();  // previous chunk done with vp_s and the gamma/factor arrays
    for (uint r = tid; r < C; r += WG) {
      gamma_s[r] = aux[aux_base + C * C + r];
      qf_s[r] = aux[aux_base + C * C + C + r];
      kf_s[r] = aux[aux_base + C * C + 2 * C + r];
    }
    barrier();

    // V' = U - W S: rows rg + RG*m, column jj.
    float acc[CR];
    [[unroll]] for (uint m = 0; m < CR; ++m) acc[m] = 0.0;
    for (uint e4 = 0; e4 < DK / 4; ++e4) {
      vec4 sv = vec4(s_s[(4 * e4) * CJ + jj], s_s[(4 * e4 + 1) * CJ + jj], s_s[(4 * e4 + 2) * CJ + jj],
                     s_s[(4 * e4 + 3) * CJ + jj]);
      [[unroll]] for (uint m = 0; m < CR; ++m) {
        uint r = rg + RG * m;
        acc[m] += dot(uw4[uw_base4 + (r * (DV + DK) + DV) / 4 + e4], sv);
      }
    }
    [[unroll]] for (uint m = 0; m < CR; ++m) {
      uint r = rg + RG * m;
      uint u = uw_base4 * 4 + r * (DV + DK) + c0 + jj;
      vp_s[r * CJ + jj] = uw4[u / 4][u % 4] - acc[m];
    }
    barrier();

    // O = (e^gamma q) S + P V' for the valid rows.
    [[unroll]] for (uint m = 0; m < CR; ++m) acc[m] = 0.0;
    for (uint e = 0; e < DK; ++e) {
      float sv = s_s[e * CJ + jj];
      [[unroll]] for (uint m = 0; m < CR; ++m) {
        uint r = rg + RG * m;
        if (r < valid) acc[m] += qkv[(t0 + r) * stride + qo + e] * sv;
      }
    }
    [[unroll]] for (uint m = 0; m < CR; ++m) {
      uint r = rg + RG * m;
      if (r < valid) {
        float y = acc[m] * exp(gamma_s[r]) * qf_s[r];
        for (uint s = 0; s <= r; ++s) y += aux[aux_base + r * C + s] * vp_s[s * CJ + jj];
        o[(t0 + r) * pc.hv * DV + h * DV + c0 + jj] = y;
      }
    }
    barrier();  // everyone is done reading S

    // S = e^gamma_last S + sum_r e^(gamma_last - gamma_r) k_r V'_r: rows rg*SR .. +SR.
    const float g_last = gamma_s[valid - 1];
    float sreg[SR];
    const float keep = exp(g_last);
    [[unroll]] for (uint m = 0; m < SR; ++m) sreg[m] = s_s[(rg * SR + m) * CJ + jj] * keep;
    for (uint r = 0; r < valid; ++r) {
      float coef = vp_s[r * CJ + jj] * exp(g_last - gamma_s[r]) * kf_s[r];
      const uint kb = (t0 + r) * stride + ko + rg * SR;
      [[unroll]] for (uint m = 0; m < SR; ++m) sreg[m] += qkv[kb + m] * coef;
    }
    [[unroll]] for (uint m = 0; m < SR; ++m) s_s[(rg * SR + m) * CJ + jj] = sreg[m];
  }
  barrier();
  for (uint i = tid; i < DK * CJ; i += WG) {
    uint r = i / CJ;
    state[(h * DK + r) * DV + c0 + i - r * CJ] = s_s[i];
  }
}
