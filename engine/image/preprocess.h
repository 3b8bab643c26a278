#pragma once
// An RGB image to the vision tower's input, exactly as the Hugging Face Qwen2-VL /
// Qwen3-VL / Qwen3.5 image processor (torchvision backend, the default) makes it
// (docs/specs/qwen3_5.md §7.1):
//
//  1. smart_resize: sides rounded (half to even) to multiples of factor = patch·merge,
//     then scaled into [min_pixels, max_pixels] keeping the aspect ratio;
//  2. antialiased bicubic resize to that size (resize.h, bit-exact with torchvision's
//     uint8 path);
//  3. rescale and normalise fused as the processor does: (x − 255·mean) / (255·std)
//     in float32;
//  4. the still frame repeated temporal_patch_size times;
//  5. patches flattened [grid_t·grid_h·grid_w, C·T·P·P] in 2×2-merge-block order: for each
//     block row, block column, then row and column inside the block; each patch's values
//     ordered (channel, frame, y, x).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "image/image.h"
#include "image/preprocessor_config.h"

namespace vole::image {

struct ResizePlan {
  int height = 0, width = 0;
};

// Hugging Face's smart_resize (transformers' Qwen2-VL image processor): Python rounding
// (half to even) and float arithmetic reproduced exactly. Refuses an aspect ratio above
// 200 (InvalidArgument, as HF does). One deviation: where the max_pixels branch would
// floor a side to 0 (an extreme aspect ratio under a tiny budget, a crash in HF) the
// side is kept at `factor`, as Qwen's own qwen-vl-utils does.
ResizePlan smart_resize(int64_t height, int64_t width, int factor, int64_t min_pixels, int64_t max_pixels);

struct PreprocessOptions {
  // The user's cap on one image's LLM tokens (merged patches); the effective
  // max_pixels is min(config max_pixels, cap·factor²), never below min_pixels.
  // 0: the model's own budget only.
  int64_t max_image_tokens = 1024;
};

// The pixel budget preprocess_image uses for a config and options.
int64_t effective_max_pixels(const PreprocessorConfig& config, const PreprocessOptions& options);
// The model's own range of LLM tokens per image: {min_pixels, max_pixels} in merge blocks
// (factor² pixels each), the sensible bounds of a user's cap.
std::pair<int64_t, int64_t> image_token_range(const PreprocessorConfig& config);

struct ImageGrid {
  int64_t t = 1, h = 0, w = 0;  // in patches (t in temporal patches)
  int64_t patches() const { return t * h * w; }
};

struct PreprocessedImage {
  std::vector<float> patches;  // [grid.patches(), patch_dim], row-major, HF order
  int64_t patch_dim = 0;       // channels · temporal_patch_size · patch_size²
  ImageGrid grid;
  int64_t tokens = 0;  // LLM tokens the image becomes: grid.patches() / merge²
  int resized_width = 0, resized_height = 0;
  // SHA-256 (hex) of what determines `patches`: the geometry, the normalisation and the
  // resized pixels. Equal ids mean equal inputs to the vision tower (prefix caching).
  std::string id;
};

PreprocessedImage preprocess_image(const RgbImage& image, const PreprocessorConfig& config,
                                   const PreprocessOptions& options = {});

// Steps 3-5 alone, on an image already at its final size (sides multiples of
// factor()): the float patches in HF order.
std::vector<float> patchify(const RgbImage& resized, const PreprocessorConfig& config);

}  // namespace vole::image
