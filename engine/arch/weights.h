#pragma once
// A model's weights, declared once and bound once. A family's declaration function
// names every tensor it needs (name, shape, role, part) through a TensorDeclarer and
// keeps the returned WeightRefs in its own typed structs (layer.q_proj, layer.q_bias,
// ...). The same declarations give the loader its list of expected tensors (so names
// are built in one place) and, once the loader has streamed the tensors into the
// WeightStore, let the graph builders read each weight through its ref.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gpu/context.h"
#include "model/tensor_specs.h"
#include "ops/weight.h"
#include "util/host_tensor.h"

namespace vole::arch {

class WeightStore;

// One declared tensor. Empty (declared() == false) for an optional tensor the config
// does not have (e.g. a bias) or a tensor of a part the load did not select.
class WeightRef {
 public:
  bool declared() const { return index_ >= 0; }
  explicit operator bool() const { return declared(); }
  const std::string& name() const;
  // The GPU copy; fails naming the tensor if it is not declared, not loaded or not of
  // that kind.
  const ops::Weight& matrix() const;
  ops::Tensor vector() const;
  ops::Tensor vector(int64_t expected_elements) const;  // also checks the element count
  // A HostScalar's value, for graph builders that fold it into constants.
  float host_scalar() const;

 private:
  friend class TensorDeclarer;
  const WeightStore* store_ = nullptr;
  int index_ = -1;
};

// Collects declarations. With a store, refs are bound to it; without one (listing the
// tensors a config implies, e.g. for `vole info` or the loader) only the specs are kept.
class TensorDeclarer {
 public:
  TensorDeclarer(const model::Selection& selection, WeightStore* store = nullptr);

  // Declarations that follow belong to `part`; if the selection leaves the part out,
  // they return empty refs and record nothing.
  void begin_part(const model::TensorPart& part);
  bool part_selected() const { return selected_; }
  WeightRef add(std::string name, std::vector<int64_t> shape, model::TensorRole role, int layer = -1);

  const std::vector<model::TensorSpec>& specs() const { return specs_; }

 private:
  const model::Selection& selection_;
  WeightStore* store_;
  std::string part_;
  bool selected_ = false;
  std::vector<model::TensorSpec> specs_;
};

// The GPU copies of the declared tensors, filled one tensor at a time as the loader
// streams them (a model never sits whole in host RAM).
class WeightStore {
 public:
  explicit WeightStore(gpu::Context& ctx) : ctx_(ctx) {}
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;

  int declare(const model::TensorSpec& spec);  // index for a WeightRef
  // Uploads a loaded tensor into its declared slot: matrices (model::is_matrix_role, or
  // Q4 data) as ops::Weight in any dtype, everything else as f32. Fails for an
  // undeclared name.
  void add(const HostTensor& tensor);
  // Fails naming the first declared tensor that was never loaded.
  void check_complete() const;

  const model::TensorSpec& spec(int index) const { return slots_.at(index).spec; }
  const ops::Weight& matrix(int index) const;
  ops::Tensor vector(int index) const;
  float host_scalar(int index) const;
  uint64_t device_bytes() const { return bytes_; }
  size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    model::TensorSpec spec;
    bool loaded = false;
    bool is_matrix = false;
    ops::Weight matrix;
    ops::DeviceTensor vector;
    float host_scalar = 0;  // HostScalar: the value, never uploaded
  };
  gpu::Context& ctx_;
  std::vector<Slot> slots_;
  std::map<std::string, int> index_;
  uint64_t bytes_ = 0;
};

}  // namespace vole::arch
