#pragma once
// From a parsed config to a LanguageModel: picks the family's graph builder and
// derives its DecoderSpec. A new family = one new file + one entry here.
#include <memory>

#include "arch/language_model.h"
#include "model/config.h"

namespace vole::arch {

DecoderSpec decoder_spec(const model::ModelConfig& config);
std::unique_ptr<LanguageModel> create_language_model(const model::ModelConfig& config, WeightStore weights);

}  // namespace vole::arch
