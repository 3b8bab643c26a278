#include "reference/moonshine.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "reference/attention.h"
#include "reference/elementwise.h"
#include "reference/linear.h"
#include "reference/norm.h"
#include "reference/rope.h"
#include "util/error.h"
#include "util/file.h"
#include "util/host_tensor.h"

namespace vole::ref {

// ---------------------------------------------------------------------------------------
// Config and weights (spec §1, §2)

MoonshineConfig parse_moonshine_config(const std::string& json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorCode::InvalidFile, "config.json: not a JSON object");
  auto need_int = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_number_integer())
      fail(ErrorCode::InvalidFile, std::string("config.json: ") + key + " missing");
    return j[key].get<int>();
  };
  if (j.value("model_type", "") != "moonshine")
    fail(ErrorCode::Unsupported, "config.json: model_type is not \"moonshine\"");
  MoonshineConfig c;
  c.hidden = need_int("hidden_size");
  c.intermediate = need_int("intermediate_size");
  c.encoder_layers = need_int("encoder_num_hidden_layers");
  c.decoder_layers = need_int("decoder_num_hidden_layers");
  c.encoder_heads = need_int("encoder_num_attention_heads");
  c.decoder_heads = need_int("decoder_num_attention_heads");
  c.encoder_kv_heads = j.value("encoder_num_key_value_heads", c.encoder_heads);
  c.decoder_kv_heads = j.value("decoder_num_key_value_heads", c.decoder_heads);
  c.vocab = need_int("vocab_size");
  c.decoder_start_token = j.value("decoder_start_token_id", 1);
  c.eos_token = j.value("eos_token_id", 2);
  double factor = j.value("partial_rotary_factor", 0.9);
  double theta = j.value("rope_theta", 10000.0);
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
    const auto& rp = j["rope_parameters"];
    if (rp.value("rope_type", "default") != "default") fail(ErrorCode::Unsupported, "config.json: only default RoPE");
    factor = rp.value("partial_rotary_factor", factor);
    theta = rp.value("rope_theta", theta);
  }
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
    fail(ErrorCode::Unsupported, "config.json: rope_scaling is not supported");
  if (j.value("encoder_hidden_act", "gelu") != "gelu" || j.value("decoder_hidden_act", "silu") != "silu")
    fail(ErrorCode::Unsupported, "config.json: activations other than gelu (encoder) / silu (decoder)");
  if (c.hidden <= 0 || c.encoder_heads <= 0 || c.decoder_heads <= 0 || c.hidden % c.encoder_heads != 0 ||
      c.hidden % c.decoder_heads != 0)
    fail(ErrorCode::InvalidFile, "config.json: hidden_size must be a positive multiple of the head counts");
  if (c.encoder_kv_heads != c.encoder_heads || c.decoder_kv_heads != c.decoder_heads)
    fail(ErrorCode::Unsupported, "config.json: grouped KV heads (HF reshapes queries by the KV head count)");
  if (c.encoder_head_dim() != c.decoder_head_dim())
    fail(ErrorCode::Unsupported, "config.json: encoder and decoder head sizes differ (one RoPE table)");
  c.rotary_dims = static_cast<int>(c.encoder_head_dim() * factor);
  if (c.rotary_dims % 2 != 0 || c.rotary_dims <= 0 || c.rotary_dims > c.encoder_head_dim())
    fail(ErrorCode::InvalidFile, "config.json: partial_rotary_factor gives " + std::to_string(c.rotary_dims) +
                                     " rotary dims (a positive even number up to the head size is needed)");
  c.rope_theta = static_cast<float>(theta);
  return c;
}

const FloatTensor& MoonshineModel::w(const std::string& name) const {
  auto it = weights.find(name);
  if (it == weights.end()) fail(ErrorCode::NotFound, "checkpoint lacks tensor " + name);
  return it->second;
}

