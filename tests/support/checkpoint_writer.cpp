#include "support/checkpoint_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "arch/families.h"
#include "support/oracles.h"
#include "util/half.h"
#include "util/hash.h"

namespace vole::test {

using json = nlohmann::json;
using model::TensorRole;
using model::TensorSpec;

namespace {

// --- deterministic random numbers, one stream per tensor ---

struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Approximately N(0, 1): sum of four 16-bit uniforms, rescaled (Irwin-Hall).
  float normal() {
    uint64_t r = next();
    double s = 0;
    for (int i = 0; i < 4; ++i) s += static_cast<double>((r >> (16 * i)) & 0xffff) / 65536.0;
    return static_cast<float>((s - 2.0) * 1.7320508075688772);
  }
};

Rng tensor_rng(uint64_t seed, const std::string& name) {
  uint64_t h = xxh3_64({reinterpret_cast<const uint8_t*>(name.data()), name.size()}, seed);
  return Rng{h};
}

size_t numel(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// --- storage decisions ---

bool mlx_quantized(const CheckpointSpec& spec, const TensorSpec& t, int group) {
  bool linear_like = t.role == TensorRole::Linear || t.role == TensorRole::Embedding || t.role == TensorRole::LmHead;
  return spec.format == CheckpointFormat::Mlx4 && linear_like && t.part == "text" && t.shape.size() == 2 &&
         t.shape[1] % group == 0;
}

bool gptq_quantized(const CheckpointSpec& spec, const TensorSpec& t) {
  int group = spec.quant_group == -1 ? static_cast<int>(t.shape.back()) : spec.quant_group;
  return spec.format == CheckpointFormat::Gptq4 && t.role == TensorRole::Linear && t.layer >= 0 && t.part == "text" &&
         t.shape.size() == 2 && t.shape[1] % group == 0 && t.shape[0] % 8 == 0;
}

const model::FamilyTable& families_of(const CheckpointSpec& spec) {
  return spec.families ? *spec.families : arch::families();
}

// The family's MLX renames, run backwards: HF name -> the name mlx-lm stores.
std::string mlx_name(const CheckpointSpec& spec, const std::string& hf) {
  const model::Family& family = *parsed_config(spec).family;
  for (const auto& r : family.mlx_renames())
    if (starts_with(hf, r.canonical.c_str())) return r.source + hf.substr(r.canonical.size());
  return hf;
}

std::string mlx_module_path(const CheckpointSpec& spec, const std::string& hf) {
  std::string n = mlx_name(spec, hf);
  return n.substr(0, n.size() - 7);  // strip ".weight"
}

std::pair<int, int> mlx_params(const CheckpointSpec& spec, const std::string& hf) {
  auto it = spec.mlx_overrides.find(mlx_module_path(spec, hf));
  if (it != spec.mlx_overrides.end()) return it->second;
  return {4, spec.quant_group};
}

const char* plain_dtype(const CheckpointSpec& spec, const TensorSpec& t) {
  if (t.role == TensorRole::ALog) return "F32";
  switch (spec.format) {
    case CheckpointFormat::F32:
      return "F32";
    case CheckpointFormat::F16:
    case CheckpointFormat::Gptq4:
      return "F16";
    case CheckpointFormat::BF16:
    case CheckpointFormat::Mlx4:
      return "BF16";
  }
  return "F32";
}

float round_to(const char* dtype, float v) {
  if (std::strcmp(dtype, "BF16") == 0) return bf16_to_f32(f32_to_bf16(v));
  if (std::strcmp(dtype, "F16") == 0) return f16_to_f32(f32_to_f16(v));
  return v;
}

void append_value(std::vector<uint8_t>& out, const char* dtype, float v) {
  if (std::strcmp(dtype, "F32") == 0) {
    uint8_t b[4];
    std::memcpy(b, &v, 4);
    out.insert(out.end(), b, b + 4);
  } else {
    uint16_t h = std::strcmp(dtype, "BF16") == 0 ? f32_to_bf16(v) : f32_to_f16(v);
    out.push_back(static_cast<uint8_t>(h));
    out.push_back(static_cast<uint8_t>(h >> 8));
  }
}

void append_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

bool mlx_shifted_norm(const CheckpointSpec& spec, const TensorSpec& t) {
  return spec.format == CheckpointFormat::Mlx4 && spec.mlx_norms_shifted && t.role == TensorRole::RmsNormZeroCentred;
}

// --- MLX affine quantization (per row, groups along the input dimension) ---

struct MlxParts {
  std::vector<uint32_t> packed;
  std::vector<float> scales, biases;  // already rounded to bf16
  std::vector<float> dequant;
};

MlxParts mlx_quantize(const std::vector<float>& w, int64_t rows, int64_t cols, int bits, int group) {
  MlxParts p;
  const int per = 32 / bits;
  const uint32_t levels = (1u << bits) - 1u;
  const int64_t groups = cols / group;
  p.packed.assign(static_cast<size_t>(rows * cols / per), 0);
  p.scales.resize(static_cast<size_t>(rows * groups));
  p.biases.resize(p.scales.size());
  p.dequant.resize(w.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const float* x = w.data() + r * cols + g * group;
      float mn = *std::min_element(x, x + group), mx = *std::max_element(x, x + group);
      float scale = round_to("BF16", std::max((mx - mn) / static_cast<float>(levels), 1e-4f));
      float bias = round_to("BF16", mn);
      p.scales[static_cast<size_t>(r * groups + g)] = scale;
      p.biases[static_cast<size_t>(r * groups + g)] = bias;
      for (int i = 0; i < group; ++i) {
        int64_t c = g * group + i;
        float qf = std::round((x[i] - bias) / scale);
        uint32_t q = static_cast<uint32_t>(std::clamp(qf, 0.0f, static_cast<float>(levels)));
        p.packed[static_cast<size_t>((r * cols + c) / per)] |= q << (bits * (c % per));
        p.dequant[static_cast<size_t>(r * cols + c)] = static_cast<float>(q) * scale + bias;
      }
    }
  }
  return p;
}

// --- GPTQ 4-bit ---

struct GptqParts {
  std::vector<uint32_t> qweight, qzeros;
  std::vector<uint16_t> scales;
  std::vector<int32_t> g_idx;
  std::vector<float> dequant;
};

GptqParts gptq_quantize(const std::vector<float>& w, int64_t n, int64_t k, int group, bool sym, bool v2) {
  GptqParts p;
  const int64_t groups = k / group;
  p.qweight.assign(static_cast<size_t>(k / 8 * n), 0);
  p.qzeros.assign(static_cast<size_t>(groups * n / 8), 0);
  p.scales.resize(static_cast<size_t>(groups * n));
  p.dequant.resize(w.size());
  for (int64_t c = 0; c < k; ++c) p.g_idx.push_back(static_cast<int32_t>(c / group));
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      const float* x = w.data() + r * k + g * group;
      float mn = *std::min_element(x, x + group), mx = *std::max_element(x, x + group);
      float scale;
      int zero;
      if (sym) {
        float amax = std::max(std::fabs(mn), std::fabs(mx));
        scale = std::max(2.0f * amax / 15.0f, 1e-4f);
        zero = 8;
      } else {
        scale = std::max((mx - mn) / 15.0f, 1e-4f);
        zero = std::clamp(static_cast<int>(std::lround(-mn / scale)), v2 ? 0 : 1, 15);
      }
      uint16_t s16 = f32_to_f16(scale);
      float s = f16_to_f32(s16);
      p.scales[static_cast<size_t>(g * n + r)] = s16;
      uint32_t stored = static_cast<uint32_t>(v2 ? zero : zero - 1);
      p.qzeros[static_cast<size_t>(g * (n / 8) + r / 8)] |= stored << (4 * (r % 8));
      for (int i = 0; i < group; ++i) {
        int64_t c = g * group + i;
        int q = std::clamp(static_cast<int>(std::lround(x[i] / s)) + zero, 0, 15);
        p.qweight[static_cast<size_t>((c / 8) * n + r)] |= static_cast<uint32_t>(q) << (4 * (c % 8));
        p.dequant[static_cast<size_t>(r * k + c)] = s * static_cast<float>(q - zero);
      }
    }
  }
  return p;
}

