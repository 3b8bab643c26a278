#include "arch/qwen3_5/vision.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/attention.h"
#include "ops/elementwise.h"
#include "ops/rope.h"
#include "util/error.h"

namespace vole::arch {

Qwen3_5VisionWeights declare_qwen3_5_vision(TensorDeclarer& d, const Qwen3_5VisionConfig& v) {
  using model::TensorRole;
  constexpr float kEps = 1e-6f;  // LayerNorm eps of the vision blocks and merger
  const std::string p = "model.visual.";
  const int64_t h = v.hidden_size;
  Qwen3_5VisionWeights w;
  w.patch_embed = d.add(p + "patch_embed.proj.weight",
                        {h, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size}, TensorRole::PatchEmbed);
  w.patch_bias = d.add(p + "patch_embed.proj.bias", {h}, TensorRole::Bias);
  w.pos_embed = d.add(p + "pos_embed.weight", {v.num_position_embeddings, h}, TensorRole::PositionEmbed);
  for (int j = 0; j < static_cast<int>(v.depth); ++j) {
    std::string b = p + "blocks." + std::to_string(j) + ".";
    Qwen3_5VisionBlock blk;
    blk.norm1 = declare_norm(d, b + "norm1", h, NormKind::Layer, kEps, j);
    blk.qkv = declare_linear(d, b + "attn.qkv", 3 * h, h, true, j);
    blk.proj = declare_linear(d, b + "attn.proj", h, h, true, j);
    blk.norm2 = declare_norm(d, b + "norm2", h, NormKind::Layer, kEps, j);
    blk.mlp = declare_two_layer_mlp(d, b + "mlp.", "linear_fc1", "linear_fc2", h, v.intermediate_size,
                                    MlpKind::GeluTanh, true, j);
    w.blocks.push_back(std::move(blk));
  }
  int64_t merged = h * v.spatial_merge_size * v.spatial_merge_size;
  w.merger_norm = declare_norm(d, p + "merger.norm", h, NormKind::Layer, kEps);
  w.merger = Mlp{MlpKind::GeluErf, merged, merged, {}, {}, {}};
  w.merger.up = declare_linear(d, p + "merger.linear_fc1", merged, merged, true);
  w.merger.down = declare_linear(d, p + "merger.linear_fc2", v.out_hidden_size, merged, true);
  return w;
}

}  // namespace vole::arch

namespace vole::arch {

namespace {
constexpr uint64_t kAlign = 256;  // >= any storage-buffer offset alignment
uint64_t align_up(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }
}  // namespace

Qwen3_5VisionEncoder::Qwen3_5VisionEncoder(const Qwen3_5VisionConfig& config, Qwen3_5VisionWeights weights,
                                           ImageTokenIds ids)
    : config_(config), w_(std::move(weights)), ids_(ids) {
  side_ = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(config.num_position_embeddings))));
  require(
      side_ * side_ == config.num_position_embeddings,
      "vision num_position_embeddings must be a square grid, got " + std::to_string(config.num_position_embeddings));
  require(config.hidden_size % config.num_heads == 0 && (config.hidden_size / config.num_heads) % 4 == 0,
          "vision hidden_size / num_heads must be a multiple of 4");
}

int64_t Qwen3_5VisionEncoder::patch_dim() const {
  return config_.in_channels * config_.temporal_patch_size * config_.patch_size * config_.patch_size;
}

Qwen3_5VisionEncoder::PatchPositions Qwen3_5VisionEncoder::patch_positions(std::span<const ImageGrid> grids) const {
  PatchPositions p;
  const int64_t m = config_.spatial_merge_size, S = side_;
  for (const auto& g : grids)
    for (int64_t t = 0; t < g.t; ++t)
      for (int64_t bh = 0; bh < g.h / m; ++bh)
        for (int64_t bw = 0; bw < g.w / m; ++bw)
          for (int64_t iy = 0; iy < m; ++iy)
            for (int64_t ix = 0; ix < m; ++ix) {
              const int64_t row = bh * m + iy, col = bw * m + ix;
              // align_corners: the grid's first and last rows/columns land on the table's.
              double sy = static_cast<double>(row) * (S - 1) / std::max<int64_t>(g.h - 1, 1);
              double sx = static_cast<double>(col) * (S - 1) / std::max<int64_t>(g.w - 1, 1);
              int64_t y0 = static_cast<int64_t>(std::floor(sy)), x0 = static_cast<int64_t>(std::floor(sx));
              int64_t y1 = std::min(y0 + 1, S - 1), x1 = std::min(x0 + 1, S - 1);
              double dy = sy - y0, dx = sx - x0;
              for (int64_t r : {y0 * S + x0, y0 * S + x1, y1 * S + x0, y1 * S + x1})
                p.table_rows.push_back(static_cast<int32_t>(r));
              for (double wgt : {(1 - dy) * (1 - dx), (1 - dy) * dx, dy * (1 - dx), dy * dx})
                p.weights.push_back(static_cast<float>(wgt));
              p.rows.push_back(static_cast<int32_t>(row));
              p.cols.push_back(static_cast<int32_t>(col));
            }
  return p;
}

