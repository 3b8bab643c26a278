#version 450
// Rotary position embedding, rotate-half (NeoX) pairing, on x [tokens, heads, head_dim]:
// within the first 2*half dims of each head, dim j pairs with j + half; the remaining
// dims are copied (pc.tail of them; 0 when rotating in place). Plain positions are i32
// [tokens]; with pc.mrope they are [3, tokens] rows (t, h, w) and frequency slot j takes
// its position from row 1 if j % 3 == 1 and j < 3*sec_h, row 2 if j % 3 == 2 and
// j < 3*sec_w, else row 0 (interleaved M-RoPE, specs §6). With pc.interleaved the pairs
// are adjacent dims (2j, 2j + 1) instead (GPT-J layout, Moonshine: docs/specs/moonshine.md §3.4).
// Vision positions are [2, tokens] rows (row, col): slots below sec_h take the row, the
// others the column (specs §7.4).
//
// The inverse frequencies come as specialisation constants (f32 bit patterns computed on
// the host as the reference model does): Vulkan lets pow err like exp2(y * log2(x)),
// up to ~50 ulp for theta = 1e7, which at position 1e5 would move an angle by ~0.1 rad.
// The angle is then the f32 product position * inv_freq, as in the reference, and its
// sin/cos come from rope/sincos.glsl, not from the loosely specified built-ins.
#include "rope/sincos.glsl"

layout(local_size_x = 256) in;

layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Positions { int positions[]; };
layout(set = 0, binding = 2) buffer Out { float o[]; };

#include "rope/interface.h"
layout(push_constant) uniform Push { RopePush pc; };

#define FOR_EACH_SLOT(F) \
  F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9) F(10) F(11) F(12) F(13) F(14) F(15) \
  F(16) F(17) F(18) F(19) F(20) F(21) F(22) F(23) F(24) F(25) F(26) F(27) F(28) F(29) F(30) F(31) \
  F(32) F(33) F(34) F(35) F(36) F(37) F(38) F(39) F(40) F(41) F(42) F(43) F(44) F(45) F(46) F(47) \
  F(48) F(49) F(50) F(51) F(52) F(53) F(54) F(55) F(56) F(57) F(58) F(59) F(60) F(61) F(62) F(63) \
  F(64) F(65) F(66) F(67) F(68) F(69) F(70) F(71) F(72) F(73) F(74) F(75) F(76) F(77) F(78) F(79) \
  F(80) F(81) F(82) F(83) F(84) F(85) F(86) F(87) F(88) F(89) F(90) F(91) F(92) F(93) F(94) F(95) \
  F(96) F(97) F(98) F(99) F(100) F(101) F(102) F(103) F(104) F(105) F(106) F(107) F(108) F(109) F(110) F(111) \
  F(112) F(113) F(114) F(115) F(116) F(117) F(118) F(119) F(120) F(121) F(122) F(123) F(124) F(125) F(126) F(127)

#define DECLARE_FREQ(n) layout(constant_id = n) const uint kFreq##n = 0u;
FOR_EACH_SLOT(DECLARE_FREQ)

#define FREQ_CASE(n) case n: return kFreq##n;
uint freq_bits(uint slot) {
  switch (slot) {
    FOR_EACH_SLOT(FREQ_CASE)
    default: return 0u;
  }
}

shared float inv_freq[kRopeMaxFrequencies];

void main() {
  // Unpack the constants once per workgroup, so the loop below indexes memory, not a switch.
  for (uint j = gl_LocalInvocationIndex; j < pc.half_rot; j += gl_WorkGroupSize.x)
    inv_freq[j] = uintBitsToFloat(freq_bits(j));
  barrier();

  uint half_rot = pc.half_rot;
  uint items = half_rot + pc.tail;  // per head: one rotation pair per slot, then the copies
  uint total = pc.tokens * pc.heads * items;
  uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint g = gl_GlobalInvocationID.x; g < total; g += stride) {
    uint row = g / items;  // token * heads + head
    uint j = g - row * items;
    uint base = row * pc.head_dim;
    if (j < half_rot) {
      uint axis = 0;
      if (pc.mrope == kRopeVision) {
        axis = j < pc.sec_h ? 0u : 1u;
      } else if (pc.mrope == kRopeMrope) {
        uint m = j % 3;
        if (m == 1 && j < 3 * pc.sec_h) axis = 1;
        else if (m == 2 && j < 3 * pc.sec_w) axis = 2;
      }
      uint t = row / pc.heads;
      precise float angle = float(positions[axis * pc.tokens + t]) * inv_freq[j];
      vec2 sc = sincos_accurate(angle);  // (sin, cos)
      uint d0 = pc.interleaved != 0 ? 2 * j : j, d1 = pc.interleaved != 0 ? 2 * j + 1 : j + half_rot;
      float x0 = x[base + d0], x1 = x[base + d1];
      o[base + d0] = x0 * sc.y - x1 * sc.x;
      o[base + d1] = x1 * sc.y + x0 * sc.x;
    } else {
      uint d = half_rot + j;  // 2*half_rot + (j - half_rot)
      o[base + d] = x[base + d];
    }
  }
}
