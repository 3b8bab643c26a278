// The NanoCodec CPU reference on tiny random decoders in the real tensor layout: FSQ
// de-quantisation by hand, weight-norm folding, streaming decode in any grouping equals
// one whole decode, causality and the receptive field, clamped output, and the same
// decoder read from a real-layout .nemo archive (weight norm kept as
// parametrizations.weight.original0/1, f16 tensors) through engine/model's reader.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "model/nemo_archive.h"
#include "reference/nanocodec.h"
#include "support/temp_dir.h"
#include "support/torch_writer.h"
#include "util/half.h"

namespace vole::ref {
namespace {

// 28 channels -> 14 -> 7 (odd, like the real 27), rates 3 and 2: 6 samples per frame.
NanoCodecSpec tiny_spec() {
  NanoCodecSpec s;
  s.base_channels = 28;
  s.up_rates = {3, 2};
  s.res_kernels = {3, 5};
  s.res_dilations = {1, 2};
  return s;
}

struct Param {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// Every decoder tensor with NeMo's names; convs weight-normalised (g, v).
std::vector<Param> tiny_params(const NanoCodecSpec& s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::uniform_real_distribution<float> u(0.3f, 1.5f);
  std::vector<Param> out;
  auto conv = [&](const std::string& name, int64_t d0, int64_t d1, int64_t k, int64_t bias) {
    Param g{name + ".parametrizations.weight.original0", {d0, 1, 1}, {}};
    for (int64_t i = 0; i < d0; ++i) g.values.push_back(u(rng));
    Param v{name + ".parametrizations.weight.original1", {d0, d1, k}, {}};
    for (int64_t i = 0; i < d0 * d1 * k; ++i) v.values.push_back(n(rng));
    Param b{name + ".bias", {bias}, {}};
    for (int64_t i = 0; i < bias; ++i) b.values.push_back(0.1f * n(rng));
    out.push_back(g);
    out.push_back(v);
    out.push_back(b);
  };
  auto alpha = [&](const std::string& name, int64_t channels) {
    Param a{name + ".activation.snake_act.alpha", {1, channels / 2, 1}, {}};
    for (int64_t i = 0; i < channels / 2; ++i) a.values.push_back(u(rng));
    out.push_back(a);
  };
  const std::string p = s.prefix;
  int64_t c = s.base_channels;
  conv(p + "pre_conv.conv", c, s.latent_dim(), s.in_kernel, c);
  for (size_t i = 0; i < s.up_rates.size(); ++i) {
    const std::string n = std::to_string(i);
    alpha(p + "activations." + n, c);
    conv(p + "up_sample_conv_layers." + n + ".conv", c, 1, 2 * s.up_rates[i], c / 2);
    c /= 2;
    for (size_t k = 0; k < s.res_kernels.size(); ++k)
      for (size_t d = 0; d < s.res_dilations.size(); ++d) {
        const std::string r =
            p + "res_layers." + n + ".res_blocks." + std::to_string(k) + ".res_blocks." + std::to_string(d) + ".";
        alpha(r + "input_activation", c);
        conv(r + "input_conv.conv", c, c, s.res_kernels[k], c);
        alpha(r + "skip_activation", c);
        conv(r + "skip_conv.conv", c, c, s.res_kernels[k], c);
      }
  }
  alpha(p + "post_activation", c);
  conv(p + "post_conv.conv", 1, c, s.out_kernel, 1);
  return out;
}

WeightMap as_map(const std::vector<Param>& params) {
  WeightMap m;
  for (const auto& p : params) m[p.name] = p.values;
  return m;
}

std::vector<std::vector<int32_t>> random_codes(const NanoCodecSpec& s, size_t frames, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<int32_t>> codes(static_cast<size_t>(s.groups), std::vector<int32_t>(frames));
  for (auto& row : codes)
    for (auto& c : row) c = static_cast<int32_t>(rng() % static_cast<uint32_t>(s.codebook_size()));
  return codes;
}

std::vector<std::vector<int32_t>> frames(const std::vector<std::vector<int32_t>>& codes, size_t begin, size_t end) {
  std::vector<std::vector<int32_t>> out;
  for (const auto& row : codes)
    out.emplace_back(row.begin() + static_cast<long>(begin), row.begin() + static_cast<long>(end));
  return out;
}

TEST(NanoCodecReference, RealConfigNumbers) {
  NanoCodecSpec real;
  EXPECT_EQ(real.codebook_size(), 4032);
  EXPECT_EQ(real.samples_per_frame(), 1764);
  EXPECT_EQ(real.latent_dim(), 16);
  EXPECT_EQ(real.sample_rate / real.samples_per_frame() * 1000 +
                (real.sample_rate % real.samples_per_frame()) * 1000 / real.samples_per_frame(),
            12500);
  EXPECT_EQ(real.receptive_field_frames(), 28);
}

TEST(NanoCodecReference, FsqDequantisationByHand) {
  NanoCodecSpec s;
  auto latent = fsq_dequantize(s, {{0, 4031, 1 + 2 * 9 + 3 * 72 + 4 * 576}, {0, 0, 0}, {0, 0, 0}, {4031, 4031, 4031}});
  ASSERT_EQ(latent.size(), 16u);
  auto col = [&](size_t t, size_t g) {
    return std::vector<float>{latent[4 * g][t], latent[4 * g + 1][t], latent[4 * g + 2][t], latent[4 * g + 3][t]};
  };
  EXPECT_EQ(col(0, 0), (std::vector<float>{-1, -1, -1, -1}));
  EXPECT_EQ(col(1, 0), (std::vector<float>{1, 0.75f, 0.75f, 1}));  // levels 9, 8, 8, 7 at their top
  EXPECT_EQ(col(2, 0), (std::vector<float>{-0.75f, -0.5f, -0.25f, 1.0f / 3}));
  EXPECT_EQ(col(2, 3), (std::vector<float>{1, 0.75f, 0.75f, 1}));  // codebook 3 fills latent 12..15
  EXPECT_THROW(fsq_dequantize(s, {{4032}, {0}, {0}, {0}}), std::runtime_error);
  EXPECT_THROW(fsq_dequantize(s, {{-1}, {0}, {0}, {0}}), std::runtime_error);
  EXPECT_THROW(fsq_dequantize(s, {{0}, {0}, {0}}), std::runtime_error);
}

TEST(NanoCodecReference, WeightNormFolding) {
  // two output rows: v = (3, 4) and (0, 2); g = (10, 0.5)
  auto w = fold_weight_norm({10, 0.5f}, {3, 4, 0, 2});
  EXPECT_NEAR(w[0], 6, 1e-6);
  EXPECT_NEAR(w[1], 8, 1e-6);
  EXPECT_NEAR(w[2], 0, 1e-6);
  EXPECT_NEAR(w[3], 0.5, 1e-6);
  EXPECT_THROW(fold_weight_norm({1, 2}, {1, 2, 3}), std::runtime_error);
}

TEST(NanoCodecReference, StreamingEqualsWholeDecode) {
  auto spec = tiny_spec();
  auto weights = as_map(tiny_params(spec, 1));
  NanoCodecDecoder dec(spec, weights);
  auto codes = random_codes(spec, 11, 2);
  auto whole = dec.decode_all(codes);
  ASSERT_EQ(whole.size(), 11u * 6);
  for (float x : whole) ASSERT_TRUE(x >= -1.0f && x <= 1.0f);
  for (const std::vector<size_t>& groups : {std::vector<size_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                                            std::vector<size_t>{4, 3, 4}, std::vector<size_t>{2, 9}}) {
    auto state = dec.new_state();
    std::vector<float> streamed;
    size_t at = 0;
    for (size_t n : groups) {
      auto part = dec.decode(frames(codes, at, at + n), state);
      EXPECT_EQ(part.size(), n * 6);
      streamed.insert(streamed.end(), part.begin(), part.end());
      at += n;
    }
    ASSERT_EQ(streamed.size(), whole.size());
    for (size_t i = 0; i < whole.size(); ++i) ASSERT_NEAR(streamed[i], whole[i], 1e-6) << "sample " << i;
  }
}

TEST(NanoCodecReference, CausalWithTheComputedReceptiveField) {
  auto spec = tiny_spec();
  auto weights = as_map(tiny_params(spec, 4));
  NanoCodecDecoder dec(spec, weights);
  const size_t T = 60, spf = 6;
  auto codes = random_codes(spec, T, 5);
  auto base = dec.decode_all(codes);
  const size_t k = 20;
  auto changed = codes;
  for (auto& row : changed) row[k] = (row[k] + 1234) % spec.codebook_size();
  auto other = dec.decode_all(changed);
  for (size_t i = 0; i < k * spf; ++i) ASSERT_EQ(other[i], base[i]) << "sample " << i << " depends on a later frame";
  size_t last = 0;
  for (size_t i = k * spf; i < T * spf; ++i)
    if (other[i] != base[i]) last = i / spf;
  EXPECT_GT(last, k);
  EXPECT_LE(last - k, static_cast<size_t>(spec.receptive_field_frames()));
}

TEST(NanoCodecReference, ReadsTheRealNemoLayout) {
  auto spec = tiny_spec();
  auto params = tiny_params(spec, 8);
  // Store the weights as f16 (as a converted checkpoint might); the map the decoder sees
  // must hold the same f16-rounded values.
  test::TorchStateDict dict;
  WeightMap expected;
  for (const auto& p : params) {
    std::vector<uint16_t> h(p.values.size());
    f32_to_f16(p.values, h);
    std::vector<uint8_t> bytes(h.size() * 2);
    std::memcpy(bytes.data(), h.data(), bytes.size());
    dict.add(p.name, model::StDType::F16, p.shape, bytes);
    std::vector<float> back(h.size());
    f16_to_f32(h, back);
    expected[p.name] = back;
  }
  // Training-time extras a real .nemo carries beside the decoder.
  dict.add_f32("audio_encoder.pre_conv.conv.bias", {2}, {1, 2});
  dict.add("vector_quantizer.fsqs.0.num_levels", model::StDType::I32, {1, 4, 1}, std::vector<uint8_t>(16, 0));
  test::TempDir dir;
  test::write_nemo(dir / "nano.nemo", "sample_rate: 22050\n", dict);

  model::NemoArchive nemo(dir.path());
  WeightMap loaded;
  for (const auto& t : nemo.weights().tensors()) {
    if (t.name.rfind(spec.prefix, 0) != 0) continue;
    ASSERT_EQ(t.dtype, model::StDType::F16);
    auto bytes = nemo.weights().read(t);
    std::vector<uint16_t> h(bytes.size() / 2);
    std::memcpy(h.data(), bytes.data(), bytes.size());
    std::vector<float> f(h.size());
    f16_to_f32(h, f);
    loaded[t.name] = f;
  }
  EXPECT_EQ(loaded, expected);
  auto codes = random_codes(spec, 5, 9);
  EXPECT_EQ(NanoCodecDecoder(spec, loaded).decode_all(codes), NanoCodecDecoder(spec, expected).decode_all(codes));
  WeightMap missing = loaded;
  missing.erase(spec.prefix + "post_conv.conv.bias");
  EXPECT_THROW(NanoCodecDecoder(spec, missing), std::runtime_error);
}

}  // namespace
}  // namespace vole::ref
