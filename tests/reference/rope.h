#pragma once
// CPU reference for rotary position embedding (specs §4.4, §6): rotate-half pairing,
// partial rotary dims, plain or interleaved M-RoPE positions. Follows the reference
// model's f32 steps for the angle (inv_freq and position * inv_freq in f32), then
// cos/sin and the rotation in double.
#include <array>
#include <cstdint>
#include <vector>

namespace vole::ref {

struct RopeConfig {
  int rotary_dims = 0;
  float theta = 10000.0f;
  bool mrope = false;                    // positions are [3, T]
  std::array<int, 3> sections{0, 0, 0};  // (t, h, w) frequency slots
  int frequency_dims = 0;                // the exponent's denominator if not rotary_dims (odd partial RoPE)
};

// inv_freq[i] = 1 / theta^(2i / rotary_dims), each step rounded to f32 as in the reference model.
std::vector<float> rope_inv_freq(const RopeConfig& c);

// The f32 angle of frequency slot i for token t.
float rope_angle(const RopeConfig& c, const std::vector<float>& inv_freq, const std::vector<int32_t>& positions,
                 int64_t tokens, int64_t t, int i);

// x: [tokens, heads, head_dim] row-major.
std::vector<float> rope(const std::vector<float>& x, int64_t tokens, int64_t heads, int64_t head_dim,
                        const std::vector<int32_t>& positions, const RopeConfig& c);

}  // namespace vole::ref
