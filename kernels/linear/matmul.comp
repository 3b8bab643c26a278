#version 450
// y[t, y_offset + n] (+)= Σ_k x[t, k] · W[n, k] for one weight shard: the prefill matmul
// (and the fallback for any shape the matvec cannot take).
//
// Each workgroup computes a BM x BN tile of y (tokens x rows). Per step of BK columns the
// workgroup stages x and the dequantised weights in shared memory (each element loaded
// and dequantised once per workgroup), then each of its 8 x 8 threads accumulates an
// 8 x 8 block of outputs in registers, reusing each staged value 8 times: 4 vec4 loads
// from shared memory per 64 multiply-adds. (4 x 4 blocks on 16 x 16 threads ran 0.69x as
// fast on lavapipe, bench/vole_bench --prefill.) Any T, N and K.
#extension GL_EXT_control_flow_attributes : enable
#include "linear/weights.glsl"

const uint BM = 64, BN = 64, BK = 32;  // tile: tokens, rows, columns per step
const uint VM = 2, VN = 2;             // vec4s of tokens and of rows per thread
layout(local_size_x = BN / (4 * VN), local_size_y = BM / (4 * VM)) in;

layout(set = 0, binding = W_BINDINGS) readonly buffer X { float x[]; };
layout(set = 0, binding = W_BINDINGS + 1) buffer Y { float y[]; };
#include "linear/interface.h"
layout(push_constant) uniform Push { MatmulPush pc; };

// Stored k-major so that a thread reads its 8 tokens and its 8 rows of one column as
// four 16-byte loads.
shared vec4 xs[BK][BM / 4];
shared vec4 ws[BK][BN / 4];

void main() {
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;  // rows 8tx.., tokens 8ty..
  const uint n0 = gl_WorkGroupID.x * BN, t0 = gl_WorkGroupID.y * BM;

  // Staging: thread lr loads, for token t0 + lr and weight row n0 + lr, BK / 8 runs of
  // 8 consecutive columns (one Q4 word each).
  const uint lr = gl_LocalInvocationIndex, tok = t0 + lr, row = n0 + lr;

  vec4 acc[4 * VM][VN];  // acc[i][j][c]: token 8ty + i, row 8tx + 4j + c
  [[unroll]] for (uint i = 0; i < 4 * VM; ++i)
    [[unroll]] for (uint j = 0; j < VN; ++j) acc[i][j] = vec4(0.0);

  for (uint k0 = 0; k0 < pc.cols; k0 += BK) {
    [[unroll]] for (uint lk = 0; lk < BK; lk += 8u) {
      [[unroll]] for (uint i = 0; i < 8u; ++i) {
        uint k = k0 + lk + i;
        xs[lk + i][lr >> 2][lr & 3u] = k < pc.cols && tok < pc.tokens ? x[tok * pc.cols + k] : 0.0;
      }
#if defined(W_Q4)
      // cols is a multiple of the group (>= 32): these 8 columns are one word, one group.
      if (k0 + lk < pc.cols && row < pc.rows) {
        uint k = k0 + lk;
        uint word = w_words[row * (pc.cols >> 3) + (k >> 3)];
        vec2 sm = unpackHalf2x16(w_scales[row * (pc.cols >> pc.group_shift) + (k >> pc.group_shift)]);
        [[unroll]] for (uint i = 0; i < 8u; ++i)
          ws[lk + i][lr >> 2][lr & 3u] = float((word >> (4u * i)) & 0xfu) * sm.x + sm.y;
      } else {
        [[unroll]] for (uint i = 0; i < 8u; ++i) ws[lk + i][lr >> 2][lr & 3u] = 0.0;
      }
#else
      [[unroll]] for (uint i = 0; i < 8u; ++i) {
        uint k = k0 + lk + i;
        ws[lk + i][lr >> 2][lr & 3u] = k < pc.cols && row < pc.rows ? w_elem(row, k, pc.cols, pc.group_shift) : 0.0;
      }
#endif
    }
    barrier();
    [[unroll]] for (uint k = 0; k < BK; ++k) {
      vec4 a[VM], b[VN];
      [[unroll]] for (uint i = 0; i < VM; ++i) a[i] = xs[k][VM * ty + i];
      [[unroll]] for (uint j = 0; j < VN; ++j) b[j] = ws[k][VN * tx + j];
      [[unroll]] for (uint i = 0; i < 4 * VM; ++i)
        [[unroll]] for (uint j = 0; j < VN; ++j) acc[i][j] += a[i / 4u][i % 4u] * b[j];
    }
    barrier();
  }

  [[unroll]] for (uint i = 0; i < 4 * VM; ++i) {
    uint t = t0 + 4 * VM * ty + i;
    if (t >= pc.tokens) break;
    [[unroll]] for (uint j = 0; j < 4 * VN; ++j) {
      uint n = n0 + 4 * VN * tx + j;
      if (n >= pc.rows) break;
      uint o = t * pc.y_stride + pc.y_offset + n;
      float v = acc[i][j / 4u][j % 4u];
      y[o] = pc.accumulate != 0u ? y[o] + v : v;
    }
  }
}
