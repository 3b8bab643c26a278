#pragma once
// The engine: one loaded model on one GPU, with its tokenizer and chat template.
// Front ends (CLI, desktop app, benchmarks) create an Engine, then Sequences (token
// level) or Chats (message level) on it.
//
// Threading: an Engine and everything created from it are used from one thread at a
// time (the app's engine worker thread); only cancel flags are touched from others.
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arch/language_model.h"
#include "gpu/context.h"
#include "model/config.h"
#include "model/weight_loader.h"
#include "runtime/generator.h"
#include "runtime/sequence.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace vole::runtime {

struct EngineOptions {
  std::string device;                                 // Vulkan device (index or name); "" = best
  uint64_t gpu_memory_limit = 0;                      // bytes of device memory Vole may use; 0 = all
  model::Format weights = model::Format::Q4;          // large matrices: q4 / f16 / f32 / source
  int64_t context_length = 4096;                      // tokens; capped by the model's maximum
  model::CachePolicy cache = model::CachePolicy::Auto;  // where converted weights are cached
  // Called as loading progresses (fraction 0..1, what is happening). May run on the
  // loading thread; keep it cheap.
  std::function<void(double fraction, const std::string& stage)> progress;
  const std::atomic<bool>* cancel = nullptr;          // abandons the load (Cancelled)
};

struct LoadReport {
  double total_ms = 0;
  double upload_ms = 0;           // time inside the GPU upload
  uint64_t weight_bytes = 0;      // device memory taken by weights
  model::LoadStats weights;       // the loader's own numbers (conversion, cache)
};

class Engine {
 public:
  explicit Engine(const std::filesystem::path& model_dir, EngineOptions options = {});
  ~Engine();

  gpu::Context& gpu() { return *gpu_; }
  const std::filesystem::path& model_dir() const { return model_dir_; }
  const model::ModelConfig& config() const { return config_; }
  const model::GenerationConfig& generation_config() const { return generation_; }
  const arch::LanguageModel& model() const { return *model_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  const text::ChatTemplate* chat_template() const { return chat_template_ ? &*chat_template_ : nullptr; }
  const LoadReport& load_report() const { return report_; }
  int64_t context_length() const { return context_length_; }

  // End-of-turn tokens: generation_config's eos ids plus the chat format's end marker.
  const std::vector<int32_t>& stop_tokens() const { return stop_tokens_; }
  // The model's recommended sampling (generation_config.json), else Vole's defaults.
  SamplingOptions default_sampling() const;
  GenerateOptions default_generate_options() const;

  std::unique_ptr<Sequence> new_sequence(int64_t context_length = 0) const;

 private:
  std::filesystem::path model_dir_;
  EngineOptions options_;
  std::unique_ptr<gpu::Context> gpu_;
  model::ModelConfig config_;
  model::GenerationConfig generation_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::optional<text::ChatTemplate> chat_template_;
  std::unique_ptr<arch::LanguageModel> model_;
  std::vector<int32_t> stop_tokens_;
  int64_t context_length_ = 0;
  LoadReport report_;
};

}  // namespace vole::runtime
