#include "support/model_fixture.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "model/model_folder.h"
#include "model/q4.h"
#include "util/half.h"

namespace vole::test {

TinyModel make_tiny_model(const TempDir& dir, const std::string& preset, CheckpointFormat format, int vocab,
                          uint64_t seed, bool tied_embeddings) {
  TinyModel m;
  m.spec = checkpoint_preset(preset);
  m.spec.format = format;
  m.spec.seed = seed;
  m.spec.mtp = false;
  if (vocab > 0) m.spec.config.text.vocab_size = vocab;
  m.spec.config.text.tie_word_embeddings = tied_embeddings;
  m.dir = dir.path() / (preset + "-" + checkpoint_format_name(format) + (tied_embeddings ? "" : "-untied"));
  write_checkpoint(m.dir, m.spec);
  return m;
}

ref::ModelSpec reference_spec(const model::ModelConfig& config) {
  const auto& c = config.text;
  ref::ModelSpec s;
  s.qwen3_5 = config.arch == model::Architecture::Qwen3_5;
  s.hidden = static_cast<int>(c.hidden_size);
  s.intermediate = static_cast<int>(c.intermediate_size);
  s.layers = static_cast<int>(c.num_hidden_layers);
  s.heads = static_cast<int>(c.num_attention_heads);
  s.kv_heads = static_cast<int>(c.num_key_value_heads);
  s.head_dim = static_cast<int>(c.head_dim);
  s.vocab = static_cast<int>(c.vocab_size);
  s.eps = static_cast<float>(c.rms_norm_eps);
  s.rope_theta = static_cast<float>(c.rope.rope_theta);
  s.rotary_dims = static_cast<int>(c.head_dim * c.rope.partial_rotary_factor);
  for (int l = 0; l < s.layers; ++l)
    s.full_attention.push_back(!s.qwen3_5 || c.layer_types[l] == model::LayerType::FullAttention);
  s.key_heads = static_cast<int>(c.linear_num_key_heads);
  s.value_heads = static_cast<int>(c.linear_num_value_heads);
  s.key_dim = static_cast<int>(c.linear_key_head_dim);
  s.value_dim = static_cast<int>(c.linear_value_head_dim);
  s.conv_kernel = static_cast<int>(c.linear_conv_kernel_dim);
  s.tied_embeddings = c.tie_word_embeddings;
  s.prefix = s.qwen3_5 ? "model.language_model." : "model.";
  return s;
}

ref::WeightMap reference_weights(const std::filesystem::path& dir, model::Format weights) {
  model::ModelFolder folder(dir);
  model::LoadOptions opts;
  opts.matrices = weights;
  opts.others = weights == model::Format::F32 ? model::Format::F32 : model::Format::Source;
  opts.cache = model::CachePolicy::Off;
  model::WeightLoader loader(folder, opts);
  ref::WeightMap map;
  loader.load([&](const HostTensor& t, const model::PlannedTensor&) {
    std::vector<float> v(t.numel());
    switch (t.dtype) {
      case DType::F32: std::memcpy(v.data(), t.data.data(), v.size() * 4); break;
      case DType::F16:
        for (size_t i = 0; i < v.size(); ++i) {
          uint16_t h;
          std::memcpy(&h, t.data.data() + 2 * i, 2);
          v[i] = f16_to_f32(h);
        }
        break;
      case DType::BF16:
        for (size_t i = 0; i < v.size(); ++i) {
          uint16_t h;
          std::memcpy(&h, t.data.data() + 2 * i, 2);
          v[i] = bf16_to_f32(h);
        }
        break;
      case DType::Q4: {
        int64_t rows = t.shape[0], cols = t.shape[1];
        model::dequantize_q4(t.data.data(), reinterpret_cast<const uint32_t*>(t.scales.data()), cols, t.group_size,
                             0, rows, v.data());
        break;
      }
      default: throw std::runtime_error("unexpected dtype for " + t.name);
    }
    map[t.name] = std::move(v);
  });
  return map;
}

runtime::EngineOptions engine_options(model::Format weights, int64_t context) {
  runtime::EngineOptions o;
  o.weights = weights;
  o.context_length = context;
  o.cache = model::CachePolicy::Off;
  return o;
}

double relative_error(const float* got, const float* want, size_t n) {
  double max_err = 0, scale = 0;
  for (size_t i = 0; i < n; ++i) {
    double e = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (std::isnan(got[i])) e = INFINITY;
    max_err = std::max(max_err, e);
    scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
  }
  return scale > 0 ? max_err / scale : max_err;
}

int32_t argmax(const std::vector<float>& row, float* margin) {
  int32_t best = 0;
  for (size_t i = 1; i < row.size(); ++i)
    if (row[i] > row[best]) best = static_cast<int32_t>(i);
  if (margin) {
    float second = -INFINITY;
    for (size_t i = 0; i < row.size(); ++i)
      if (static_cast<int32_t>(i) != best) second = std::max(second, row[i]);
    *margin = row[best] - second;
  }
  return best;
}

std::vector<int32_t> token_sequence(size_t n, int32_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> t(n);
  for (auto& x : t) x = static_cast<int32_t>(rng() % vocab);
  return t;
}

}  // namespace vole::test