// --- encoding one HF tensor into the checkpoint's stored tensors ---

std::vector<RawTensor> encode_tensor(const CheckpointSpec& spec, const TensorSpec& t, bool with_data) {
  std::vector<RawTensor> out;
  std::vector<float> w;
  if (with_data) w = generated_values(spec, t);
  const std::string stem = t.name.substr(0, t.name.size() - 7);  // for ".weight" names
  if (spec.format == CheckpointFormat::Mlx4 && t.shape.size() == 2 &&
      mlx_quantized(spec, t, mlx_params(spec, t.name).second)) {
    auto [bits, group] = mlx_params(spec, t.name);
    std::string base = mlx_name(spec, t.name);
    std::string mstem = base.substr(0, base.size() - 7);
    int64_t rows = t.shape[0], cols = t.shape[1];
    RawTensor pw{base, "U32", {rows, cols * bits / 32}, {}};
    RawTensor ps{mstem + ".scales", "BF16", {rows, cols / group}, {}};
    RawTensor pb{mstem + ".biases", "BF16", {rows, cols / group}, {}};
    if (with_data) {
      MlxParts q = mlx_quantize(w, rows, cols, bits, group);
      for (uint32_t v : q.packed) append_u32(pw.bytes, v);
      for (float v : q.scales) append_value(ps.bytes, "BF16", v);
      for (float v : q.biases) append_value(pb.bytes, "BF16", v);
    }
    return {std::move(pw), std::move(ps), std::move(pb)};
  }
  if (gptq_quantized(spec, t)) {
    int64_t n = t.shape[0], k = t.shape[1];
    int group = spec.quant_group == -1 ? static_cast<int>(k) : spec.quant_group;
    RawTensor qw{stem + ".qweight", "I32", {k / 8, n}, {}};
    RawTensor qz{stem + ".qzeros", "I32", {k / group, n / 8}, {}};
    RawTensor sc{stem + ".scales", "F16", {k / group, n}, {}};
    RawTensor gi{stem + ".g_idx", "I32", {k}, {}};
    if (with_data) {
      GptqParts q = gptq_quantize(w, n, k, group, spec.gptq_sym, spec.gptq_v2);
      for (uint32_t v : q.qweight) append_u32(qw.bytes, v);
      for (uint32_t v : q.qzeros) append_u32(qz.bytes, v);
      for (uint16_t v : q.scales) {
        sc.bytes.push_back(static_cast<uint8_t>(v));
        sc.bytes.push_back(static_cast<uint8_t>(v >> 8));
      }
      for (int32_t v : q.g_idx) append_u32(gi.bytes, static_cast<uint32_t>(v));
    }
    return {std::move(qw), std::move(qz), std::move(sc), std::move(gi)};
  }
  // Plain tensor, in MLX layout if the format asks for it.
  const char* dtype = plain_dtype(spec, t);
  RawTensor p{spec.format == CheckpointFormat::Mlx4 ? mlx_name(spec, t.name) : t.name, dtype, t.shape, {}};
  bool mlx = spec.format == CheckpointFormat::Mlx4;
  if (mlx && t.role == TensorRole::Conv1d) p.shape = {t.shape[0], t.shape[2], 1};
  if (mlx && t.role == TensorRole::PatchEmbed) p.shape = {t.shape[0], t.shape[2], t.shape[3], t.shape[4], t.shape[1]};
  if (with_data) {
    p.bytes.reserve(w.size() * (std::strcmp(dtype, "F32") == 0 ? 4 : 2));
    if (mlx && t.role == TensorRole::PatchEmbed) {
      int64_t O = t.shape[0], C = t.shape[1], T = t.shape[2], H = t.shape[3], W = t.shape[4];
      for (int64_t o = 0; o < O; ++o)
        for (int64_t tt = 0; tt < T; ++tt)
          for (int64_t h = 0; h < H; ++h)
            for (int64_t x = 0; x < W; ++x)
              for (int64_t c = 0; c < C; ++c)
                append_value(p.bytes, dtype, w[static_cast<size_t>((((o * C + c) * T + tt) * H + h) * W + x)]);
    } else if (mlx_shifted_norm(spec, t)) {
      for (float v : w) append_value(p.bytes, dtype, round_to(dtype, v) + 1.0f);  // mlx-lm adds 1 in bf16
    } else {
      for (float v : w) append_value(p.bytes, dtype, v);
    }
  }
  out.push_back(std::move(p));
  return out;
}

