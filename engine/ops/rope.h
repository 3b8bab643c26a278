#pragma once
// Rotary position embedding, rotate-half (NeoX) pairing: within the first
// `rotary_dims` dims of each head, dim d pairs with d + rotary_dims/2 (or, with
// `interleaved`, dims 2i and 2i + 1 form pair i); the rest pass through. Frequency i (of rotary_dims/2) is
// theta^(-2i/rotary_dims).
//
// Positions are i32: shape [T] (plain RoPE), or [3, T] = (temporal, height, width)
// rows for interleaved M-RoPE, where frequency slot i takes its position from axis
// H if i % 3 == 1 and i < 3*sections[1], W if i % 3 == 2 and i < 3*sections[2], else T
// (Qwen3.5, see specs §6). With text-only input all three rows are equal.
//
// Vision (2-D) RoPE: positions [2, T] = (row, col); the rotary_dims/2 frequency slots
// split in two halves, the first turned by the row, the second by the column, each half
// with the frequencies theta^(-2i / (rotary_dims/2)) (Qwen3.5's ViT, specs §7.4).
#include <array>
#include <vector>

#include "ops/tensor.h"

namespace vole::ops {

struct RopeParams {
  int rotary_dims = 0;  // even, <= head_dim and <= 256
  float theta = 10000.0f;
  bool mrope = false;                    // positions are [3, T]
  std::array<int, 3> sections{0, 0, 0};  // M-RoPE sections (t, h, w), in frequency slots
  bool interleaved = false;              // pairs (2i, 2i + 1) (GPT-J layout, Moonshine), not (i, i + R/2)
  bool vision = false;                   // positions are [2, T] (row, col); excludes mrope
  // The exponent's denominator when it is not rotary_dims: HF's partial RoPE with an odd
  // d = int(head_dim * factor) has ceil(d/2) slots theta^(-2i/d) over 2*ceil(d/2) dims
  // (Moonshine Streaming with head_dim 64). 0: rotary_dims.
  int frequency_dims = 0;
  // Kani-TTS-2 (docs/specs/kani-tts.md §5): each inverse frequency times the layer's learned
  // scale α (in f32, as the reference does), and divided by position_units when positions
  // come in units of 1/position_units (fractional frame positions kept as integers).
  float frequency_scale = 1.0f;
  int position_units = 1;
};

// x: f32 [T, H, head_dim], rotated into out (may alias x). The angle of slot i is the
// f32 product position * inv_freq[i], as in the reference model; its sin/cos are
// accurate to ~1e-7 for angles up to ~1e6 on every device (the built-ins are not).
// Each distinct (rotary_dims, theta) is its own pipeline (the frequencies are
// specialisation constants).
void rope(gpu::Graph& g, const Tensor& x, const Tensor& positions, const Tensor& out, const RopeParams& params);

// The f32 inverse frequencies the kernel uses, computed as the reference model does in
// f32: 1 / f32(theta ^ f32(2i / rotary_dims)).
std::vector<float> rope_inv_freq(const RopeParams& params);

}  // namespace vole::ops
