#include "reference/nanocodec.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vole::ref {

int NanoCodecSpec::codebook_size() const {
  int n = 1;
  for (int l : levels) n *= l;
  return n;
}

int NanoCodecSpec::samples_per_frame() const {
  int n = 1;
  for (int r : up_rates) n *= r;
  return n;
}

int NanoCodecSpec::receptive_field_frames() const {
  // Walk back from the output: history in samples at each rate, converted to frames.
  int64_t hist = out_kernel - 1;
  int64_t res = 0;
  for (int k : res_kernels) {
    int64_t chain = 0;
    for (int d : res_dilations) chain += static_cast<int64_t>(k - 1) * d + (k - 1);
    res = std::max(res, chain);
  }
  for (size_t i = up_rates.size(); i-- > 0;) {
    hist += res;
    hist = (hist + up_rates[i] - 1) / up_rates[i] + 1;  // the transposed conv reads one more column
  }
  return static_cast<int>(hist + in_kernel - 1);
}

std::vector<std::vector<float>> fsq_dequantize(const NanoCodecSpec& spec,
                                               const std::vector<std::vector<int32_t>>& codes) {
  if (static_cast<int>(codes.size()) != spec.groups) throw std::runtime_error("fsq: one code row per codebook");
  const size_t T = codes[0].size();
  const int dims = static_cast<int>(spec.levels.size());
  std::vector<std::vector<float>> latent(static_cast<size_t>(spec.latent_dim()), std::vector<float>(T));
  for (int g = 0; g < spec.groups; ++g) {
    if (codes[static_cast<size_t>(g)].size() != T) throw std::runtime_error("fsq: codebooks of different lengths");
    for (size_t t = 0; t < T; ++t) {
      int32_t n = codes[static_cast<size_t>(g)][t];
      if (n < 0 || n >= spec.codebook_size()) throw std::runtime_error("fsq: code out of range");
      int base = 1;
      for (int d = 0; d < dims; ++d) {
        const int L = spec.levels[static_cast<size_t>(d)];
        const int q = (n / base) % L, half = L / 2;
        latent[static_cast<size_t>(g * dims + d)][t] = static_cast<float>(q - half) / static_cast<float>(half);
        base *= L;
      }
    }
  }
  return latent;
}

std::vector<float> fold_weight_norm(const std::vector<float>& g, const std::vector<float>& v) {
  if (g.empty() || v.size() % g.size()) throw std::runtime_error("weight norm: g and v do not match");
  const size_t per = v.size() / g.size();
  std::vector<float> w(v.size());
  for (size_t o = 0; o < g.size(); ++o) {
    double norm = 0;
    for (size_t i = 0; i < per; ++i) norm += static_cast<double>(v[o * per + i]) * v[o * per + i];
    norm = std::sqrt(norm);
    for (size_t i = 0; i < per; ++i) w[o * per + i] = static_cast<float>(g[o] * v[o * per + i] / norm);
  }
  return w;
}

const std::vector<float>& NanoCodecDecoder::tensor(const std::string& name) const {
  auto it = weights_.find(name);
  if (it == weights_.end()) throw std::runtime_error("nanocodec reference: missing tensor " + name);
  return it->second;
}

NanoCodecDecoder::Conv NanoCodecDecoder::conv(const std::string& name, int in, int out, int kernel,
                                              bool transposed) const {
  Conv c;
  c.in = in;
  c.out = out;
  c.kernel = kernel;
  if (weights_.count(name + ".weight")) {
    c.weight = tensor(name + ".weight");
  } else if (weights_.count(name + ".parametrizations.weight.original0")) {
    c.weight = fold_weight_norm(tensor(name + ".parametrizations.weight.original0"),
                                tensor(name + ".parametrizations.weight.original1"));
  } else {
    c.weight = fold_weight_norm(tensor(name + ".weight_g"), tensor(name + ".weight_v"));
  }
  const size_t expected =
      static_cast<size_t>(transposed ? in : out) * static_cast<size_t>(transposed ? 1 : in) * kernel;
  if (c.weight.size() != expected) throw std::runtime_error("nanocodec reference: " + name + " has the wrong size");
  c.bias = tensor(name + ".bias");
  if (static_cast<int>(c.bias.size()) != out) throw std::runtime_error("nanocodec reference: " + name + ".bias size");
  return c;
}