std::vector<TensorSpec> checkpoint_tensors(const CheckpointSpec& spec) {
  model::ModelConfig config = parsed_config(spec);
  model::Selection sel;
  for (const auto& part : config.family->parts())
    if (part.optional &&
        (part.name != "mtp" || (spec.mtp && spec.format != CheckpointFormat::Mlx4)))  // mlx-lm drops mtp.*
      sel.parts.push_back(part.name);
  return config.family->tensors(config, sel);
}

// --- JSON files ---

json quantization_json(const CheckpointSpec& spec) {
  if (spec.format == CheckpointFormat::Mlx4) {
    json q{{"group_size", spec.quant_group}, {"bits", 4}};
    for (const auto& [path, p] : spec.mlx_overrides) q[path] = {{"group_size", p.second}, {"bits", p.first}};
    return q;
  }
  return {{"quant_method", "gptq"},         {"bits", 4},
          {"group_size", spec.quant_group}, {"desc_act", false},
          {"sym", spec.gptq_sym},           {"checkpoint_format", spec.gptq_v2 ? "gptq_v2" : "gptq"}};
}

}  // namespace

const char* checkpoint_format_name(CheckpointFormat f) {
  switch (f) {
    case CheckpointFormat::F32:
      return "f32";
    case CheckpointFormat::BF16:
      return "bf16";
    case CheckpointFormat::F16:
      return "f16";
    case CheckpointFormat::Mlx4:
      return "mlx4";
    case CheckpointFormat::Gptq4:
      return "gptq4";
  }
  return "?";
}

std::optional<CheckpointFormat> parse_checkpoint_format(const std::string& s) {
  for (auto f : {CheckpointFormat::F32, CheckpointFormat::BF16, CheckpointFormat::F16, CheckpointFormat::Mlx4,
                 CheckpointFormat::Gptq4})
    if (s == checkpoint_format_name(f)) return f;
  return std::nullopt;
}

std::vector<std::string> checkpoint_presets() {
  return {"tiny-qwen3_5",        "tiny-qwen3",           "tiny-qwen2", "qwen3_5-0.8b",
          "tiny-embeddinggemma", "tiny-qwen3-embedding", "tiny-lfm2",  "tiny-kani2"};
}