void Qwen3_5VisionEncoder::check_grids(std::span<const float> patches, std::span<const ImageGrid> grids) const {
  require(!grids.empty(), "no images to encode");
  const int64_t m = config_.spatial_merge_size;
  int64_t total = 0;
  for (const auto& g : grids) {
    require(g.t >= 1 && g.h >= m && g.w >= m && g.h % m == 0 && g.w % m == 0,
            "an image grid of " + std::to_string(g.t) + " x " + std::to_string(g.h) + " x " + std::to_string(g.w) +
                " patches cannot be merged by " + std::to_string(m));
    total += g.patches();
  }
  require(static_cast<int64_t>(patches.size()) == total * patch_dim(),
          "image patches: " + std::to_string(patches.size()) + " values for " + std::to_string(total) + " patches of " +
              std::to_string(patch_dim()));
}

std::unique_ptr<Qwen3_5VisionEncoder::RecordedGraph> Qwen3_5VisionEncoder::record(gpu::Context& ctx,
                                                                                  std::span<const ImageGrid> grids,
                                                                                  bool profile) const {
  int64_t N = 0;
  for (const auto& g : grids) N += g.patches();
  const int64_t H = config_.hidden_size, heads = config_.num_heads, D = H / heads, m2 = merge() * merge();
  auto r = std::make_unique<RecordedGraph>();
  r->grids.assign(grids.begin(), grids.end());

  // The host-computed inputs in one upload buffer: patches, position mix, rotary positions.
  PatchPositions pp = patch_positions(grids);
  const uint64_t patch_bytes = N * patch_dim() * 4, mix_bytes = N * 4 * 4, rot_bytes = N * 2 * 4;
  const uint64_t o_rows = align_up(patch_bytes), o_weights = o_rows + align_up(mix_bytes),
                 o_rot = o_weights + align_up(mix_bytes);
  r->in = ctx.create_buffer(o_rot + rot_bytes, gpu::MemoryKind::Upload, "vision inputs");
  uint8_t* base = r->in.mapped();
  std::memcpy(base + o_rows, pp.table_rows.data(), mix_bytes);
  std::memcpy(base + o_weights, pp.weights.data(), mix_bytes);
  std::memcpy(base + o_rot, pp.rows.data(), N * 4);
  std::memcpy(base + o_rot + N * 4, pp.cols.data(), N * 4);
  ops::Tensor x_in = ops::view(r->in, DType::F32, {N, patch_dim()}),
              rows = ops::view(r->in, DType::I32, {N, 4}, o_rows),
              weights = ops::view(r->in, DType::F32, {N, 4}, o_weights),
              rot = ops::view(r->in, DType::I32, {2, N}, o_rot);
  r->out = ctx.create_buffer(static_cast<uint64_t>(N / m2) * out_hidden() * 4, gpu::MemoryKind::Device, "vision out");
  ops::Tensor out = ops::view(r->out, DType::F32, {N / m2, out_hidden()});

  r->graph = std::make_unique<gpu::Graph>(ctx, "vision encoder");
  gpu::Graph& g = *r->graph;
  // §7.2-7.3: patch embedding (+ bias) plus the interpolated position table.
  ops::Tensor x = ops::activation(g, DType::F32, {N, H}, "vision hidden");
  record_linear(g, Linear{w_.patch_embed, w_.patch_bias}, x_in, x);
  ops::mix_rows(g, w_.pos_embed.vector(side_ * side_ * H).reshape({side_ * side_, H}), rows, weights, x, true);

  const ops::RopeParams rope{.rotary_dims = static_cast<int>(D), .theta = 10000.0f, .vision = true};
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  for (size_t bi = 0; bi < w_.blocks.size(); ++bi) {
    const Qwen3_5VisionBlock& b = w_.blocks[bi];
    if (blocks_per_submit_ > 0 && bi > 0 && bi % blocks_per_submit_ == 0) g.cut();  // where encode can stop
    // §7.5: h += proj(attention(LN1(h))), attention within each frame of each image.
    ops::Tensor normed = ops::activation(g, DType::F32, {N, H}, "vision normed");
    record_norm(g, b.norm1, x, normed);
    ops::Tensor qkv = ops::activation(g, DType::F32, {N, 3 * H}, "vision qkv");
    record_linear(g, b.qkv, normed, qkv);
    ops::Tensor q = ops::activation(g, DType::F32, {N, heads, D}, "vision q");
    ops::Tensor k = ops::activation(g, DType::F32, {N, heads, D}, "vision k");
    ops::Tensor v = ops::activation(g, DType::F32, {N, heads, D}, "vision v");
    ops::copy_columns(g, qkv, 0, q.reshape({N, H}));
    ops::copy_columns(g, qkv, H, k.reshape({N, H}));
    ops::copy_columns(g, qkv, 2 * H, v.reshape({N, H}));
    ops::rope(g, q, rot, q, rope);
    ops::rope(g, k, rot, k, rope);
    ops::Tensor o = ops::activation(g, DType::F32, {N, heads, D}, "vision attn out");
    int64_t start = 0;
    for (const auto& grid : grids)
      for (int64_t t = 0; t < grid.t; ++t, start += grid.h * grid.w) {
        const int64_t len = grid.h * grid.w;
        ops::attention_prefill(g, q.rows(start, len), k.rows(start, len), v.rows(start, len), o.rows(start, len),
                               {.causal = false, .past = 0, .scale = scale});
      }
    record_linear(g, b.proj, o.reshape({N, H}), x, /*accumulate=*/true);
    // h += MLP(LN2(h))
    record_norm(g, b.norm2, x, normed);
    record_mlp(g, b.mlp, normed, x);
  }
  // §7.6: LayerNorm per patch, 4 consecutive patches (one 2x2 block) concatenated, MLP.
  ops::Tensor normed = ops::activation(g, DType::F32, {N, H}, "merger normed");
  record_norm(g, w_.merger_norm, x, normed);
  g.fill(out.data, 0, "merger zero");  // the MLP adds into its output
  record_mlp(g, w_.merger, normed.reshape({N / m2, H * m2}), out);
  g.compile(profile);
  r->device_bytes = g.arena_bytes() + r->out.size();
  return r;
}

