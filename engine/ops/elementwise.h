#pragma once
// Element-wise ops on f32 tensors of equal shape (add_bias broadcasts a row). `out` may
// alias an input.
#include "ops/tensor.h"

namespace vole::ops {

enum class Unary { Silu, Sigmoid, GeluTanh, GeluErf, Softplus, Tanh };

void add(gpu::Graph& g, const Tensor& a, const Tensor& b, const Tensor& out);
void mul(gpu::Graph& g, const Tensor& a, const Tensor& b, const Tensor& out);
// out[t][n] = x[t][n] + bias[n] for x and out [T, N], bias [N] (e.g. a projection's or an
// attention bias). `out` may alias x, not bias.
void add_bias(gpu::Graph& g, const Tensor& x, const Tensor& bias, const Tensor& out);
void unary(gpu::Graph& g, Unary op, const Tensor& x, const Tensor& out);
// out = x * alpha (e.g. Gemma's embedding scale sqrt(hidden))
void scale(gpu::Graph& g, const Tensor& x, float alpha, const Tensor& out);
// out = silu(gate) * up
void swiglu(gpu::Graph& g, const Tensor& gate, const Tensor& up, const Tensor& out);
// out = x * sigmoid(gate)
void sigmoid_gate(gpu::Graph& g, const Tensor& x, const Tensor& gate, const Tensor& out);
// Copies column block [col_begin, col_begin + out.cols) of every row of src [R, C] into
// out [R, w] (e.g. pulling one part out of a fused projection).
void copy_columns(gpu::Graph& g, const Tensor& src, int64_t col_begin, const Tensor& out);
// The reverse: every column of src [R, w] into column block [out_col_begin, +w) of out
// [R, C]; the other columns of out keep their values (e.g. a head widened with zeros).
void copy_columns_into(gpu::Graph& g, const Tensor& src, const Tensor& out, int64_t out_col_begin);

// out[r] (+)= sum_k weights[r][k] * table[indices[r][k]] for k < 4: each row a weighted
// mix of four table rows (bilinear interpolation of a position grid). table f32 [R, C],
// indices i32 [rows, 4] (an index outside [0, R) contributes nothing), weights f32
// [rows, 4], out f32 [rows, C]; with `accumulate` added into out.
void mix_rows(gpu::Graph& g, const Tensor& table, const Tensor& indices, const Tensor& weights, const Tensor& out,
              bool accumulate);

}  // namespace vole::ops
