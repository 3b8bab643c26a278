#include "reference/lfm2_forward.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "reference/attention.h"
#include "reference/elementwise.h"
#include "reference/linear.h"
#include "reference/norm.h"

namespace vole::ref {

int lfm2_ff_dim(int ff_dim, bool auto_adjust, double multiplier, int multiple_of) {
  int f = ff_dim;
  if (!auto_adjust) return f;
  f = static_cast<int>(2.0 * f / 3.0);
  if (multiplier > 0) {
    f = static_cast<int>(multiplier * f);
    f = multiple_of * ((f + multiple_of - 1) / multiple_of);
  }
  return f;
}

double kani_rope_alpha(double alpha_weight, double alpha_min, double alpha_max) {
  return alpha_min + (alpha_max - alpha_min) / (1.0 + std::exp(-alpha_weight));
}

std::vector<double> kani_positions(const std::vector<int32_t>& tokens, size_t prompt_rows, int32_t audio_tokens_start,
                                   int tokens_per_frame, double audio_step) {
  std::vector<double> pos(tokens.size());
  int64_t audio_seen = 0;
  double first_frame = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i < prompt_rows) {
      pos[i] = static_cast<double>(i);
    } else if (tokens[i] < audio_tokens_start) {
      pos[i] = static_cast<double>(i);  // the row count before this row
    } else {
      if (audio_seen == 0) first_frame = static_cast<double>(i);
      pos[i] = first_frame + static_cast<double>(audio_seen / tokens_per_frame) * audio_step;
      ++audio_seen;
    }
  }
  return pos;
}

Lfm2Reference::Lfm2Reference(Lfm2Spec spec, const WeightMap& weights) : spec_(std::move(spec)), weights_(weights) {
  if (static_cast<int>(spec_.attention.size()) != spec_.layers)
    throw std::runtime_error("lfm2 reference: `attention` must list every layer");
  if (spec_.rope_scale.empty()) spec_.rope_scale.assign(static_cast<size_t>(spec_.layers), 1.0);
  if (spec_.heads % spec_.kv_heads) throw std::runtime_error("lfm2 reference: heads not a multiple of kv_heads");
}

const std::vector<float>& Lfm2Reference::w(const std::string& name) const {
  auto it = weights_.find(name);
  if (it == weights_.end()) throw std::runtime_error("lfm2 reference: missing tensor " + name);
  return it->second;
}

Lfm2Reference::State Lfm2Reference::new_state() const {
  State s;
  s.k_cache.resize(static_cast<size_t>(spec_.layers));
  s.v_cache.resize(static_cast<size_t>(spec_.layers));
  s.conv.resize(static_cast<size_t>(spec_.layers));
  for (int l = 0; l < spec_.layers; ++l)
    if (!spec_.attention[static_cast<size_t>(l)])
      s.conv[static_cast<size_t>(l)].assign(static_cast<size_t>((spec_.conv_kernel - 1) * spec_.hidden), 0.0f);
  return s;
}

std::vector<float> Lfm2Reference::embed(int32_t token) const {
  if (token < 0 || token >= spec_.vocab) throw std::runtime_error("lfm2 reference: token out of range");
  const auto& table = w(spec_.prefix + "embed_tokens.weight");
  auto begin = table.begin() + static_cast<std::ptrdiff_t>(token) * spec_.hidden;
  return std::vector<float>(begin, begin + spec_.hidden);
}

std::vector<float> Lfm2Reference::mlp(int l, const std::vector<float>& x) const {
  const std::string p = layer(l) + "feed_forward.";
  auto gate = matvec(w(p + "w1.weight"), x, spec_.intermediate, spec_.hidden);
  auto up = matvec(w(p + "w3.weight"), x, spec_.intermediate, spec_.hidden);
  for (size_t i = 0; i < gate.size(); ++i) gate[i] = silu(gate[i]) * up[i];
  return matvec(w(p + "w2.weight"), gate, spec_.hidden, spec_.intermediate);
}

std::vector<float> Lfm2Reference::logits(const std::vector<float>& h) const {
  auto n = rms_norm(h, spec_.hidden, w(spec_.prefix + "embedding_norm.weight"), spec_.eps, false);
  const auto& head = spec_.tied_embeddings ? w(spec_.prefix + "embed_tokens.weight") : w("lm_head.weight");
  return matvec(head, n, spec_.vocab, spec_.hidden);
}

