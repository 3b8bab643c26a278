// Reading one shard of a weight matrix [rows, cols] (engine/ops/weight.h) in any of its
// formats. The including kernel defines exactly one of W_F32, W_F16, W_BF16, W_Q4 and gets:
//   bindings 0 (data) and, for Q4, 1 (scales); W_BINDINGS is the first free binding.
//   W_BLOCK        elements in one 16-byte block of data (rows with cols % W_BLOCK == 0
//                  start on a block, which is what the matvec kernels need).
//   w_elem(...)    one element as f32, any shape (tiled matmul, embedding).
//   w_block_dot()  dot product of one block with the matching slice of x (matvec).
// f16 goes through unpackHalf2x16 and bf16 through shifts, so no 16-bit storage or
// shaderFloat16 feature is needed. Q4 (util/dtype.h): word (r*cols + c)/8 holds element
// (r, c) at bits 4*(c%8); scale word (r, c/G) holds f16 scale (low) and f16 min (high).
#ifndef VOLE_LINEAR_WEIGHTS_GLSL
#define VOLE_LINEAR_WEIGHTS_GLSL

#include "common.glsl"

// The same buffer seen as 32-bit words and as 16-byte blocks (aliased descriptors);
// shard buffers are padded to 16 bytes so a block read never leaves the buffer.
layout(set = 0, binding = 0) readonly buffer WeightWords { uint w_words[]; };
layout(set = 0, binding = 0) readonly buffer WeightBlocks { uvec4 w_blocks[]; };

#if defined(W_Q4)
layout(set = 0, binding = 1) readonly buffer WeightScales { uint w_scales[]; };
#define W_BINDINGS 2
#define W_BLOCK 32
#else
#define W_BINDINGS 1
#if defined(W_F32)
#define W_BLOCK 4
#elif defined(W_F16) || defined(W_BF16)
#define W_BLOCK 8
#else
#error "define one of W_F32, W_F16, W_BF16, W_Q4"
#endif
#endif

// Two f32 values from a word of two 16-bit weights (element 2i in the low half).
vec2 w_pair(uint word) {
#if defined(W_F16)
  return unpackHalf2x16(word);
#else
  return vec2(bf16_lo(word), bf16_hi(word));
#endif
}

// Element (row, col); group_shift = log2(group size) for Q4, unused otherwise.
float w_elem(uint row, uint col, uint cols, uint group_shift) {
#if defined(W_F32)
  return uintBitsToFloat(w_words[row * cols + col]);
#elif defined(W_Q4)
  // cols is a multiple of 8, so a row starts on a word.
  uint word = w_words[row * (cols >> 3) + (col >> 3)];
  float q = float((word >> ((col & 7u) * 4u)) & 0xfu);
  vec2 sm = unpackHalf2x16(w_scales[row * (cols >> group_shift) + (col >> group_shift)]);
  return q * sm.x + sm.y;
#else
  uint i = row * cols + col;
  vec2 pair = w_pair(w_words[i >> 1]);
  return (i & 1u) != 0u ? pair.y : pair.x;
#endif
}

#if defined(W_Q4)
// The 8 nibbles of a word as floats without int->float conversions (slow on many GPUs)
// and with one shift per word: OR nibble p, left where it is (bits 4p..4p+3), into the
// mantissa of 2^(23-4p); the float is then 2^(23-4p) + q exactly, and one subtraction
// leaves q. Nibbles 0-4 fit in the mantissa as they are; 5-7 after a shift by 20.
const uvec4 Q4_MASK_LO = uvec4(0xfu, 0xf0u, 0xf00u, 0xf000u);
const uvec4 Q4_EXP_LO = uvec4(150u, 146u, 142u, 138u) << 23;  // 2^23, 2^19, 2^15, 2^11
const vec4 Q4_BIAS_LO = vec4(8388608.0, 524288.0, 32768.0, 2048.0);
const uvec4 Q4_MASK_HI = uvec4(0xf0000u, 0xfu, 0xf0u, 0xf00u);  // nibble 4; 5-7 after >> 20
const uvec4 Q4_EXP_HI = uvec4(134u, 150u, 146u, 142u) << 23;    // 2^7, 2^23, 2^19, 2^15
const vec4 Q4_BIAS_HI = vec4(128.0, 8388608.0, 524288.0, 32768.0);

// Nibbles 0-3 and 4-7 of `word`.
vec4 q4_lo(uint word) { return uintBitsToFloat((uvec4(word) & Q4_MASK_LO) | Q4_EXP_LO) - Q4_BIAS_LO; }
vec4 q4_hi(uint word) {
  uvec4 v = uvec4(word, uvec3(word >> 20));
  return uintBitsToFloat((v & Q4_MASK_HI) | Q4_EXP_HI) - Q4_BIAS_HI;
}

// Σ x·w over one block of 32 weights in one group: scale · Σ x·q + min · Σ x, with
// `x_sum` = Σ x computed once per block by the caller and shared by every row.
float w_block_dot(uvec4 w, vec4 x[8], float x_sum, uint scale_word) {
  float qx = 0.0;
  [[unroll]] for (int i = 0; i < 4; ++i) qx += dot(q4_lo(w[i]), x[2 * i]) + dot(q4_hi(w[i]), x[2 * i + 1]);
  vec2 sm = unpackHalf2x16(scale_word);
  return sm.x * qx + sm.y * x_sum;
}
#elif defined(W_F32)
float w_block_dot(uvec4 w, vec4 x[1]) { return dot(uintBitsToFloat(w), x[0]); }
#else
float w_block_dot(uvec4 w, vec4 x[2]) {
  return dot(vec4(w_pair(w.x), w_pair(w.y)), x[0]) + dot(vec4(w_pair(w.z), w_pair(w.w)), x[1]);
}
#endif

#endif
