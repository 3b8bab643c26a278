#include "arch/registry.h"

#include "arch/qwen3.h"
#include "arch/qwen3_5.h"
#include "util/error.h"

namespace vole::arch {

DecoderSpec decoder_spec(const model::ModelConfig& config) {
  switch (config.arch) {
    case model::Architecture::Qwen3_5: return Qwen3_5Model::spec_for(config);
    case model::Architecture::Qwen3: return Qwen3Model::spec_for(config);
  }
  fail(ErrorCode::Unsupported, "no graph builder for this architecture");
}

std::unique_ptr<LanguageModel> create_language_model(const model::ModelConfig& config, WeightStore weights) {
  DecoderSpec spec = decoder_spec(config);
  switch (config.arch) {
    case model::Architecture::Qwen3_5: return std::make_unique<Qwen3_5Model>(std::move(spec), std::move(weights));
    case model::Architecture::Qwen3: return std::make_unique<Qwen3Model>(std::move(spec), std::move(weights));
  }
  fail(ErrorCode::Unsupported, "no graph builder for this architecture");
}

}  // namespace vole::arch
