#pragma once
// Element types shared by the model loader, the GPU ops and the kernels.
//
// Q4 is Vole's INT4 weight layout, used for every 4-bit source (on-the-fly
// quantization, MLX affine, GPTQ). For a matrix [rows, cols] and group size G
// (32, 64 or 128; G divides cols):
//   data   rows * cols / 2 bytes. Element (r, c) is the 4-bit value q at bits
//          4*(c % 8) .. 4*(c % 8)+3 of the little-endian uint32 word (r*cols + c) / 8.
//   scales rows * (cols / G) uint32 words, row-major; word (r, g) holds the group's
//          f16 scale in its low 16 bits and f16 min (offset) in its high 16 bits.
//   value  w = q * scale + min,  q in [0, 15].
// This is MLX's affine layout (packed uint32, scale and "bias") with scale and min
// interleaved so one 4-byte load fetches both.
#include <cstddef>
#include <cstdint>

namespace vole {

enum class DType : uint8_t { F32, F16, BF16, I32, U32, Q4 };

// Bytes per element; Q4 has two elements per byte and returns 0.
size_t dtype_size(DType t);
const char* dtype_name(DType t);

inline constexpr int kQ4DefaultGroup = 128;

}  // namespace vole