// Rotate-half RoPE over whole heads; angle = position · α_layer · θ^(-2j/D).
void Lfm2Reference::rope(std::vector<float>& v, int heads, double position, int l) const {
  const int D = spec_.head_dim, half = D / 2;
  const double alpha = spec_.rope_scale[static_cast<size_t>(l)];
  for (int j = 0; j < half; ++j) {
    double inv_freq = alpha / std::pow(spec_.rope_theta, 2.0 * j / D);
    double angle = position * inv_freq;
    double c = std::cos(angle), s = std::sin(angle);
    for (int h = 0; h < heads; ++h) {
      float& a = v[static_cast<size_t>(h * D + j)];
      float& b = v[static_cast<size_t>(h * D + j + half)];
      double x1 = a, x2 = b;
      a = static_cast<float>(x1 * c - x2 * s);
      b = static_cast<float>(x2 * c + x1 * s);
    }
  }
}

void Lfm2Reference::qkv(int l, const std::vector<float>& a, double position, std::vector<float>& q,
                        std::vector<float>& k, std::vector<float>& v) const {
  const std::string p = layer(l) + "self_attn.";
  const int H = spec_.heads, Hkv = spec_.kv_heads, D = spec_.head_dim;
  q = rms_norm(matvec(w(p + "q_proj.weight"), a, H * D, spec_.hidden), D, w(p + "q_layernorm.weight"), spec_.eps,
               false);
  k = rms_norm(matvec(w(p + "k_proj.weight"), a, Hkv * D, spec_.hidden), D, w(p + "k_layernorm.weight"), spec_.eps,
               false);
  v = matvec(w(p + "v_proj.weight"), a, Hkv * D, spec_.hidden);
  rope(q, H, position, l);
  rope(k, Hkv, position, l);
}

// Attention of one query row over the given rows of keys/values ([rows, Hkv, D]), then out_proj.
std::vector<float> Lfm2Reference::attend(int l, const std::vector<float>& q, const std::vector<float>& keys,
                                         const std::vector<float>& values) const {
  const int H = spec_.heads, Hkv = spec_.kv_heads, D = spec_.head_dim;
  AttentionShape shape{1, H, Hkv, D, static_cast<int64_t>(keys.size() / static_cast<size_t>(Hkv * D))};
  auto o = attention(q, keys, values, shape, false, 0, static_cast<float>(1.0 / std::sqrt(static_cast<double>(D))));
  return matvec(w(layer(l) + "self_attn.out_proj.weight"), o, spec_.hidden, H * D);
}

namespace {

void add_into(std::vector<float>& h, const std::vector<float>& x) {
  for (size_t i = 0; i < h.size(); ++i) h[i] += x[i];
}

// in_proj (+ bias) and U = B ⊙ X, C, for one row of a conv layer.
void conv_inputs(const std::vector<float>& P, int H, std::vector<float>& U, std::vector<float>& C) {
  U.resize(static_cast<size_t>(H));
  C.assign(P.begin() + H, P.begin() + 2 * H);
  for (int c = 0; c < H; ++c) U[static_cast<size_t>(c)] = P[static_cast<size_t>(c)] * P[static_cast<size_t>(2 * H + c)];
}

}  // namespace

std::vector<float> Lfm2Reference::step_row(const std::vector<float>& row, double position, State& st) const {
  if (static_cast<int>(row.size()) != spec_.hidden) throw std::runtime_error("lfm2 reference: row size");
  const int H = spec_.hidden, K = spec_.conv_kernel;
  std::vector<float> h = row;
  for (int l = 0; l < spec_.layers; ++l) {
    const std::string p = layer(l);
    auto a = rms_norm(h, H, w(p + "operator_norm.weight"), spec_.eps, false);
    if (spec_.attention[static_cast<size_t>(l)]) {
      std::vector<float> q, k, v;
      qkv(l, a, position, q, k, v);
      auto& kc = st.k_cache[static_cast<size_t>(l)];
      auto& vc = st.v_cache[static_cast<size_t>(l)];
      kc.insert(kc.end(), k.begin(), k.end());
      vc.insert(vc.end(), v.begin(), v.end());
      add_into(h, attend(l, q, kc, vc));
    } else {
      auto P = matvec(w(p + "conv.in_proj.weight"), a, 3 * H, H);
      if (spec_.conv_bias) add_into(P, w(p + "conv.in_proj.bias"));
      std::vector<float> U, C;
      conv_inputs(P, H, U, C);
      const auto& kw = w(p + "conv.conv.weight");     // [H, 1, K]
      auto& state = st.conv[static_cast<size_t>(l)];  // U of the previous K-1 rows, oldest first
      std::vector<float> y(static_cast<size_t>(H));
      for (int c = 0; c < H; ++c) {
        double acc = spec_.conv_bias ? w(p + "conv.conv.bias")[static_cast<size_t>(c)] : 0.0;
        for (int t = 0; t < K - 1; ++t)
          acc += static_cast<double>(kw[static_cast<size_t>(c * K + t)]) * state[static_cast<size_t>(t * H + c)];
        acc += static_cast<double>(kw[static_cast<size_t>(c * K + K - 1)]) * U[static_cast<size_t>(c)];
        y[static_cast<size_t>(c)] = C[static_cast<size_t>(c)] * static_cast<float>(acc);
      }
      if (K > 1) {
        std::rotate(state.begin(), state.begin() + H, state.end());
        std::copy(U.begin(), U.end(), state.end() - H);
      }
      auto out = matvec(w(p + "conv.out_proj.weight"), y, H, H);
      if (spec_.conv_bias) add_into(out, w(p + "conv.out_proj.bias"));
      add_into(h, out);
    }
    add_into(h, mlp(l, rms_norm(h, H, w(p + "ffn_norm.weight"), spec_.eps, false)));
  }
  ++st.rows;
  return logits(h);
}

