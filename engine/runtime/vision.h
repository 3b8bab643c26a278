#pragma once
// An Engine's vision tower (docs/specs/qwen3_5.md §7): loaded only when a prompt has
// an image (the model's optional "vision" part, f16 matrices by default), freed on
// request. It preprocesses decoded pictures with the model's preprocessor_config.json
// and encodes them into the embeddings a prompt splices in (runtime/image_prompt.h).
//
// Threading: used from the Engine's thread, like the Engine.
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "arch/model.h"
#include "arch/vision_encoder.h"
#include "image/image.h"
#include "image/preprocess.h"
#include "model/config.h"
#include "runtime/device.h"
#include "runtime/image_prompt.h"
#include "util/error.h"

namespace vole::runtime {

struct VisionOptions {
  model::Format weights = model::Format::F16;  // the tower's large matrices
  model::CachePolicy cache = model::CachePolicy::Auto;
  int64_t max_image_tokens = 1024;  // the user's cap on one image's LLM tokens (0: the model's budget)
};

class VisionTower {
 public:
  VisionTower(std::shared_ptr<Device> device, std::filesystem::path model_dir, const model::ModelConfig& config,
              const model::FamilyTable& families, std::shared_ptr<MemoryAccount> account, VisionOptions options);
  ~VisionTower();

  // Whether the model has a vision tower at all (its family declares vision tensors).
  bool available() const { return available_; }
  bool loaded() const { return model_ != nullptr; }
  // Loads the tower's tensors (no-op when loaded). Throws Unsupported for a model
  // without one, and an error that says to download the vision part when its tensors
  // are not in the folder.
  void load(const std::function<void(double, const std::string&)>& progress = {},
            const std::atomic<bool>* cancel = nullptr);
  void unload();
  const arch::VisionEncoder& encoder();  // loads on first use
  const VisionOptions& options() const { return options_; }
  void set_max_image_tokens(int64_t n) { options_.max_image_tokens = n; }

  // The model's preprocessing (preprocessor_config.json, or the Qwen-VL defaults).
  // Throws the file's error when preprocessor_config.json could not be read.
  const image::PreprocessorConfig& preprocessor() const;
  // `max_image_tokens` overrides the options' cap for this picture (one chat's own choice
  // while the tower is shared with other users of the model).
  image::PreprocessedImage preprocess(const image::RgbImage& rgb,
                                      std::optional<int64_t> max_image_tokens = std::nullopt) const;
  // The model's own range of LLM tokens per image (min_pixels / max_pixels in merge blocks).
  std::pair<int64_t, int64_t> image_token_range() const;
  // Encodes the images in one graph run (loading the tower on first use); throws
  // Cancelled when `cancel` is set mid-way (checked between groups of blocks).
  std::vector<EncodedImage> encode(std::span<const image::PreprocessedImage> images,
                                   const std::atomic<bool>* cancel = nullptr);
  uint64_t weight_bytes() const;

 private:
  std::shared_ptr<Device> device_;
  std::filesystem::path model_dir_;
  const model::FamilyTable& families_;
  std::shared_ptr<MemoryAccount> account_;
  VisionOptions options_;
  bool available_ = false;
  std::vector<std::string> prefixes_;  // the vision part's tensor name prefixes
  image::PreprocessorConfig preprocessor_;
  std::unique_ptr<Error> preprocessor_error_;
  std::unique_ptr<arch::Model> model_;
  const arch::VisionEncoder* encoder_ = nullptr;
};

}  // namespace vole::runtime
