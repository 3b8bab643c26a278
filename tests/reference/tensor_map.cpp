#include "reference/tensor_map.h"

#include <cstring>
#include <sstream>

#include "model/safetensors.h"
#include "util/error.h"
#include "util/half.h"

namespace vole::ref {

int64_t FloatTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << "]";
  return s.str();
}

std::vector<float> widen(model::StDType dtype, std::span<const uint8_t> bytes, const std::string& name) {
  std::vector<float> out;
  switch (dtype) {
    case model::StDType::F32:
      out.resize(bytes.size() / 4);
      std::memcpy(out.data(), bytes.data(), bytes.size());
      return out;
    case model::StDType::F16:
    case model::StDType::BF16: {
      std::vector<uint16_t> raw(bytes.size() / 2);
      std::memcpy(raw.data(), bytes.data(), bytes.size());
      out.resize(raw.size());
      if (dtype == model::StDType::F16)
        f16_to_f32(raw, out);
      else
        bf16_to_f32(raw, out);
      return out;
    }
    default:
      fail(ErrorCode::Unsupported,
           "reference: tensor " + name + " has dtype " + model::st_dtype_name(dtype) + " (F32, F16 or BF16 expected)");
  }
}

}  // namespace

TensorMap load_float_tensors(const std::filesystem::path& dir) {
  model::Checkpoint checkpoint(dir);
  TensorMap map;
  for (const std::string& name : checkpoint.names()) {
    model::TensorRef ref = checkpoint.find(name);
    map[name] = FloatTensor{ref.entry->shape, widen(ref.entry->dtype, ref.bytes(), name)};
  }
  return map;
}

const FloatTensor& tensor_with_shape(const TensorMap& map, const std::string& name, const std::vector<int64_t>& shape) {
  auto it = map.find(name);
  if (it == map.end()) fail(ErrorCode::NotFound, "checkpoint lacks tensor " + name);
  if (it->second.shape != shape)
    fail(ErrorCode::InvalidFile,
         "tensor " + name + " has shape " + shape_text(it->second.shape) + ", expected " + shape_text(shape));
  return it->second;
}

}  // namespace vole::ref
