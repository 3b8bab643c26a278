#pragma once
// The model's weights on the GPU, by Hugging Face tensor name. Filled one tensor at a
// time as the loader streams them (so a model never sits whole in host RAM), then read
// by the family's graph builder, which asks for each tensor in the role it plays.
#include <map>
#include <string>

#include "gpu/context.h"
#include "ops/weight.h"
#include "util/host_tensor.h"

namespace vole::arch {

class WeightStore {
 public:
  explicit WeightStore(gpu::Context& ctx) : ctx_(ctx) {}

  // Matrices read by linear/embedding kernels become ops::Weight (any dtype incl. Q4);
  // everything else (norm weights, A_log, dt_bias, conv kernels) f32 DeviceTensors.
  void add(const HostTensor& tensor, bool matrix);

  bool has(const std::string& name) const;
  const ops::Weight& matrix(const std::string& name) const;
  // A small tensor with the expected element count (shape is checked loosely: the
  // number of elements, since e.g. conv1d weights arrive as [C, 1, K] or [C, K, 1]).
  const ops::Tensor& vector(const std::string& name, int64_t expected_elements) const;

  uint64_t device_bytes() const { return bytes_; }
  size_t size() const { return matrices_.size() + vectors_.size(); }

 private:
  gpu::Context& ctx_;
  std::map<std::string, ops::Weight> matrices_;
  std::map<std::string, ops::DeviceTensor> vectors_;
  uint64_t bytes_ = 0;
};

}  // namespace vole::arch
