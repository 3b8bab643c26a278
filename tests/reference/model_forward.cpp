#include "reference/model_forward.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vole::ref {

namespace {

// y[N] = W[N,K] · x[K], double accumulation.
std::vector<float> matvec(const std::vector<float>& W, const std::vector<float>& x, int N, int K) {
  if (W.size() != static_cast<size_t>(N) * K || x.size() != static_cast<size_t>(K))
    throw std::runtime_error("reference matvec: shape mismatch");
  std::vector<float> y(N);
  for (int n = 0; n < N; ++n) {
    double acc = 0;
    const float* row = &W[static_cast<size_t>(n) * K];
    for (int k = 0; k < K; ++k) acc += static_cast<double>(row[k]) * x[k];
    y[n] = static_cast<float>(acc);
  }
  return y;
}

// RMSNorm of x[offset .. offset+D): x / sqrt(mean(x²) + eps) * (plus_one ? 1 + w : w).
void rms_norm_inplace(float* x, int D, const std::vector<float>& w, float eps, bool plus_one) {
  double ss = 0;
  for (int i = 0; i < D; ++i) ss += static_cast<double>(x[i]) * x[i];
  double inv = 1.0 / std::sqrt(ss / D + eps);
  for (int i = 0; i < D; ++i) x[i] = static_cast<float>(x[i] * inv * (plus_one ? 1.0 + w[i] : w[i]));
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double silu(double x) { return x * sigmoid(x); }
double softplus(double x) { return x > 20.0 ? x : std::log1p(std::exp(x)); }

// Rotate-half RoPE on the first `rot` dims of one head (positions all equal: text).
void rope_inplace(float* x, int rot, int64_t pos, float theta) {
  int half = rot / 2;
  for (int d = 0; d < half; ++d) {
    // Angles as the spec computes them: f32 inverse frequency times the position.
    float inv_freq = static_cast<float>(1.0 / std::pow(static_cast<double>(theta), 2.0 * d / rot));
    double phi = static_cast<double>(static_cast<float>(pos) * inv_freq);
    double c = std::cos(phi), s = std::sin(phi);
    double a = x[d], b = x[d + half];
    x[d] = static_cast<float>(a * c - b * s);
    x[d + half] = static_cast<float>(b * c + a * s);
  }
}

}  // namespace

ReferenceModel::ReferenceModel(ModelSpec spec, const WeightMap& weights) : spec_(std::move(spec)), weights_(weights) {
  if (static_cast<int>(spec_.full_attention.size()) != spec_.layers)
    throw std::runtime_error("reference: full_attention must list every layer");
}

const std::vector<float>& ReferenceModel::w(const std::string& name) const {
  auto it = weights_.find(spec_.prefix + name);
  if (it == weights_.end()) {
    it = weights_.find(name);
    if (it == weights_.end()) throw std::runtime_error("reference: missing tensor " + spec_.prefix + name);
  }
  return it->second;
}

ReferenceModel::State ReferenceModel::new_state() const {
  State s;
  s.k_cache.resize(spec_.layers);
  s.v_cache.resize(spec_.layers);
  s.conv.resize(spec_.layers);
  s.recurrent.resize(spec_.layers);
  int channels = 2 * spec_.key_heads * spec_.key_dim + spec_.value_heads * spec_.value_dim;
  for (int l = 0; l < spec_.layers; ++l) {
    if (spec_.full_attention[l]) continue;
    s.conv[l].assign(static_cast<size_t>(spec_.conv_kernel - 1) * channels, 0.0f);
    s.recurrent[l].assign(static_cast<size_t>(spec_.value_heads) * spec_.key_dim * spec_.value_dim, 0.0);
  }
  return s;
}

// §4: gated attention (Qwen3.5) or plain attention with QK norm (Qwen3).
std::vector<float> ReferenceModel::full_attention(int l, const std::vector<float>& a, State& s) const {
  const auto& S = spec_;
  const std::string p = "layers." + std::to_string(l) + ".self_attn.";
  int H = S.heads, Hkv = S.kv_heads, D = S.head_dim;
  bool plus_one = S.qwen3_5;
  std::vector<float> q(static_cast<size_t>(H) * D), gate;
  if (S.qwen3_5) {
    // q_proj output interleaves query and gate per head: [q0 g0 q1 g1 ...] (§4.1).
    auto P = matvec(w(p + "q_proj.weight"), a, H * 2 * D, S.hidden);
    gate.resize(static_cast<size_t>(H) * D);
    for (int h = 0; h < H; ++h)
      for (int d = 0; d < D; ++d) {
        q[h * D + d] = P[h * 2 * D + d];
        gate[h * D + d] = P[h * 2 * D + D + d];
      }
  } else {
    q = matvec(w(p + "q_proj.weight"), a, H * D, S.hidden);
  }
  auto k = matvec(w(p + "k_proj.weight"), a, Hkv * D, S.hidden);
  auto v = matvec(w(p + "v_proj.weight"), a, Hkv * D, S.hidden);
  for (int h = 0; h < H; ++h) rms_norm_inplace(&q[h * D], D, w(p + "q_norm.weight"), S.eps, plus_one);
  for (int h = 0; h < Hkv; ++h) rms_norm_inplace(&k[h * D], D, w(p + "k_norm.weight"), S.eps, plus_one);
  for (int h = 0; h < H; ++h) rope_inplace(&q[h * D], S.rotary_dims, s.length, S.rope_theta);
  for (int h = 0; h < Hkv; ++h) rope_inplace(&k[h * D], S.rotary_dims, s.length, S.rope_theta);
  s.k_cache[l].insert(s.k_cache[l].end(), k.begin(), k.end());
  s.v_cache[l].insert(s.v_cache[l].end(), v.begin(), v.end());

  int64_t n = s.length + 1;  // causal: this token sees every cached token and itself
  double scale = 1.0 / std::sqrt(static_cast<double>(D));
  std::vector<float> o(static_cast<size_t>(H) * D);
  for (int h = 0; h < H; ++h) {
    int j = h / (H / Hkv);  // GQA: consecutive query heads share a KV head
    std::vector<double> scores(n);
    double mx = -1e300;
    for (int64_t t = 0; t < n; ++t) {
      double dot = 0;
      const float* kt = &s.k_cache[l][(t * Hkv + j) * D];
      for (int d = 0; d < D; ++d) dot += static_cast<double>(q[h * D + d]) * kt[d];
      scores[t] = dot * scale;
      mx = std::max(mx, scores[t]);
    }
    double sum = 0;
    for (auto& x : scores) sum += (x = std::exp(x - mx));
    for (int d = 0; d < D; ++d) {
      double acc = 0;
      for (int64_t t = 0; t < n; ++t) acc += scores[t] * s.v_cache[l][(t * Hkv + j) * D + d];
      o[h * D + d] = static_cast<float>(acc / sum);
    }
  }
  if (S.qwen3_5)
    for (size_t i = 0; i < o.size(); ++i) o[i] = static_cast<float>(o[i] * sigmoid(gate[i]));  // §4.6
  return matvec(w(p + "o_proj.weight"), o, S.hidden, H * D);
}

// §5: Gated DeltaNet, recurrent (decode) form.
std::vector<float> ReferenceModel::gated_deltanet(int l, const std::vector<float>& a, State& s) const {
  const auto& S = spec_;
  const std::string p = "layers." + std::to_string(l) + ".linear_attn.";
  int Hk = S.key_heads, Hv = S.value_heads, dk = S.key_dim, dv = S.value_dim, K = S.conv_kernel;
  int key_dim = Hk * dk, value_dim = Hv * dv, C = 2 * key_dim + value_dim;

  auto m = matvec(w(p + "in_proj_qkv.weight"), a, C, S.hidden);  // §5.1
  auto z = matvec(w(p + "in_proj_z.weight"), a, value_dim, S.hidden);
  auto b = matvec(w(p + "in_proj_b.weight"), a, Hv, S.hidden);
  auto alpha = matvec(w(p + "in_proj_a.weight"), a, Hv, S.hidden);

  // §5.2 causal depthwise conv over [state (K-1 columns) | m], tap K-1 = current token.
  const auto& cw = w(p + "conv1d.weight");  // [C, 1, K]
  std::vector<float> u(C);
  auto& conv = s.conv[l];
  for (int c = 0; c < C; ++c) {
    double acc = static_cast<double>(cw[c * K + (K - 1)]) * m[c];
    for (int j = 0; j < K - 1; ++j) acc += static_cast<double>(cw[c * K + j]) * conv[j * C + c];
    u[c] = static_cast<float>(silu(acc));
  }
  for (int j = 0; j + 1 < K - 1; ++j)
    for (int c = 0; c < C; ++c) conv[j * C + c] = conv[(j + 1) * C + c];
  for (int c = 0; c < C; ++c) conv[(K - 2) * C + c] = m[c];

  const auto& A_log = w(p + "A_log");
  const auto& dt_bias = w(p + "dt_bias");
  const auto& norm_w = w(p + "norm.weight");
  std::vector<float> y(value_dim);
  auto& state = s.recurrent[l];
  for (int h = 0; h < Hv; ++h) {
    int kh = h / (Hv / Hk);  // §5.6: value head h uses key head h / (Hv/Hk)
    double beta = sigmoid(b[h]);                                            // §5.3
    double g = -std::exp(static_cast<double>(A_log[h])) * softplus(static_cast<double>(alpha[h]) + dt_bias[h]);
    double decay = std::exp(g);
    // §5.4: L2-normalise q and k, scale q by dk^-1/2.
    std::vector<double> qh(dk), kh_(dk), vh(dv);
    double qs = 0, ks = 0;
    for (int i = 0; i < dk; ++i) {
      qh[i] = u[kh * dk + i];
      kh_[i] = u[key_dim + kh * dk + i];
      qs += qh[i] * qh[i];
      ks += kh_[i] * kh_[i];
    }
    double qn = 1.0 / std::sqrt(qs + 1e-6) / std::sqrt(static_cast<double>(dk)), kn = 1.0 / std::sqrt(ks + 1e-6);
    for (int i = 0; i < dk; ++i) {
      qh[i] *= qn;
      kh_[i] *= kn;
    }
    for (int j = 0; j < dv; ++j) vh[j] = u[2 * key_dim + h * dv + j];
    double* Sh = &state[static_cast<size_t>(h) * dk * dv];  // [dk][dv]
    // §5.5: decay -> read -> delta -> write -> read-out.
    for (int i = 0; i < dk * dv; ++i) Sh[i] *= decay;
    std::vector<double> delta(dv);
    for (int j = 0; j < dv; ++j) {
      double r = 0;
      for (int i = 0; i < dk; ++i) r += Sh[i * dv + j] * kh_[i];
      delta[j] = beta * (vh[j] - r);
    }
    for (int i = 0; i < dk; ++i)
      for (int j = 0; j < dv; ++j) Sh[i * dv + j] += kh_[i] * delta[j];
    std::vector<double> o(dv);
    double ss = 0;
    for (int j = 0; j < dv; ++j) {
      double acc = 0;
      for (int i = 0; i < dk; ++i) acc += Sh[i * dv + j] * qh[i];
      o[j] = acc;
      ss += acc * acc;
    }
    // §5.7 gated RMSNorm (plain weight) × SiLU(z).
    double inv = 1.0 / std::sqrt(ss / dv + S.eps);
    for (int j = 0; j < dv; ++j) y[h * dv + j] = static_cast<float>(norm_w[j] * o[j] * inv * silu(z[h * dv + j]));
  }
  return matvec(w(p + "out_proj.weight"), y, S.hidden, value_dim);
}

std::vector<float> ReferenceModel::mlp(int l, const std::vector<float>& a) const {
  const std::string p = "layers." + std::to_string(l) + ".mlp.";
  int F = spec_.intermediate;
  auto gate = matvec(w(p + "gate_proj.weight"), a, F, spec_.hidden);
  auto up = matvec(w(p + "up_proj.weight"), a, F, spec_.hidden);
  for (int i = 0; i < F; ++i) gate[i] = static_cast<float>(silu(gate[i]) * up[i]);
  return matvec(w(p + "down_proj.weight"), gate, spec_.hidden, F);
}

std::vector<float> ReferenceModel::step(int32_t token, State& s) const {
  const auto& S = spec_;
  if (token < 0 || token >= S.vocab) throw std::runtime_error("reference: token id out of range");
  const auto& E = w("embed_tokens.weight");
  std::vector<float> x(E.begin() + static_cast<size_t>(token) * S.hidden,
                       E.begin() + static_cast<size_t>(token + 1) * S.hidden);
  bool plus_one = S.qwen3_5;
  for (int l = 0; l < S.layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    std::vector<float> a = x;
    rms_norm_inplace(a.data(), S.hidden, w(p + "input_layernorm.weight"), S.eps, plus_one);
    auto m = S.full_attention[l] ? full_attention(l, a, s) : gated_deltanet(l, a, s);
    for (int i = 0; i < S.hidden; ++i) x[i] += m[i];
    a = x;
    rms_norm_inplace(a.data(), S.hidden, w(p + "post_attention_layernorm.weight"), S.eps, plus_one);
    auto f = mlp(l, a);
    for (int i = 0; i < S.hidden; ++i) x[i] += f[i];
  }
  rms_norm_inplace(x.data(), S.hidden, w("norm.weight"), S.eps, plus_one);
  s.length++;
  auto it = weights_.find("lm_head.weight");
  const auto& head = (S.tied_embeddings || it == weights_.end()) ? E : it->second;
  return matvec(head, x, S.vocab, S.hidden);
}

std::vector<std::vector<float>> ReferenceModel::forward(const std::vector<int32_t>& tokens) const {
  State s = new_state();
  std::vector<std::vector<float>> out;
  for (int32_t t : tokens) out.push_back(step(t, s));
  return out;
}

std::vector<int32_t> ReferenceModel::greedy(const std::vector<int32_t>& prompt, int n) const {
  State s = new_state();
  std::vector<float> logits;
  for (int32_t t : prompt) logits = step(t, s);
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    int32_t next = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(next);
    logits = step(next, s);
  }
  return out;
}

}  // namespace vole::ref
