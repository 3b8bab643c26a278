#include "reference/moonshine_streaming.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "reference/elementwise.h"
#include "reference/norm.h"
#include "util/error.h"
#include "util/file.h"

namespace vole::ref {

namespace {

constexpr int64_t kFrame = 80;  // round(16000 * 5 ms)

// y = x · Wᵀ (+ b), double accumulation, for `tokens` rows of x.
std::vector<float> dense(const std::vector<float>& x, int64_t tokens, const FloatTensor& w, const FloatTensor* b) {
  const int64_t out = w.shape[0], in = w.shape[1];
  require(static_cast<int64_t>(x.size()) == tokens * in, "dense: input is not [tokens, in]");
  std::vector<float> y(static_cast<size_t>(tokens * out));
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t n = 0; n < out; ++n) {
      double acc = b ? b->values[n] : 0.0;
      for (int64_t k = 0; k < in; ++k) acc += static_cast<double>(x[t * in + k]) * w.values[n * in + k];
      y[t * out + n] = static_cast<float>(acc);
    }
  return y;
}

std::vector<float> dense(const MoonshineStreamingModel& m, const std::string& stem, const std::vector<float>& x,
                         int64_t tokens, bool bias) {
  return dense(x, tokens, m.w(stem + ".weight"), bias ? &m.w(stem + ".bias") : nullptr);
}

// MoonshineStreamingLayerNorm: LN without affine (eps 1e-5) times (1 + gamma).
std::vector<float> unit_offset_norm(const MoonshineStreamingModel& m, const std::string& stem,
                                    const std::vector<float>& x) {
  std::vector<float> w = m.w(stem + ".gamma").values;
  for (float& v : w) v += 1.0f;
  return layer_norm(x, static_cast<int64_t>(w.size()), w, std::vector<float>(w.size(), 0.0f), 1e-5f);
}

// Causal conv (kernel k, stride s, k - 1 zero steps on the left) over x [n, in] time-major:
// [(n - 1) / s + 1, out]; w [out, in, k], bias [out].
std::vector<float> causal_conv(const std::vector<float>& x, int64_t n, const FloatTensor& w, const FloatTensor& b,
                               int64_t stride) {
  const int64_t out = w.shape[0], in = w.shape[1], k = w.shape[2];
  const int64_t steps = (n - 1) / stride + 1;
  std::vector<float> y(static_cast<size_t>(steps * out));
  for (int64_t t = 0; t < steps; ++t)
    for (int64_t o = 0; o < out; ++o) {
      double acc = b.values[o];
      for (int64_t j = 0; j < k; ++j) {
        const int64_t src = t * stride + j - (k - 1);  // padded index t*s + j -> unpadded
        if (src < 0) continue;
        for (int64_t c = 0; c < in; ++c) acc += static_cast<double>(w.values[(o * in + c) * k + j]) * x[src * in + c];
      }
      y[t * out + o] = static_cast<float>(acc);
    }
  return y;
}

// Attention over T frames where query q sees key k iff 0 <= q - k < left or 0 < k - q < right
// (HF's sliding_window_mask_function, literally). q/k/v [T, heads, hd].
std::vector<float> window_attention(const std::vector<float>& q, const std::vector<float>& k,
                                    const std::vector<float>& v, int64_t T, int64_t heads, int64_t hd, int left,
                                    int right) {
  std::vector<float> out(static_cast<size_t>(T * heads * hd));
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < heads; ++h) {
      std::vector<double> p(static_cast<size_t>(T), 0.0);
      std::vector<bool> seen(static_cast<size_t>(T), false);
      double mx = -INFINITY;
      for (int64_t s = 0; s < T; ++s) {
        const int64_t dist = t - s;
        if (!((dist >= 0 && dist < left) || (dist < 0 && -dist < right))) continue;
        double dot = 0;
        for (int64_t i = 0; i < hd; ++i)
          dot += static_cast<double>(q[(t * heads + h) * hd + i]) * k[(s * heads + h) * hd + i];
        p[s] = dot * scale;
        seen[s] = true;
        mx = std::max(mx, p[s]);
      }
      double sum = 0;
      for (int64_t s = 0; s < T; ++s) sum += seen[s] ? (p[s] = std::exp(p[s] - mx)) : 0.0;
      for (int64_t i = 0; i < hd; ++i) {
        double o = 0;
        for (int64_t s = 0; s < T; ++s)
          if (seen[s]) o += p[s] * v[(s * heads + h) * hd + i];
        out[(t * heads + h) * hd + i] = static_cast<float>(o / sum);
      }
    }
  return out;
}

