#pragma once
// A Hugging Face model folder: config.json (required), generation_config.json,
// the tokenizer files, and the safetensors checkpoint. Opening it reads the small
// JSON files and the checkpoint's listing; weights are read by model/weight_loader.h.
#include <filesystem>
#include <optional>

#include "model/config.h"
#include "model/family.h"
#include "model/safetensors.h"

namespace vole::model {

class ModelFolder {
 public:
  // Reads config.json with the family that reads it (`families`: usually arch::families()).
  ModelFolder(const std::filesystem::path& dir, const FamilyTable& families);

  const std::filesystem::path& dir() const { return dir_; }
  const ModelConfig& config() const { return config_; }
  // Defaults (all empty) when the folder has no generation_config.json.
  const GenerationConfig& generation() const { return generation_; }
  bool has_generation_config() const { return has_generation_; }

  // Present files only.
  const std::optional<std::filesystem::path>& tokenizer_json() const { return tokenizer_json_; }
  const std::optional<std::filesystem::path>& tokenizer_config_json() const { return tokenizer_config_; }
  const std::optional<std::filesystem::path>& chat_template_jinja() const { return chat_template_; }

  Checkpoint& checkpoint() { return checkpoint_; }
  const Checkpoint& checkpoint() const { return checkpoint_; }
  // The checkpoint's files plus config.json: what a cache of converted weights depends on.
  std::vector<SourceFile> weight_sources() const;

 private:
  std::filesystem::path dir_;
  ModelConfig config_;
  GenerationConfig generation_;
  bool has_generation_ = false;
  std::optional<std::filesystem::path> tokenizer_json_, tokenizer_config_, chat_template_;
  Checkpoint checkpoint_;
};

}  // namespace vole::model
