#pragma once
// CPU references for the normalisations (specs §3.1, §5.4, §5.7, §7.5): rows of d
// values, statistics accumulated in double, results rounded to f32.
#include <cstdint>
#include <vector>

namespace vole::ref {

// y = x / sqrt(mean(x²) + eps) * (plus_one ? 1 + w : w)
std::vector<float> rms_norm(const std::vector<float>& x, int64_t d, const std::vector<float>& w, float eps,
                            bool plus_one);
// y = w * (x / sqrt(mean(x²) + eps)) * silu(z)
std::vector<float> rms_norm_gated(const std::vector<float>& x, const std::vector<float>& z, int64_t d,
                                  const std::vector<float>& w, float eps);
// y = x / sqrt(sum(x²) + eps) * scale
std::vector<float> l2_norm(const std::vector<float>& x, int64_t d, float eps, float scale);
// y = (x - mean) / sqrt(var + eps) * w + b, biased variance
std::vector<float> layer_norm(const std::vector<float>& x, int64_t d, const std::vector<float>& w,
                              const std::vector<float>& b, float eps);

}  // namespace vole::ref