namespace {

// Fields every decoder preset shares; the Qwen3 tokenizer's ids (the only tokenizer the
// tests ship).
json decoder_fields(int64_t vocab, int64_t hidden, int64_t intermediate, int64_t layers, int64_t heads,
                    int64_t kv_heads, int64_t max_positions) {
  return {{"vocab_size", vocab},         {"hidden_size", hidden},        {"intermediate_size", intermediate},
          {"num_hidden_layers", layers}, {"num_attention_heads", heads}, {"num_key_value_heads", kv_heads},
          {"hidden_act", "silu"},        {"rms_norm_eps", 1e-6},         {"max_position_embeddings", max_positions},
          {"tie_word_embeddings", true}, {"bos_token_id", 151643},       {"eos_token_id", 151645},
          {"pad_token_id", nullptr}};
}

json qwen3_5_config(bool real) {
  json text = decoder_fields(real ? 248320 : 151936, real ? 1024 : 128, real ? 3584 : 384, real ? 24 : 8, real ? 8 : 4,
                             2, real ? 262144 : 32768);
  int64_t layers = text["num_hidden_layers"];
  json types = json::array();
  for (int64_t i = 0; i < layers; ++i) types.push_back((i + 1) % 4 == 0 ? "full_attention" : "linear_attention");
  text.update({{"model_type", "qwen3_5_text"},
               {"head_dim", real ? 256 : 64},
               {"attention_bias", false},
               {"linear_conv_kernel_dim", 4},
               {"linear_key_head_dim", real ? 128 : 64},
               {"linear_value_head_dim", real ? 128 : 64},
               {"linear_num_key_heads", real ? 16 : 2},
               {"linear_num_value_heads", real ? 16 : 4},
               {"full_attention_interval", 4},
               {"layer_types", types},
               {"rope_parameters",
                {{"rope_type", "default"},
                 {"rope_theta", 10000000.0},
                 {"partial_rotary_factor", 0.25},
                 {"mrope_section", real ? json{11, 11, 10} : json{3, 3, 2}},
                 {"mrope_interleaved", true}}},
               {"attn_output_gate", true},
               {"output_gate_type", "swish"},
               {"mamba_ssm_dtype", "float32"},
               {"mtp_num_hidden_layers", 1},
               {"mtp_use_dedicated_embeddings", false},
               {"dtype", "bfloat16"}});
  json vision{{"model_type", "qwen3_5_vision"},
              {"depth", real ? 12 : 2},
              {"hidden_size", real ? 768 : 128},
              {"num_heads", real ? 12 : 2},
              {"intermediate_size", real ? 3072 : 256},
              {"hidden_act", "gelu_pytorch_tanh"},
              {"in_channels", 3},
              {"patch_size", 16},
              {"temporal_patch_size", 2},
              {"spatial_merge_size", 2},
              {"out_hidden_size", text["hidden_size"]},
              {"num_position_embeddings", real ? 2304 : 64},
              {"deepstack_visual_indexes", json::array()}};
  return {{"architectures", {"Qwen3_5ForConditionalGeneration"}},
          {"model_type", "qwen3_5"},
          {"text_config", text},
          {"vision_config", vision},
          {"image_token_id", 151655},
          {"video_token_id", 151656},
          {"vision_start_token_id", 151652},
          {"vision_end_token_id", 151653},
          {"tie_word_embeddings", true},
          {"transformers_version", "4.57.0"}};
}

// A dense decoder of `model_type` ("qwen3", "qwen2") with the HF keys its class writes.
json dense_config(const std::string& model_type, const std::string& architecture) {
  json j = decoder_fields(151936, 128, 384, 4, 4, 2, 40960);
  j["architectures"] = {architecture};
  j["model_type"] = model_type;
  if (model_type == "qwen3") {
    j["head_dim"] = 64;  // not hidden/heads, as in the real Qwen3-0.6B
    j["attention_bias"] = false;
  } else {
    j["hidden_size"] = 256;  // Qwen2 has no head_dim: hidden / heads = 64
  }
  j["rope_theta"] = 1000000.0;
  j["rope_scaling"] = nullptr;
  j["use_sliding_window"] = false;
  j["sliding_window"] = nullptr;
  j["max_window_layers"] = 4;
  j["torch_dtype"] = "bfloat16";
  j["transformers_version"] = "4.57.0";
  return j;
}

// EmbeddingGemma's config.json shape (docs/specs/embeddinggemma.md §2), scaled down: a
// window of 16 (radius 8) so short test inputs cross it, a query_pre_attn_scalar other
// than head_dim, and both layer types.
json embeddinggemma_config() {
  return {{"architectures", {"Gemma3TextModel"}},
          {"model_type", "gemma3_text"},
          {"vocab_size", 262144},
          {"hidden_size", 128},
          {"intermediate_size", 256},
          {"num_hidden_layers", 4},
          {"num_attention_heads", 2},
          {"num_key_value_heads", 1},
          {"head_dim", 64},
          {"hidden_activation", "gelu_pytorch_tanh"},
          {"max_position_embeddings", 2048},
          {"rms_norm_eps", 1e-6},
          {"rope_theta", 1000000.0},
          {"rope_local_base_freq", 10000.0},
          {"rope_scaling", nullptr},
          {"query_pre_attn_scalar", 32},
          {"sliding_window", 16},
          {"layer_types", {"sliding_attention", "sliding_attention", "full_attention", "sliding_attention"}},
          {"_sliding_window_pattern", 6},
          {"use_bidirectional_attention", true},
          {"attention_bias", false},
          {"attention_dropout", 0.0},
          {"attn_logit_softcapping", nullptr},
          {"final_logit_softcapping", nullptr},
          {"pad_token_id", 0},
          {"eos_token_id", 1},
          {"bos_token_id", 2},
          {"tie_word_embeddings", true},
          {"torch_dtype", "float32"},
          {"transformers_version", "4.57.0.dev0"}};
}

json embeddinggemma_prompts() {
  return {{"query", "task: search result | query: "},
          {"document", "title: none | text: "},
          {"Clustering", "task: clustering | query: "},
          {"STS", "task: sentence similarity | query: "}};
}

// LFM2 with Liquid's keys as the released configs write them (docs/specs/lfm2.md §1):
// block_ff_dim 1024 -> 682 -> 768 wide MLP, conv layers around two attention layers.
json lfm2_config() {
  json types = {"conv", "conv", "full_attention", "conv", "full_attention", "conv"};
  return {{"architectures", {"Lfm2ForCausalLM"}},
          {"model_type", "lfm2"},
          {"vocab_size", 65536},
          {"hidden_size", 256},
          {"intermediate_size", 1024},
          {"block_ff_dim", 1024},
          {"block_auto_adjust_ff_dim", true},
          {"block_ffn_dim_multiplier", 1.0},
          {"block_multiple_of", 256},
          {"num_hidden_layers", 6},
          {"num_attention_heads", 4},
          {"num_key_value_heads", 2},
          {"layer_types", types},
          {"conv_L_cache", 3},
          {"conv_bias", false},
          {"norm_eps", 1e-5},
          {"rope_theta", 1000000.0},
          {"max_position_embeddings", 128000},
          {"tie_embedding", true},
          {"tie_word_embeddings", true},
          {"bos_token_id", 1},
          {"eos_token_id", 7},
          {"pad_token_id", 0},
          {"torch_dtype", "bfloat16"},
          {"transformers_version", "4.57.0"}};
}

// Kani-TTS-2's modified LFM2 (docs/specs/kani-tts.md §5): the released vocabulary with
// audio tokens, a learned RoPE scale per attention layer and a speaker projection.
json kani2_config() {
  json c = lfm2_config();
  c["vocab_size"] = 80539;
  c["audio_tokens_start"] = 64410;
  c["tokens_per_frame"] = 4;
  c["audio_step"] = 1.0;
  c["use_learnable_rope"] = true;
  c["alpha_min"] = 0.1;
  c["alpha_max"] = 2.0;
  c["speaker_emb_dim"] = 128;
  c["eos_token_id"] = 64402;  // END_OF_SPEECH
  return c;
}

}  // namespace

