#pragma once
// A model family on the GPU side: the generic description (model::Family: config,
// parts, tensors, quantization rules, checkpoint layouts) plus the components it
// builds. One folder per family (arch/<family>/), one line in arch/families.cpp.
//
// A family implements create(): it declares every tensor it needs through the
// declarer, keeping the refs in its components' weight structs, and returns the
// components. The same function lists the tensors for the loader (tensors() runs it
// with a declarer that only records), so names are built once.
#include <memory>
#include <vector>

#include "arch/component.h"
#include "arch/weights.h"
#include "model/config.h"
#include "model/family.h"

namespace vole::arch {

using Components = std::vector<std::unique_ptr<Component>>;

class Family : public model::Family {
 public:
  virtual Components create(const model::ModelConfig& config, TensorDeclarer& declarer) const = 0;

  std::vector<model::TensorSpec> tensors(const model::ModelConfig& config,
                                         const model::Selection& selection) const final;
};

// The arch side of a config's family (every family in the table is an arch::Family).
const Family& family_of(const model::ModelConfig& config);

}  // namespace vole::arch
