#include "reference/embedding_forward.h"

#include <cmath>
#include <stdexcept>

#include "reference/attention.h"
#include "reference/elementwise.h"
#include "reference/linear.h"
#include "reference/norm.h"
#include "reference/rope.h"

namespace vole::ref {

namespace {

const std::vector<float>& get(const WeightMap& w, const std::string& name) {
  auto it = w.find(name);
  if (it == w.end()) throw std::runtime_error("embedding reference: missing tensor " + name);
  return it->second;
}

// y [n, out] = x [n, in] · W [out, in]ᵀ
std::vector<float> project(const std::vector<float>& x, int n, const std::vector<float>& W, int out, int in) {
  std::vector<float> y(static_cast<size_t>(n) * out);
  for (int t = 0; t < n; ++t) {
    std::vector<float> row(x.begin() + static_cast<size_t>(t) * in, x.begin() + static_cast<size_t>(t + 1) * in);
    std::vector<float> r = matvec(W, row, out, in);
    std::copy(r.begin(), r.end(), y.begin() + static_cast<size_t>(t) * out);
  }
  return y;
}

void add_into(std::vector<float>& x, const std::vector<float>& y) {
  for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
}

// Attention of all n tokens of one input (§4.3 / §10): masks by layer type, GQA, f64 sums.
std::vector<float> attention_block(const EncoderSpec& S, const WeightMap& w, int l, const std::vector<float>& a,
                                   int n) {
  const std::string p = S.prefix + "layers." + std::to_string(l) + ".self_attn.";
  const int H = S.heads, Hkv = S.kv_heads, D = S.head_dim;
  std::vector<float> q = project(a, n, get(w, p + "q_proj.weight"), H * D, S.hidden);
  std::vector<float> k = project(a, n, get(w, p + "k_proj.weight"), Hkv * D, S.hidden);
  std::vector<float> v = project(a, n, get(w, p + "v_proj.weight"), Hkv * D, S.hidden);
  q = rms_norm(q, D, get(w, p + "q_norm.weight"), S.eps, S.gemma);
  k = rms_norm(k, D, get(w, p + "k_norm.weight"), S.eps, S.gemma);
  bool sliding = S.gemma && S.sliding.at(l);
  RopeConfig rc{D, sliding ? S.theta_sliding : S.theta_full};
  std::vector<int32_t> pos(n);
  for (int t = 0; t < n; ++t) pos[t] = t;
  q = rope(q, n, H, D, pos, rc);
  k = rope(k, n, Hkv, D, pos, rc);

  std::vector<float> o(static_cast<size_t>(n) * H * D, 0.0f);
  for (int t = 0; t < n; ++t)
    for (int h = 0; h < H; ++h) {
      const int j = h / (H / Hkv);
      std::vector<double> s(n, -INFINITY);
      double mx = -INFINITY;
      for (int u = 0; u < n; ++u) {
        bool visible = S.gemma ? (!sliding || std::abs(t - u) <= S.radius) : u <= t;
        if (!visible) continue;
        double dot = 0;
        for (int d = 0; d < D; ++d)
          dot += static_cast<double>(q[(static_cast<size_t>(t) * H + h) * D + d]) *
                 k[(static_cast<size_t>(u) * Hkv + j) * D + d];
        s[u] = dot * S.scale;
        mx = std::max(mx, s[u]);
      }
      double sum = 0;
      for (int u = 0; u < n; ++u) sum += std::isinf(s[u]) ? 0.0 : std::exp(s[u] - mx);
      for (int d = 0; d < D; ++d) {
        double acc = 0;
        for (int u = 0; u < n; ++u)
          if (!std::isinf(s[u])) acc += std::exp(s[u] - mx) * v[(static_cast<size_t>(u) * Hkv + j) * D + d];
        o[(static_cast<size_t>(t) * H + h) * D + d] = static_cast<float>(acc / sum);
      }
    }
  return project(o, n, get(w, p + "o_proj.weight"), S.hidden, H * D);
}

std::vector<float> mlp_block(const EncoderSpec& S, const WeightMap& w, int l, const std::vector<float>& a, int n) {
  const std::string p = S.prefix + "layers." + std::to_string(l) + ".mlp.";
  std::vector<float> gate = project(a, n, get(w, p + "gate_proj.weight"), S.intermediate, S.hidden);
  std::vector<float> up = project(a, n, get(w, p + "up_proj.weight"), S.intermediate, S.hidden);
  for (size_t i = 0; i < up.size(); ++i) up[i] *= S.gemma ? gelu_tanh(gate[i]) : silu(gate[i]);
  return project(up, n, get(w, p + "down_proj.weight"), S.hidden, S.intermediate);
}

}  // namespace

std::vector<float> encoder_forward(const EncoderSpec& S, const WeightMap& w, const std::vector<int32_t>& ids) {
  const int n = static_cast<int>(ids.size()), Hd = S.hidden;
  const std::vector<float>& table = get(w, S.prefix + "embed_tokens.weight");
  const int64_t vocab = static_cast<int64_t>(table.size()) / Hd;
  std::vector<float> x(static_cast<size_t>(n) * Hd, 0.0f);
  const float embed_scale = S.gemma ? std::sqrt(static_cast<float>(Hd)) : 1.0f;  // §4.1
  for (int t = 0; t < n; ++t)
    if (ids[t] >= 0 && ids[t] < vocab)
      for (int c = 0; c < Hd; ++c)
        x[static_cast<size_t>(t) * Hd + c] = table[static_cast<size_t>(ids[t]) * Hd + c] * embed_scale;

  auto norm = [&](const std::vector<float>& v, const std::string& name) {
    return rms_norm(v, Hd, get(w, S.prefix + name), S.eps, S.gemma);
  };
  for (int l = 0; l < S.layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    if (S.gemma) {  // §4.2: sandwich norms
      std::vector<float> a = attention_block(S, w, l, norm(x, p + "input_layernorm.weight"), n);
      add_into(x, norm(a, p + "post_attention_layernorm.weight"));
      std::vector<float> m = mlp_block(S, w, l, norm(x, p + "pre_feedforward_layernorm.weight"), n);
      add_into(x, norm(m, p + "post_feedforward_layernorm.weight"));
    } else {  // pre-norm decoder
      add_into(x, attention_block(S, w, l, norm(x, p + "input_layernorm.weight"), n));
      add_into(x, mlp_block(S, w, l, norm(x, p + "post_attention_layernorm.weight"), n));
    }
  }
  return norm(x, "norm.weight");
}

std::vector<float> embedding_forward(const EncoderSpec& S, const WeightMap& w, const HeadSpec& head,
                                     const std::vector<int32_t>& ids, int dims) {
  const int n = static_cast<int>(ids.size()), Hd = S.hidden;
  std::vector<float> h = encoder_forward(S, w, ids);
  std::vector<float> e(Hd);
  for (int c = 0; c < Hd; ++c) {
    if (head.mean_pooling) {  // §5.1: every real token, prompt included
      double sum = 0;
      for (int t = 0; t < n; ++t) sum += h[static_cast<size_t>(t) * Hd + c];
      e[c] = static_cast<float>(sum / n);
    } else {  // §10: the last token
      e[c] = h[static_cast<size_t>(n - 1) * Hd + c];
    }
  }
  for (const auto& d : head.dense) {  // §5.2-3
    if (static_cast<int>(e.size()) != d.in) throw std::runtime_error("embedding reference: dense width mismatch");
    e = matvec(d.weight, e, d.out, d.in);
    for (size_t i = 0; i < d.bias.size(); ++i) e[i] += d.bias[i];
  }
  if (dims > 0 && dims < static_cast<int>(e.size())) e.resize(dims);  // Matryoshka, then normalise
  double ss = 0;
  for (float v : e) ss += static_cast<double>(v) * v;
  double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);
  for (auto& v : e) v = static_cast<float>(v * inv);
  return e;
}

}  // namespace vole::ref
