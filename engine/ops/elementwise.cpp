#include "ops/elementwise.h"

#include "elementwise/interface.h"
#include "gpu/context.h"
#include "gpu/pipeline.h"
#include "util/error.h"

namespace vole::ops {

namespace {

using kernels::BinaryPush;

// Unary's values are the kernel's op codes.
static_assert(static_cast<uint32_t>(Unary::Silu) == kernels::kUnarySilu &&
              static_cast<uint32_t>(Unary::Sigmoid) == kernels::kUnarySigmoid &&
              static_cast<uint32_t>(Unary::GeluTanh) == kernels::kUnaryGeluTanh &&
              static_cast<uint32_t>(Unary::GeluErf) == kernels::kUnaryGeluErf &&
              static_cast<uint32_t>(Unary::Softplus) == kernels::kUnarySoftplus &&
              static_cast<uint32_t>(Unary::Tanh) == kernels::kUnaryTanh);

// Spreads n elements over at most 65535 workgroups of 256 threads; kernels loop.
std::array<uint32_t, 3> grid_for(int64_t n) { return {std::min<uint32_t>(ceil_div(n, 256), 65535u), 1, 1}; }

void dispatch_binary(gpu::Graph& g, const char* name, BinaryPush push, const Tensor& a, const Tensor& b,
                     const Tensor& out) {
  auto& p = g.context().pipeline(kernels::elementwise_binary);
  g.dispatch(p, {gpu::in(a.data), gpu::in(b.data), gpu::out(out.data)}, push, grid_for(a.numel()), name);
}

void binary(gpu::Graph& g, const char* name, uint32_t kind, const Tensor& a, const Tensor& b, const Tensor& out) {
  expect_dtype(name, a, DType::F32, "a");
  expect_dtype(name, b, DType::F32, "b");
  expect_dtype(name, out, DType::F32, "out");
  expect_same_shape(name, a, b);
  expect_same_shape(name, a, out);
  dispatch_binary(g, name, {.n = static_cast<uint32_t>(a.numel()), .op = kind}, a, b, out);
}

}  // namespace

void add(gpu::Graph& g, const Tensor& a, const Tensor& b, const Tensor& out) {
  binary(g, "add", kernels::kBinaryAdd, a, b, out);
}
void mul(gpu::Graph& g, const Tensor& a, const Tensor& b, const Tensor& out) {
  binary(g, "mul", kernels::kBinaryMul, a, b, out);
}
void swiglu(gpu::Graph& g, const Tensor& gate, const Tensor& up, const Tensor& out) {
  binary(g, "swiglu", kernels::kBinarySwiglu, gate, up, out);
}
void sigmoid_gate(gpu::Graph& g, const Tensor& x, const Tensor& gate, const Tensor& out) {
  binary(g, "sigmoid_gate", kernels::kBinarySigmoidGate, x, gate, out);
}

void add_bias(gpu::Graph& g, const Tensor& x, const Tensor& bias, const Tensor& out) {
  const char* op = "add_bias";
  expect_dtype(op, x, DType::F32, "x");
  expect_dtype(op, bias, DType::F32, "bias");
  expect_dtype(op, out, DType::F32, "out");
  require(x.rank() == 2 && x.numel() > 0,
          std::string(op) + ": x must be a non-empty [T, N] tensor, got " + x.describe());
  expect_shape(op, bias, {x.dim(1)}, "bias");
  expect_same_shape(op, x, out);
  require(x.numel() <= UINT32_MAX, std::string(op) + ": " + x.describe() + " has too many elements");
  require(!overlaps(out.data, bias.data), std::string(op) + ": out must not alias bias");
  BinaryPush push{
      .n = static_cast<uint32_t>(x.numel()), .op = kernels::kBinaryAddBias, .cols = static_cast<uint32_t>(x.dim(1))};
  dispatch_binary(g, op, push, x, bias, out);
}

void unary(gpu::Graph& g, Unary op, const Tensor& x, const Tensor& out) {
  expect_dtype("unary", x, DType::F32, "x");
  expect_dtype("unary", out, DType::F32, "out");
  expect_same_shape("unary", x, out);
  static const char* labels[] = {"silu", "sigmoid", "gelu_tanh", "gelu_erf", "softplus", "tanh"};
  auto& p = g.context().pipeline(kernels::elementwise_unary);
  kernels::UnaryPush push{.n = static_cast<uint32_t>(x.numel()), .op = static_cast<uint32_t>(op)};
  g.dispatch(p, {gpu::in(x.data), gpu::out(out.data)}, push, grid_for(x.numel()), labels[static_cast<int>(op)]);
}

void scale(gpu::Graph& g, const Tensor& x, float alpha, const Tensor& out) {
  expect_dtype("scale", x, DType::F32, "x");
  expect_dtype("scale", out, DType::F32, "out");
  expect_same_shape("scale", x, out);
  auto& p = g.context().pipeline(kernels::elementwise_unary);
  kernels::UnaryPush push{.n = static_cast<uint32_t>(x.numel()), .op = kernels::kUnaryScale, .alpha = alpha};
  g.dispatch(p, {gpu::in(x.data), gpu::out(out.data)}, push, grid_for(x.numel()), "scale");
}

void copy_columns(gpu::Graph& g, const Tensor& src, int64_t col_begin, const Tensor& out) {
  expect_dtype("copy_columns", src, DType::F32, "src");
  expect_dtype("copy_columns", out, DType::F32, "out");
  require(src.rank() == 2 && out.rank() == 2 && src.dim(0) == out.dim(0),
          "copy_columns: src and out must be [R, C] with equal rows, got " + src.describe() + " and " + out.describe());
  require(col_begin >= 0 && col_begin + out.dim(1) <= src.dim(1),
          "copy_columns: columns [" + std::to_string(col_begin) + ", +" + std::to_string(out.dim(1)) + ") outside " +
              src.describe());
  kernels::CopyColumnsPush push{.rows = static_cast<uint32_t>(src.dim(0)),
                                .src_cols = static_cast<uint32_t>(src.dim(1)),
                                .col_begin = static_cast<uint32_t>(col_begin),
                                .cols = static_cast<uint32_t>(out.dim(1)),
                                .dst_cols = static_cast<uint32_t>(out.dim(1)),
                                .dst_col_begin = 0};
  auto& p = g.context().pipeline(kernels::copy_columns);
  g.dispatch(p, {gpu::in(src.data), gpu::out(out.data)}, push, grid_for(out.numel()), "copy_columns");
}

void copy_columns_into(gpu::Graph& g, const Tensor& src, const Tensor& out, int64_t out_col_begin) {
  expect_dtype("copy_columns_into", src, DType::F32, "src");
  expect_dtype("copy_columns_into", out, DType::F32, "out");
  require(src.rank() == 2 && out.rank() == 2 && src.dim(0) == out.dim(0),
          "copy_columns_into: src and out must be [R, C] with equal rows, got " + src.describe() + " and " +
              out.describe());
  require(out_col_begin >= 0 && out_col_begin + src.dim(1) <= out.dim(1),
          "copy_columns_into: columns [" + std::to_string(out_col_begin) + ", +" + std::to_string(src.dim(1)) +
              ") outside " + out.describe());
  kernels::CopyColumnsPush push{.rows = static_cast<uint32_t>(src.dim(0)),
                                .src_cols = static_cast<uint32_t>(src.dim(1)),
                                .col_begin = 0,
                                .cols = static_cast<uint32_t>(src.dim(1)),
                                .dst_cols = static_cast<uint32_t>(out.dim(1)),
                                .dst_col_begin = static_cast<uint32_t>(out_col_begin)};
  auto& p = g.context().pipeline(kernels::copy_columns);
  // inout: the columns outside the block keep what an earlier node wrote there.
  g.dispatch(p, {gpu::in(src.data), gpu::inout(out.data)}, push, grid_for(src.numel()), "copy_columns_into");
}

void mix_rows(gpu::Graph& g, const Tensor& table, const Tensor& indices, const Tensor& weights, const Tensor& out,
              bool accumulate) {
  expect_dtype("mix_rows", table, DType::F32, "table");
  expect_dtype("mix_rows", indices, DType::I32, "indices");
  expect_dtype("mix_rows", weights, DType::F32, "weights");
  expect_dtype("mix_rows", out, DType::F32, "out");
  require(table.rank() == 2 && out.rank() == 2 && table.dim(1) == out.dim(1),
          "mix_rows: table and out must be [R, C] and [rows, C], got " + table.describe() + " and " + out.describe());
  expect_shape("mix_rows", indices, {out.dim(0), 4}, "indices");
  expect_shape("mix_rows", weights, {out.dim(0), 4}, "weights");
  require(out.numel() <= UINT32_MAX && table.numel() <= UINT32_MAX, "mix_rows: tensors too large");
  kernels::MixRowsPush push{.rows = static_cast<uint32_t>(out.dim(0)),
                            .cols = static_cast<uint32_t>(out.dim(1)),
                            .table_rows = static_cast<uint32_t>(table.dim(0)),
                            .accumulate = accumulate ? 1u : 0u};
  auto& p = g.context().pipeline(kernels::mix_rows);
  g.dispatch(p,
             {gpu::in(table.data), gpu::in(indices.data), gpu::in(weights.data),
              accumulate ? gpu::inout(out.data) : gpu::out(out.data)},
             push, grid_for(out.numel()), "mix_rows");
}

}  // namespace vole::ops
