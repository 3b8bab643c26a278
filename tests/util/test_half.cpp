#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "util/half.h"

using namespace vole;

TEST(Half, RoundTripsEveryF16Value) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(f32_to_f16(f), h) << "f16 bits " << h;
  }
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 lies exactly between 1 and the next f16 (1 + 2^-10): ties go to even (1).
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3*2^-11 lies between 1+2^-10 (odd) and 1+2^-9 (even): goes up.
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // overflows to inf
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -26)), 0x0000);  // below half of it
}

TEST(Half, Bf16MatchesTruncationWithRounding) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1000.f, 1000.f);
  for (int i = 0; i < 10000; ++i) {
    float f = dist(rng);
    float back = bf16_to_f32(f32_to_bf16(f));
    EXPECT_LE(std::fabs(back - f), std::fabs(f) * (1.0f / 256.0f));
  }
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
}

TEST(Half, BatchConversionsMatchScalar) {
  // A strided sweep over every f32 bit pattern (all exponents, signs, NaNs).
  std::vector<float> in;
  for (uint64_t b = 0; b < (1ull << 32); b += 4093) {
    uint32_t bits = static_cast<uint32_t>(b);
    float f;
    std::memcpy(&f, &bits, 4);
    in.push_back(f);
  }
  for (float f : {0.0f, -0.0f, 65504.0f, 65520.0f, 65519.99f, std::ldexp(1.0f, -14), std::ldexp(1.0f, -25),
                  std::ldexp(3.0f, -26), 1.0f + std::ldexp(1.0f, -11), INFINITY, -INFINITY, NAN})
    in.push_back(f);
  std::vector<uint16_t> h(in.size()), b(in.size());
  f32_to_f16(in, h);
  f32_to_bf16(in, b);
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(h[i], f32_to_f16(in[i])) << "f16 of bits " << std::hex << *reinterpret_cast<const uint32_t*>(&in[i]);
    ASSERT_EQ(b[i], f32_to_bf16(in[i])) << "bf16 of bits " << std::hex << *reinterpret_cast<const uint32_t*>(&in[i]);
  }
}
