// Q4 conversions: the on-the-fly quantizer's error bound on random and adversarial
// data, and exact MLX / GPTQ repacks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "model/q4.h"
#include "util/error.h"
#include "util/half.h"

using namespace vole;
using namespace vole::model;

namespace {

std::span<const uint8_t> bytes_of(const std::vector<float>& v) { return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4}; }
template <typename T>
std::span<const uint8_t> bytes_of(const std::vector<T>& v) { return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(T)}; }

struct Quantized {
  std::vector<uint8_t> data;
  std::vector<uint32_t> scales;
  std::vector<float> dequant;
};

Quantized quantize(const std::vector<float>& w, int64_t rows, int64_t cols, int group) {
  Quantized q;
  q.data.resize(q4_data_bytes(rows, cols));
  q.scales.resize(static_cast<size_t>(rows * cols / group));
  quantize_q4(bytes_of(w), StDType::F32, rows, cols, group, q.data.data(), q.scales.data(), "w");
  q.dequant.resize(w.size());
  dequantize_q4(q.data.data(), q.scales.data(), cols, group, 0, rows, q.dequant.data());
  return q;
}

// Checks |w - w'| <= s/2 (+ f32 arithmetic) and the documented bound on s itself.
void check_bound(const std::vector<float>& w, int64_t rows, int64_t cols, int group) {
  Quantized q = quantize(w, rows, cols, group);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < cols / group; ++g) {
      uint32_t sw = q.scales[static_cast<size_t>(r * (cols / group) + g)];
      float s = f16_to_f32(static_cast<uint16_t>(sw & 0xffff)), m = f16_to_f32(static_cast<uint16_t>(sw >> 16));
      const float* x = w.data() + r * cols + g * group;
      float mn = *std::min_element(x, x + group), mx = *std::max_element(x, x + group);
      ASSERT_LE(m, mn) << "min must be rounded down";
      ASSERT_GE(m + 15.0 * s, static_cast<double>(mx) - 1e-6 * std::fabs(mx)) << "scale must cover the range";
      // s <= (max - min)/15 * (1 + 2^-10) + (min - m)/15 + smallest f16 step
      double s_bound = (static_cast<double>(mx) - mn) / 15.0 * (1 + 1.0 / 1024) + (static_cast<double>(mn) - m) / 15.0 + 6e-8;
      ASSERT_LE(s, s_bound * (1 + 1e-6));
      for (int i = 0; i < group; ++i) {
        size_t k = static_cast<size_t>(r * cols + g * group + i);
        double err = std::fabs(static_cast<double>(w[k]) - q.dequant[k]);
        double bound = s / 2.0 + 1e-6 * (std::fabs(w[k]) + s) + 1e-30;
        ASSERT_LE(err, bound) << "row " << r << " col " << g * group + i << " w " << w[k] << " -> " << q.dequant[k]
                              << " s " << s << " m " << m;
      }
    }
  }
}

}  // namespace

TEST(Q4, F16DirectedRounding) {
  for (float x : {0.1f, -0.1f, 1e-6f, -1e-6f, 3.14159f, -65504.0f, 65504.0f, 1e-9f, -1e-9f, 0.0f, 65519.0f}) {
    float down = f16_to_f32(f16_round_down(x)), up = f16_to_f32(f16_round_up(x));
    EXPECT_LE(down, x) << x;
    EXPECT_GE(up, x) << x;
  }
  EXPECT_EQ(f16_to_f32(f16_round_down(0.1f)), f16_to_f32(f16_round_up(0.1f)) - std::ldexp(1.0f, -14));
  EXPECT_TRUE(std::isinf(f16_to_f32(f16_round_down(-70000.0f))));
  EXPECT_EQ(f16_to_f32(f16_round_down(70000.0f)), 65504.0f);
}

