#include "reference/vision.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "model/q4.h"
#include "model/safetensors.h"
#include "reference/elementwise.h"
#include "reference/norm.h"

namespace vole::ref {

// ---- Preprocessing --------------------------------------------------------------

std::pair<int64_t, int64_t> qwen_smart_resize(int64_t height, int64_t width, int64_t factor, int64_t min_pixels,
                                              int64_t max_pixels) {
  auto py_round = [](double x) { return static_cast<int64_t>(std::nearbyint(x)); };  // ties to even
  int64_t h = py_round(static_cast<double>(height) / factor) * factor;
  int64_t w = py_round(static_cast<double>(width) / factor) * factor;
  if (h * w > max_pixels) {
    double beta = std::sqrt(static_cast<double>(height * width) / max_pixels);
    h = std::max(factor, static_cast<int64_t>(std::floor(height / beta / factor)) * factor);
    w = std::max(factor, static_cast<int64_t>(std::floor(width / beta / factor)) * factor);
  } else if (h * w < min_pixels) {
    double beta = std::sqrt(static_cast<double>(min_pixels) / (height * width));
    h = static_cast<int64_t>(std::ceil(height * beta / factor)) * factor;
    w = static_cast<int64_t>(std::ceil(width * beta / factor)) * factor;
  }
  return {h, w};
}

namespace {

double keys_cubic(double x) {
  const double a = -0.5, t = std::abs(x);
  if (t < 1) return (a + 2) * t * t * t - (a + 3) * t * t + 1;
  if (t < 2) return a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a;
  return 0;
}

// For each output index: the first input index and the normalised weights.
std::vector<std::pair<int64_t, std::vector<double>>> filter_weights(int in, int out) {
  const double scale = static_cast<double>(in) / out;
  const double stretch = std::max(scale, 1.0);
  const double support = 2.0 * stretch;
  std::vector<std::pair<int64_t, std::vector<double>>> all(out);
  for (int i = 0; i < out; ++i) {
    const double center = (i + 0.5) * scale;
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(center - support + 0.5));
    const int64_t hi = std::min<int64_t>(in, static_cast<int64_t>(center + support + 0.5));
    std::vector<double> w;
    double sum = 0;
    for (int64_t j = lo; j < hi; ++j) {
      w.push_back(keys_cubic((j + 0.5 - center) / stretch));
      sum += w.back();
    }
    for (double& v : w) v /= sum;
    all[i] = {lo, std::move(w)};
  }
  return all;
}

}  // namespace

std::vector<double> resize_bicubic_antialias_exact(const std::vector<uint8_t>& rgb, int width, int height,
                                                   int out_width, int out_height) {
  auto wx = filter_weights(width, out_width), wy = filter_weights(height, out_height);
  std::vector<double> out(static_cast<size_t>(out_width) * out_height * 3, 0.0);
  for (int oy = 0; oy < out_height; ++oy)
    for (int ox = 0; ox < out_width; ++ox)
      for (int c = 0; c < 3; ++c) {
        double sum = 0;
        const auto& [y0, ky] = wy[oy];
        const auto& [x0, kx] = wx[ox];
        for (size_t j = 0; j < ky.size(); ++j)
          for (size_t i = 0; i < kx.size(); ++i) sum += ky[j] * kx[i] * rgb[((y0 + j) * width + (x0 + i)) * 3 + c];
        out[(static_cast<size_t>(oy) * out_width + ox) * 3 + c] = sum;
      }
  return out;
}

double normalise_pixel(uint8_t value, double mean, double std) { return (value / 255.0 - mean) / std; }

std::vector<float> qwen_patches(const std::vector<float>& frame, int channels, int height, int width, int patch,
                                int temporal, int merge) {
  // The still frame repeated in time: [T][C][H][W].
  std::vector<float> video;
  for (int t = 0; t < temporal; ++t) video.insert(video.end(), frame.begin(), frame.end());
  const int64_t gh = height / patch, gw = width / patch;
  // view(1, T, C, gh/m, m, P, gw/m, m, P) of the contiguous video, with its strides.
  const int64_t shape[9] = {1, temporal, channels, gh / merge, merge, patch, gw / merge, merge, patch};
  int64_t stride[9];
  stride[8] = 1;
  for (int d = 7; d >= 0; --d) stride[d] = stride[d + 1] * shape[d + 1];
  const int order[9] = {0, 3, 6, 4, 7, 2, 1, 5, 8};  // HF's permute
  std::vector<float> out;
  out.reserve(video.size());
  int64_t index[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};  // over the permuted shape, last fastest
  for (size_t n = 0; n < video.size(); ++n) {
    int64_t src = 0;
    for (int d = 0; d < 9; ++d) src += index[d] * stride[order[d]];
    out.push_back(video[static_cast<size_t>(src)]);
    for (int d = 8; d >= 0; --d) {
      if (++index[d] < shape[order[d]]) break;
      index[d] = 0;
    }
  }
  return out;
}