CheckpointSpec checkpoint_preset(const std::string& name) {
  CheckpointSpec s;
  s.format = CheckpointFormat::BF16;
  if (name == "tiny-qwen3_5" || name == "qwen3_5-0.8b") {
    s.config = qwen3_5_config(name == "qwen3_5-0.8b");
    return s;
  }
  if (name == "tiny-qwen3" || name == "tiny-qwen2") {
    bool qwen3 = name == "tiny-qwen3";
    s.config = dense_config(qwen3 ? "qwen3" : "qwen2", qwen3 ? "Qwen3ForCausalLM" : "Qwen2ForCausalLM");
    s.mtp = false;
    return s;
  }
  if (name == "tiny-embeddinggemma") {
    s.config = embeddinggemma_config();
    s.format = CheckpointFormat::F32;
    s.mlx_norms_shifted = false;
    s.mtp = false;
    s.generation_config = false;
    s.tokenizer_source = (oracle_dir() / "node_modules" / "@lenml" / "tokenizer-gemma3" / "models").string();
    s.sentence_transformers = SentenceTransformersSpec{.mean_pooling = true,
                                                       .dense_out = {512, 128},
                                                       .prompts = embeddinggemma_prompts(),
                                                       .max_seq_length = 2048,
                                                       .add_eos_token = true};
    return s;
  }
  if (name == "tiny-qwen3-embedding") {
    s.config = dense_config("qwen3", "Qwen3ForCausalLM");
    s.mtp = false;
    s.generation_config = false;
    s.sentence_transformers = SentenceTransformersSpec{
        .mean_pooling = false,
        .dense_out = {},
        .prompts = {{"query",
                     "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:"},
                    {"document", ""}},
        .max_seq_length = 0,
        .add_eos_token = false};
    return s;
  }
  if (name == "tiny-lfm2" || name == "tiny-kani2") {
    s.config = name == "tiny-lfm2" ? lfm2_config() : kani2_config();
    s.mtp = false;
    return s;
  }
  throw std::invalid_argument("unknown checkpoint preset \"" + name +
                              "\" (tiny-qwen3_5, tiny-qwen3, tiny-qwen2, qwen3_5-0.8b, tiny-embeddinggemma, "
                              "tiny-qwen3-embedding, tiny-lfm2, tiny-kani2)");
}

json& text_config(CheckpointSpec& spec) {
  return spec.config.contains("text_config") ? spec.config["text_config"] : spec.config;
}

const json& text_config(const CheckpointSpec& spec) {
  return spec.config.contains("text_config") ? spec.config["text_config"] : spec.config;
}

void set_tied_embeddings(CheckpointSpec& spec, bool tied) {
  text_config(spec)["tie_word_embeddings"] = tied;
  spec.config["tie_word_embeddings"] = tied;  // multimodal configs decide at the top level
  if (spec.config.contains("tie_embedding")) spec.config["tie_embedding"] = tied;  // LFM2: Liquid's key wins
}

model::ModelConfig parsed_config(const CheckpointSpec& spec) {
  return model::parse_model_config(config_json_text(spec), "generated config.json", families_of(spec));
}