std::vector<float> NanoCodecDecoder::alpha(const std::string& activation, int channels) const {
  const auto& a = tensor(activation + ".activation.snake_act.alpha");
  if (static_cast<int>(a.size()) != channels / 2)
    throw std::runtime_error("nanocodec reference: " + activation + " alpha size");
  return a;
}

NanoCodecDecoder::NanoCodecDecoder(NanoCodecSpec spec, const WeightMap& weights)
    : spec_(std::move(spec)), weights_(weights) {
  const std::string& p = spec_.prefix;
  int channels = spec_.base_channels;
  pre_conv_ = conv(p + "pre_conv.conv", spec_.latent_dim(), channels, spec_.in_kernel, false);
  for (size_t i = 0; i < spec_.up_rates.size(); ++i) {
    const std::string n = std::to_string(i);
    const int rate = spec_.up_rates[i], out = channels / 2;
    if (out < 1 || channels % out) throw std::runtime_error("nanocodec reference: channels must halve evenly");
    up_alphas_.push_back(alpha(p + "activations." + n, channels));
    up_convs_.push_back(conv(p + "up_sample_conv_layers." + n + ".conv", channels, out, 2 * rate, true));
    channels = out;
    std::vector<std::vector<Residual>> stage;
    for (size_t k = 0; k < spec_.res_kernels.size(); ++k) {
      std::vector<Residual> chain;
      for (size_t d = 0; d < spec_.res_dilations.size(); ++d) {
        const std::string r =
            p + "res_layers." + n + ".res_blocks." + std::to_string(k) + ".res_blocks." + std::to_string(d) + ".";
        const int K = spec_.res_kernels[k];
        Residual res;
        res.dilation = spec_.res_dilations[d];
        res.input_alpha = alpha(r + "input_activation", channels);
        res.input_conv = conv(r + "input_conv.conv", channels, channels, K, false);
        res.skip_alpha = alpha(r + "skip_activation", channels);
        res.skip_conv = conv(r + "skip_conv.conv", channels, channels, K, false);
        chain.push_back(std::move(res));
      }
      stage.push_back(std::move(chain));
    }
    res_.push_back(std::move(stage));
  }
  post_alpha_ = alpha(p + "post_activation", channels);
  post_conv_ = conv(p + "post_conv.conv", channels, 1, spec_.out_kernel, false);
}

// y[o][t] = b[o] + Σ_c Σ_k W[o][c][k] · x[c][t − (K−1−k)·dil], zeros before the first frame.
NanoCodecDecoder::Signal NanoCodecDecoder::causal_conv(const Conv& c, int dilation, const Signal& x,
                                                       std::vector<float>& history) const {
  const size_t T = x.empty() ? 0 : x[0].size();
  const size_t span = static_cast<size_t>((c.kernel - 1) * dilation);
  if (history.empty()) history.assign(static_cast<size_t>(c.in) * span, 0.0f);
  // ext[ch] = history (span columns) followed by x
  Signal ext(static_cast<size_t>(c.in));
  for (int ch = 0; ch < c.in; ++ch) {
    auto& e = ext[static_cast<size_t>(ch)];
    e.assign(history.begin() + static_cast<std::ptrdiff_t>(ch * span),
             history.begin() + static_cast<std::ptrdiff_t>((ch + 1) * span));
    e.insert(e.end(), x[static_cast<size_t>(ch)].begin(), x[static_cast<size_t>(ch)].end());
  }
  Signal y(static_cast<size_t>(c.out), std::vector<float>(T));
  for (int o = 0; o < c.out; ++o)
    for (size_t t = 0; t < T; ++t) {
      double acc = c.bias[static_cast<size_t>(o)];
      for (int ch = 0; ch < c.in; ++ch) {
        const float* w = &c.weight[(static_cast<size_t>(o) * c.in + ch) * c.kernel];
        const auto& e = ext[static_cast<size_t>(ch)];
        for (int k = 0; k < c.kernel; ++k) acc += static_cast<double>(w[k]) * e[t + static_cast<size_t>(k * dilation)];
      }
      y[static_cast<size_t>(o)][t] = static_cast<float>(acc);
    }
  for (int ch = 0; ch < c.in; ++ch) {
    const auto& e = ext[static_cast<size_t>(ch)];
    std::copy(e.end() - static_cast<std::ptrdiff_t>(span), e.end(),
              history.begin() + static_cast<std::ptrdiff_t>(ch * span));
  }
  return y;
}

