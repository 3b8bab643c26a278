#pragma once
// A model's preprocessor_config.json (Hugging Face Qwen2-VL / Qwen3-VL / Qwen3.5 image
// processors): the pixel budget, patch geometry and normalisation. Absent keys take the
// transformers class defaults (Qwen2VLImageProcessorFast).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace vole::image {

struct PreprocessorConfig {
  // Pixel budget of the resized image. Written as {"size": {"shortest_edge": min,
  // "longest_edge": max}} (despite the names, pixel counts) or as top-level / size
  // "min_pixels" and "max_pixels"; top-level min_pixels / max_pixels win.
  int64_t min_pixels = 56 * 56;
  int64_t max_pixels = 28 * 28 * 1280;
  int patch_size = 14;
  int temporal_patch_size = 2;
  int merge_size = 2;
  std::array<double, 3> image_mean = {0.48145466, 0.4578275, 0.40821073};  // OpenAI CLIP
  std::array<double, 3> image_std = {0.26862954, 0.26130258, 0.27577711};
  double rescale_factor = 1.0 / 255.0;
  bool do_resize = true;
  bool do_rescale = true;
  bool do_normalize = true;

  int factor() const { return patch_size * merge_size; }  // sides are multiples of this
};

// `label` names the source in errors. Refuses values Vole cannot honour (a resample
// filter other than bicubic, non-positive sizes) with InvalidFile / Unsupported.
PreprocessorConfig parse_preprocessor_config(std::string_view json_text, const std::string& label);
// `path`: the JSON file, or a model folder holding preprocessor_config.json.
PreprocessorConfig load_preprocessor_config(const std::filesystem::path& path);

}  // namespace vole::image