std::vector<float> generated_values(const CheckpointSpec& spec, const TensorSpec& t) {
  Rng rng = tensor_rng(spec.seed, t.name);
  size_t n = numel(t.shape);
  std::vector<float> v(n);
  switch (t.role) {
    case TensorRole::RmsNorm:
    case TensorRole::GatedRmsNorm:
    case TensorRole::LayerNorm:
      for (auto& x : v) x = 1.0f + 0.02f * rng.normal();
      break;
    case TensorRole::RmsNormZeroCentred:
      for (auto& x : v) x = 0.02f * rng.normal();
      break;
    case TensorRole::Conv1d:
      for (auto& x : v) x = 0.2f * rng.normal();
      break;
    case TensorRole::ALog:
      for (auto& x : v) x = static_cast<float>(std::log(1.0 + 15.0 * rng.uniform()));
      break;
    case TensorRole::DtBias:
      for (auto& x : v) x = static_cast<float>(0.5 + rng.uniform());
      break;
    case TensorRole::HostScalar:  // Kani-TTS-2's RoPE scale weights: α spread over most of its range
      for (auto& x : v) x = 1.5f * rng.normal();
      break;
    case TensorRole::Bias:  // large enough that leaving a bias out changes the logits visibly
      for (auto& x : v) x = 0.2f * rng.normal();
      break;
    default:
      for (auto& x : v) x = 0.02f * rng.normal();
      break;
  }
  return v;
}

std::vector<float> reference_values(const CheckpointSpec& spec, const TensorSpec& t) {
  std::vector<float> w = generated_values(spec, t);
  if (spec.format == CheckpointFormat::Mlx4 && t.shape.size() == 2 &&
      mlx_quantized(spec, t, mlx_params(spec, t.name).second)) {
    auto [bits, group] = mlx_params(spec, t.name);
    return mlx_quantize(w, t.shape[0], t.shape[1], bits, group).dequant;
  }
  if (gptq_quantized(spec, t)) {
    int group = spec.quant_group == -1 ? static_cast<int>(t.shape[1]) : spec.quant_group;
    return gptq_quantize(w, t.shape[0], t.shape[1], group, spec.gptq_sym, spec.gptq_v2).dequant;
  }
  const char* dtype = plain_dtype(spec, t);
  for (auto& x : w) {
    x = round_to(dtype, x);
    if (mlx_shifted_norm(spec, t)) x = round_to(dtype, x + 1.0f) - 1.0f;
  }
  return w;
}

std::string config_json_text(const CheckpointSpec& spec) {
  json j = spec.config;
  if (spec.format == CheckpointFormat::Mlx4) {
    j["quantization"] = quantization_json(spec);
    j["quantization_config"] = quantization_json(spec);
  } else if (spec.format == CheckpointFormat::Gptq4) {
    j["quantization_config"] = quantization_json(spec);
  }
  return j.dump(2) + "\n";
}