void check_moonshine_weights(const MoonshineModel& m) {
  const MoonshineConfig& c = m.config;
  const int64_t H = c.hidden, I = c.intermediate;
  auto need = [&](const std::string& name, std::vector<int64_t> shape) { tensor_with_shape(m.weights, name, shape); };
  need("model.encoder.conv1.weight", {H, 1, 127});
  need("model.encoder.groupnorm.weight", {H});
  need("model.encoder.groupnorm.bias", {H});
  need("model.encoder.conv2.weight", {2 * H, H, 7});
  need("model.encoder.conv2.bias", {2 * H});
  need("model.encoder.conv3.weight", {H, 2 * H, 3});
  need("model.encoder.conv3.bias", {H});
  auto attention = [&](const std::string& p, int heads, int kv_heads) {
    const int64_t hd = H / heads;
    need(p + "q_proj.weight", {heads * hd, H});
    need(p + "k_proj.weight", {kv_heads * hd, H});
    need(p + "v_proj.weight", {kv_heads * hd, H});
    need(p + "o_proj.weight", {H, heads * hd});
  };
  for (int l = 0; l < c.encoder_layers; ++l) {
    std::string p = "model.encoder.layers." + std::to_string(l) + ".";
    need(p + "input_layernorm.weight", {H});
    need(p + "post_attention_layernorm.weight", {H});
    attention(p + "self_attn.", c.encoder_heads, c.encoder_kv_heads);
    need(p + "mlp.fc1.weight", {I, H});
    need(p + "mlp.fc1.bias", {I});
    need(p + "mlp.fc2.weight", {H, I});
    need(p + "mlp.fc2.bias", {H});
  }
  need("model.encoder.layer_norm.weight", {H});
  need("model.decoder.embed_tokens.weight", {c.vocab, H});
  for (int l = 0; l < c.decoder_layers; ++l) {
    std::string p = "model.decoder.layers." + std::to_string(l) + ".";
    need(p + "input_layernorm.weight", {H});
    need(p + "post_attention_layernorm.weight", {H});
    need(p + "final_layernorm.weight", {H});
    attention(p + "self_attn.", c.decoder_heads, c.decoder_kv_heads);
    attention(p + "encoder_attn.", c.decoder_heads, c.decoder_kv_heads);
    need(p + "mlp.fc1.weight", {2 * I, H});
    need(p + "mlp.fc1.bias", {2 * I});
    need(p + "mlp.fc2.weight", {H, I});
    need(p + "mlp.fc2.bias", {H});
  }
  need("model.decoder.norm.weight", {H});
  if (m.weights.count("proj_out.weight")) need("proj_out.weight", {c.vocab, H});
}

MoonshineModel load_moonshine(const std::filesystem::path& dir) {
  MoonshineModel m;
  m.config = parse_moonshine_config(read_text_file(dir / "config.json"));
  m.weights = load_float_tensors(dir);
  check_moonshine_weights(m);
  return m;
}

// ---------------------------------------------------------------------------------------
// Building blocks

int64_t moonshine_frame_count(int64_t n) {
  auto conv = [](int64_t in, int64_t k, int64_t s) { return in >= k ? (in - k) / s + 1 : 0; };
  return conv(conv(conv(n, 127, 64), 7, 3), 3, 2);
}

int64_t moonshine_max_length(int64_t samples) { return samples * 65 / 160000; }  // ⌊n · 6.5 / 16000⌋

std::vector<float> conv1d_valid(const std::vector<float>& x, int64_t in_ch, int64_t n, const FloatTensor& w,
                                const FloatTensor* bias, int64_t stride) {
  const int64_t out_ch = w.shape[0], k = w.shape[2];
  require(w.shape[1] == in_ch && n >= k, "conv1d: input too short or channel mismatch");
  const int64_t out_n = (n - k) / stride + 1;
  std::vector<float> y(static_cast<size_t>(out_ch * out_n));
  for (int64_t o = 0; o < out_ch; ++o)
    for (int64_t t = 0; t < out_n; ++t) {
      double acc = bias ? bias->values[o] : 0.0;
      for (int64_t c = 0; c < in_ch; ++c) {
        const float* wr = &w.values[(o * in_ch + c) * k];
        const float* xr = &x[c * n + t * stride];
        for (int64_t j = 0; j < k; ++j) acc += static_cast<double>(wr[j]) * xr[j];
      }
      y[o * out_n + t] = static_cast<float>(acc);
    }
  return y;
}

