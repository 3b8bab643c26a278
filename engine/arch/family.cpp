#include "arch/family.h"

#include "util/error.h"

namespace vole::arch {

std::vector<model::TensorSpec> Family::tensors(const model::ModelConfig& config,
                                               const model::Selection& selection) const {
  TensorDeclarer declarer(selection);
  create(config, declarer);
  return declarer.specs();
}

const Family& family_of(const model::ModelConfig& config) {
  const auto* f = dynamic_cast<const Family*>(config.family);
  if (!f)
    fail(ErrorCode::Internal, "model family " + std::string(config.family ? config.family->name() : "(none)") +
                                  " has no GPU implementation");
  return *f;
}

}  // namespace vole::arch
