#include "reference/attention.h"

#include <algorithm>
#include <cmath>

#include "util/half.h"

namespace vole::ref {

std::vector<float> attention(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                             const AttentionShape& s, bool causal, int64_t past, float scale) {
  const int64_t d = s.head_dim, group = s.heads / s.kv_heads;
  std::vector<float> out(static_cast<size_t>(s.tokens * s.heads * d));
  std::vector<double> scores;
  for (int64_t t = 0; t < s.tokens; ++t) {
    const int64_t visible = causal ? std::min(s.keys, past + t + 1) : s.keys;
    for (int64_t h = 0; h < s.heads; ++h) {
      const int64_t j = h / group;  // kv head
      const float* qv = &q[(t * s.heads + h) * d];
      scores.assign(static_cast<size_t>(visible), 0.0);
      double mx = -INFINITY;
      for (int64_t n = 0; n < visible; ++n) {
        const float* kv = &k[(n * s.kv_heads + j) * d];
        double dot = 0;
        for (int64_t i = 0; i < d; ++i) dot += static_cast<double>(qv[i]) * kv[i];
        scores[n] = dot * scale;
        mx = std::max(mx, scores[n]);
      }
      double sum = 0;
      for (auto& x : scores) sum += (x = std::exp(x - mx));
      for (int64_t i = 0; i < d; ++i) {
        double o = 0;
        for (int64_t n = 0; n < visible; ++n) o += scores[n] * v[(n * s.kv_heads + j) * d + i];
        out[(t * s.heads + h) * d + i] = static_cast<float>(o / sum);
      }
    }
  }
  return out;
}

std::vector<float> attention_windowed(const std::vector<float>& q, const std::vector<float>& k,
                                      const std::vector<float>& v, const AttentionShape& s, bool causal, int64_t radius,
                                      float scale, int64_t ahead) {
  if (ahead < 0) ahead = radius;
  const int64_t d = s.head_dim, group = s.heads / s.kv_heads;
  std::vector<float> out(static_cast<size_t>(s.tokens * s.heads * d));
  for (int64_t t = 0; t < s.tokens; ++t) {
    const int64_t lo = radius > 0 ? std::max<int64_t>(0, t - radius) : 0;
    const int64_t hi = std::min(causal ? t + 1 : s.tokens, radius > 0 ? t + ahead + 1 : s.tokens);
    for (int64_t h = 0; h < s.heads; ++h) {
      const int64_t j = h / group;
      std::vector<double> scores;
      double mx = -INFINITY;
      for (int64_t n = lo; n < hi; ++n) {
        double dot = 0;
        for (int64_t i = 0; i < d; ++i)
          dot += static_cast<double>(q[(t * s.heads + h) * d + i]) * k[(n * s.kv_heads + j) * d + i];
        scores.push_back(dot * scale);
        mx = std::max(mx, scores.back());
      }
      double sum = 0;
      for (auto& x : scores) sum += (x = std::exp(x - mx));
      for (int64_t i = 0; i < d; ++i) {
        double o = 0;
        for (int64_t n = lo; n < hi; ++n) o += scores[n - lo] * v[(n * s.kv_heads + j) * d + i];
        out[(t * s.heads + h) * d + i] = static_cast<float>(o / sum);
      }
    }
  }
  return out;
}

std::vector<float> round_to_f16(const std::vector<float>& x) {
  std::vector<float> r(x.size());
  for (size_t i = 0; i < x.size(); ++i) r[i] = f16_to_f32(f32_to_f16(x[i]));
  return r;
}

}  // namespace vole::ref
