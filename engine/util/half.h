#pragma once
// IEEE half (f16) and bfloat16 conversions on the CPU, round-to-nearest-even.
#include <cstdint>
#include <span>

namespace vole {

uint16_t f32_to_f16(float f);
float f16_to_f32(uint16_t h);

inline float bf16_to_f32(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
uint16_t f32_to_bf16(float f);

// Batch conversions: same results as the scalar functions, written without branches
// so the compiler can vectorize them (weight conversion runs over millions of values).
void f32_to_f16(std::span<const float> in, std::span<uint16_t> out);
void f32_to_bf16(std::span<const float> in, std::span<uint16_t> out);
void f16_to_f32(std::span<const uint16_t> in, std::span<float> out);
void bf16_to_f32(std::span<const uint16_t> in, std::span<float> out);

}  // namespace vole
