#pragma once
// Images in a prompt (docs/specs/qwen3_5.md §7.9-7.10): each image's placeholder
// `<vision_start> <image_pad> <vision_end>` (what the chat template writes) becomes
// `<vision_start> <image_pad> x N <vision_end>`, the N pads take the image's merged
// embeddings, and every token gets its M-RoPE triple: text (cur, cur, cur), an image's
// token at (row, col) of its merged grid (cur, cur + row, cur + col), after which cur
// advances by max(rows, cols); decoding continues one past the largest position.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "arch/vision_encoder.h"
#include "gpu/buffer.h"
#include "runtime/sequence.h"

namespace vole::runtime {

// One image encoded by the vision tower, ready for prompts.
struct EncodedImage {
  std::string id;              // identity hash of the tower's input (image::PreprocessedImage::id)
  arch::ImageGrid grid;        // in patches
  int64_t rows = 0, cols = 0;  // its LLM tokens as a grid (merged patches)
  ops::Tensor embeddings;      // f32 [rows · cols, hidden], inside `memory`
  std::shared_ptr<const gpu::Buffer> memory;
  int64_t tokens() const { return rows * cols; }
};

struct ImagePrompt {
  std::vector<int32_t> tokens;  // with every placeholder expanded
  AppendExtras extras;          // the images' embeddings and every token's positions
};

// Expands the placeholders of `tokens` in order, one per image. Throws InvalidArgument
// when the number of placeholders differs from the number of images (e.g. a chat
// template that does not render image parts).
ImagePrompt expand_image_prompt(std::span<const int32_t> tokens, std::span<const EncodedImage> images,
                                const arch::ImageTokenIds& ids);

// Placeholders (`start pad end`) in `tokens`.
int64_t count_image_placeholders(std::span<const int32_t> tokens, const arch::ImageTokenIds& ids);

}  // namespace vole::runtime
