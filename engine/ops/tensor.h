#pragma once
// Typed tensors for the GPU ops: a byte range (gpu::Operand) plus dtype and a
// row-major shape. Views (rows, reshape) share memory with the tensor they come from.
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/graph.h"
#include "util/dtype.h"

namespace vole::ops {

using Shape = std::vector<int64_t>;

struct Tensor {
  gpu::Operand data;
  DType dtype = DType::F32;
  Shape shape;

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t dim(int i) const;  // negative i counts from the end
  int64_t numel() const;
  uint64_t bytes() const;
  // Rows [begin, begin+count) along dim 0: contiguous, so a plain sub-range.
  Tensor rows(int64_t begin, int64_t count) const;
  Tensor reshape(Shape new_shape) const;  // same element count
  std::string describe() const;           // e.g. "f32[3,1024]", for error messages
};

// A temporary tensor whose memory the graph assigns by liveness.
Tensor activation(gpu::Graph& g, DType dtype, Shape shape, const std::string& name);
// A tensor over part of a persistent buffer (weights, states, KV cache, inputs/outputs).
Tensor view(const gpu::Buffer& buffer, DType dtype, Shape shape, uint64_t offset = 0);

// Shape checks shared by the ops: throw InvalidArgument naming the op and the tensors.
void expect_dtype(const char* op, const Tensor& t, DType dtype, const char* what);
void expect_shape(const char* op, const Tensor& t, const Shape& shape, const char* what);
void expect_same_shape(const char* op, const Tensor& a, const Tensor& b);

// True if two operands may share bytes (the same activation or buffer, intersecting ranges).
bool overlaps(const gpu::Operand& a, const gpu::Operand& b);

inline uint32_t ceil_div(uint64_t a, uint64_t b) { return static_cast<uint32_t>((a + b - 1) / b); }

}  // namespace vole::ops
