#include "support/model_fixture.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "arch/families.h"
#include "model/model_folder.h"
#include "model/q4.h"
#include "util/half.h"

namespace vole::test {

TinyModel make_tiny_model(const TempDir& dir, const std::string& preset, CheckpointFormat format, int vocab,
                          uint64_t seed, bool tied_embeddings, const std::function<void(CheckpointSpec&)>& edit,
                          const std::string& edit_name) {
  TinyModel m;
  m.spec = checkpoint_preset(preset);
  m.spec.format = format;
  m.spec.seed = seed;
  m.spec.mtp = false;
  if (vocab > 0) text_config(m.spec)["vocab_size"] = vocab;
  set_tied_embeddings(m.spec, tied_embeddings);
  if (edit) edit(m.spec);
  m.dir = dir.path() / (preset + "-" + checkpoint_format_name(format) + (tied_embeddings ? "" : "-untied") + edit_name);
  write_checkpoint(m.dir, m.spec);
  return m;
}

// What each model_type means, as docs/specs and the transformers classes describe it,
// read here from config.json itself rather than from the engine's parsers.
ref::ModelSpec reference_spec(const nlohmann::json& config) {
  const std::string type = config.value("model_type", "");
  const nlohmann::json& t = config.contains("text_config") ? config["text_config"] : config;
  auto get = [&](const char* key, auto fallback) {
    return t.contains(key) && !t[key].is_null() ? t[key].get<decltype(fallback)>() : fallback;
  };
  ref::ModelSpec s;
  bool qwen3_5 = type == "qwen3_5", qwen2 = type == "qwen2";
  if (!qwen3_5 && !qwen2 && type != "qwen3") throw std::runtime_error("reference_spec: no reference for " + type);
  bool bias = get("attention_bias", false);
  s.norm_plus_one = qwen3_5;
  s.output_gate = qwen3_5;
  s.qk_norm = !qwen2;
  s.qkv_bias = qwen2 || bias;
  s.output_bias = !qwen2 && bias;
  s.hidden = get("hidden_size", 0);
  s.intermediate = get("intermediate_size", 0);
  s.layers = get("num_hidden_layers", 0);
  s.heads = get("num_attention_heads", 0);
  s.kv_heads = get("num_key_value_heads", s.heads);
  s.head_dim = get("head_dim", s.hidden / s.heads);
  s.vocab = get("vocab_size", 0);
  s.eps = static_cast<float>(get("rms_norm_eps", 1e-6));
  const nlohmann::json rope = t.contains("rope_parameters") ? t["rope_parameters"] : t;
  s.rope_theta = static_cast<float>(rope.value("rope_theta", 10000.0));
  s.rotary_dims = static_cast<int>(s.head_dim * rope.value("partial_rotary_factor", 1.0));
  if (qwen3_5 && rope.contains("mrope_section"))  // interleaved M-RoPE (§6); matters only with images
    for (int i = 0; i < 3; ++i) s.mrope_sections[i] = rope["mrope_section"][i].get<int>();
  for (int l = 0; l < s.layers; ++l)
    s.full_attention.push_back(!qwen3_5 || t["layer_types"][l].get<std::string>() == "full_attention");
  s.key_heads = get("linear_num_key_heads", 0);
  s.value_heads = get("linear_num_value_heads", 0);
  s.key_dim = get("linear_key_head_dim", 0);
  s.value_dim = get("linear_value_head_dim", 0);
  s.conv_kernel = get("linear_conv_kernel_dim", 4);
  s.tied_embeddings = config.value("tie_word_embeddings", get("tie_word_embeddings", false));
  s.prefix = qwen3_5 ? "model.language_model." : "model.";
  return s;
}

ref::ModelSpec reference_spec(const CheckpointSpec& spec) { return reference_spec(spec.config); }

ref::WeightMap reference_weights(const std::filesystem::path& dir, model::Format weights) {
  model::ModelFolder folder(dir, arch::families());
  model::LoadOptions opts;
  opts.matrices = weights;
  opts.others = weights == model::Format::F32 ? model::Format::F32 : model::Format::Source;
  opts.cache = model::CachePolicy::Off;
  model::WeightLoader loader(folder, opts);
  ref::WeightMap map;
  loader.load([&](const HostTensor& t, const model::PlannedTensor&) {
    std::vector<float> v(t.numel());
    switch (t.dtype) {
      case DType::F32:
        std::memcpy(v.data(), t.data.data(), v.size() * 4);
        break;
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
        model::dequantize_q4(t.data.data(), reinterpret_cast<const uint32_t*>(t.scales.data()), cols, t.group_size, 0,
                             rows, v.data());
        break;
      }
      default:
        throw std::runtime_error("unexpected dtype for " + t.name);
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
