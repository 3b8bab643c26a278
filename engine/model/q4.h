#pragma once
// Producing Vole's Q4 layout (util/dtype.h) from every 4-bit source, and reading it
// back. All functions work on whole matrices [rows, cols] and split rows over the
// CPU cores.
//
// On-the-fly quantization (from F32/F16/BF16), per group of G consecutive inputs:
//   m = the largest f16 <= min(w)            (rounded down, so no w lies below m)
//   s = the smallest f16 >= (max(w) - m)/15  (rounded up, so no w lies above m + 15 s)
//   q = clamp(round((w - m) / s), 0, 15),    w' = q * s + m
// Error bound: |w - w'| <= s/2 (plus f32 rounding of the arithmetic, below 1e-6 of
// |w| + s), where s <= (max - min)/15 * (1 + 2^-10) + (min - m)/15, i.e. the usual
// half step plus the f16 rounding of scale and min. Rounding m down and s up keeps
// the clamp from ever cutting a value off, which a round-to-nearest scale could.
// Values that are not finite or lie beyond ±65504 (no f16 min exists) are an error.
//
// MLX affine 4-bit: uint32 [N, K/8] with the same nibble order as Q4, so the data is
// used as is; scales and biases (bf16/f16/f32 [N, K/g]) become the (scale, min)
// words. GPTQ: qweight int32 [K/8, N] packs 8 inputs of one output per word in the
// same nibble order, so the repack is a transpose of 32-bit words; w = s (q - z)
// becomes min = -s z (exact for symmetric checkpoints, z = 8).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "model/safetensors.h"
#include "util/dtype.h"

namespace vole::model {

inline size_t q4_data_bytes(int64_t rows, int64_t cols) { return static_cast<size_t>(rows * cols / 2); }
inline size_t q4_scale_bytes(int64_t rows, int64_t cols, int group) {
  return static_cast<size_t>(rows * (cols / group)) * 4;
}

// Largest Q4 group size (128, 64 or 32) that divides `source_group`; 0 if none.
int q4_group_for(int64_t source_group);

// Converts `n` elements of a plain F32/F16/BF16 source to f32.
void to_f32(const uint8_t* src, StDType dtype, size_t n, float* out);

// f16 bit patterns rounded in a fixed direction (infinite if out of range).
uint16_t f16_round_down(float x);
uint16_t f16_round_up(float x);

// On-the-fly quantization of a row-major F32/F16/BF16 matrix. `label` names the
// tensor in errors (non-finite values, values beyond the f16 range).
void quantize_q4(std::span<const uint8_t> src, StDType dtype, int64_t rows, int64_t cols, int group, uint8_t* data,
                 uint32_t* scales, const std::string& label);

// Dequantizes rows [row_begin, row_begin + row_count) of a Q4 matrix into `out`.
void dequantize_q4(const uint8_t* data, const uint32_t* scales, int64_t cols, int group, int64_t row_begin,
                   int64_t row_count, float* out);

// MLX affine. `scales`/`biases` are [rows, cols/group] in `scale_dtype`.
// Writes Q4 (scale, min) words for Q4 group `out_group` (which divides `group`).
// Returns how many values were not exactly representable in f16 (a subnormal
// scale); a value beyond the f16 range is an error naming `label`.
size_t mlx_scales_to_q4(std::span<const uint8_t> scales, std::span<const uint8_t> biases, StDType scale_dtype,
                        int64_t rows, int64_t cols, int group, int out_group, uint32_t* out, const std::string& label);
// Dequantizes an MLX affine matrix of 2, 4 or 8 bits (packed uint32 [rows, cols*bits/32]).
void dequantize_mlx(std::span<const uint8_t> packed, std::span<const uint8_t> scales, std::span<const uint8_t> biases,
                    StDType scale_dtype, int bits, int64_t rows, int64_t cols, int group, float* out);

// GPTQ 4-bit: qweight [K/8, N] int32, qzeros [K/group, N/8] int32, scales [K/group, N]
// (f16, or bf16/f32 in `scale_dtype`); produces Q4 [N, K] with group `out_group` (dividing `group`). `v2` = zero points
// stored as is (checkpoint_format gptq_v2); v1 stores zero - 1.
// Returns how many mins were not exactly representable in f16.
size_t repack_gptq(std::span<const uint8_t> qweight, std::span<const uint8_t> qzeros, std::span<const uint8_t> scales,
                   StDType scale_dtype, int64_t k, int64_t n, int group, bool v2, int out_group, uint8_t* data,
                   uint32_t* out_scales, const std::string& label);
// Dequantizes a GPTQ matrix to f32 [N, K]: w = s (q - z).
void dequantize_gptq(std::span<const uint8_t> qweight, std::span<const uint8_t> qzeros, std::span<const uint8_t> scales,
                     StDType scale_dtype, int64_t k, int64_t n, int group, bool v2, float* out);

// Runs fn(begin, end) over [0, count) split across the CPU cores.
void parallel_rows(int64_t count, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace vole::model