void check_weights(const MoonshineStreamingModel& m) {
  const MoonshineStreamingConfig& c = m.config;
  const MoonshineConfig& d = m.decoder.config;
  const int64_t He = c.encoder_hidden, Ie = c.encoder_intermediate, Hd = d.hidden, Id = d.intermediate;
  const int64_t ehd = c.encoder_head_dim, dhd = d.decoder_head_dim();
  auto need = [&](const std::string& name, std::vector<int64_t> shape) {
    tensor_with_shape(m.decoder.weights, name, shape);
  };
  const std::string e = "model.encoder.";
  need(e + "embedder.comp.log_k", {});
  need(e + "embedder.linear.weight", {He, kFrame});
  need(e + "embedder.conv1.weight", {2 * He, He, 5});
  need(e + "embedder.conv1.bias", {2 * He});
  need(e + "embedder.conv2.weight", {He, 2 * He, 5});
  need(e + "embedder.conv2.bias", {He});
  for (int l = 0; l < c.encoder_layers; ++l) {
    const std::string p = e + "layers." + std::to_string(l) + ".";
    need(p + "input_layernorm.gamma", {He});
    need(p + "post_attention_layernorm.gamma", {He});
    for (const char* proj : {"q_proj", "k_proj", "v_proj"})
      need(p + "self_attn." + proj + ".weight", {c.encoder_heads * ehd, He});
    need(p + "self_attn.o_proj.weight", {He, c.encoder_heads * ehd});
    need(p + "mlp.fc1.weight", {Ie, He});
    need(p + "mlp.fc1.bias", {Ie});
    need(p + "mlp.fc2.weight", {He, Ie});
    need(p + "mlp.fc2.bias", {He});
  }
  need(e + "final_norm.gamma", {He});
  need("model.decoder.pos_emb.weight", {c.max_frames, He});
  if (He != Hd) need("model.decoder.proj.weight", {Hd, He});
  need("model.decoder.embed_tokens.weight", {d.vocab, Hd});
  for (int l = 0; l < d.decoder_layers; ++l) {
    const std::string p = "model.decoder.layers." + std::to_string(l) + ".";
    for (const char* n : {"input_layernorm", "post_attention_layernorm", "final_layernorm"})
      need(p + n + ".weight", {Hd});
    for (const char* a : {"self_attn.", "encoder_attn."}) {
      for (const char* proj : {"q_proj", "k_proj", "v_proj"})
        need(p + a + proj + ".weight", {d.decoder_heads * dhd, Hd});
      need(p + a + "o_proj.weight", {Hd, d.decoder_heads * dhd});
    }
    need(p + "mlp.fc1.weight", {2 * Id, Hd});
    need(p + "mlp.fc1.bias", {2 * Id});
    need(p + "mlp.fc2.weight", {Hd, Id});
    need(p + "mlp.fc2.bias", {Hd});
  }
  need("model.decoder.norm.weight", {Hd});
  need("proj_out.weight", {d.vocab, Hd});  // the reference reads the untied head only
}

}  // namespace

