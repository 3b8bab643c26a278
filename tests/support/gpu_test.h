#pragma once
// Helpers for GPU tests: one Context per test process, tensors from/to host vectors,
// deterministic random data, and closeness checks that report the worst element.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gpu/context.h"
#include "gpu/graph.h"
#include "ops/reduce_path.h"
#include "ops/tensor.h"

namespace vole::test {

gpu::Context& gpu_context();

// A persistent device tensor owning its buffer.
struct GpuTensor {
  std::unique_ptr<gpu::Buffer> buffer;
  ops::Tensor tensor;
  operator const ops::Tensor&() const { return tensor; }
};

GpuTensor gpu_tensor(const std::vector<float>& values, ops::Shape shape, const std::string& name = "t");
GpuTensor gpu_tensor_i32(const std::vector<int32_t>& values, ops::Shape shape, const std::string& name = "ids");
GpuTensor gpu_tensor_f16(const std::vector<float>& values, ops::Shape shape, const std::string& name = "t16");
// Uninitialised is a trap: outputs are filled with NaN so an unwritten element fails.
GpuTensor gpu_output(ops::Shape shape, DType dtype = DType::F32, const std::string& name = "out");

std::vector<float> read_f32(const ops::Tensor& t);
std::vector<int32_t> read_i32(const ops::Tensor& t);

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// Compiles and runs a graph once; expects no validation errors.
void run_graph(gpu::Graph& g);

// Fails (with index and values of the worst element) unless
// |got - want| <= atol + rtol * |want| everywhere and nothing is NaN.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, float rtol, float atol,
                  const std::string& what = "");

// Runs `body(name)` once per reduction variant this device has (shared memory, and
// subgroup where supported), restoring Auto afterwards.
template <class Body>
void for_each_reduce_path(Body body) {
  struct Restore {
    ~Restore() { ops::set_reduce_path(ops::ReducePath::Auto); }
  } restore;
  ops::set_reduce_path(ops::ReducePath::SharedMemory);
  body("shared memory");
  if (gpu_context().info().subgroup_arithmetic) {
    ops::set_reduce_path(ops::ReducePath::Subgroup);
    body("subgroup");
  } else {
    std::printf("(no subgroup arithmetic on this device: subgroup variant not tested)\n");
  }
}

}  // namespace vole::test
