#include "image/resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "util/error.h"

namespace vole::image {

namespace {

// Keys' cubic convolution kernel with a = -0.5 (Pillow's and PyTorch's antialiased
// bicubic), evaluated with the same operation order as PyTorch so the weights round alike.
double keys_cubic(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

// The taps of one resampling pass: for output i, `size[i]` int16 weights starting at
// input index `first[i]`, stored `taps` apart.
struct Taps {
  int taps = 0;
  int precision = 0;
  std::vector<int> first, size;
  std::vector<int16_t> weights;
};

Taps make_taps(int in, int out) {
  const double scale = static_cast<double>(in) / out;
  const double support = scale >= 1.0 ? 2.0 * scale : 2.0;
  const double inv_scale = scale >= 1.0 ? 1.0 / scale : 1.0;
  Taps t;
  t.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out);
  t.size.resize(out);
  std::vector<double> w(static_cast<size_t>(out) * t.taps, 0.0);
  double w_max = 0.0;
  for (int i = 0; i < out; ++i) {
    const double center = scale * (i + 0.5);
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in);
    const int n = static_cast<int>(std::clamp<int64_t>(hi - lo, 0, t.taps));
    double* wi = &w[static_cast<size_t>(i) * t.taps];
    double total = 0.0;
    for (int j = 0; j < n; ++j) total += wi[j] = keys_cubic((j + lo - center + 0.5) * inv_scale);
    if (total != 0.0)
      for (int j = 0; j < n; ++j) w_max = std::max(w_max, wi[j] /= total);
    t.first[i] = static_cast<int>(lo);
    t.size[i] = n;
  }
  for (t.precision = 0; t.precision < 22; ++t.precision)
    if (static_cast<int>(0.5 + w_max * (1 << (t.precision + 1))) >= (1 << 15)) break;
  t.weights.resize(w.size());
  for (size_t k = 0; k < w.size(); ++k) {
    double v = w[k] * (1 << t.precision);
    t.weights[k] = static_cast<int16_t>(v < 0 ? static_cast<int>(-0.5 + v) : static_cast<int>(0.5 + v));
  }
  return t;
}

uint8_t round_and_clamp(int32_t acc, int precision) {
  int32_t v = acc >> precision;  // arithmetic shift, as the kernels do
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

RgbImage resample_rows(const RgbImage& src, int out_width) {
  Taps t = make_taps(src.width, out_width);
  RgbImage dst = make_rgb_image(out_width, src.height);
  const int32_t half = 1 << (t.precision - 1);
  for (int y = 0; y < src.height; ++y) {
    const uint8_t* in = src.row(y);
    uint8_t* out = dst.row(y);
    for (int x = 0; x < out_width; ++x) {
      const int16_t* k = &t.weights[static_cast<size_t>(x) * t.taps];
      const uint8_t* p = in + static_cast<size_t>(t.first[x]) * 3;
      int32_t r = half, g = half, b = half;
      for (int j = 0; j < t.size[x]; ++j, p += 3) r += k[j] * p[0], g += k[j] * p[1], b += k[j] * p[2];
      out[3 * x] = round_and_clamp(r, t.precision);
      out[3 * x + 1] = round_and_clamp(g, t.precision);
      out[3 * x + 2] = round_and_clamp(b, t.precision);
    }
  }
  return dst;
}

RgbImage resample_columns(const RgbImage& src, int out_height) {
  Taps t = make_taps(src.height, out_height);
  RgbImage dst = make_rgb_image(src.width, out_height);
  const int32_t half = 1 << (t.precision - 1);
  const size_t row_bytes = static_cast<size_t>(src.width) * 3;
  std::vector<int32_t> acc(row_bytes);
  for (int y = 0; y < out_height; ++y) {
    const int16_t* k = &t.weights[static_cast<size_t>(y) * t.taps];
    std::fill(acc.begin(), acc.end(), half);
    for (int j = 0; j < t.size[y]; ++j) {
      const uint8_t* in = src.row(t.first[y] + j);
      const int32_t kj = k[j];
      for (size_t i = 0; i < row_bytes; ++i) acc[i] += kj * in[i];
    }
    uint8_t* out = dst.row(y);
    for (size_t i = 0; i < row_bytes; ++i) out[i] = round_and_clamp(acc[i], t.precision);
  }
  return dst;
}

}  // namespace

RgbImage resize_bicubic_antialias(const RgbImage& src, int out_width, int out_height) {
  require(src.width > 0 && src.height > 0 && out_width > 0 && out_height > 0,
          "resize: sizes must be positive (from " + std::to_string(src.width) + "x" + std::to_string(src.height) +
              " to " + std::to_string(out_width) + "x" + std::to_string(out_height) + ")");
  if (out_width == src.width && out_height == src.height) return src;
  if (out_width == src.width) return resample_columns(src, out_height);
  RgbImage rows = resample_rows(src, out_width);
  if (out_height == src.height) return rows;
  return resample_columns(rows, out_height);
}

}  // namespace vole::image
