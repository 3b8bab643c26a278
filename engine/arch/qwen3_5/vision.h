#pragma once
// The Qwen3.5 vision tower's weights (model.visual.*, docs/specs/qwen3_5.md §7): patch
// embedding (Conv3d), learned position grid, ViT blocks (LayerNorm + bias, fused qkv
// with bias, GELU MLP with biases), and the 2x2 patch merger.
#include <list>
#include <memory>
#include <vector>

#include "arch/blocks/linear.h"
#include "arch/blocks/mlp.h"
#include "arch/blocks/norm.h"
#include "arch/qwen3_5/qwen3_5.h"
#include "arch/vision_encoder.h"

namespace vole::arch {

struct Qwen3_5VisionBlock {
  Norm norm1, norm2;
  Linear qkv, proj;
  Mlp mlp;  // linear_fc1 -> gelu_tanh -> linear_fc2
};

struct Qwen3_5VisionWeights {
  WeightRef patch_embed, patch_bias, pos_embed;
  std::vector<Qwen3_5VisionBlock> blocks;
  Norm merger_norm;
  Mlp merger;  // linear_fc1 -> gelu_erf -> linear_fc2 over 2x2-merged patches
};

Qwen3_5VisionWeights declare_qwen3_5_vision(TensorDeclarer& d, const Qwen3_5VisionConfig& v);

// The tower on the GPU (§7.2-7.6): patch embedding as a matmul, the position table
// interpolated per grid (mix_rows), 2-D rotary, blocks (LayerNorm + bias, fused qkv,
// bidirectional attention within each frame of each image, GELU-tanh MLP), then the
// merger (LayerNorm, 2x2 concat, erf-GELU MLP).
class Qwen3_5VisionEncoder final : public VisionEncoder {
 public:
  Qwen3_5VisionEncoder(const Qwen3_5VisionConfig& config, Qwen3_5VisionWeights weights, ImageTokenIds ids);

  std::string_view name() const override { return "vision encoder"; }
  int64_t patch_dim() const override;
  int64_t out_hidden() const override { return config_.out_hidden_size; }
  int64_t merge() const override { return config_.spatial_merge_size; }
  ImageTokenIds token_ids() const override { return ids_; }
  // Repeat grids reuse a recorded graph (see graph_cache_limit).
  void encode(gpu::Context& ctx, std::span<const float> patches, std::span<const ImageGrid> grids,
              const ops::Tensor& out, gpu::Profile* profile = nullptr,
              const std::atomic<bool>* cancel = nullptr) const override;
  // Blocks per submission (default kBlocksPerSubmit; 0: the whole tower in one, for the
  // bench's cost of splitting): Stop waits for at most this many blocks' GPU work.
  static constexpr size_t kBlocksPerSubmit = 3;
  void set_blocks_per_submit(size_t blocks) const;
  // How many recorded graphs to keep (0: record every time, for benchmarks), and how
  // many are kept now.
  void set_graph_cache_limit(size_t entries) const;
  size_t cached_graphs() const { return cache_.size(); }

  // Per patch (merge-block order, §7.1 step 7): the four table rows and bilinear weights
  // of its interpolated position (§7.3), and its (row, col) for the rotary (§7.4).
  struct PatchPositions {
    std::vector<int32_t> table_rows;  // [patches, 4]
    std::vector<float> weights;       // [patches, 4]
    std::vector<int32_t> rows, cols;  // [patches] each
  };
  PatchPositions patch_positions(std::span<const ImageGrid> grids) const;

 private:
  void check_grids(std::span<const float> patches, std::span<const ImageGrid> grids) const;
  // The tower's graph for one list of grids: its own upload buffer (patches, then the
  // grid-determined position mix and rotary positions, written once) and output.
  struct RecordedGraph {
    std::vector<ImageGrid> grids;
    gpu::Buffer in, out;
    std::unique_ptr<gpu::Graph> graph;  // after the buffers it reads: destroyed first
    uint64_t device_bytes = 0;          // its arena and output, for the cache's bound
  };
  std::unique_ptr<RecordedGraph> record(gpu::Context& ctx, std::span<const ImageGrid> grids, bool profile) const;
  void keep(std::unique_ptr<RecordedGraph> r) const;  // into the cache, within its bounds

  // Recorded graphs, most recent first, bounded by count and by device bytes (the newest
  // is always kept): a conversation's images mostly share a few sizes.
  mutable std::list<std::unique_ptr<RecordedGraph>> cache_;
  mutable size_t cache_limit_ = 3;
  mutable size_t blocks_per_submit_ = kBlocksPerSubmit;
  static constexpr uint64_t kCacheBytes = 160ull << 20;

  Qwen3_5VisionConfig config_;
  Qwen3_5VisionWeights w_;
  ImageTokenIds ids_;
  int64_t side_ = 0;  // the position table is side x side
};

}  // namespace vole::arch