MoonshineStreamingModel parse_moonshine_streaming(const std::string& json_text) {
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorCode::InvalidFile, "config.json: not a JSON object");
  if (j.value("model_type", "") != "moonshine_streaming")
    fail(ErrorCode::Unsupported, "config.json: model_type is not \"moonshine_streaming\"");
  if (!j.contains("encoder_config") || !j["encoder_config"].is_object())
    fail(ErrorCode::InvalidFile, "config.json: encoder_config missing");
  const nlohmann::json& e = j["encoder_config"];
  auto need_int = [](const nlohmann::json& o, const char* key) {
    if (!o.contains(key) || !o[key].is_number_integer())
      fail(ErrorCode::InvalidFile, std::string("config.json: ") + key + " missing");
    return o[key].get<int>();
  };
  MoonshineStreamingModel m;
  MoonshineStreamingConfig& c = m.config;
  c.encoder_hidden = need_int(e, "hidden_size");
  c.encoder_intermediate = need_int(e, "intermediate_size");
  c.encoder_layers = need_int(e, "num_hidden_layers");
  c.encoder_heads = need_int(e, "num_attention_heads");
  c.encoder_head_dim = e.value("head_dim", c.encoder_hidden / c.encoder_heads);
  for (const auto& w : e.at("sliding_windows")) c.windows.emplace_back(w.at(0).get<int>(), w.at(1).get<int>());
  if (static_cast<int>(c.windows.size()) != c.encoder_layers)
    fail(ErrorCode::InvalidFile, "config.json: one sliding window per encoder layer is needed");
  c.max_frames = j.value("max_position_embeddings", 4096);

  MoonshineConfig& d = m.decoder.config;
  d.hidden = need_int(j, "hidden_size");
  d.intermediate = need_int(j, "intermediate_size");
  d.decoder_layers = need_int(j, "num_hidden_layers");
  d.decoder_heads = d.decoder_kv_heads = need_int(j, "num_attention_heads");
  d.encoder_heads = d.encoder_kv_heads = d.decoder_heads;  // unused by the decoder-only view
  d.vocab = need_int(j, "vocab_size");
  if (j.value("head_dim", d.hidden / d.decoder_heads) != d.hidden / d.decoder_heads)
    fail(ErrorCode::Unsupported, "config.json: a decoder head_dim other than hidden / heads");
  d.eos_token = j.value("eos_token_id", 2);
  d.decoder_start_token = j.contains("decoder_start_token_id") && j["decoder_start_token_id"].is_number_integer()
                              ? j["decoder_start_token_id"].get<int>()
                              : j.value("bos_token_id", 1);
  double factor = 0.8, theta = 10000.0;
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
    factor = j["rope_parameters"].value("partial_rotary_factor", factor);
    theta = j["rope_parameters"].value("rope_theta", theta);
  }
  const int dims = static_cast<int>(d.decoder_head_dim() * factor);  // HF: int(head_dim * factor)
  d.rotary_dims = (dims + 1) / 2 * 2;                                // ceil(dims / 2) pairs
  d.rope_frequency_dims = dims;
  d.rope_theta = static_cast<float>(theta);
  return m;
}

MoonshineStreamingModel load_moonshine_streaming(const std::filesystem::path& dir) {
  MoonshineStreamingModel m = parse_moonshine_streaming(read_text_file(dir / "config.json"));
  m.decoder.weights = load_float_tensors(dir);
  check_weights(m);
  return m;
}

int64_t moonshine_streaming_frame_count(int64_t n) {
  if (n < kFrame) return 0;
  const int64_t t0 = (n + kFrame - 1) / kFrame, t1 = (t0 - 1) / 2 + 1;
  return (t1 - 1) / 2 + 1;
}

std::vector<float> frame_cmvn_asinh(const std::vector<float>& frames, int64_t len, float log_k) {
  const double k = std::exp(static_cast<double>(log_k));
  std::vector<float> y(frames.size());
  for (size_t r = 0; r < frames.size() / len; ++r) {
    const float* x = &frames[r * len];
    double mean = 0, ms = 0;
    for (int64_t i = 0; i < len; ++i) mean += x[i];
    mean /= static_cast<double>(len);
    for (int64_t i = 0; i < len; ++i) ms += (x[i] - mean) * (x[i] - mean);
    const double rms = std::sqrt(ms / static_cast<double>(len) + 1e-6);
    for (int64_t i = 0; i < len; ++i) y[r * len + i] = static_cast<float>(std::asinh(k * (x[i] - mean) / rms));
  }
  return y;
}