TEST(Q4, ErrorBoundRandomData) {
  std::mt19937 rng(7);
  for (int group : {32, 64, 128}) {
    std::normal_distribution<float> nd(0.0f, 0.02f);
    std::vector<float> w(64 * 256);
    for (auto& x : w) x = nd(rng);
    check_bound(w, 64, 256, group);
    std::uniform_real_distribution<float> ud(-3.0f, 5.0f);
    for (auto& x : w) x = ud(rng);
    check_bound(w, 64, 256, group);
  }
}

TEST(Q4, ErrorBoundAdversarialData) {
  const int64_t cols = 128;
  std::vector<std::vector<float>> rows;
  rows.push_back(std::vector<float>(cols, 0.0f));                // zeros
  rows.push_back(std::vector<float>(cols, 0.123456f));           // constant, not representable in f16
  rows.push_back(std::vector<float>(cols, -7.0f));               // constant, representable
  rows.push_back(std::vector<float>(cols, 65504.0f));            // f16 max
  rows.push_back(std::vector<float>(cols, -65504.0f));           // f16 lowest
  std::vector<float> outlier(cols, 0.001f);
  outlier[17] = 50.0f;  // one outlier dominates the scale
  rows.push_back(outlier);
  std::vector<float> big(cols);
  for (int64_t i = 0; i < cols; ++i) big[static_cast<size_t>(i)] = (i % 2 ? 60000.0f : -60000.0f);  // ±large
  rows.push_back(big);
  std::vector<float> tiny(cols);
  for (int64_t i = 0; i < cols; ++i) tiny[static_cast<size_t>(i)] = static_cast<float>(i) * 1e-9f;  // below f16 resolution
  rows.push_back(tiny);
  std::vector<float> ramp(cols);
  for (int64_t i = 0; i < cols; ++i) ramp[static_cast<size_t>(i)] = static_cast<float>(i) / 8.5f - 3.0f;  // many ties
  rows.push_back(ramp);
  std::vector<float> w;
  for (auto& r : rows) w.insert(w.end(), r.begin(), r.end());
  check_bound(w, static_cast<int64_t>(rows.size()), cols, 128);
  // Zeros and representable constants come back exactly.
  Quantized q = quantize(w, static_cast<int64_t>(rows.size()), cols, 128);
  for (int64_t i = 0; i < cols; ++i) {
    EXPECT_EQ(q.dequant[static_cast<size_t>(i)], 0.0f);
    EXPECT_EQ(q.dequant[static_cast<size_t>(2 * cols + i)], -7.0f);
  }
}

TEST(Q4, RejectsValuesItCannotRepresent) {
  std::vector<float> w(128, 0.0f);
  w[3] = -70000.0f;
  try {
    quantize(w, 1, 128, 128);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("beyond the f16 range"), std::string::npos) << e.what();
  }
  w[3] = NAN;
  try {
    quantize(w, 1, 128, 128);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w: row 0 holds a non-finite value"), std::string::npos) << e.what();
  }
  w[3] = INFINITY;
  EXPECT_THROW(quantize(w, 1, 128, 128), Error);
  std::vector<float> odd(100, 1.0f);
  EXPECT_THROW(quantize(odd, 1, 100, 128), Error);
}

TEST(Q4, QuantizesFromBf16Rows) {
  std::vector<uint16_t> src(2 * 128);
  std::vector<float> f(src.size());
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = f32_to_bf16(std::sin(static_cast<float>(i)) * 0.05f);
    f[i] = bf16_to_f32(src[i]);
  }
  std::vector<uint8_t> d1(q4_data_bytes(2, 128)), d2(d1.size());
  std::vector<uint32_t> s1(2), s2(2);
  quantize_q4(bytes_of(src), StDType::BF16, 2, 128, 128, d1.data(), s1.data(), "b");
  quantize_q4(bytes_of(f), StDType::F32, 2, 128, 128, d2.data(), s2.data(), "f");
  EXPECT_EQ(d1, d2);
  EXPECT_EQ(s1, s2);
}