std::vector<std::vector<float>> Lfm2Reference::forward_rows(const std::vector<std::vector<float>>& rows,
                                                            std::vector<double> positions) const {
  const int H = spec_.hidden, K = spec_.conv_kernel;
  const size_t T = rows.size();
  if (positions.empty())
    for (size_t t = 0; t < T; ++t) positions.push_back(static_cast<double>(t));
  if (positions.size() != T) throw std::runtime_error("lfm2 reference: one position per row");
  std::vector<std::vector<float>> h = rows;
  for (int l = 0; l < spec_.layers; ++l) {
    const std::string p = layer(l);
    std::vector<std::vector<float>> a(T);
    for (size_t t = 0; t < T; ++t) a[t] = rms_norm(h[t], H, w(p + "operator_norm.weight"), spec_.eps, false);
    if (spec_.attention[static_cast<size_t>(l)]) {
      std::vector<std::vector<float>> q(T), k(T), v(T);
      for (size_t t = 0; t < T; ++t) qkv(l, a[t], positions[t], q[t], k[t], v[t]);
      std::vector<float> keys, values;
      for (size_t t = 0; t < T; ++t) {  // causal: row t sees rows 0..t
        keys.insert(keys.end(), k[t].begin(), k[t].end());
        values.insert(values.end(), v[t].begin(), v[t].end());
        add_into(h[t], attend(l, q[t], keys, values));
      }
    } else {
      // The depthwise causal convolution over the whole sequence (lfm2.md §3.2).
      std::vector<std::vector<float>> U(T), C(T);
      for (size_t t = 0; t < T; ++t) {
        auto P = matvec(w(p + "conv.in_proj.weight"), a[t], 3 * H, H);
        if (spec_.conv_bias) add_into(P, w(p + "conv.in_proj.bias"));
        conv_inputs(P, H, U[t], C[t]);
      }
      const auto& kw = w(p + "conv.conv.weight");
      for (size_t t = 0; t < T; ++t) {
        std::vector<float> y(static_cast<size_t>(H));
        for (int c = 0; c < H; ++c) {
          double acc = spec_.conv_bias ? w(p + "conv.conv.bias")[static_cast<size_t>(c)] : 0.0;
          for (int j = 0; j < K; ++j) {
            int64_t s = static_cast<int64_t>(t) - (K - 1) + j;
            if (s >= 0)
              acc += static_cast<double>(kw[static_cast<size_t>(c * K + j)]) *
                     U[static_cast<size_t>(s)][static_cast<size_t>(c)];
          }
          y[static_cast<size_t>(c)] = C[t][static_cast<size_t>(c)] * static_cast<float>(acc);
        }
        auto out = matvec(w(p + "conv.out_proj.weight"), y, H, H);
        if (spec_.conv_bias) add_into(out, w(p + "conv.out_proj.bias"));
        add_into(h[t], out);
      }
    }
    for (size_t t = 0; t < T; ++t)
      add_into(h[t], mlp(l, rms_norm(h[t], H, w(p + "ffn_norm.weight"), spec_.eps, false)));
  }
  std::vector<std::vector<float>> out(T);
  for (size_t t = 0; t < T; ++t) out[t] = logits(h[t]);
  return out;
}

std::vector<std::vector<float>> Lfm2Reference::forward(const std::vector<int32_t>& tokens) const {
  std::vector<std::vector<float>> rows;
  for (int32_t t : tokens) rows.push_back(embed(t));
  return forward_rows(rows);
}

}  // namespace vole::ref
