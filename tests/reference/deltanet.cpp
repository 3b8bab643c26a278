#include "reference/deltanet.h"

#include <cmath>

namespace vole::ref {

namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus(double x) { return x > 20.0 ? x : std::log1p(std::exp(x)); }  // PyTorch threshold

using Vec = std::vector<double>;

// §5.4: x / sqrt(sum x^2 + eps), times `scale`.
Vec l2_normalised(const float* x, int64_t n, double eps, double scale) {
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  double f = scale / std::sqrt(ss + eps);
  Vec r(n);
  for (int64_t i = 0; i < n; ++i) r[i] = x[i] * f;
  return r;
}

// The inputs of value head h at token t (§5.1, §5.4, §5.6).
struct HeadInputs {
  Vec q, k, v;
};

HeadInputs head_inputs(const std::vector<float>& qkv, const DeltaNetShape& s, int64_t t, int64_t h) {
  const int64_t dk = s.key_dim, dv = s.value_dim;
  const int64_t channels = 2 * s.key_heads * dk + s.value_heads * dv;
  const int64_t kh = h / (s.value_heads / s.key_heads);
  const float* row = &qkv[t * channels];
  HeadInputs in;
  in.q = l2_normalised(row + kh * dk, dk, s.eps, 1.0 / std::sqrt(static_cast<double>(dk)));
  in.k = l2_normalised(row + (s.key_heads + kh) * dk, dk, s.eps, 1.0);
  in.v.assign(row + 2 * s.key_heads * dk + h * dv, row + 2 * s.key_heads * dk + (h + 1) * dv);
  return in;
}

}  // namespace

std::vector<float> conv1d_silu(const std::vector<float>& x, const std::vector<float>& weight, std::vector<float>& state,
                               int64_t tokens, int64_t channels, int64_t taps, bool silu) {
  // The input sequence is [state (K-1 rows) | x (T rows)].
  auto input = [&](int64_t i, int64_t c) -> double {
    return i < taps - 1 ? state[i * channels + c] : x[(i - (taps - 1)) * channels + c];
  };
  std::vector<float> out(static_cast<size_t>(tokens * channels));
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t c = 0; c < channels; ++c) {
      double u = 0;
      for (int64_t j = 0; j < taps; ++j) u += weight[c * taps + j] * input(t + j, c);  // tap K-1 = token t
      out[t * channels + c] = static_cast<float>(silu ? u * sigmoid(u) : u);
    }
  std::vector<float> next(state.size());
  for (int64_t j = 0; j < taps - 1; ++j)
    for (int64_t c = 0; c < channels; ++c) next[j * channels + c] = static_cast<float>(input(tokens + j, c));
  state = next;
  return out;
}

void deltanet_gates(const std::vector<float>& b, const std::vector<float>& a, const std::vector<float>& a_log,
                    const std::vector<float>& dt_bias, std::vector<float>& beta, std::vector<float>& gate) {
  const size_t hv = a_log.size();
  beta.resize(b.size());
  gate.resize(b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    beta[i] = static_cast<float>(sigmoid(b[i]));
    gate[i] = static_cast<float>(-std::exp(static_cast<double>(a_log[i % hv])) *
                                 softplus(static_cast<double>(a[i]) + dt_bias[i % hv]));
  }
}

std::vector<float> gated_delta_rule(const std::vector<float>& qkv, const std::vector<float>& beta,
                                    const std::vector<float>& gate, std::vector<float>& state,
                                    const DeltaNetShape& s) {
  const int64_t dk = s.key_dim, dv = s.value_dim, hv = s.value_heads;
  std::vector<float> out(static_cast<size_t>(s.tokens * hv * dv));
  for (int64_t h = 0; h < hv; ++h) {
    Vec S(state.begin() + h * dk * dv, state.begin() + (h + 1) * dk * dv);  // S[i*dv + j]
    for (int64_t t = 0; t < s.tokens; ++t) {
      const HeadInputs in = head_inputs(qkv, s, t, h);
      const double decay = std::exp(static_cast<double>(gate[t * hv + h]));
      const double b = beta[t * hv + h];
      for (auto& x : S) x *= decay;  // (1) decay
      for (int64_t j = 0; j < dv; ++j) {
        double r = 0;  // (2) read with the key
        for (int64_t i = 0; i < dk; ++i) r += S[i * dv + j] * in.k[i];
        const double delta = b * (in.v[j] - r);                            // (3)
        for (int64_t i = 0; i < dk; ++i) S[i * dv + j] += in.k[i] * delta;  // (4) rank-1 write
        double o = 0;  // (5) read with the query, after the update
        for (int64_t i = 0; i < dk; ++i) o += S[i * dv + j] * in.q[i];
        out[(t * hv + h) * dv + j] = static_cast<float>(o);
      }
    }
    for (int64_t i = 0; i < dk * dv; ++i) state[h * dk * dv + i] = static_cast<float>(S[i]);
  }
  return out;
}