// ---- Vision tower -------------------------------------------------------------------

VisionSpec vision_spec(const arch::Qwen3_5VisionConfig& c) {
  VisionSpec s;
  s.depth = static_cast<int>(c.depth);
  s.hidden = static_cast<int>(c.hidden_size);
  s.heads = static_cast<int>(c.num_heads);
  s.intermediate = static_cast<int>(c.intermediate_size);
  s.out_hidden = static_cast<int>(c.out_hidden_size);
  s.in_channels = static_cast<int>(c.in_channels);
  s.patch = static_cast<int>(c.patch_size);
  s.temporal_patch = static_cast<int>(c.temporal_patch_size);
  s.merge = static_cast<int>(c.spatial_merge_size);
  s.num_position_embeddings = static_cast<int>(c.num_position_embeddings);
  return s;
}

std::vector<std::pair<int64_t, int64_t>> merge_block_positions(int64_t grid_h, int64_t grid_w, int merge) {
  std::vector<std::pair<int64_t, int64_t>> p;
  for (int64_t bh = 0; bh < grid_h / merge; ++bh)
    for (int64_t bw = 0; bw < grid_w / merge; ++bw)
      for (int iy = 0; iy < merge; ++iy)
        for (int ix = 0; ix < merge; ++ix) p.emplace_back(bh * merge + iy, bw * merge + ix);
  return p;
}

std::vector<float> interpolated_position_embeddings(const std::vector<float>& table, int side, int hidden,
                                                    const VisionGrid& grid, int merge) {
  std::vector<float> out;
  for (int64_t t = 0; t < grid.t; ++t)
    for (auto [row, col] : merge_block_positions(grid.h, grid.w, merge)) {
      // align_corners: the grid's first and last rows/columns land on the table's.
      double sy = static_cast<double>(row) * (side - 1) / std::max<int64_t>(grid.h - 1, 1);
      double sx = static_cast<double>(col) * (side - 1) / std::max<int64_t>(grid.w - 1, 1);
      int y0 = static_cast<int>(std::floor(sy)), x0 = static_cast<int>(std::floor(sx));
      int y1 = std::min(y0 + 1, side - 1), x1 = std::min(x0 + 1, side - 1);
      double dy = sy - y0, dx = sx - x0;
      const float* e00 = &table[(static_cast<size_t>(y0) * side + x0) * hidden];
      const float* e01 = &table[(static_cast<size_t>(y0) * side + x1) * hidden];
      const float* e10 = &table[(static_cast<size_t>(y1) * side + x0) * hidden];
      const float* e11 = &table[(static_cast<size_t>(y1) * side + x1) * hidden];
      for (int d = 0; d < hidden; ++d)
        out.push_back(static_cast<float>((1 - dy) * (1 - dx) * e00[d] + (1 - dy) * dx * e01[d] +
                                         dy * (1 - dx) * e10[d] + dy * dx * e11[d]));
    }
  return out;
}

void apply_vision_rotary(std::vector<float>& x, int heads, int head_dim,
                         const std::vector<std::pair<int64_t, int64_t>>& positions, double theta) {
  const int half = head_dim / 2, quarter = head_dim / 4;
  for (size_t i = 0; i < positions.size(); ++i) {
    // Angles: the first quarter of the frequencies turn with the row, the second with the column.
    std::vector<double> angle(half);
    for (int k = 0; k < quarter; ++k) {
      double freq = std::pow(theta, -2.0 * k / half);
      angle[k] = positions[i].first * freq;
      angle[quarter + k] = positions[i].second * freq;
    }
    for (int h = 0; h < heads; ++h) {
      float* v = &x[(i * heads + h) * head_dim];
      for (int d = 0; d < half; ++d) {
        double a = v[d], b = v[d + half], c = std::cos(angle[d]), s = std::sin(angle[d]);
        v[d] = static_cast<float>(a * c - b * s);
        v[d + half] = static_cast<float>(b * c + a * s);
      }
    }
  }
}

