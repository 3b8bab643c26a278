#include "reference/model_forward.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "reference/attention.h"
#include "reference/deltanet.h"
#include "reference/elementwise.h"
#include "reference/linear.h"
#include "reference/norm.h"
#include "reference/rope.h"

namespace vole::ref {

namespace {

std::vector<float> plus(std::vector<float> y, const std::vector<float>& bias) {
  if (bias.size() != y.size()) throw std::runtime_error("reference bias: shape mismatch");
  for (size_t i = 0; i < y.size(); ++i) y[i] += bias[i];
  return y;
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
    s.recurrent[l].assign(static_cast<size_t>(spec_.value_heads) * spec_.key_dim * spec_.value_dim, 0.0f);
  }
  return s;
}

// §4: gated attention (Qwen3.5), attention with QK norm (Qwen3), or with q/k/v biases (Qwen2).
std::vector<float> ReferenceModel::full_attention(int l, const std::vector<float>& a, State& s,
                                                  const std::array<int32_t, 3>& pos) const {
  const auto& S = spec_;
  const std::string p = "layers." + std::to_string(l) + ".self_attn.";
  int H = S.heads, Hkv = S.kv_heads, D = S.head_dim;
  std::vector<float> q(static_cast<size_t>(H) * D), gate;
  auto project = [&](const std::string& name, int rows, bool bias) {
    auto y = matvec(w(p + name + ".weight"), a, rows, S.hidden);
    return bias ? plus(std::move(y), w(p + name + ".bias")) : y;
  };
  if (S.output_gate) {
    // q_proj output interleaves query and gate per head: [q0 g0 q1 g1 ...] (§4.1).
    auto P = project("q_proj", H * 2 * D, S.qkv_bias);
    gate.resize(static_cast<size_t>(H) * D);
    for (int h = 0; h < H; ++h)
      for (int d = 0; d < D; ++d) {
        q[h * D + d] = P[h * 2 * D + d];
        gate[h * D + d] = P[h * 2 * D + D + d];
      }
  } else {
    q = project("q_proj", H * D, S.qkv_bias);
  }
  auto k = project("k_proj", Hkv * D, S.qkv_bias);
  auto v = project("v_proj", Hkv * D, S.qkv_bias);
  // §4.3 per-head norms, then §4.4 RoPE (text: the three M-RoPE positions are equal, so
  // plain rotate-half RoPE over the rotary dims).
  if (S.qk_norm) {
    q = rms_norm(q, D, w(p + "q_norm.weight"), S.eps, S.norm_plus_one);
    k = rms_norm(k, D, w(p + "k_norm.weight"), S.eps, S.norm_plus_one);
  }
  // Text: the three M-RoPE positions are equal, which is plain RoPE; an image token's
  // differ (§7.10), in the interleaved layout of §6.
  bool mrope = S.mrope_sections[0] + S.mrope_sections[1] + S.mrope_sections[2] > 0;
  RopeConfig rope_config{
      S.rotary_dims, S.rope_theta, mrope, {S.mrope_sections[0], S.mrope_sections[1], S.mrope_sections[2]}};
  std::vector<int32_t> position = mrope ? std::vector<int32_t>{pos[0], pos[1], pos[2]} : std::vector<int32_t>{pos[0]};
  q = rope(q, 1, H, D, position, rope_config);
  k = rope(k, 1, Hkv, D, position, rope_config);
  s.k_cache[l].insert(s.k_cache[l].end(), k.begin(), k.end());
  s.v_cache[l].insert(s.v_cache[l].end(), v.begin(), v.end());

  // §4.5: this token sees every cached token and itself.
  int64_t n = s.length + 1;
  auto o = attention(q, s.k_cache[l], s.v_cache[l], AttentionShape{1, H, Hkv, D, n}, true, n - 1,
                     1.0f / std::sqrt(static_cast<float>(D)));
  if (S.output_gate)
    for (size_t i = 0; i < o.size(); ++i) o[i] = o[i] * sigmoid(gate[i]);  // §4.6
  auto out = matvec(w(p + "o_proj.weight"), o, S.hidden, H * D);
  return S.output_bias ? plus(std::move(out), w(p + "o_proj.bias")) : out;
}

// §5: Gated DeltaNet, recurrent (decode) form.
std::vector<float> ReferenceModel::gated_deltanet(int l, const std::vector<float>& a, State& s) const {
  const auto& S = spec_;
  const std::string p = "layers." + std::to_string(l) + ".linear_attn.";
  int Hv = S.value_heads, value_dim = Hv * S.value_dim;
  int C = 2 * S.key_heads * S.key_dim + value_dim;

  auto m = matvec(w(p + "in_proj_qkv.weight"), a, C, S.hidden);  // §5.1
  auto z = matvec(w(p + "in_proj_z.weight"), a, value_dim, S.hidden);
  auto b = matvec(w(p + "in_proj_b.weight"), a, Hv, S.hidden);
  auto alpha = matvec(w(p + "in_proj_a.weight"), a, Hv, S.hidden);

  auto u = conv1d_silu(m, w(p + "conv1d.weight"), s.conv[l], 1, C, S.conv_kernel);  // §5.2
  std::vector<float> beta, decay;
  deltanet_gates(b, alpha, w(p + "A_log"), w(p + "dt_bias"), beta, decay);  // §5.3
  DeltaNetShape shape{1, S.key_heads, S.value_heads, S.key_dim, S.value_dim, 1e-6};
  auto o = gated_delta_rule(u, beta, decay, s.recurrent[l], shape);         // §5.4, §5.5
  auto y = rms_norm_gated(o, z, S.value_dim, w(p + "norm.weight"), S.eps);  // §5.7
  return matvec(w(p + "out_proj.weight"), y, S.hidden, value_dim);
}

std::vector<float> ReferenceModel::mlp(int l, const std::vector<float>& a) const {
  const std::string p = "layers." + std::to_string(l) + ".mlp.";
  int F = spec_.intermediate;
  auto gate = matvec(w(p + "gate_proj.weight"), a, F, spec_.hidden);
  auto up = matvec(w(p + "up_proj.weight"), a, F, spec_.hidden);
  return matvec(w(p + "down_proj.weight"), swiglu(gate, up), spec_.hidden, F);
}

std::vector<float> ReferenceModel::step(int32_t token, State& s) const {
  int32_t p = static_cast<int32_t>(s.length);
  return step(token, s, nullptr, {p, p, p});
}

std::vector<float> ReferenceModel::step(int32_t token, State& s, const float* embedding,
                                        const std::array<int32_t, 3>& position) const {
  const auto& S = spec_;
  if (token < 0 || token >= S.vocab) throw std::runtime_error("reference: token id out of range");
  const auto& E = w("embed_tokens.weight");
  std::vector<float> x = embedding ? std::vector<float>(embedding, embedding + S.hidden)
                                   : std::vector<float>(E.begin() + static_cast<size_t>(token) * S.hidden,
                                                        E.begin() + static_cast<size_t>(token + 1) * S.hidden);
  for (int l = 0; l < S.layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    auto a = rms_norm(x, S.hidden, w(p + "input_layernorm.weight"), S.eps, S.norm_plus_one);
    auto m = S.full_attention[l] ? full_attention(l, a, s, position) : gated_deltanet(l, a, s);
    for (int i = 0; i < S.hidden; ++i) x[i] += m[i];
    auto f = mlp(l, rms_norm(x, S.hidden, w(p + "post_attention_layernorm.weight"), S.eps, S.norm_plus_one));
    for (int i = 0; i < S.hidden; ++i) x[i] += f[i];
  }
  x = rms_norm(x, S.hidden, w("norm.weight"), S.eps, S.norm_plus_one);
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
