#version 450
// y[t, y_offset + n] (+)= Σ_k W[n, k] · x[t, k] for one weight shard and a few tokens:
// the decode matvec (TOKENS = 1), or T <= 8 tokens reading the weights once.
//
// Bandwidth is everything here, so each weight byte is read once with 16-byte loads.
// A "team" of threads owns R consecutive rows: lane l reads blocks l, l+team, l+2·team…
// of all R rows, so each slice of x it loads is reused R times from registers and the
// R independent weight loads are in flight together. A team is one subgroup reduced with
// subgroupAdd (MATVEC_SUBGROUP), or TEAM_SIZE threads reduced through shared memory.
// Workgroups along z take successive groups of TOKENS tokens.
// Requires cols % W_BLOCK == 0 (rows start on a 16-byte block).
#extension GL_EXT_control_flow_attributes : enable
#ifdef MATVEC_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : enable
#extension GL_KHR_shader_subgroup_arithmetic : enable
#endif
#include "linear/weights.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint R = 1;          // rows per team
layout(constant_id = 2) const uint TEAMS = 4;      // row tiles (of R rows) per workgroup
layout(constant_id = 3) const uint TEAM_SIZE = 32; // shared-memory variant: threads per team
layout(constant_id = 4) const uint TOKENS = 1;     // tokens per workgroup (R·TOKENS <= 16)

layout(set = 0, binding = W_BINDINGS) readonly buffer X { vec4 x4[]; };
layout(set = 0, binding = W_BINDINGS + 1) buffer Y { float y[]; };
#include "linear/interface.h"
layout(push_constant) uniform Push { MatvecPush pc; };

const uint XV = W_BLOCK / 4;  // vec4s of x per block
const uint ACC = R * TOKENS;  // partial sums per thread: acc[r * TOKENS + t]

void store(uint token, uint row, float v) {
  uint i = token * pc.y_stride + pc.y_offset + row;
  y[i] = pc.accumulate != 0u ? y[i] + v : v;
}

// Partial sums of rows row0 .. row0+R-1 and tokens token0 .. token0+TOKENS-1 over the
// blocks this lane visits.
void accumulate_rows(uint row0, uint token0, uint lane, uint team_size, inout float acc[ACC]) {
#if defined(W_Q4)
  // The group of block b: blocks are 32 elements, groups 32 << k.
  uint block_shift = pc.group_shift - 5u;
  uint groups_per_row = pc.blocks >> block_shift;
#endif
  for (uint b = lane; b < pc.blocks; b += team_size) {
    // All R weight loads first so they are in flight together; rows past the end of the
    // shard re-read its last row (always in bounds) and are never stored.
    uvec4 w[R];
    [[unroll]] for (uint r = 0; r < R; ++r) w[r] = w_blocks[min(row0 + r, pc.rows - 1u) * pc.blocks + b];
#if defined(W_Q4)
    uint scale_word[R];
    [[unroll]] for (uint r = 0; r < R; ++r)
      scale_word[r] = w_scales[min(row0 + r, pc.rows - 1u) * groups_per_row + (b >> block_shift)];
#endif
    [[unroll]] for (uint t = 0; t < TOKENS; ++t) {
      // Tokens past T read token 0's x (in bounds) and are never stored.
      uint token = token0 + t < pc.tokens ? token0 + t : 0u;
      vec4 xb[XV];
      [[unroll]] for (uint i = 0; i < XV; ++i) xb[i] = x4[(token * pc.blocks + b) * XV + i];
#if defined(W_Q4)
      float x_sum = 0.0;
      [[unroll]] for (uint i = 0; i < XV; ++i) x_sum += dot(xb[i], vec4(1.0));
      [[unroll]] for (uint r = 0; r < R; ++r) acc[r * TOKENS + t] += w_block_dot(w[r], xb, x_sum, scale_word[r]);
#else
      [[unroll]] for (uint r = 0; r < R; ++r) acc[r * TOKENS + t] += w_block_dot(w[r], xb);
#endif
    }
  }
}

#ifdef MATVEC_SUBGROUP

void main() {
  uint wg = gl_WorkGroupID.y * pc.grid_x + gl_WorkGroupID.x;
  uint token0 = gl_WorkGroupID.z * TOKENS;
  // The subgroup count is the driver's choice; tiles are spread over whatever there is.
  for (uint tile = gl_SubgroupID; tile < TEAMS; tile += gl_NumSubgroups) {
    uint row0 = (wg * TEAMS + tile) * R;
    if (row0 >= pc.rows) break;
    float acc[ACC];
    [[unroll]] for (uint i = 0; i < ACC; ++i) acc[i] = 0.0;
    accumulate_rows(row0, token0, gl_SubgroupInvocationID, gl_SubgroupSize, acc);
    [[unroll]] for (uint i = 0; i < ACC; ++i) {
      float total = subgroupAdd(acc[i]);
      uint row = row0 + i / TOKENS, token = token0 + i % TOKENS;
      // Lane i stores sum i, spreading the stores over lanes.
      if (gl_SubgroupInvocationID == i % gl_SubgroupSize && row < pc.rows && token < pc.tokens)
        store(token, row, total);
    }
  }
}

#else

shared float partial[ACC][TEAMS * TEAM_SIZE];

void main() {
  uint wg = gl_WorkGroupID.y * pc.grid_x + gl_WorkGroupID.x;
  uint token0 = gl_WorkGroupID.z * TOKENS;
  uint tid = gl_LocalInvocationID.x;
  uint team = tid / TEAM_SIZE, lane = tid % TEAM_SIZE;
  uint row0 = (wg * TEAMS + team) * R;
  // Every thread reaches the barrier below; rows past the end just add nothing.
  float acc[ACC];
  [[unroll]] for (uint i = 0; i < ACC; ++i) acc[i] = 0.0;
  if (row0 < pc.rows) accumulate_rows(row0, token0, lane, TEAM_SIZE, acc);
  [[unroll]] for (uint i = 0; i < ACC; ++i) partial[i][tid] = acc[i];
  // One barrier, then lane i of each team adds up sum i: cheaper than a tree of
  // barriers where barriers are expensive, and TEAM_SIZE adds are few.
  barrier();
  for (uint i = lane; i < ACC; i += TEAM_SIZE) {
    uint row = row0 + i / TOKENS, token = token0 + i % TOKENS;
    if (row >= pc.rows || token >= pc.tokens) continue;
    float total = 0.0;
    for (uint j = 0; j < TEAM_SIZE; ++j) total += partial[i][team * TEAM_SIZE + j];
    store(token, row, total);
  }
}

#endif
