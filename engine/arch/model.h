#pragma once
// A model loaded on a GPU: its family, config, weights and components. Loading
// streams the checkpoint through model::WeightLoader one tensor at a time into the
// WeightStore the family's declarations are bound to.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "arch/component.h"
#include "arch/family.h"
#include "arch/text_decoder.h"
#include "arch/weights.h"
#include "gpu/context.h"
#include "model/model_folder.h"
#include "model/weight_loader.h"

namespace vole::arch {

struct ModelLoad {
  model::LoadOptions options;  // selection, formats, cache
  // Called as tensors arrive (fraction 0..1 of the bytes, the tensor's name).
  std::function<void(double fraction, const std::string& tensor)> progress;
  const std::atomic<bool>* cancel = nullptr;  // abandons the load (Cancelled)
};

class Model {
 public:
  // Throws vole::Error: a checkpoint that does not match the config, out of memory,
  // cancelled (everything allocated so far is released).
  static std::unique_ptr<Model> load(gpu::Context& ctx, model::ModelFolder& folder, const ModelLoad& load);

  const model::ModelConfig& config() const { return config_; }
  const Family& family() const { return family_of(config_); }
  const WeightStore& weights() const { return *weights_; }
  const Components& components() const { return components_; }
  const model::LoadStats& load_stats() const { return stats_; }
  double upload_ms() const { return upload_ms_; }

  // The first component of type T, or nullptr.
  template <class T>
  const T* find() const {
    for (const auto& c : components_)
      if (auto* t = dynamic_cast<const T*>(c.get())) return t;
    return nullptr;
  }
  // The text decoder; fails with a clear error for a model that has none.
  const TextDecoder& text_decoder() const;

 private:
  Model(gpu::Context& ctx, model::ModelConfig config);
  model::ModelConfig config_;
  std::unique_ptr<WeightStore> weights_;
  Components components_;
  model::LoadStats stats_;
  double upload_ms_ = 0;
};

}  // namespace vole::arch