ReferenceVision::ReferenceVision(VisionSpec spec, const WeightMap& weights)
    : spec_(std::move(spec)), weights_(weights) {}

const std::vector<float>& ReferenceVision::w(const std::string& name) const {
  auto it = weights_.find(spec_.prefix + name);
  if (it == weights_.end()) throw std::runtime_error("reference vision: missing tensor " + spec_.prefix + name);
  return it->second;
}

std::vector<float> ReferenceVision::linear(const std::vector<float>& x, int64_t rows, const std::string& name,
                                           int64_t out, int64_t in) const {
  const auto& wt = w(name + ".weight");
  const auto& b = w(name + ".bias");
  if (static_cast<int64_t>(wt.size()) != out * in || static_cast<int64_t>(b.size()) != out)
    throw std::runtime_error("reference vision: bad shape of " + name);
  std::vector<float> y(static_cast<size_t>(rows * out));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double acc = b[o];
      for (int64_t i = 0; i < in; ++i) acc += static_cast<double>(x[r * in + i]) * wt[o * in + i];
      y[r * out + o] = static_cast<float>(acc);
    }
  return y;
}

std::vector<float> ReferenceVision::patch_embed(const std::vector<float>& patches) const {
  int64_t n = static_cast<int64_t>(patches.size()) / spec_.patch_dim();
  return linear(patches, n, "patch_embed.proj", spec_.hidden, spec_.patch_dim());
}

std::vector<float> ReferenceVision::attention(int block, const std::vector<float>& x,
                                              const std::vector<VisionGrid>& grids) const {
  const int64_t n = static_cast<int64_t>(x.size()) / spec_.hidden;
  const int hd = spec_.head_dim(), heads = spec_.heads, hidden = spec_.hidden;
  const std::string p = "blocks." + std::to_string(block) + ".attn.";
  std::vector<float> qkv = linear(x, n, p + "qkv", 3 * hidden, hidden);
  std::vector<float> q(n * hidden), k(n * hidden), v(n * hidden);
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < hidden; ++d) {
      q[i * hidden + d] = qkv[i * 3 * hidden + d];
      k[i * hidden + d] = qkv[i * 3 * hidden + hidden + d];
      v[i * hidden + d] = qkv[i * 3 * hidden + 2 * hidden + d];
    }
  std::vector<std::pair<int64_t, int64_t>> positions;
  for (const auto& g : grids)
    for (int64_t t = 0; t < g.t; ++t) {
      auto frame = merge_block_positions(g.h, g.w, spec_.merge);
      positions.insert(positions.end(), frame.begin(), frame.end());
    }
  apply_vision_rotary(q, heads, hd, positions, spec_.rope_theta);
  apply_vision_rotary(k, heads, hd, positions, spec_.rope_theta);

  // Bidirectional attention inside each frame of each image (HF's cu_seqlens).
  std::vector<float> out(n * hidden);
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  int64_t start = 0;
  for (const auto& g : grids)
    for (int64_t t = 0; t < g.t; ++t, start += g.h * g.w) {
      const int64_t len = g.h * g.w;
      for (int h = 0; h < heads; ++h)
        for (int64_t i = start; i < start + len; ++i) {
          std::vector<double> score(len);
          double top = -INFINITY;
          for (int64_t j = 0; j < len; ++j) {
            double s = 0;
            for (int d = 0; d < hd; ++d)
              s += static_cast<double>(q[i * hidden + h * hd + d]) * k[(start + j) * hidden + h * hd + d];
            score[j] = s * scale;
            top = std::max(top, score[j]);
          }
          double total = 0;
          for (double& s : score) total += s = std::exp(s - top);
          for (int d = 0; d < hd; ++d) {
            double acc = 0;
            for (int64_t j = 0; j < len; ++j) acc += score[j] * v[(start + j) * hidden + h * hd + d];
            out[i * hidden + h * hd + d] = static_cast<float>(acc / total);
          }
        }
    }
  return linear(out, n, p + "proj", hidden, hidden);
}