std::vector<float> moonshine_streaming_encode(const MoonshineStreamingModel& m, std::span<const float> samples) {
  const MoonshineStreamingConfig& c = m.config;
  const int64_t n = static_cast<int64_t>(samples.size()), H = c.encoder_hidden;
  if (n < kFrame)
    fail(ErrorCode::InvalidArgument,
         "Moonshine Streaming: " + std::to_string(n) + " samples are too short (one 80-sample frame is needed)");
  // Front end: frames (the last one zero-padded), CMVN + asinh, linear + SiLU, the padded
  // frame's row zeroed, then two causal convs (SiLU after the first).
  const int64_t T0 = (n + kFrame - 1) / kFrame, whole = n / kFrame;
  std::vector<float> frames(static_cast<size_t>(T0 * kFrame), 0.0f);
  std::copy(samples.begin(), samples.end(), frames.begin());
  std::vector<float> h =
      dense(m, "model.encoder.embedder.linear",
            frame_cmvn_asinh(frames, kFrame, m.w("model.encoder.embedder.comp.log_k").values[0]), T0, false);
  for (float& v : h) v = silu(v);
  std::fill(h.begin() + whole * H, h.end(), 0.0f);
  h = causal_conv(h, T0, m.w("model.encoder.embedder.conv1.weight"), m.w("model.encoder.embedder.conv1.bias"), 2);
  for (float& v : h) v = silu(v);
  const int64_t T1 = (T0 - 1) / 2 + 1;
  h = causal_conv(h, T1, m.w("model.encoder.embedder.conv2.weight"), m.w("model.encoder.embedder.conv2.bias"), 2);
  const int64_t T = (T1 - 1) / 2 + 1;

  // Layers: windowed attention without positions, GELU MLP; then final_norm.
  const int64_t heads = c.encoder_heads, hd = c.encoder_head_dim;
  for (int l = 0; l < c.encoder_layers; ++l) {
    const std::string p = "model.encoder.layers." + std::to_string(l) + ".";
    std::vector<float> x = unit_offset_norm(m, p + "input_layernorm", h);
    std::vector<float> a = window_attention(
        dense(m, p + "self_attn.q_proj", x, T, false), dense(m, p + "self_attn.k_proj", x, T, false),
        dense(m, p + "self_attn.v_proj", x, T, false), T, heads, hd, c.windows[l].first, c.windows[l].second);
    std::vector<float> o = dense(m, p + "self_attn.o_proj", a, T, false);
    for (size_t i = 0; i < h.size(); ++i) h[i] += o[i];
    x = unit_offset_norm(m, p + "post_attention_layernorm", h);
    std::vector<float> u = dense(m, p + "mlp.fc1", x, T, true);
    for (float& v : u) v = gelu_erf(v);
    o = dense(m, p + "mlp.fc2", u, T, true);
    for (size_t i = 0; i < h.size(); ++i) h[i] += o[i];
  }
  return unit_offset_norm(m, "model.encoder.final_norm", h);
}

std::vector<float> moonshine_streaming_memory(const MoonshineStreamingModel& m, const std::vector<float>& enc) {
  const int64_t H = m.config.encoder_hidden, T = static_cast<int64_t>(enc.size()) / H;
  require(T >= 1 && T <= m.config.max_frames && static_cast<int64_t>(enc.size()) == T * H,
          "memory: the encoder output is not [frames <= max_position_embeddings, hidden]");
  const FloatTensor& pos = m.w("model.decoder.pos_emb.weight");
  std::vector<float> x(enc.size());
  for (size_t i = 0; i < enc.size(); ++i) x[i] = enc[i] + pos.values[i];  // rows 0..T-1 of the table
  if (H == m.decoder.config.hidden) return x;
  return dense(m, "model.decoder.proj", x, T, false);
}

}  // namespace vole::ref
