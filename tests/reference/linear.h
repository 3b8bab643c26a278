#pragma once
// CPU references for the weight kernels (ops/linear.h, ops/embedding.h): host matrices in
// every weight format (with a Q4 quantiser), dequantisation, x·Wᵀ in double, embedding.
#include <cstdint>
#include <string>
#include <vector>

#include "util/host_tensor.h"

namespace vole::ref {

// A matrix [rows, cols] that owns its bytes in one weight format; view() is what the
// model loader would hand to upload_weight.
struct HostMatrix {
  std::string name = "w";
  DType dtype = DType::F32;
  int64_t rows = 0, cols = 0;
  int group_size = 0;           // Q4
  std::vector<uint8_t> data;    // as util/dtype.h lays it out
  std::vector<uint8_t> scales;  // Q4: (f16 scale, f16 min) per group
  HostTensor view() const;
};

// f32 values rounded to f32/f16/bf16 (round to nearest even).
HostMatrix make_matrix(const std::vector<float>& values, int64_t rows, int64_t cols, DType dtype);
// Affine 4-bit quantisation per group of `group_size` columns: min/max of the group give
// scale = (max - min) / 15 and min, both rounded to f16; q = round((w - min) / scale).
HostMatrix quantize_q4(const std::vector<float>& values, int64_t rows, int64_t cols, int group_size);
// Random contents, fast enough for vocabulary-sized matrices: floats in ±[1/32, 2) for
// f16/bf16 (±1 uniform for f32); Q4 random nibbles with scales in [1/64, 1/16] and
// mins in [-1/2, 0].
HostMatrix random_matrix(int64_t rows, int64_t cols, DType dtype, uint64_t seed, int group_size = 128);

// Row `row` of w as f32 (exact: every format converts to f32 without rounding).
std::vector<float> dequantize_row(const HostTensor& w, int64_t row);
std::vector<float> dequantize(const HostTensor& w);

// y[t, n] = Σ_k x[t, k] · w[n, k] accumulated in double, plus the tolerance scale of each
// output: Σ_k |x[t, k]| · |w[n, k]|, where for Q4 the weight term is |q·scale| + |min|
// (the kernel adds those separately, so that is the size of what it rounds).
struct LinearResult {
  std::vector<float> y;
  std::vector<float> magnitude;
};
LinearResult linear(const std::vector<float>& x, int64_t tokens, const HostTensor& w);

// out[t] = table[ids[t]] as f32, zero rows for ids outside the table.
std::vector<float> embedding(const HostTensor& table, const std::vector<int32_t>& ids);

// y[N] = W[N, K] · x[K] for a row-major f32 matrix, double accumulation.
std::vector<float> matvec(const std::vector<float>& W, const std::vector<float>& x, int64_t N, int64_t K);

}  // namespace vole::ref