std::vector<float> group_norm_one_group(const std::vector<float>& x, int64_t ch, int64_t n,
                                        const std::vector<float>& gamma, const std::vector<float>& beta, float eps) {
  double mean = 0, var = 0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (float v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(x.size());
  const double inv = 1.0 / std::sqrt(var + eps);
  std::vector<float> y(x.size());
  for (int64_t c = 0; c < ch; ++c)
    for (int64_t t = 0; t < n; ++t) y[c * n + t] = static_cast<float>((x[c * n + t] - mean) * inv * gamma[c] + beta[c]);
  return y;
}

std::vector<float> rope_interleaved(const std::vector<float>& x, int64_t tokens, int64_t heads, int64_t head_dim,
                                    int64_t first_position, int rotary_dims, float theta, int frequency_dims) {
  RopeConfig rc;
  rc.rotary_dims = rotary_dims;
  rc.theta = theta;
  rc.frequency_dims = frequency_dims;
  const std::vector<float> inv_freq = rope_inv_freq(rc);  // f32 steps, as HF computes them
  std::vector<int32_t> positions(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < tokens; ++t) positions[t] = static_cast<int32_t>(first_position + t);
  std::vector<float> y = x;
  for (int64_t t = 0; t < tokens; ++t)
    for (int i = 0; i < rotary_dims / 2; ++i) {
      const double angle = rope_angle(rc, inv_freq, positions, tokens, t, i);
      const double cs = std::cos(angle), sn = std::sin(angle);
      for (int64_t h = 0; h < heads; ++h) {
        const size_t base = (t * heads + h) * head_dim + 2 * i;
        const double x0 = x[base], x1 = x[base + 1];
        y[base] = static_cast<float>(x0 * cs - x1 * sn);
        y[base + 1] = static_cast<float>(x1 * cs + x0 * sn);
      }
    }
  return y;
}

std::vector<float> gated_silu_value_first(const std::vector<float>& u, int64_t tokens, int64_t inner) {
  std::vector<float> y(static_cast<size_t>(tokens * inner));
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < inner; ++i) {
      const float value = u[t * 2 * inner + i], gate = u[t * 2 * inner + inner + i];
      y[t * inner + i] = silu(gate) * value;
    }
  return y;
}

namespace {

HostTensor view(const FloatTensor& t) {
  HostTensor h;
  h.dtype = DType::F32;
  h.shape = t.shape;
  h.data = {reinterpret_cast<const uint8_t*>(t.values.data()), t.values.size() * sizeof(float)};
  return h;
}

// y = x · Wᵀ (+ b) for `tokens` rows of x, with the weights named `prefix`.weight/.bias.
std::vector<float> project(const MoonshineModel& m, const std::string& prefix, const std::vector<float>& x,
                           int64_t tokens, bool with_bias) {
  const FloatTensor& w = m.w(prefix + ".weight");
  std::vector<float> y = linear(x, tokens, view(w)).y;
  if (with_bias) {
    const FloatTensor& b = m.w(prefix + ".bias");
    const int64_t out = w.shape[0];
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t n = 0; n < out; ++n) y[t * out + n] += b.values[n];
  }
  return y;
}

// LayerNorm without bias (nn.LayerNorm(bias=False)).
std::vector<float> norm(const MoonshineModel& m, const std::string& name, const std::vector<float>& x) {
  const FloatTensor& w = m.w(name + ".weight");
  return layer_norm(x, m.config.hidden, w.values, std::vector<float>(w.values.size(), 0.0f), m.config.norm_eps);
}

void add_into(std::vector<float>& h, const std::vector<float>& delta) {
  for (size_t i = 0; i < h.size(); ++i) h[i] += delta[i];
}

std::vector<float> apply(std::vector<float> x, float (*f)(float)) {
  for (float& v : x) v = f(v);
  return x;
}

// [ch, n] -> [n, ch]
std::vector<float> transpose(const std::vector<float>& x, int64_t ch, int64_t n) {
  std::vector<float> y(x.size());
  for (int64_t c = 0; c < ch; ++c)
    for (int64_t t = 0; t < n; ++t) y[t * ch + c] = x[c * n + t];
  return y;
}

float scale_for(int head_dim) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim))); }

// Cross-attention keys and values of one decoder layer, from the encoder output.
void cross_kv(const MoonshineModel& m, int layer, const std::vector<float>& enc, int64_t frames, std::vector<float>& k,
              std::vector<float>& v) {
  std::string p = "model.decoder.layers." + std::to_string(layer) + ".encoder_attn.";
  k = project(m, p + "k_proj", enc, frames, false);
  v = project(m, p + "v_proj", enc, frames, false);
}

