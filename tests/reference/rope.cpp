#include "reference/rope.h"

#include <cmath>

namespace vole::ref {

std::vector<float> rope_inv_freq(const RopeConfig& c) {
  std::vector<float> f(c.rotary_dims / 2);
  for (int i = 0; i < c.rotary_dims / 2; ++i) {
    const int dims = c.frequency_dims > 0 ? c.frequency_dims : c.rotary_dims;
    float exponent = static_cast<float>(2 * i) / static_cast<float>(dims);
    f[i] = 1.0f / powf(c.theta, exponent);  // f32 pow, like torch on f32 tensors
  }
  return f;
}

float rope_angle(const RopeConfig& c, const std::vector<float>& inv_freq, const std::vector<int32_t>& positions,
                 int64_t tokens, int64_t t, int i) {
  int axis = 0;  // specs §6: H if i % 3 == 1 and i < 3*s_h, W if i % 3 == 2 and i < 3*s_w, else T
  if (c.mrope) {
    if (i % 3 == 1 && i < 3 * c.sections[1])
      axis = 1;
    else if (i % 3 == 2 && i < 3 * c.sections[2])
      axis = 2;
  }
  float position = static_cast<float>(positions[axis * tokens + t]);
  return position * inv_freq[i];
}

std::vector<float> rope(const std::vector<float>& x, int64_t tokens, int64_t heads, int64_t head_dim,
                        const std::vector<int32_t>& positions, const RopeConfig& c) {
  std::vector<float> y = x;
  auto inv_freq = rope_inv_freq(c);
  int half = c.rotary_dims / 2;
  for (int64_t t = 0; t < tokens; ++t)
    for (int i = 0; i < half; ++i) {
      double angle = rope_angle(c, inv_freq, positions, tokens, t, i);
      double cs = std::cos(angle), sn = std::sin(angle);
      for (int64_t h = 0; h < heads; ++h) {
        size_t base = (t * heads + h) * head_dim;
        double x0 = x[base + i], x1 = x[base + i + half];
        y[base + i] = static_cast<float>(x0 * cs - x1 * sn);
        y[base + i + half] = static_cast<float>(x1 * cs + x0 * sn);
      }
    }
  return y;
}

}  // namespace vole::ref
