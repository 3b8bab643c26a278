#include "support/codec_writer.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "support/torch_writer.h"
#include "util/half.h"

namespace vole::test {

CodecSpec real_nanocodec_spec() {
  CodecSpec s;
  s.channels = 864;
  s.up_rates = {7, 7, 6, 3, 2};
  s.res_kernels = {3, 7, 11};
  s.res_dilations = {1, 3, 5};
  return s;
}

namespace {

std::string block_list(const std::vector<int>& v, const std::string& indent) {
  std::string s;
  for (int x : v) s += indent + "- " + std::to_string(x) + "\n";
  return s;
}

}  // namespace

std::string nanocodec_yaml(const CodecSpec& s) {
  int spf = 1;
  for (int r : s.up_rates) spf *= r;
  std::string y;
  y += "sample_rate: " + std::to_string(s.sample_rate) + "\n";
  y += "samples_per_frame: " + std::to_string(spf) + "\n";
  y += "vector_quantizer:\n";
  y += "  _target_: nemo.collections.tts.modules.audio_codec_modules.GroupFiniteScalarQuantizer\n";
  y += "  num_groups: " + std::to_string(s.groups) + "\n";
  y += "  num_levels_per_group:\n" + block_list(s.levels, "  ");
  y += "audio_decoder:\n";
  y += "  _target_: nemo.collections.tts.modules.audio_codec_modules.CausalHiFiGANDecoder\n";
  y += "  up_sample_rates:\n" + block_list(s.up_rates, "  ");
  y += "  input_dim: " + std::to_string(s.groups * static_cast<int>(s.levels.size())) + "\n";
  y += "  base_channels: " + std::to_string(s.channels) + "\n";
  y += "  in_kernel_size: " + std::to_string(s.in_kernel) + "\n";
  y += "  out_kernel_size: " + std::to_string(s.out_kernel) + "\n";
  y += "  resblock_kernel_sizes:\n" + block_list(s.res_kernels, "  ");
  y += "  resblock_dilation_sizes:\n" + block_list(s.res_dilations, "  ");
  y += "  activation: half_snake\n";
  y += "  output_activation: clamp\n";
  y += "  pad_mode: zero\n";
  y += "  n_groups_equal_to_out_channels: true\n";
  y += "optim:\n  name: adamw\n  lr: 0.0002\n";
  return y;
}

std::map<std::string, std::vector<float>> write_nanocodec(const std::filesystem::path& path, const CodecSpec& s) {
  std::mt19937 rng(s.seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::uniform_real_distribution<float> u(0.3f, 1.5f);
  TorchStateDict dict;
  std::map<std::string, std::vector<float>> stored;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
    if (s.f16) {
      std::vector<uint16_t> h(values.size());
      f32_to_f16(values, h);
      std::vector<uint8_t> bytes(h.size() * 2);
      std::memcpy(bytes.data(), h.data(), bytes.size());
      dict.add(name, model::StDType::F16, shape, bytes);
      f16_to_f32(h, values);
    } else {
      dict.add_f32(name, shape, values);
    }
    stored[name] = values;
  };
  auto conv = [&](const std::string& name, int64_t d0, int64_t d1, int64_t k, int64_t bias) {
    std::vector<float> g, v, b;
    for (int64_t i = 0; i < d0; ++i) g.push_back(u(rng));
    for (int64_t i = 0; i < d0 * d1 * k; ++i) v.push_back(n(rng));
    for (int64_t i = 0; i < bias; ++i) b.push_back(0.1f * n(rng));
    add(name + ".parametrizations.weight.original0", {d0, 1, 1}, g);
    add(name + ".parametrizations.weight.original1", {d0, d1, k}, v);
    add(name + ".bias", {bias}, b);
  };
  auto alpha = [&](const std::string& name, int64_t channels) {
    std::vector<float> a;
    for (int64_t i = 0; i < channels / 2; ++i) a.push_back(u(rng));
    add(name + ".activation.snake_act.alpha", {1, channels / 2, 1}, a);
  };
  // What a training checkpoint holds besides the decoder (never read by decoding).
  dict.add_f32("audio_encoder.pre_conv.conv.bias", {2}, {0.5f, -0.5f});
  int base = 1;
  for (int g = 0; g < s.groups; ++g) {
    std::vector<uint8_t> levels, bases;
    base = 1;
    for (int l : s.levels) {
      for (int i = 0; i < 4; ++i) levels.push_back(static_cast<uint8_t>(l >> (8 * i)));
      for (int i = 0; i < 4; ++i) bases.push_back(static_cast<uint8_t>(base >> (8 * i)));
      base *= l;
    }
    const int64_t d = static_cast<int64_t>(s.levels.size());
    dict.add("vector_quantizer.fsqs." + std::to_string(g) + ".num_levels", model::StDType::I32, {1, d, 1}, levels);
    dict.add("vector_quantizer.fsqs." + std::to_string(g) + ".dim_base_index", model::StDType::I32, {1, d, 1}, bases);
  }
  const std::string p = "audio_decoder.";
  int64_t c = s.channels;
  conv(p + "pre_conv.conv", c, s.groups * static_cast<int64_t>(s.levels.size()), s.in_kernel, c);
  for (size_t i = 0; i < s.up_rates.size(); ++i) {
    const std::string idx = std::to_string(i);
    alpha(p + "activations." + idx, c);
    conv(p + "up_sample_conv_layers." + idx + ".conv", c, 1, 2 * s.up_rates[i], c / 2);
    c /= 2;
    for (size_t k = 0; k < s.res_kernels.size(); ++k)
      for (size_t d = 0; d < s.res_dilations.size(); ++d) {
        const std::string r =
            p + "res_layers." + idx + ".res_blocks." + std::to_string(k) + ".res_blocks." + std::to_string(d) + ".";
        alpha(r + "input_activation", c);
        conv(r + "input_conv.conv", c, c, s.res_kernels[k], c);
        alpha(r + "skip_activation", c);
        conv(r + "skip_conv.conv", c, c, s.res_kernels[k], c);
      }
  }
  alpha(p + "post_activation", c);
  conv(p + "post_conv.conv", 1, c, s.out_kernel, 1);
  write_nemo(path, nanocodec_yaml(s), dict);
  return stored;
}

std::vector<std::vector<int32_t>> random_codes(int groups, int codebook_size, size_t frames, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> d(0, codebook_size - 1);
  std::vector<std::vector<int32_t>> codes(static_cast<size_t>(groups), std::vector<int32_t>(frames));
  for (auto& row : codes)
    for (auto& v : row) v = d(rng);
  return codes;
}

std::vector<std::vector<int32_t>> code_frames(const std::vector<std::vector<int32_t>>& codes, size_t begin, size_t n) {
  std::vector<std::vector<int32_t>> out;
  for (const auto& row : codes) {
    const size_t b = std::min(begin, row.size()), e = std::min(begin + n, row.size());
    out.emplace_back(row.begin() + static_cast<std::ptrdiff_t>(b), row.begin() + static_cast<std::ptrdiff_t>(e));
  }
  return out;
}

}  // namespace vole::test