// The decoder layers for `tokens` new tokens at positions first..first+tokens-1 (spec §4):
// appends their self-attention K/V to the caches, attends over the cache, returns the
// final-normed hidden states [tokens, H].
std::vector<float> decoder_forward(const MoonshineModel& m, const std::vector<int32_t>& ids, int64_t first,
                                   std::vector<std::vector<float>>& self_k, std::vector<std::vector<float>>& self_v,
                                   const std::vector<std::vector<float>>& cross_k,
                                   const std::vector<std::vector<float>>& cross_v, int64_t frames) {
  const MoonshineConfig& c = m.config;
  const int64_t T = static_cast<int64_t>(ids.size()), H = c.hidden, hd = c.decoder_head_dim();
  const FloatTensor& embed = m.w("model.decoder.embed_tokens.weight");
  std::vector<float> h(static_cast<size_t>(T * H));
  for (int64_t t = 0; t < T; ++t) {
    require(ids[t] >= 0 && ids[t] < c.vocab, "decoder: token id " + std::to_string(ids[t]) + " outside the vocabulary");
    std::copy_n(&embed.values[static_cast<size_t>(ids[t]) * H], H, &h[t * H]);  // no scaling
  }
  for (int l = 0; l < c.decoder_layers; ++l) {
    const std::string p = "model.decoder.layers." + std::to_string(l) + ".";
    // Causal self-attention with RoPE; K/V of the new tokens join the cache.
    std::vector<float> x = norm(m, p + "input_layernorm", h);
    std::vector<float> q = rope_interleaved(project(m, p + "self_attn.q_proj", x, T, false), T, c.decoder_heads, hd,
                                            first, c.rotary_dims, c.rope_theta, c.rope_frequency_dims);
    std::vector<float> k = rope_interleaved(project(m, p + "self_attn.k_proj", x, T, false), T, c.decoder_kv_heads, hd,
                                            first, c.rotary_dims, c.rope_theta, c.rope_frequency_dims);
    std::vector<float> v = project(m, p + "self_attn.v_proj", x, T, false);
    self_k[l].insert(self_k[l].end(), k.begin(), k.end());
    self_v[l].insert(self_v[l].end(), v.begin(), v.end());
    const int64_t keys = first + T;
    std::vector<float> a = attention(q, self_k[l], self_v[l], {T, c.decoder_heads, c.decoder_kv_heads, hd, keys},
                                     /*causal=*/true, /*past=*/first, scale_for(static_cast<int>(hd)));
    add_into(h, project(m, p + "self_attn.o_proj", a, T, false));
    // Cross-attention to every encoder frame: no RoPE, no mask.
    x = norm(m, p + "post_attention_layernorm", h);
    q = project(m, p + "encoder_attn.q_proj", x, T, false);
    a = attention(q, cross_k[l], cross_v[l], {T, c.decoder_heads, c.decoder_kv_heads, hd, frames}, false, 0,
                  scale_for(static_cast<int>(hd)));
    add_into(h, project(m, p + "encoder_attn.o_proj", a, T, false));
    // Gated MLP: fc1 -> (value, gate) -> silu(gate) * value -> fc2.
    x = norm(m, p + "final_layernorm", h);
    std::vector<float> u = project(m, p + "mlp.fc1", x, T, true);
    add_into(h, project(m, p + "mlp.fc2", gated_silu_value_first(u, T, c.intermediate), T, true));
  }
  return norm(m, "model.decoder.norm", h);
}

// logits = h · Eᵀ with the tied embedding (or proj_out when the checkpoint has one).
std::vector<float> head(const MoonshineModel& m, const std::vector<float>& h, int64_t tokens) {
  const bool untied = m.weights.count("proj_out.weight") != 0;
  return linear(h, tokens, view(m.w(untied ? "proj_out.weight" : "model.decoder.embed_tokens.weight"))).y;
}

