#pragma once
// Weights for the CPU references as plain f32 host tensors by Hugging Face name, read
// from a model folder's safetensors with engine/model's reader (F32, F16 and BF16
// widened to f32 exactly).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace vole::ref {

struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
  int64_t numel() const;
};

using TensorMap = std::map<std::string, FloatTensor>;

// Every tensor of model.safetensors (or the sharded index) in `dir`.
TensorMap load_float_tensors(const std::filesystem::path& dir);

// The tensor `name` with exactly `shape`; a vole::Error naming it otherwise.
const FloatTensor& tensor_with_shape(const TensorMap& map, const std::string& name, const std::vector<int64_t>& shape);

}  // namespace vole::ref