std::vector<uint8_t> safetensors_bytes(const std::string& header_json, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out(8);
  uint64_t n = header_json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  out.insert(out.end(), header_json.begin(), header_json.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// The generated Dense weights before any quantization (dense_values is what a checkpoint holds).
std::vector<float> dense_values_raw(const CheckpointSpec& spec, size_t index, int64_t out, int64_t in);

namespace {

// Streams one safetensors file: the header from the parts' layouts, then each HF
// tensor's parts generated on demand.
class ShardWriter {
 public:
  ShardWriter(const std::filesystem::path& path, const std::vector<std::vector<RawTensor>>& layouts) : path_(path) {
    json h;
    h["__metadata__"] = {{"format", "pt"}};
    uint64_t offset = 0;
    for (const auto& parts : layouts)
      for (const auto& p : parts) {
        uint64_t bytes = numel(p.shape) * dtype_bytes(p.dtype);
        h[p.name] = {{"dtype", p.dtype}, {"shape", p.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
      }
    std::string text = h.dump();
    text.append((8 - (text.size() % 8)) % 8, ' ');  // align the data section like HF does
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw std::runtime_error("cannot create " + path.string());
    std::vector<uint8_t> head = safetensors_bytes(text, {});
    put(head);
  }
  ~ShardWriter() {
    if (file_) std::fclose(file_);
  }
  void put(const std::vector<uint8_t>& bytes) {
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
      throw std::runtime_error("cannot write " + path_.string());
  }
  void close() {
    if (std::fclose(file_) != 0) throw std::runtime_error("cannot close " + path_.string());
    file_ = nullptr;
  }
  static size_t dtype_bytes(const std::string& d) {
    if (d == "F32" || d == "I32" || d == "U32") return 4;
    if (d == "F16" || d == "BF16") return 2;
    if (d == "F64" || d == "I64") return 8;
    return 1;
  }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

void copy_tokenizer(const std::filesystem::path& dir, const CheckpointSpec& spec) {
  auto src = spec.tokenizer_source.empty() ? qwen3_tokenizer_dir() : std::filesystem::path(spec.tokenizer_source);
  if (!std::filesystem::exists(src / "tokenizer.json"))
    throw std::runtime_error("the Qwen3 tokenizer is missing at " + src.string() + " (run tests/oracles/fetch.sh)");
  std::filesystem::copy_file(src / "tokenizer.json", dir / "tokenizer.json",
                             std::filesystem::copy_options::overwrite_existing);
  std::ifstream in(src / "tokenizer_config.json");
  json cfg = json::parse(in);
  if (spec.sentence_transformers && spec.sentence_transformers->add_eos_token) {
    cfg["add_bos_token"] = true;  // EmbeddingGemma's tokenizer_config.json (spec §6)
    cfg["add_eos_token"] = true;
    cfg["eos_token"] = "<eos>";
  }
  if (spec.chat_template) {
    std::ifstream t(*spec.chat_template, std::ios::binary);
    if (!t) throw std::runtime_error("cannot read chat template " + spec.chat_template->string());
    cfg["chat_template"] = std::string(std::istreambuf_iterator<char>(t), {});
  }
  std::ofstream(dir / "tokenizer_config.json") << cfg.dump(2) << "\n";
}

void write_generation_config(const std::filesystem::path& dir, const CheckpointSpec& spec) {
  json g{{"bos_token_id", 151643}, {"eos_token_id", {151645, 151643}},
         {"pad_token_id", 151643}, {"do_sample", true},
         {"temperature", 0.6},     {"top_k", 20},
         {"top_p", 0.95},          {"transformers_version", "4.57.0"}};
  if (spec.config.value("model_type", "") == "qwen3_5") g["presence_penalty"] = 1.5;
  std::ofstream(dir / "generation_config.json") << g.dump(2) << "\n";
}

void append_f32(std::vector<uint8_t>& out, float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(u >> (8 * i)));
}

void write_json(const std::filesystem::path& path, const json& j) { std::ofstream(path) << j.dump(2) << "\n"; }

void write_prompt_files(const std::filesystem::path& dir, const SentenceTransformersSpec& st) {
  if (st.max_seq_length > 0)
    write_json(dir / "sentence_bert_config.json", {{"max_seq_length", st.max_seq_length}, {"do_lower_case", false}});
  write_json(dir / "config_sentence_transformers.json", {{"model_type", "SentenceTransformer"},
                                                         {"__version__", {{"sentence_transformers", "5.1.0"}}},
                                                         {"prompts", st.prompts},
                                                         {"default_prompt_name", nullptr},
                                                         {"similarity_fn_name", "cosine"}});
}

void write_sentence_transformers(const std::filesystem::path& dir, const CheckpointSpec& spec) {
  const SentenceTransformersSpec& st = *spec.sentence_transformers;
  const int64_t hidden = text_config(spec).at("hidden_size");
  // mlx-embeddings' layout: no modules.json, pooling or Dense folders; the Dense layers
  // are "dense.<i>.*" in model.safetensors (mlx_dense_tensors).
  if (spec.format == CheckpointFormat::Mlx4) return write_prompt_files(dir, st);
  json modules = json::array();
  modules.push_back({{"idx", 0}, {"name", "0"}, {"path", ""}, {"type", "sentence_transformers.models.Transformer"}});
  modules.push_back(
      {{"idx", 1}, {"name", "1"}, {"path", "1_Pooling"}, {"type", "sentence_transformers.models.Pooling"}});
  std::filesystem::create_directories(dir / "1_Pooling");
  write_json(dir / "1_Pooling" / "config.json", {{"word_embedding_dimension", hidden},
                                                 {"pooling_mode_cls_token", false},
                                                 {"pooling_mode_mean_tokens", st.mean_pooling},
                                                 {"pooling_mode_max_tokens", false},
                                                 {"pooling_mode_mean_sqrt_len_tokens", false},
                                                 {"pooling_mode_weightedmean_tokens", false},
                                                 {"pooling_mode_lasttoken", !st.mean_pooling},
                                                 {"include_prompt", true}});
  int64_t in = hidden;
  for (size_t i = 0; i < st.dense_out.size(); ++i) {
    int idx = static_cast<int>(i) + 2;
    std::string folder = std::to_string(idx) + "_Dense";
    modules.push_back({{"idx", idx},
                       {"name", std::to_string(idx)},
                       {"path", folder},
                       {"type", "sentence_transformers.models.Dense"}});
    std::filesystem::create_directories(dir / folder);
    write_json(dir / folder / "config.json", {{"in_features", in},
                                              {"out_features", st.dense_out[i]},
                                              {"bias", false},
                                              {"activation_function", "torch.nn.modules.linear.Identity"}});
    RawTensor w{"linear.weight", "F32", {st.dense_out[i], in}, {}};
    for (float v : dense_values(spec, i, st.dense_out[i], in)) append_f32(w.bytes, v);
    write_safetensors(dir / folder / "model.safetensors", {w});
    in = st.dense_out[i];
  }
  int idx = static_cast<int>(modules.size());
  std::string norm = std::to_string(idx) + "_Normalize";
  modules.push_back({{"idx", idx},
                     {"name", std::to_string(idx)},
                     {"path", norm},
                     {"type", "sentence_transformers.models.Normalize"}});
  std::filesystem::create_directories(dir / norm);
  write_json(dir / "modules.json", modules);
  write_prompt_files(dir, st);
}

// The sentence-transformers Dense layers as mlx-embeddings stores them with the encoder:
// "dense.<i>.weight" (U32), ".scales", ".biases" (BF16), quantized like the linear layers.
std::vector<RawTensor> mlx_dense_tensors(const CheckpointSpec& spec) {
  std::vector<RawTensor> out;
  if (spec.format != CheckpointFormat::Mlx4 || !spec.sentence_transformers) return out;
  int64_t in = text_config(spec).at("hidden_size");
  const auto& dense_out = spec.sentence_transformers->dense_out;
  for (size_t i = 0; i < dense_out.size(); ++i) {
    const int64_t rows = dense_out[i], group = spec.quant_group;
    if (in % group != 0) throw std::runtime_error("mlx4: a Dense layer's width is not a multiple of the group");
    MlxParts q = mlx_quantize(dense_values_raw(spec, i, rows, in), rows, in, 4, static_cast<int>(group));
    std::string stem = "dense." + std::to_string(i);
    RawTensor w{stem + ".weight", "U32", {rows, in * 4 / 32}, {}};
    RawTensor sc{stem + ".scales", "BF16", {rows, in / group}, {}};
    RawTensor bi{stem + ".biases", "BF16", {rows, in / group}, {}};
    for (uint32_t v : q.packed) append_u32(w.bytes, v);
    for (float v : q.scales) append_value(sc.bytes, "BF16", v);
    for (float v : q.biases) append_value(bi.bytes, "BF16", v);
    out.push_back(std::move(w));
    out.push_back(std::move(sc));
    out.push_back(std::move(bi));
    in = rows;
  }
  return out;
}

void write_preprocessor_config(const std::filesystem::path& dir, const CheckpointSpec& spec) {
  const json& v = spec.config["vision_config"];
  bool real = v.value("hidden_size", 0) == 768;
  json p{{"size", {{"shortest_edge", real ? 65536 : 4096}, {"longest_edge", real ? 16777216 : 65536}}},
         {"patch_size", v.value("patch_size", 16)},
         {"temporal_patch_size", v.value("temporal_patch_size", 2)},
         {"merge_size", v.value("spatial_merge_size", 2)},
         {"image_mean", {0.5, 0.5, 0.5}},
         {"image_std", {0.5, 0.5, 0.5}},
         {"image_processor_type", "Qwen2VLImageProcessorFast"},
         {"processor_class", "Qwen3VLProcessor"}};
  std::ofstream(dir / "preprocessor_config.json") << p.dump(2) << "\n";
}

}  // namespace

std::vector<float> dense_values(const CheckpointSpec& spec, size_t index, int64_t out, int64_t in) {
  std::vector<float> v = dense_values_raw(spec, index, out, in);
  if (spec.format != CheckpointFormat::Mlx4) return v;
  return mlx_quantize(v, out, in, 4, spec.quant_group).dequant;  // what the MLX layout stores
}

std::vector<float> dense_values_raw(const CheckpointSpec& spec, size_t index, int64_t out, int64_t in) {
  Rng rng = tensor_rng(spec.seed, std::to_string(index + 2) + "_Dense/linear.weight");
  std::vector<float> v(static_cast<size_t>(out * in));
  // ~1/sqrt(in) like a trained projection, so the head does not shrink the vector to noise.
  float scale = 1.0f / std::sqrt(static_cast<float>(in));
  for (auto& x : v) x = scale * rng.normal();
  return v;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<RawTensor>& tensors) {
  std::vector<std::vector<RawTensor>> layouts;
  for (const auto& t : tensors) layouts.push_back({RawTensor{t.name, t.dtype, t.shape, {}}});
  ShardWriter w(path, layouts);
  for (const auto& t : tensors) w.put(t.bytes);
  w.close();
}

void write_checkpoint(const std::filesystem::path& dir, const CheckpointSpec& spec) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << config_json_text(spec);
  if (spec.generation_config) write_generation_config(dir, spec);
  if (spec.preprocessor_config && spec.config.contains("vision_config")) write_preprocessor_config(dir, spec);
  if (spec.tokenizer) copy_tokenizer(dir, spec);
  if (spec.sentence_transformers) write_sentence_transformers(dir, spec);

  std::vector<TensorSpec> tensors = checkpoint_tensors(spec);
  // Assign tensors to shards: a new shard when one would exceed the limit or the
  // model part changes (so vision and MTP weights sit in shards of their own).
  std::vector<std::vector<size_t>> shards(1);
  std::vector<std::vector<RawTensor>> layouts;
  uint64_t shard_bytes = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    layouts.push_back(encode_tensor(spec, tensors[i], false));
    uint64_t bytes = 0;
    for (const auto& p : layouts.back()) bytes += numel(p.shape) * ShardWriter::dtype_bytes(p.dtype);
    bool new_part = i > 0 && tensors[i].part != tensors[i - 1].part;
    if (spec.max_shard_bytes && !shards.back().empty() && (shard_bytes + bytes > spec.max_shard_bytes || new_part)) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(i);
    shard_bytes += bytes;
  }
  json weight_map = json::object();
  uint64_t total = 0;
  for (size_t s = 0; s < shards.size(); ++s) {
    char name[64];
    if (spec.max_shard_bytes)
      std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", s + 1, shards.size());
    else
      std::snprintf(name, sizeof name, "model.safetensors");
    std::vector<std::vector<RawTensor>> shard_layouts;
    for (size_t i : shards[s]) shard_layouts.push_back(layouts[i]);
    const bool last = s + 1 == shards.size();
    std::vector<RawTensor> extra = last ? mlx_dense_tensors(spec) : std::vector<RawTensor>{};
    for (const auto& t : extra) shard_layouts.push_back({RawTensor{t.name, t.dtype, t.shape, {}}});
    ShardWriter w(dir / name, shard_layouts);
    for (size_t i : shards[s]) {
      for (auto& part : encode_tensor(spec, tensors[i], true)) {
        weight_map[part.name] = name;
        total += part.bytes.size();
        w.put(part.bytes);
      }
    }
    for (const auto& t : extra) {
      weight_map[t.name] = name;
      total += t.bytes.size();
      w.put(t.bytes);
    }
    w.close();
  }
  if (spec.max_shard_bytes) {
    json index{{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
    std::ofstream(dir / "model.safetensors.index.json") << index.dump(2) << "\n";
  }
}

}  // namespace vole::test
