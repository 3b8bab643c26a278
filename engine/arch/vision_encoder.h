#pragma once
// The vision encoder component: an image's patches in, one embedding per LLM image token
// out (a ViT plus a patch merger, e.g. Qwen3.5's tower, docs/specs/qwen3_5.md §7). The
// runtime splices its output into a prompt in place of the image's pad tokens.
#include <atomic>
#include <cstdint>
#include <span>

#include "arch/component.h"
#include "gpu/context.h"
#include "ops/tensor.h"

namespace vole::arch {

// An image's (or video's) patch grid: t frames of h x w patches.
struct ImageGrid {
  int64_t t = 1, h = 0, w = 0;
  int64_t patches() const { return t * h * w; }
};

// How a prompt refers to an image: <start> <pad> x tokens <end>.
struct ImageTokenIds {
  int32_t start = -1, pad = -1, end = -1;
};

class VisionEncoder : public Component {
 public:
  std::vector<Input> inputs() const override { return {Input::ImagePatches}; }
  std::vector<Output> outputs() const override { return {Output::HiddenStates}; }

  virtual int64_t patch_dim() const = 0;   // values per patch (channels · t · p · p)
  virtual int64_t out_hidden() const = 0;  // width of an output embedding (the text model's hidden size)
  virtual int64_t merge() const = 0;       // patches merged per side into one token
  virtual ImageTokenIds token_ids() const = 0;
  // LLM tokens an image of this grid becomes.
  int64_t tokens(const ImageGrid& g) const { return g.patches() / (merge() * merge()); }

  // Encodes images whose patches ([Σ patches, patch_dim], row-major, the images in
  // order) are given on the host; writes out [Σ tokens, out_hidden] (device memory),
  // the images' tokens in prompt order. One submission. Throws InvalidArgument for a
  // grid the tower cannot take (sides not multiples of the merge size, size mismatch).
  // Several submissions in fact: one per group of blocks, so Stop is heard mid-encode.
  // With `profile`, every kernel is timed (serialising the GPU work; for benchmarks).
  // `cancel` is checked between the tower's submissions (a few blocks each): when set,
  // encode throws Cancelled and `out` is incomplete.
  virtual void encode(gpu::Context& ctx, std::span<const float> patches, std::span<const ImageGrid> grids,
                      const ops::Tensor& out, gpu::Profile* profile = nullptr,
                      const std::atomic<bool>* cancel = nullptr) const = 0;
};

}  // namespace vole::arch
