#include "arch/weight_store.h"

#include "util/error.h"

namespace vole::arch {

void WeightStore::add(const HostTensor& tensor, bool matrix) {
  require(!has(tensor.name), "tensor " + tensor.name + " loaded twice");
  if (matrix || tensor.dtype == DType::Q4) {
    ops::Weight w = ops::upload_weight(ctx_, tensor);
    bytes_ += w.bytes();
    matrices_.emplace(tensor.name, std::move(w));
  } else {
    ops::DeviceTensor t = ops::upload_f32(ctx_, tensor);
    bytes_ += t.buffer.size();
    vectors_.emplace(tensor.name, std::move(t));
  }
}

bool WeightStore::has(const std::string& name) const { return matrices_.count(name) || vectors_.count(name); }

const ops::Weight& WeightStore::matrix(const std::string& name) const {
  auto it = matrices_.find(name);
  if (it == matrices_.end())
    fail(ErrorCode::InvalidFile, "model is missing weight matrix " + name +
                                     (vectors_.count(name) ? " (it is present but not 2-D)" : ""));
  return it->second;
}

const ops::Tensor& WeightStore::vector(const std::string& name, int64_t expected_elements) const {
  auto it = vectors_.find(name);
  if (it == vectors_.end()) fail(ErrorCode::InvalidFile, "model is missing tensor " + name);
  const ops::Tensor& t = it->second.tensor;
  require(t.numel() == expected_elements, "tensor " + name + " has " + std::to_string(t.numel()) +
                                              " elements, the config implies " + std::to_string(expected_elements));
  return t;
}

}  // namespace vole::arch
