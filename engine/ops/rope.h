#pragma once
// Rotary position embedding, rotate-half (NeoX) pairing: within the first
// `rotary_dims` dims of each head, dim d pairs with d + rotary_dims/2; the rest pass
// through. Frequency i (of rotary_dims/2) is theta^(-2i/rotary_dims).
//
// Positions are i32: shape [T] (plain RoPE), or [3, T] = (temporal, height, width)
// rows for interleaved M-RoPE, where frequency slot i takes its position from axis
// H if i % 3 == 1 and i < 3*sections[1], W if i % 3 == 2 and i < 3*sections[2], else T
// (Qwen3.5, see specs §6). With text-only input all three rows are equal.
#include <array>

#include "ops/tensor.h"

namespace vole::ops {

struct RopeParams {
  int rotary_dims = 0;  // <= head_dim, even
  float theta = 10000.0f;
  bool mrope = false;                  // positions are [3, T]
  std::array<int, 3> sections{0, 0, 0};  // M-RoPE sections (t, h, w), in frequency slots
};

// x: f32 [T, H, head_dim], rotated in place into out (may alias x).
void rope(gpu::Graph& g, const Tensor& x, const Tensor& positions, const Tensor& out, const RopeParams& params);

}  // namespace vole::ops
