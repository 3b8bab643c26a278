#include "ops/tensor.h"

#include <sstream>

#include "util/error.h"

namespace vole::ops {

int64_t Tensor::dim(int i) const {
  int64_t r = rank();
  int64_t idx = i < 0 ? r + i : i;
  require(idx >= 0 && idx < r, "dimension " + std::to_string(i) + " out of range for " + describe());
  return shape[idx];
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

uint64_t Tensor::bytes() const {
  if (dtype == DType::Q4) return static_cast<uint64_t>(numel()) / 2;
  return static_cast<uint64_t>(numel()) * dtype_size(dtype);
}

Tensor Tensor::rows(int64_t begin, int64_t count) const {
  require(rank() >= 1 && begin >= 0 && count >= 0 && begin + count <= shape[0],
          "rows [" + std::to_string(begin) + ", +" + std::to_string(count) + ") out of range for " + describe());
  uint64_t row_bytes = shape[0] ? bytes() / shape[0] : 0;
  Tensor t = *this;
  t.shape[0] = count;
  t.data = data.slice(begin * row_bytes, count * row_bytes);
  return t;
}

Tensor Tensor::reshape(Shape new_shape) const {
  Tensor t = *this;
  t.shape = std::move(new_shape);
  require(t.numel() == numel(), "cannot reshape " + describe() + " to " + t.describe());
  return t;
}

std::string Tensor::describe() const {
  std::ostringstream s;
  s << dtype_name(dtype) << "[";
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "," : "") << shape[i];
  s << "]";
  return s.str();
}

Tensor activation(gpu::Graph& g, DType dtype, Shape shape, const std::string& name) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  require(t.numel() > 0, "activation " + name + " is empty: " + t.describe());
  t.data = g.new_activation(t.bytes(), name);
  return t;
}

Tensor view(const gpu::Buffer& buffer, DType dtype, Shape shape, uint64_t offset) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data = gpu::slice(buffer, offset, t.bytes());
  return t;
}

void expect_dtype(const char* op, const Tensor& t, DType dtype, const char* what) {
  require(t.dtype == dtype, std::string(op) + ": " + what + " must be " + dtype_name(dtype) + ", got " + t.describe());
}

void expect_shape(const char* op, const Tensor& t, const Shape& shape, const char* what) {
  Tensor want;
  want.dtype = t.dtype;
  want.shape = shape;
  require(t.shape == shape, std::string(op) + ": " + what + " must be " + want.describe() + ", got " + t.describe());
}

void expect_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  require(a.shape == b.shape, std::string(op) + ": shapes differ: " + a.describe() + " vs " + b.describe());
}

bool overlaps(const gpu::Operand& a, const gpu::Operand& b) {
  bool same = a.activation >= 0 ? a.activation == b.activation : (b.activation < 0 && a.buffer == b.buffer);
  return same && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
}

}  // namespace vole::ops