std::vector<float> ReferenceVision::mlp(int block, const std::vector<float>& x) const {
  const int64_t n = static_cast<int64_t>(x.size()) / spec_.hidden;
  const std::string p = "blocks." + std::to_string(block) + ".mlp.";
  std::vector<float> up = linear(x, n, p + "linear_fc1", spec_.intermediate, spec_.hidden);
  for (float& u : up) u = gelu_tanh(u);
  return linear(up, n, p + "linear_fc2", spec_.hidden, spec_.intermediate);
}

std::vector<float> ReferenceVision::merger(const std::vector<float>& x) const {
  const int groups = spec_.merge * spec_.merge;
  const int64_t wide = static_cast<int64_t>(spec_.hidden) * groups;
  // LayerNorm per patch, then every `groups` consecutive patches (one merge block) as one row.
  std::vector<float> normed = layer_norm(x, spec_.hidden, w("merger.norm.weight"), w("merger.norm.bias"), spec_.eps);
  const int64_t rows = static_cast<int64_t>(normed.size()) / wide;
  std::vector<float> up = linear(normed, rows, "merger.linear_fc1", wide, wide);
  for (float& u : up) u = gelu_erf(u);
  return linear(up, rows, "merger.linear_fc2", spec_.out_hidden, wide);
}

std::vector<float> ReferenceVision::forward(const std::vector<float>& patches, const std::vector<VisionGrid>& grids,
                                            Trace* trace) const {
  int64_t n = 0;
  for (const auto& g : grids) n += g.t * g.h * g.w;
  if (static_cast<int64_t>(patches.size()) != n * spec_.patch_dim())
    throw std::runtime_error("reference vision: patches do not match the grids");
  std::vector<float> h = patch_embed(patches);
  if (trace) trace->embedded = h;
  const int side = static_cast<int>(std::lround(std::sqrt(spec_.num_position_embeddings)));
  std::vector<float> pos;
  for (const auto& g : grids) {
    auto p = interpolated_position_embeddings(w("pos_embed.weight"), side, spec_.hidden, g, spec_.merge);
    pos.insert(pos.end(), p.begin(), p.end());
  }
  for (size_t i = 0; i < h.size(); ++i) h[i] += pos[i];
  if (trace) trace->with_positions = h;
  for (int b = 0; b < spec_.depth; ++b) {
    const std::string p = "blocks." + std::to_string(b) + ".";
    std::vector<float> a =
        attention(b, layer_norm(h, spec_.hidden, w(p + "norm1.weight"), w(p + "norm1.bias"), spec_.eps), grids);
    for (size_t i = 0; i < h.size(); ++i) h[i] += a[i];
    std::vector<float> m = mlp(b, layer_norm(h, spec_.hidden, w(p + "norm2.weight"), w(p + "norm2.bias"), spec_.eps));
    for (size_t i = 0; i < h.size(); ++i) h[i] += m[i];
    if (trace) trace->after_block.push_back(h);
  }
  return merger(h);
}

WeightMap load_vision_weights(const std::filesystem::path& model_dir) {
  model::Checkpoint checkpoint(model_dir);
  WeightMap map;
  for (const auto& name : checkpoint.names()) {
    if (!name.starts_with("model.visual.")) continue;
    model::TensorRef t = checkpoint.find(name);
    std::vector<float> v(t.entry->numel());
    model::to_f32(t.bytes().data(), t.entry->dtype, v.size(), v.data());
    map[name] = std::move(v);
  }
  return map;
}

// ---- M-RoPE positions -------------------------------------------------------------

MropePositions mrope_positions(const std::vector<PromptSegment>& segments) {
  MropePositions m;
  int64_t cur = 0, top = -1;
  for (const auto& s : segments) {
    if (s.text_tokens > 0) {
      for (int64_t i = 0; i < s.text_tokens; ++i) m.positions.push_back({cur + i, cur + i, cur + i});
      top = std::max(top, cur + s.text_tokens - 1);
      cur += s.text_tokens;
    } else {
      for (int64_t row = 0; row < s.image_h; ++row)
        for (int64_t col = 0; col < s.image_w; ++col) m.positions.push_back({cur, cur + row, cur + col});
      top = std::max(top, cur + std::max(s.image_h, s.image_w) - 1);
      cur += std::max(s.image_h, s.image_w);
    }
  }
  m.next = cur;
  m.rope_delta = top + 1 - static_cast<int64_t>(m.positions.size());
  return m;
}

}  // namespace vole::ref