int64_t frames_of(const MoonshineModel& m, const std::vector<float>& enc) {
  require(!enc.empty() && enc.size() % m.config.hidden == 0, "decoder: encoder output is not [frames, hidden]");
  return static_cast<int64_t>(enc.size()) / m.config.hidden;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Encoder (spec §3)

std::vector<float> moonshine_front_end(const MoonshineModel& m, std::span<const float> samples) {
  const int64_t n = static_cast<int64_t>(samples.size()), H = m.config.hidden;
  if (moonshine_frame_count(n) == 0)
    fail(ErrorCode::InvalidArgument, "Moonshine: " + std::to_string(n) + " samples are too short (at least " +
                                         std::to_string(kMoonshineMinSamples) + " = 56 ms at 16 kHz are needed)");
  std::vector<float> x(samples.begin(), samples.end());
  std::vector<float> y = apply(conv1d_valid(x, 1, n, m.w("model.encoder.conv1.weight"), nullptr, 64), std::tanh);
  const int64_t l1 = static_cast<int64_t>(y.size()) / H;
  y = group_norm_one_group(y, H, l1, m.w("model.encoder.groupnorm.weight").values,
                           m.w("model.encoder.groupnorm.bias").values, m.config.norm_eps);
  const FloatTensor& b2 = m.w("model.encoder.conv2.bias");
  y = apply(conv1d_valid(y, H, l1, m.w("model.encoder.conv2.weight"), &b2, 3), gelu_erf);
  const int64_t l2 = static_cast<int64_t>(y.size()) / (2 * H);
  const FloatTensor& b3 = m.w("model.encoder.conv3.bias");
  y = apply(conv1d_valid(y, 2 * H, l2, m.w("model.encoder.conv3.weight"), &b3, 2), gelu_erf);
  return transpose(y, H, static_cast<int64_t>(y.size()) / H);
}

std::vector<float> moonshine_encode(const MoonshineModel& m, std::span<const float> samples) {
  const MoonshineConfig& c = m.config;
  std::vector<float> h = moonshine_front_end(m, samples);
  const int64_t T = static_cast<int64_t>(h.size()) / c.hidden, hd = c.encoder_head_dim();
  for (int l = 0; l < c.encoder_layers; ++l) {
    const std::string p = "model.encoder.layers." + std::to_string(l) + ".";
    // Bidirectional self-attention with RoPE at positions 0..T-1.
    std::vector<float> x = norm(m, p + "input_layernorm", h);
    std::vector<float> q = rope_interleaved(project(m, p + "self_attn.q_proj", x, T, false), T, c.encoder_heads, hd, 0,
                                            c.rotary_dims, c.rope_theta);
    std::vector<float> k = rope_interleaved(project(m, p + "self_attn.k_proj", x, T, false), T, c.encoder_kv_heads, hd,
                                            0, c.rotary_dims, c.rope_theta);
    std::vector<float> v = project(m, p + "self_attn.v_proj", x, T, false);
    std::vector<float> a =
        attention(q, k, v, {T, c.encoder_heads, c.encoder_kv_heads, hd, T}, false, 0, scale_for(static_cast<int>(hd)));
    add_into(h, project(m, p + "self_attn.o_proj", a, T, false));
    // MLP: fc1 -> GELU (erf) -> fc2, with biases.
    x = norm(m, p + "post_attention_layernorm", h);
    add_into(h, project(m, p + "mlp.fc2", apply(project(m, p + "mlp.fc1", x, T, true), gelu_erf), T, true));
  }
  return norm(m, "model.encoder.layer_norm", h);
}

// ---------------------------------------------------------------------------------------
// Decoder (spec §4)

std::vector<float> moonshine_decoder_logits(const MoonshineModel& m, const std::vector<float>& encoder_out,
                                            const std::vector<int32_t>& ids) {
  require(!ids.empty(), "decoder: no token ids");
  const int64_t frames = frames_of(m, encoder_out);
  const int layers = m.config.decoder_layers;
  std::vector<std::vector<float>> self_k(layers), self_v(layers), cross_k(layers), cross_v(layers);
  for (int l = 0; l < layers; ++l) cross_kv(m, l, encoder_out, frames, cross_k[l], cross_v[l]);
  std::vector<float> h = decoder_forward(m, ids, 0, self_k, self_v, cross_k, cross_v, frames);
  return head(m, h, static_cast<int64_t>(ids.size()));
}

MoonshineDecoder::MoonshineDecoder(const MoonshineModel& m, const std::vector<float>& encoder_out)
    : m_(m), frames_(frames_of(m, encoder_out)) {
  const int layers = m.config.decoder_layers;
  cross_k_.resize(layers);
  cross_v_.resize(layers);
  self_k_.resize(layers);
  self_v_.resize(layers);
  for (int l = 0; l < layers; ++l) cross_kv(m, l, encoder_out, frames_, cross_k_[l], cross_v_[l]);
}

std::vector<float> MoonshineDecoder::step(int32_t id) {
  std::vector<float> h = decoder_forward(m_, {id}, position_, self_k_, self_v_, cross_k_, cross_v_, frames_);
  ++position_;
  return head(m_, h, 1);
}

std::vector<int32_t> moonshine_greedy_decode(const MoonshineModel& m, const std::vector<float>& encoder_out,
                                             int64_t max_new_tokens) {
  MoonshineDecoder decoder(m, encoder_out);
  std::vector<int32_t> out;
  int32_t id = m.config.decoder_start_token;
  while (static_cast<int64_t>(out.size()) < max_new_tokens) {
    std::vector<float> logits = decoder.step(id);
    id = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(id);
    if (id == m.config.eos_token) break;
  }
  return out;
}

}  // namespace vole::ref
