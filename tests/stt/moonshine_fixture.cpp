#include "moonshine_fixture.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "support/checkpoint_writer.h"
#include "util/half.h"

namespace vole::test {

std::string tiny_moonshine_config_json(const TinyMoonshine& s) {
  nlohmann::json j = {
      {"architectures", {"MoonshineForConditionalGeneration"}},
      {"model_type", "moonshine"},
      {"vocab_size", s.vocab},
      {"hidden_size", s.hidden},
      {"intermediate_size", s.intermediate},
      {"encoder_num_hidden_layers", s.encoder_layers},
      {"decoder_num_hidden_layers", s.decoder_layers},
      {"encoder_num_attention_heads", s.heads},
      {"decoder_num_attention_heads", s.heads},
      {"encoder_num_key_value_heads", s.heads},
      {"decoder_num_key_value_heads", s.heads},
      {"encoder_hidden_act", "gelu"},
      {"decoder_hidden_act", "silu"},
      {"max_position_embeddings", 194},
      {"partial_rotary_factor", s.partial_rotary_factor},
      {"rope_theta", 10000.0},
      {"rope_scaling", nullptr},
      {"pad_head_dim_to_multiple_of", 8},
      {"attention_bias", false},
      {"bos_token_id", 1},
      {"eos_token_id", 2},
      {"decoder_start_token_id", 1},
      {"pad_token_id", 2},
      {"is_encoder_decoder", true},
      {"torch_dtype", "float32"},
  };
  return j.dump(2);
}

namespace {

struct Generator {
  std::mt19937_64 rng;
  std::string dtype;
  std::vector<RawTensor> tensors;

  // Gaussian values (mean, std) stored in the fixture's dtype.
  void add(const std::string& name, std::vector<int64_t> shape, double mean, double std) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::normal_distribution<double> dist(mean, std);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = static_cast<float>(dist(rng));
    add_values(name, std::move(shape), v);
  }
  void add_values(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& v) {
    RawTensor t{name, dtype, std::move(shape), {}};
    if (dtype == "F32") {
      t.bytes.resize(v.size() * 4);
      std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
    } else {
      std::vector<uint16_t> h(v.size());
      if (dtype == "BF16")
        f32_to_bf16(v, h);
      else
        f32_to_f16(v, h);
      t.bytes.resize(h.size() * 2);
      std::memcpy(t.bytes.data(), h.data(), t.bytes.size());
    }
    tensors.push_back(std::move(t));
  }
  // A Linear layer: weight N(0, 1/sqrt(in)) so activations keep their scale.
  void linear(const std::string& name, int64_t out, int64_t in, bool bias) {
    add(name + ".weight", {out, in}, 0.0, 1.0 / std::sqrt(static_cast<double>(in)));
    if (bias) add(name + ".bias", {out}, 0.0, 0.05);
  }
  void norm(const std::string& name, int64_t h) { add(name + ".weight", {h}, 1.0, 0.1); }
  void attention(const std::string& p, int64_t hidden, int64_t heads, int64_t head_dim) {
    linear(p + "q_proj", heads * head_dim, hidden, false);
    linear(p + "k_proj", heads * head_dim, hidden, false);
    linear(p + "v_proj", heads * head_dim, hidden, false);
    linear(p + "o_proj", hidden, heads * head_dim, false);
  }
  // v1's decoder layers (both versions share them), hidden H, intermediate I.
  void decoder_layers(int layers, int64_t H, int64_t I, int64_t heads) {
    for (int l = 0; l < layers; ++l) {
      std::string p = "model.decoder.layers." + std::to_string(l) + ".";
      norm(p + "input_layernorm", H);
      attention(p + "self_attn.", H, heads, H / heads);
      norm(p + "post_attention_layernorm", H);
      attention(p + "encoder_attn.", H, heads, H / heads);
      norm(p + "final_layernorm", H);
      linear(p + "mlp.fc1", 2 * I, H, true);
      linear(p + "mlp.fc2", H, I, true);
    }
  }
};

}  // namespace

void write_tiny_moonshine(const std::filesystem::path& dir, const TinyMoonshine& s) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << tiny_moonshine_config_json(s);
  Generator g{std::mt19937_64(s.seed), s.dtype, {}};
  const int64_t H = s.hidden, I = s.intermediate, hd = s.hidden / s.heads;
  // Front end: conv1 scaled so tanh sees values of order 1 for speech-level input.
  g.add("model.encoder.conv1.weight", {H, 1, 127}, 0.0, 0.3);
  g.add("model.encoder.groupnorm.weight", {H}, 1.0, 0.1);
  g.add("model.encoder.groupnorm.bias", {H}, 0.0, 0.1);
  g.add("model.encoder.conv2.weight", {2 * H, H, 7}, 0.0, 1.0 / std::sqrt(7.0 * H));
  g.add("model.encoder.conv2.bias", {2 * H}, 0.0, 0.05);
  g.add("model.encoder.conv3.weight", {H, 2 * H, 3}, 0.0, 1.0 / std::sqrt(6.0 * H));
  g.add("model.encoder.conv3.bias", {H}, 0.0, 0.05);
  auto attention = [&](const std::string& p) { g.attention(p, H, s.heads, hd); };
  for (int l = 0; l < s.encoder_layers; ++l) {
    std::string p = "model.encoder.layers." + std::to_string(l) + ".";
    g.norm(p + "input_layernorm", H);
    attention(p + "self_attn.");
    g.norm(p + "post_attention_layernorm", H);
    g.linear(p + "mlp.fc1", I, H, true);
    g.linear(p + "mlp.fc2", H, I, true);
  }
  g.norm("model.encoder.layer_norm", H);
  g.add("model.decoder.embed_tokens.weight", {s.vocab, H}, 0.0, 1.0);
  std::vector<float> embedding;
  if (s.untied_head) {  // the values just stored, as stored (rounded to the dtype)
    const RawTensor& e = g.tensors.back();
    embedding.resize(static_cast<size_t>(s.vocab * H));
    if (s.dtype == "F32") {
      std::memcpy(embedding.data(), e.bytes.data(), e.bytes.size());
    } else {
      std::vector<uint16_t> h(embedding.size());
      std::memcpy(h.data(), e.bytes.data(), e.bytes.size());
      if (s.dtype == "BF16")
        bf16_to_f32(h, embedding);
      else
        f16_to_f32(h, embedding);
    }
  }
  g.decoder_layers(s.decoder_layers, H, I, s.heads);
  g.norm("model.decoder.norm", H);
  if (s.untied_head) g.add_values("proj_out.weight", {s.vocab, H}, embedding);
  write_safetensors(dir / "model.safetensors", g.tensors);
}

