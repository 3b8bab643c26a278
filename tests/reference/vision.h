#pragma once
// CPU reference of Qwen3.5's image path (docs/specs/qwen3_5.md §7), written from the
// spec in plain loops with double accumulation: the definition engine/image's
// preprocessing and the GPU vision tower are tested against.
//
//  * preprocessing (§7.1): smart_resize, the antialiased bicubic resize as a continuous
//    definition (double weights, no int16 quantisation, no intermediate rounding), the
//    normalisation, and the patch flattening done literally as HF's view + permute;
//  * the vision tower (§7.2-7.6): patch embedding (Conv3d as a matmul), the bilinearly
//    interpolated position table, 2-D rotary, blocks (LayerNorm with bias, qkv with bias,
//    bidirectional attention within each image frame, GELU-tanh MLP), the merger
//    (LayerNorm, 2x2 concat, erf-GELU MLP);
//  * the M-RoPE position triples of a prompt with images (§7.10).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "arch/qwen3_5/qwen3_5.h"
#include "reference/model_forward.h"  // WeightMap

namespace vole::ref {

// ---- Preprocessing --------------------------------------------------------------

// §7.1 step 2 with Python's round (half to even); sides kept >= factor.
std::pair<int64_t, int64_t> qwen_smart_resize(int64_t height, int64_t width, int64_t factor, int64_t min_pixels,
                                              int64_t max_pixels);

// Antialiased bicubic (Keys a = -0.5, support 2·max(scale, 1)) of an RGB8 image, as
// exact real numbers: [out_h][out_w][3] doubles, before any rounding.
std::vector<double> resize_bicubic_antialias_exact(const std::vector<uint8_t>& rgb, int width, int height,
                                                   int out_width, int out_height);

// (x/255 - mean) / std per channel, in double.
double normalise_pixel(uint8_t value, double mean, double std);

// HF's patch layout, literally: `frame` is one normalised frame [C][H][W]; it is repeated
// to `temporal` frames, viewed as (t, T, C, H/(P·m), m, P, W/(P·m), m, P), permuted
// (0, 3, 6, 4, 7, 2, 1, 5, 8) and flattened to [t·(H/P)·(W/P), C·T·P·P].
std::vector<float> qwen_patches(const std::vector<float>& frame, int channels, int height, int width, int patch,
                                int temporal, int merge);

// ---- Vision tower -------------------------------------------------------------------

struct VisionSpec {
  int depth = 0, hidden = 0, heads = 0, intermediate = 0, out_hidden = 0;
  int in_channels = 3, patch = 16, temporal_patch = 2, merge = 2;
  int num_position_embeddings = 0;  // a square grid: side = sqrt(n)
  float eps = 1e-6f;
  double rope_theta = 10000.0;
  std::string prefix = "model.visual.";
  int head_dim() const { return hidden / heads; }
  int patch_dim() const { return in_channels * temporal_patch * patch * patch; }
};
VisionSpec vision_spec(const arch::Qwen3_5VisionConfig& config);

struct VisionGrid {
  int64_t t = 1, h = 0, w = 0;  // in patches
};

// (row, col) of every patch of one frame in merge-block order (§7.1 step 7).
std::vector<std::pair<int64_t, int64_t>> merge_block_positions(int64_t grid_h, int64_t grid_w, int merge);

// §7.3: the learned side x side table interpolated bilinearly (align_corners) to the
// grid, [t·h·w, hidden] in merge-block order, repeated per frame.
std::vector<float> interpolated_position_embeddings(const std::vector<float>& table, int side, int hidden,
                                                    const VisionGrid& grid, int merge);

// §7.4: rotates each head of `x` [n, heads·head_dim] in place; patch i sits at
// positions[i] = (row, col).
void apply_vision_rotary(std::vector<float>& x, int heads, int head_dim,
                         const std::vector<std::pair<int64_t, int64_t>>& positions, double theta);

class ReferenceVision {
 public:
  ReferenceVision(VisionSpec spec, const WeightMap& weights);

  // Intermediate values, for tests that pin one stage.
  struct Trace {
    std::vector<float> embedded;                  // patch embedding [N, hidden]
    std::vector<float> with_positions;            // + interpolated positions
    std::vector<std::vector<float>> after_block;  // per block [N, hidden]
  };

  // `patches`: [Σ t·h·w, patch_dim] for the images in `grids`, concatenated in order.
  // Returns the merger output [Σ t·h·w / merge², out_hidden].
  std::vector<float> forward(const std::vector<float>& patches, const std::vector<VisionGrid>& grids,
                             Trace* trace = nullptr) const;

  std::vector<float> patch_embed(const std::vector<float>& patches) const;  // [N, hidden]
  const VisionSpec& spec() const { return spec_; }

 private:
  const std::vector<float>& w(const std::string& name) const;
  std::vector<float> linear(const std::vector<float>& x, int64_t rows, const std::string& name, int64_t out,
                            int64_t in) const;
  std::vector<float> attention(int block, const std::vector<float>& x, const std::vector<VisionGrid>& grids) const;
  std::vector<float> mlp(int block, const std::vector<float>& x) const;
  std::vector<float> merger(const std::vector<float>& x) const;

  VisionSpec spec_;
  const WeightMap& weights_;
};

// The `model.visual.*` tensors of a Hugging Face model folder as f32 (read with
// engine/model's safetensors reader; BF16/F16 widened exactly).
WeightMap load_vision_weights(const std::filesystem::path& model_dir);

// ---- M-RoPE positions of a prompt with images (§7.10) ----------------------------

struct PromptSegment {
  int64_t text_tokens = 0;           // a run of text tokens, or
  int64_t image_h = 0, image_w = 0;  // an image of image_h x image_w LLM tokens (merged grid)
  static PromptSegment text(int64_t n) { return {n, 0, 0}; }
  static PromptSegment image(int64_t h, int64_t w) { return {0, h, w}; }
};

struct MropePositions {
  std::vector<std::array<int64_t, 3>> positions;  // (T, H, W) per token
  int64_t next = 0;                               // the running position after the prompt
  int64_t rope_delta = 0;  // (max position + 1) - prompt length: added to cache indices when decoding
};
MropePositions mrope_positions(const std::vector<PromptSegment>& segments);

}  // namespace vole::ref
