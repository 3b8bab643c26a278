#include "prompt_images.h"

#include <algorithm>
#include <cstdint>

#include "hub/manifest.h"
#include "image/decode.h"
#include "qt_strings.h"
#include "util/error.h"

namespace vole::desktop {

void add_prompt_images(runtime::ChatRequest& request, const std::vector<std::filesystem::path>& files,
                       runtime::VisionTower& tower, int64_t max_image_tokens, const std::atomic<bool>& cancel,
                       const ImageProgress& progress) {
  if (files.empty()) return;
  if (!tower.available()) fail(ErrorCode::Unsupported, "this model cannot see images (it has no vision tower)");
  auto check_stop = [&] {
    if (cancel.load()) fail(ErrorCode::Cancelled, "stopped while preparing the images");
  };
  // Loading the tower is the first half of the bar (only the first time), the pictures the rest.
  if (!tower.loaded()) tower.load([&](double f, const std::string& stage) { progress(0.5 * f, stage); }, &cancel);
  check_stop();
  for (size_t i = 0; i < files.size(); ++i) {
    progress(0.5 + 0.5 * double(i) / double(files.size()),
             "Preparing image " + std::to_string(i + 1) + " of " + std::to_string(files.size()));
    image::DecodedImage picture = image::load_image(files[i]);
    check_stop();
    request.images.push_back(tower.preprocess(picture.image, max_image_tokens));
    check_stop();
  }
  progress(0.99, "Encoding the images");
}

void describe_vision(const runtime::Engine& engine, ModelInfo& info) {
  info.vision_available = engine.vision().available();
  info.vision_downloaded = info.vision_available;
  try {
    if (auto manifest = hub::read_manifest(engine.model_dir())) {
      info.repo = qstr(manifest->repo);
      info.vision_downloaded = info.vision_available && manifest->features.has(hub::kVisionFeature);
    }
  } catch (const std::exception&) {
    // A damaged manifest: the model loaded, so take the folder as it is.
  }
  if (!info.vision_available) return;
  try {
    auto [lo, hi] = engine.vision().image_token_range();
    info.image_tokens_min = static_cast<int>(std::min<int64_t>(lo, INT32_MAX));
    info.image_tokens_max = static_cast<int>(std::min<int64_t>(hi, INT32_MAX));
  } catch (const std::exception&) {
    // An unreadable preprocessor_config.json: the worker reports it when an image is sent.
  }
}

}  // namespace vole::desktop