TEST(Q4, MlxScalesRepackExactly) {
  // 2 rows x 128 cols, MLX group 64 -> Q4 groups of 64; bf16 scales and biases.
  const int64_t rows = 2, cols = 128;
  std::vector<uint32_t> packed(static_cast<size_t>(rows * cols / 8));
  std::vector<uint16_t> scales, biases;
  std::mt19937 rng(3);
  for (auto& v : packed) v = static_cast<uint32_t>(rng());
  for (int i = 0; i < 4; ++i) {
    scales.push_back(f32_to_bf16(0.001f * static_cast<float>(i + 1)));
    biases.push_back(f32_to_bf16(-0.03f * static_cast<float>(i + 1)));
  }
  std::vector<float> ref(static_cast<size_t>(rows * cols));
  dequantize_mlx(bytes_of(packed), bytes_of(scales), bytes_of(biases), StDType::BF16, 4, rows, cols, 64, ref.data());
  for (int out_group : {64, 32}) {
    std::vector<uint32_t> q4(static_cast<size_t>(rows * cols / out_group));
    EXPECT_EQ(mlx_scales_to_q4(bytes_of(scales), bytes_of(biases), StDType::BF16, rows, cols, 64, out_group, q4.data(), "t"), 0u);
    std::vector<float> got(ref.size());
    dequantize_q4(reinterpret_cast<const uint8_t*>(packed.data()), q4.data(), cols, out_group, 0, rows, got.data());
    EXPECT_EQ(got, ref) << "group " << out_group;
  }
  // A bf16 scale beyond the f16 range is refused.
  scales[0] = f32_to_bf16(1e6f);
  std::vector<uint32_t> q4(4);
  EXPECT_THROW(mlx_scales_to_q4(bytes_of(scales), bytes_of(biases), StDType::BF16, rows, cols, 64, 64, q4.data(), "t"), Error);
}

TEST(Q4, GptqRepackIsExactForSymmetric) {
  // K = 256 inputs, N = 16 outputs, group 128, v1 zero points (stored 7 = zero 8).
  const int64_t k = 256, n = 16;
  const int group = 128;
  std::mt19937 rng(11);
  std::vector<uint32_t> qweight(static_cast<size_t>(k / 8 * n));
  for (auto& v : qweight) v = static_cast<uint32_t>(rng());
  std::vector<uint32_t> qzeros(static_cast<size_t>(k / group * n / 8), 0x77777777u);
  std::vector<uint16_t> scales(static_cast<size_t>(k / group * n));
  for (auto& s : scales) s = f32_to_f16(0.0005f + 0.001f * static_cast<float>(rng() % 100));
  std::vector<float> ref(static_cast<size_t>(n * k));
  dequantize_gptq(bytes_of(qweight), bytes_of(qzeros), bytes_of(scales), StDType::F16, k, n, group, false, ref.data());
  for (int out_group : {128, 64}) {
    std::vector<uint8_t> data(q4_data_bytes(n, k));
    std::vector<uint32_t> q4(static_cast<size_t>(n * k / out_group));
    size_t inexact = repack_gptq(bytes_of(qweight), bytes_of(qzeros), bytes_of(scales), StDType::F16, k, n, group, false,
                                 out_group, data.data(), q4.data(), "t");
    EXPECT_EQ(inexact, 0u);
    std::vector<float> got(ref.size());
    dequantize_q4(data.data(), q4.data(), k, out_group, 0, n, got.data());
    EXPECT_EQ(got, ref) << "group " << out_group;
  }
  // Spot-check one element against the GPTQ definition w = s (q - z).
  uint32_t word = qweight[static_cast<size_t>((5 / 8) * n + 3)];
  float q = static_cast<float>((word >> (4 * (5 % 8))) & 15u);
  EXPECT_EQ(ref[static_cast<size_t>(3 * k + 5)], f16_to_f32(scales[3]) * (q - 8.0f));
}
