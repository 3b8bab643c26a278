#pragma once
// The engine of one text model: the model (its family's components, weights on a
// shared Device), its tokenizer and chat template. Front ends (CLI, desktop app,
// benchmarks, server) create an Engine on a Device, then Sequences (token level) or
// Chats (message level) on it. Several Engines (and the other capabilities' models)
// can share one Device.
//
// Threading: an Engine and the sequences created from it are used from one thread at
// a time; only cancel flags are touched from others. Engines on the same Device may
// run on different threads: the device serialises their GPU work.
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arch/model.h"
#include "arch/text_decoder.h"
#include "gpu/context.h"
#include "model/config.h"
#include "model/weight_loader.h"
#include "runtime/device.h"
#include "runtime/generator.h"
#include "runtime/sequence.h"
#include "runtime/vision.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace vole::runtime {

struct EngineOptions {
  // The device an Engine creates when it is not given one.
  std::string device;                                   // Vulkan device (index or name); "" = best
  uint64_t gpu_memory_limit = 0;                        // bytes of device memory Vole may use; 0 = all
  model::Format weights = model::Format::Q4;            // large matrices: q4 / f16 / f32 / source
  int64_t context_length = 4096;                        // tokens; capped by the model's maximum
  model::CachePolicy cache = model::CachePolicy::Auto;  // where converted weights are cached
  // Called as loading progresses (fraction 0..1, what is happening). May run on the
  // loading thread; keep it cheap.
  std::function<void(double fraction, const std::string& stage)> progress;
  const std::atomic<bool>* cancel = nullptr;     // abandons the load (Cancelled)
  const model::FamilyTable* families = nullptr;  // families that may read config.json; null: arch::families()
};

struct LoadReport {
  double total_ms = 0;
  double upload_ms = 0;       // time inside the GPU upload
  uint64_t weight_bytes = 0;  // device memory taken by weights
  model::LoadStats weights;   // the loader's own numbers (conversion, cache)
};

class Engine {
 public:
  // Loads the model onto a shared device.
  Engine(std::shared_ptr<Device> device, const std::filesystem::path& model_dir, EngineOptions options = {});
  // Loads the model onto a device of its own (options.device, options.gpu_memory_limit).
  explicit Engine(const std::filesystem::path& model_dir, EngineOptions options = {});
  ~Engine();

  Device& device() { return *device_; }
  const std::shared_ptr<Device>& shared_device() const { return device_; }
  gpu::Context& gpu() { return device_->gpu(); }
  const std::filesystem::path& model_dir() const { return model_dir_; }
  const model::ModelConfig& config() const { return config_; }
  const model::GenerationConfig& generation_config() const { return generation_; }
  const arch::Model& model() const { return *model_; }
  const arch::TextDecoder& decoder() const { return *decoder_; }
  // Device memory this model holds now (weights and live sequences).
  uint64_t device_bytes() const { return account_->bytes(); }
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

  // The model's vision tower: `vision().available()` says whether it can see images; its
  // tensors are loaded on the first image (or `vision().load()`) and freed by unload().
  // Loading it is a cache fill, so a const Engine hands it out too.
  VisionTower& vision() const { return *vision_; }

 private:
  std::filesystem::path model_dir_;
  EngineOptions options_;
  std::shared_ptr<Device> device_;
  std::shared_ptr<MemoryAccount> account_;
  model::ModelConfig config_;
  model::GenerationConfig generation_;
  std::unique_ptr<text::Tokenizer> tokenizer_;
  std::optional<text::ChatTemplate> chat_template_;
  std::unique_ptr<arch::Model> model_;
  const arch::TextDecoder* decoder_ = nullptr;
  std::vector<int32_t> stop_tokens_;
  std::unique_ptr<VisionTower> vision_;  // after model_: freed before it
  int64_t context_length_ = 0;
  LoadReport report_;
};

}  // namespace vole::runtime