// Grouped (groups = out, in/out inputs per group), kernel 2r, stride r, right-trimmed by r:
// out[o][t·r + j] = b[o] + Σ_{c ∈ group o} x[c][t]·W[c][j] + x[c][t−1]·W[c][j + r].
NanoCodecDecoder::Signal NanoCodecDecoder::causal_conv_transposed(const Conv& c, int rate, const Signal& x,
                                                                  std::vector<float>& history) const {
  const size_t T = x.empty() ? 0 : x[0].size();
  const int per_group = c.in / c.out;
  if (history.empty()) history.assign(static_cast<size_t>(c.in), 0.0f);
  Signal y(static_cast<size_t>(c.out), std::vector<float>(T * static_cast<size_t>(rate)));
  for (int o = 0; o < c.out; ++o)
    for (size_t t = 0; t < T; ++t)
      for (int j = 0; j < rate; ++j) {
        double acc = c.bias[static_cast<size_t>(o)];
        for (int i = 0; i < per_group; ++i) {
          const int ch = o * per_group + i;
          const float* w = &c.weight[static_cast<size_t>(ch) * c.kernel];
          const float prev = t > 0 ? x[static_cast<size_t>(ch)][t - 1] : history[static_cast<size_t>(ch)];
          acc += static_cast<double>(x[static_cast<size_t>(ch)][t]) * w[j] + static_cast<double>(prev) * w[j + rate];
        }
        y[static_cast<size_t>(o)][t * static_cast<size_t>(rate) + static_cast<size_t>(j)] = static_cast<float>(acc);
      }
  if (T > 0)
    for (int ch = 0; ch < c.in; ++ch) history[static_cast<size_t>(ch)] = x[static_cast<size_t>(ch)][T - 1];
  return y;
}

// First C/2 channels: x + sin²(αx)/(α + 1e-9); the rest: LeakyReLU(0.01).
void NanoCodecDecoder::half_snake(Signal& x, const std::vector<float>& alpha) const {
  const size_t snake = alpha.size();
  for (size_t ch = 0; ch < x.size(); ++ch)
    for (float& v : x[ch]) {
      if (ch < snake) {
        const double a = alpha[ch], s = std::sin(a * v);
        v = static_cast<float>(v + s * s / (a + 1e-9));
      } else if (v < 0) {
        v *= 0.01f;
      }
    }
}

std::vector<float> NanoCodecDecoder::decode(const std::vector<std::vector<int32_t>>& codes, State& state) const {
  Signal x = fsq_dequantize(spec_, codes);
  size_t slot = 0;
  auto hist = [&]() -> std::vector<float>& {
    if (slot == state.history.size()) state.history.emplace_back();
    return state.history[slot++];
  };
  x = causal_conv(pre_conv_, 1, x, hist());
  for (size_t i = 0; i < up_convs_.size(); ++i) {
    half_snake(x, up_alphas_[i]);
    x = causal_conv_transposed(up_convs_[i], spec_.up_rates[i], x, hist());
    // HiFiGANResLayer: the mean of one residual chain per kernel size, all on the same input.
    Signal sum(x.size(), std::vector<float>(x.empty() ? 0 : x[0].size(), 0.0f));
    for (const auto& chain : res_[i]) {
      Signal y = x;
      for (const auto& r : chain) {
        Signal u = y;
        half_snake(u, r.input_alpha);
        u = causal_conv(r.input_conv, r.dilation, u, hist());
        half_snake(u, r.skip_alpha);
        u = causal_conv(r.skip_conv, 1, u, hist());
        for (size_t ch = 0; ch < y.size(); ++ch)
          for (size_t t = 0; t < y[ch].size(); ++t) y[ch][t] += u[ch][t];
      }
      for (size_t ch = 0; ch < y.size(); ++ch)
        for (size_t t = 0; t < y[ch].size(); ++t) sum[ch][t] += y[ch][t];
    }
    const float n = static_cast<float>(res_[i].size());
    for (auto& row : sum)
      for (float& v : row) v /= n;
    x = std::move(sum);
  }
  half_snake(x, post_alpha_);
  x = causal_conv(post_conv_, 1, x, hist());
  std::vector<float> audio = x[0];
  for (float& v : audio) v = std::clamp(v, -1.0f, 1.0f);
  state.started = true;
  return audio;
}

}  // namespace vole::ref