std::string tiny_moonshine_streaming_config_json(const TinyMoonshineStreaming& s) {
  nlohmann::json windows = nlohmann::json::array();
  for (const auto& [left, right] : s.windows) windows.push_back({left, right});
  nlohmann::json j = {
      {"architectures", {"MoonshineStreamingForConditionalGeneration"}},
      {"model_type", "moonshine_streaming"},
      {"encoder_config",
       {{"model_type", "moonshine_streaming_encoder"},
        {"hidden_size", s.encoder_hidden},
        {"intermediate_size", s.encoder_intermediate},
        {"hidden_act", "gelu"},
        {"num_hidden_layers", static_cast<int>(s.windows.size())},
        {"num_attention_heads", s.encoder_heads},
        {"num_key_value_heads", s.encoder_heads},
        {"head_dim", s.encoder_hidden / s.encoder_heads},
        {"max_position_embeddings", 4096},
        {"attention_bias", false},
        {"attention_dropout", 0.0},
        {"sample_rate", 16000},
        {"frame_ms", 5.0},
        {"sliding_windows", windows}}},
      {"vocab_size", s.vocab},
      {"hidden_size", s.hidden},
      {"intermediate_size", s.intermediate},
      {"num_hidden_layers", s.decoder_layers},
      {"num_attention_heads", s.heads},
      {"num_key_value_heads", s.heads},
      {"head_dim", s.hidden / s.heads},
      {"hidden_act", "silu"},
      {"max_position_embeddings", s.max_position_embeddings},
      {"rope_parameters", {{"rope_type", "default"}, {"rope_theta", 10000.0}, {"partial_rotary_factor", 0.8}}},
      {"attention_bias", false},
      {"pad_head_dim_to_multiple_of", 8},
      {"tie_word_embeddings", false},
      {"pad_token_id", 0},
      {"bos_token_id", 1},
      {"eos_token_id", 2},
      {"decoder_start_token_id", 1},
      {"is_encoder_decoder", true},
      {"dtype", "float32"},
  };
  return j.dump(2);
}

void write_tiny_moonshine_streaming(const std::filesystem::path& dir, const TinyMoonshineStreaming& s) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << tiny_moonshine_streaming_config_json(s);
  Generator g{std::mt19937_64(s.seed), "F32", {}};
  const int64_t He = s.encoder_hidden, Ie = s.encoder_intermediate, Hd = s.hidden;
  const std::string e = "model.encoder.";
  g.add_values(e + "embedder.comp.log_k", {}, {static_cast<float>(std::log(0.75) + 0.1)});
  g.linear(e + "embedder.linear", He, 80, false);
  g.add(e + "embedder.conv1.weight", {2 * He, He, 5}, 0.0, 1.0 / std::sqrt(5.0 * He));
  g.add(e + "embedder.conv1.bias", {2 * He}, 0.0, 0.05);
  g.add(e + "embedder.conv2.weight", {He, 2 * He, 5}, 0.0, 1.0 / std::sqrt(10.0 * He));
  g.add(e + "embedder.conv2.bias", {He}, 0.0, 0.05);
  for (size_t l = 0; l < s.windows.size(); ++l) {
    std::string p = e + "layers." + std::to_string(l) + ".";
    g.add(p + "input_layernorm.gamma", {He}, 0.0, 0.1);  // zero-centred (unit offset)
    g.attention(p + "self_attn.", He, s.encoder_heads, He / s.encoder_heads);
    g.add(p + "post_attention_layernorm.gamma", {He}, 0.0, 0.1);
    g.linear(p + "mlp.fc1", Ie, He, true);
    g.linear(p + "mlp.fc2", He, Ie, true);
  }
  g.add(e + "final_norm.gamma", {He}, 0.0, 0.1);
  g.add("model.decoder.pos_emb.weight", {s.max_position_embeddings, He}, 0.0, 0.5);
  if (He != Hd) g.linear("model.decoder.proj", Hd, He, false);
  g.add("model.decoder.embed_tokens.weight", {s.vocab, Hd}, 0.0, 1.0);
  g.decoder_layers(s.decoder_layers, Hd, s.intermediate, s.heads);
  g.norm("model.decoder.norm", Hd);
  g.linear("proj_out", s.vocab, Hd, false);
  write_safetensors(dir / "model.safetensors", g.tensors);
}

}  // namespace vole::test
