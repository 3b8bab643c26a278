#include "arch/weights.h"

#include <cstring>

#include "util/error.h"
#include "util/half.h"

namespace vole::arch {

namespace {
const std::string kUndeclared = "(undeclared tensor)";

// The one value of a scalar tensor (shape [] or [1]) stored as f32, f16 or bf16.
float scalar_value(const HostTensor& t) {
  if (t.numel() != 1) fail(ErrorCode::InvalidFile, "tensor " + t.name + " should hold one number");
  switch (t.dtype) {
    case DType::F32:
      if (t.data.size() == 4) {
        float v;
        std::memcpy(&v, t.data.data(), 4);
        return v;
      }
      break;
    case DType::F16:
    case DType::BF16:
      if (t.data.size() == 2) {
        uint16_t h;
        std::memcpy(&h, t.data.data(), 2);
        return t.dtype == DType::F16 ? f16_to_f32(h) : bf16_to_f32(h);
      }
      break;
    default:
      break;
  }
  fail(ErrorCode::InvalidFile, "tensor " + t.name + " is not one f32, f16 or bf16 number");
}
}  // namespace

const std::string& WeightRef::name() const { return declared() && store_ ? store_->spec(index_).name : kUndeclared; }

const ops::Weight& WeightRef::matrix() const {
  if (!declared() || !store_) fail(ErrorCode::Internal, "a graph builder read a weight matrix that was never declared");
  return store_->matrix(index_);
}

ops::Tensor WeightRef::vector() const {
  if (!declared() || !store_) fail(ErrorCode::Internal, "a graph builder read a tensor that was never declared");
  return store_->vector(index_);
}

ops::Tensor WeightRef::vector(int64_t expected) const {
  ops::Tensor t = vector();
  require(t.numel() == expected, "tensor " + name() + " has " + std::to_string(t.numel()) +
                                     " elements, the config implies " + std::to_string(expected));
  return t;
}

float WeightRef::host_scalar() const {
  if (!declared() || !store_) fail(ErrorCode::Internal, "a graph builder read a scalar that was never declared");
  return store_->host_scalar(index_);
}

TensorDeclarer::TensorDeclarer(const model::Selection& selection, WeightStore* store)
    : selection_(selection), store_(store) {}

void TensorDeclarer::begin_part(const model::TensorPart& part) {
  part_ = part.name;
  selected_ = selection_.wants_part(part);
}

WeightRef TensorDeclarer::add(std::string name, std::vector<int64_t> shape, model::TensorRole role, int layer) {
  WeightRef ref;
  if (!selected_ || !selection_.wants_name(name)) return ref;
  model::TensorSpec spec{std::move(name), std::move(shape), role, part_, layer};
  if (store_) {
    ref.store_ = store_;
    ref.index_ = store_->declare(spec);
  } else {
    ref.index_ = static_cast<int>(specs_.size());
  }
  specs_.push_back(std::move(spec));
  return ref;
}

int WeightStore::declare(const model::TensorSpec& spec) {
  auto [it, inserted] = index_.emplace(spec.name, static_cast<int>(slots_.size()));
  require(inserted, "tensor " + spec.name + " is declared twice");
  slots_.push_back(Slot{spec});
  return it->second;
}

void WeightStore::add(const HostTensor& tensor) {
  auto it = index_.find(tensor.name);
  if (it == index_.end()) fail(ErrorCode::Internal, "tensor " + tensor.name + " was loaded but no graph declares it");
  Slot& s = slots_[it->second];
  require(!s.loaded, "tensor " + tensor.name + " loaded twice");
  // A patch embedding (Conv3d whose kernel equals its stride) is a matrix over the
  // flattened patch: [out, c·t·p·p]; a conv kernel [out, in, kernel] is row-major, so it
  // already is the matrix [out, in * kernel].
  const bool patch_embed = s.spec.role == model::TensorRole::PatchEmbed;
  const bool conv_kernel = s.spec.role == model::TensorRole::ConvKernel;
  s.is_matrix = model::is_matrix_role(s.spec.role) || patch_embed || tensor.dtype == DType::Q4;
  if (s.spec.role == model::TensorRole::HostScalar) {
    s.host_scalar = scalar_value(tensor);
  } else if (s.is_matrix) {
    HostTensor flat = tensor;
    if ((patch_embed || conv_kernel) && flat.shape.size() > 2)
      flat.shape = {flat.shape[0], flat.numel() / flat.shape[0]};
    s.matrix = ops::upload_weight(ctx_, flat);
    bytes_ += s.matrix.bytes();
  } else {
    s.vector = ops::upload_f32(ctx_, tensor);
    bytes_ += s.vector.buffer.size();
  }
  s.loaded = true;
}

void WeightStore::check_complete() const {
  for (const auto& s : slots_)
    if (!s.loaded) fail(ErrorCode::InvalidFile, "model is missing tensor " + s.spec.name);
}

const ops::Weight& WeightStore::matrix(int index) const {
  const Slot& s = slots_.at(index);
  if (!s.loaded) fail(ErrorCode::InvalidFile, "model is missing weight matrix " + s.spec.name);
  if (!s.is_matrix) fail(ErrorCode::Internal, "tensor " + s.spec.name + " was read as a matrix but is a vector");
  return s.matrix;
}

float WeightStore::host_scalar(int index) const {
  const Slot& s = slots_.at(index);
  if (!s.loaded) fail(ErrorCode::InvalidFile, "model is missing tensor " + s.spec.name);
  if (s.spec.role != model::TensorRole::HostScalar)
    fail(ErrorCode::Internal, "tensor " + s.spec.name + " was read as a host scalar but is not one");
  return s.host_scalar;
}

ops::Tensor WeightStore::vector(int index) const {
  const Slot& s = slots_.at(index);
  if (!s.loaded) fail(ErrorCode::InvalidFile, "model is missing tensor " + s.spec.name);
  if (s.is_matrix) fail(ErrorCode::Internal, "tensor " + s.spec.name + " was read as a vector but is a matrix");
  return s.vector.tensor;
}

}  // namespace vole::arch