void Qwen3_5VisionEncoder::set_blocks_per_submit(size_t blocks) const {
  if (blocks == blocks_per_submit_) return;
  blocks_per_submit_ = blocks;
  cache_.clear();  // recorded with the old split
}

void Qwen3_5VisionEncoder::set_graph_cache_limit(size_t entries) const {
  cache_limit_ = entries;
  while (cache_.size() > cache_limit_) cache_.pop_back();
}

void Qwen3_5VisionEncoder::encode(gpu::Context& ctx, std::span<const float> patches, std::span<const ImageGrid> grids,
                                  const ops::Tensor& out, gpu::Profile* profile,
                                  const std::atomic<bool>* cancel) const {
  check_grids(patches, grids);
  const int64_t N = static_cast<int64_t>(patches.size()) / patch_dim(), m2 = merge() * merge();
  ops::expect_shape("vision encoder", out, {N / m2, out_hidden()}, "out");

  auto same = [&](const std::unique_ptr<RecordedGraph>& r) {
    return std::ranges::equal(
        r->grids, grids, [](const ImageGrid& a, const ImageGrid& b) { return a.t == b.t && a.h == b.h && a.w == b.w; });
  };
  std::unique_ptr<RecordedGraph> r;
  // A profiled run records its own graph (timestamps after every node); it is not kept.
  if (auto it = std::ranges::find_if(cache_, same); !profile && it != cache_.end()) {
    r = std::move(*it);
    cache_.erase(it);
  } else {
    r = record(ctx, grids, profile != nullptr);
  }
  std::memcpy(r->in.mapped(), patches.data(), patches.size() * 4);
  // On failure the graph is dropped with `r`; a stopped one is kept (it is whole, and
  // the next image of this size reuses it).
  const bool finished = r->graph->run(cancel);
  if (!finished) {
    if (!profile) keep(std::move(r));
    fail(ErrorCode::Cancelled, "stopped while encoding the images");
  }
  if (profile) *profile = r->graph->last_profile();
  // The caller's output is a new buffer each time (it lives as long as its images do).
  gpu::Graph copy(ctx, "vision out copy");
  copy.copy(ops::view(r->out, DType::F32, {N / m2, out_hidden()}).data, out.data, "vision out copy");
  copy.compile();
  copy.run();
  if (!profile) keep(std::move(r));
}

void Qwen3_5VisionEncoder::keep(std::unique_ptr<RecordedGraph> r) const {
  if (cache_limit_ == 0) return;
  cache_.push_front(std::move(r));
  uint64_t bytes = 0;
  for (const auto& c : cache_) bytes += c->device_bytes;
  while (cache_.size() > cache_limit_ || (cache_.size() > 1 && bytes > kCacheBytes)) {
    bytes -= cache_.back()->device_bytes;
    cache_.pop_back();
  }
}

}  // namespace vole::arch
