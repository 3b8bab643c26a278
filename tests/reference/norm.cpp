#include "reference/norm.h"

#include <cmath>

namespace vole::ref {

namespace {

double sum_squares(const float* row, int64_t d) {
  double s = 0;
  for (int64_t i = 0; i < d; ++i) s += static_cast<double>(row[i]) * row[i];
  return s;
}

double silu(double v) { return v / (1.0 + std::exp(-v)); }

}  // namespace

std::vector<float> rms_norm(const std::vector<float>& x, int64_t d, const std::vector<float>& w, float eps,
                            bool plus_one) {
  std::vector<float> y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    const float* row = x.data() + r * d;
    double inv = 1.0 / std::sqrt(sum_squares(row, d) / d + eps);
    for (int64_t i = 0; i < d; ++i) {
      double wi = plus_one ? 1.0 + w[i] : w[i];
      y[r * d + i] = static_cast<float>(row[i] * inv * wi);
    }
  }
  return y;
}

std::vector<float> rms_norm_gated(const std::vector<float>& x, const std::vector<float>& z, int64_t d,
                                  const std::vector<float>& w, float eps) {
  std::vector<float> y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    const float* row = x.data() + r * d;
    double inv = 1.0 / std::sqrt(sum_squares(row, d) / d + eps);
    for (int64_t i = 0; i < d; ++i) y[r * d + i] = static_cast<float>(w[i] * (row[i] * inv) * silu(z[r * d + i]));
  }
  return y;
}

std::vector<float> l2_norm(const std::vector<float>& x, int64_t d, float eps, float scale) {
  std::vector<float> y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    const float* row = x.data() + r * d;
    double inv = 1.0 / std::sqrt(sum_squares(row, d) + eps) * scale;
    for (int64_t i = 0; i < d; ++i) y[r * d + i] = static_cast<float>(row[i] * inv);
  }
  return y;
}

std::vector<float> layer_norm(const std::vector<float>& x, int64_t d, const std::vector<float>& w,
                              const std::vector<float>& b, float eps) {
  std::vector<float> y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    const float* row = x.data() + r * d;
    double mean = 0;
    for (int64_t i = 0; i < d; ++i) mean += row[i];
    mean /= d;
    double var = 0;
    for (int64_t i = 0; i < d; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= d;
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < d; ++i) y[r * d + i] = static_cast<float>((row[i] - mean) * inv * w[i] + b[i]);
  }
  return y;
}

}  // namespace vole::ref