std::vector<float> gated_delta_rule_chunked(const std::vector<float>& qkv, const std::vector<float>& beta,
                                            const std::vector<float>& gate, std::vector<float>& state,
                                            const DeltaNetShape& s, int64_t C) {
  const int64_t dk = s.key_dim, dv = s.value_dim, hv = s.value_heads;
  std::vector<float> out(static_cast<size_t>(s.tokens * hv * dv));
  for (int64_t h = 0; h < hv; ++h) {
    Vec S(state.begin() + h * dk * dv, state.begin() + (h + 1) * dk * dv);
    for (int64_t t0 = 0; t0 < s.tokens; t0 += C) {
      // Rows past T are padding: q = k = v = 0, beta = 0, g = 0.
      std::vector<Vec> Q(C, Vec(dk, 0.0)), K(C, Vec(dk, 0.0)), V(C, Vec(dv, 0.0));
      Vec b(C, 0.0), gamma(C, 0.0);
      for (int64_t r = 0; r < C && t0 + r < s.tokens; ++r) {
        HeadInputs in = head_inputs(qkv, s, t0 + r, h);
        Q[r] = in.q, K[r] = in.k, V[r] = in.v;
        b[r] = beta[(t0 + r) * hv + h];
        gamma[r] = gate[(t0 + r) * hv + h];
      }
      for (int64_t r = 1; r < C; ++r) gamma[r] += gamma[r - 1];  // inclusive cumulative log-decay
      auto dot = [](const Vec& x, const Vec& y) {
        double d = 0;
        for (size_t i = 0; i < x.size(); ++i) d += x[i] * y[i];
        return d;
      };
      auto Dm = [&](int64_t r, int64_t c) { return c <= r ? std::exp(gamma[r] - gamma[c]) : 0.0; };
      // T = (I + A)^-1, A strictly lower: forward substitution, T unit lower triangular.
      std::vector<Vec> A(C, Vec(C, 0.0)), T(C, Vec(C, 0.0));
      for (int64_t r = 0; r < C; ++r)
        for (int64_t c = 0; c < r; ++c) A[r][c] = b[r] * dot(K[r], K[c]) * Dm(r, c);
      for (int64_t c = 0; c < C; ++c) {
        T[c][c] = 1;
        for (int64_t r = c + 1; r < C; ++r) {
          double x = 0;
          for (int64_t m = c; m < r; ++m) x -= A[r][m] * T[m][c];
          T[r][c] = x;
        }
      }
      // U = T (beta V), W = T (beta e^gamma K), V' = U - W S.
      std::vector<Vec> Vp(C, Vec(dv, 0.0));
      for (int64_t r = 0; r < C; ++r) {
        Vec U(dv, 0.0), W(dk, 0.0);
        for (int64_t c = 0; c <= r; ++c) {
          for (int64_t j = 0; j < dv; ++j) U[j] += T[r][c] * b[c] * V[c][j];
          for (int64_t i = 0; i < dk; ++i) W[i] += T[r][c] * b[c] * std::exp(gamma[c]) * K[c][i];
        }
        for (int64_t j = 0; j < dv; ++j) {
          double ws = 0;
          for (int64_t i = 0; i < dk; ++i) ws += W[i] * S[i * dv + j];
          Vp[r][j] = U[j] - ws;
        }
      }
      // O = (e^gamma Q) S + ((Q K^T) . D) V'.
      for (int64_t r = 0; r < C && t0 + r < s.tokens; ++r) {
        Vec P(r + 1);
        for (int64_t c = 0; c <= r; ++c) P[c] = dot(Q[r], K[c]) * Dm(r, c);
        for (int64_t j = 0; j < dv; ++j) {
          double o = 0;
          for (int64_t i = 0; i < dk; ++i) o += std::exp(gamma[r]) * Q[r][i] * S[i * dv + j];
          for (int64_t c = 0; c <= r; ++c) o += P[c] * Vp[c][j];
          out[((t0 + r) * hv + h) * dv + j] = static_cast<float>(o);
        }
      }
      // S = e^gamma_last S + (e^(gamma_last - gamma) K)^T V'.
      const double last = gamma[C - 1];
      for (int64_t i = 0; i < dk; ++i)
        for (int64_t j = 0; j < dv; ++j) {
          double x = std::exp(last) * S[i * dv + j];
          for (int64_t r = 0; r < C; ++r) x += std::exp(last - gamma[r]) * K[r][i] * Vp[r][j];
          S[i * dv + j] = x;
        }
    }
    for (int64_t i = 0; i < dk * dv; ++i) state[h * dk * dv + i] = static_cast<float>(S[i]);
  }
  return out;
}

}  // namespace vole::ref
