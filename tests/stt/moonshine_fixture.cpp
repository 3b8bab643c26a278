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
  auto attention = [&](const std::string& p) {
    g.linear(p + "q_proj", s.heads * hd, H, false);
    g.linear(p + "k_proj", s.heads * hd, H, false);
    g.linear(p + "v_proj", s.heads * hd, H, false);
    g.linear(p + "o_proj", H, s.heads * hd, false);
  };
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
  for (int l = 0; l < s.decoder_layers; ++l) {
    std::string p = "model.decoder.layers." + std::to_string(l) + ".";
    g.norm(p + "input_layernorm", H);
    attention(p + "self_attn.");
    g.norm(p + "post_attention_layernorm", H);
    attention(p + "encoder_attn.");
    g.norm(p + "final_layernorm", H);
    g.linear(p + "mlp.fc1", 2 * I, H, true);
    g.linear(p + "mlp.fc2", H, I, true);
  }
  g.norm("model.decoder.norm", H);
  if (s.untied_head) g.add_values("proj_out.weight", {s.vocab, H}, embedding);
  write_safetensors(dir / "model.safetensors", g.tensors);
}

}  // namespace vole::test
