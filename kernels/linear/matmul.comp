#version 450
// y[t, y_offset + n] (+)= Σ_k x[t, k] · W[n, k] for one weight shard: the prefill matmul
// (and the fallback for any shape the matvec cannot take).
//
// Each workgroup computes a BM x BN tile of y (tokens x rows). Per step of BK columns the
// workgroup stages x and the dequantised weights in shared memory (each element loaded
// and dequantised once per workgroup), then each thread accumulates a TM x TN block of
// outputs in registers, reusing each staged value TM or TN times. Any T, N and K.
#extension GL_EXT_control_flow_attributes : enable
#include "linear/weights.glsl"

const uint BM = 64, BN = 64, BK = 32;  // tile: tokens, rows, columns per step
const uint TM = 4, TN = 4;             // outputs per thread; 16 x 16 threads
layout(local_size_x = 16, local_size_y = 16) in;

layout(set = 0, binding = W_BINDINGS) readonly buffer X { float x[]; };
layout(set = 0, binding = W_BINDINGS + 1) buffer Y { float y[]; };
layout(push_constant) uniform Push {
  uint tokens;       // T
  uint rows;         // rows in this shard
  uint cols;         // K
  uint group_shift;  // Q4: log2(group size)
  uint y_stride;     // elements per row of y (all rows of the whole weight)
  uint y_offset;     // column of y where this shard's rows start
  uint accumulate;   // 1: y += result
} pc;

// Stored k-major so that each thread reads its 4 tokens and its 4 rows of one column as
// two 16-byte loads: 2 loads per 16 multiply-adds.
shared vec4 xs[BK][BM / 4];
shared vec4 ws[BK][BN / 4];

void main() {
  uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;  // rows 4tx.., tokens 4ty..
  uint tid = ty * 16u + tx;
  uint n0 = gl_WorkGroupID.x * BN, t0 = gl_WorkGroupID.y * BM;

  // Staging: thread tid loads 8 consecutive columns of one token and of one weight row.
  uint lr = tid % 64u, lk = (tid / 64u) * 8u;
  uint tok = t0 + lr, row = n0 + lr;

  vec4 acc[TM];  // acc[i][j]: token 4ty+i, row 4tx+j
  [[unroll]] for (uint i = 0; i < TM; ++i) acc[i] = vec4(0.0);

  for (uint k0 = 0; k0 < pc.cols; k0 += BK) {
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
    barrier();
    [[unroll]] for (uint k = 0; k < BK; ++k) {
      vec4 a = xs[k][ty], b = ws[k][tx];
      [[unroll]] for (uint i = 0; i < TM; ++i) acc[i] += a[i] * b;
    }
    barrier();
  }

  uint n = n0 + 4u * tx;
  [[unroll]] for (uint i = 0; i < TM; ++i) {
    uint t = t0 + 4u * ty + i;
    if (t >= pc.tokens) break;
    [[unroll]] for (uint j = 0; j < TN; ++j) {
      if (n + j >= pc.rows) break;
      uint o = t * pc.y_stride + pc.y_offset + n + j;
      y[o] = pc.accumulate != 0u ? y[o] + acc[i][j] : acc[i][j];
    }
  }
}
