// The NanoCodec decoder on the GPU: its three kernels against plain CPU formulas, then
// the whole component, loaded from a generated .nemo (real layout: OmegaConf YAML,
// weight norm kept, FSQ buffers, encoder tensors beside), against the CPU reference
// (tests/reference/nanocodec.*): whole decode, streaming in pieces, f16 storage, and
// bad codes / archives refused with clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "arch/nanocodec/nanocodec.h"
#include "ops/codec.h"
#include "reference/nanocodec.h"
#include "support/codec_writer.h"
#include "support/gpu_test.h"
#include "support/temp_dir.h"
#include "support/torch_writer.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

// ---- kernels ----

TEST(CodecOps, CausalIm2colGathersDilatedTaps) {
  const int64_t t = 9, c = 5, k = 3, dil = 2, span = (k - 1) * dil;
  auto ext = random_floats((span + t) * c, 1);
  auto te = gpu_tensor(ext, {span + t, c});
  auto cols = gpu_output({t, c * k});
  gpu::Graph g(gpu_context(), "im2col");
  ops::causal_im2col(g, te, k, dil, cols);
  run_graph(g);
  std::vector<float> want(static_cast<size_t>(t * c * k));
  for (int64_t i = 0; i < t; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t j = 0; j < k; ++j)  // tap j reads time i - (k-1-j)*dil = ext row i + j*dil
        want[static_cast<size_t>((i * c + ch) * k + j)] = ext[static_cast<size_t>((i + j * dil) * c + ch)];
  expect_close(read_f32(cols), want, 0, 0, "cols");
}

TEST(CodecOps, CausalConvTransposeMatchesDefinition) {
  const int64_t t = 6, cin = 8, cout = 4, r = 3;
  auto ext = random_floats((1 + t) * cin, 2), w = random_floats(cin * 2 * r, 3), b = random_floats(cout, 4);
  auto out = gpu_output({t * r, cout});
  auto te = gpu_tensor(ext, {1 + t, cin}), tw = gpu_tensor(w, {cin, 2 * r}), tb = gpu_tensor(b, {cout});
  gpu::Graph g(gpu_context(), "convT");
  ops::causal_conv_transpose(g, te, tw, tb, r, out);
  run_graph(g);
  // The full transposed conv z[s] = Σ_t x[t]·W[s − r·t] (x[-1] = ext row 0), trimmed to T·r.
  std::vector<float> want(static_cast<size_t>(t * r * cout));
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t s = 0; s < t * r; ++s) {
      double acc = b[static_cast<size_t>(o)];
      for (int64_t ci = 2 * o; ci < 2 * o + 2; ++ci)
        for (int64_t ti = -1; ti < t; ++ti) {
          int64_t tap = s - r * ti;
          if (tap < 0 || tap >= 2 * r) continue;
          acc += static_cast<double>(ext[static_cast<size_t>((ti + 1) * cin + ci)]) *
                 w[static_cast<size_t>(ci * 2 * r + tap)];
        }
      want[static_cast<size_t>(s * cout + o)] = static_cast<float>(acc);
    }
  expect_close(read_f32(out), want, 1e-5f, 1e-5f, "out");
}

TEST(CodecOps, HalfSnakeAndClamp) {
  const int64_t t = 7, c = 9;  // odd: 4 Snake channels, 5 LeakyReLU
  auto x = random_floats(t * c, 5, -3, 3), alpha = random_floats(4, 6, 0.2f, 2.0f);
  auto out = gpu_output({t, c}), clamped = gpu_output({t, c});
  auto tx = gpu_tensor(x, {t, c}), ta = gpu_tensor(alpha, {4});
  gpu::Graph g(gpu_context(), "snake");
  ops::half_snake(g, tx, ta, 0.5f, out);
  ops::clamp_unit(g, tx, clamped);
  run_graph(g);
  std::vector<float> want(x.size()), want_clamp(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t ch = i % static_cast<size_t>(c);
    const double v = 0.5 * x[i];
    if (ch < 4) {
      const double a = alpha[ch], s = std::sin(a * v);
      want[i] = static_cast<float>(v + s * s / (a + 1e-9));
    } else {
      want[i] = static_cast<float>(v < 0 ? 0.01 * v : v);
    }
    want_clamp[i] = std::clamp(x[i], -1.0f, 1.0f);
  }
  expect_close(read_f32(out), want, 1e-5f, 1e-6f, "half snake");
  expect_close(read_f32(clamped), want_clamp, 0, 0, "clamp");
}

// ---- the component ----

ref::NanoCodecSpec reference_spec(const CodecSpec& s) {
  ref::NanoCodecSpec r;
  r.levels = s.levels;
  r.groups = s.groups;
  r.base_channels = s.channels;
  r.up_rates = s.up_rates;
  r.res_kernels = s.res_kernels;
  r.res_dilations = s.res_dilations;
  r.in_kernel = s.in_kernel;
  r.out_kernel = s.out_kernel;
  return r;
}

std::vector<std::vector<int32_t>> random_codes(const CodecSpec& s, size_t frames, uint32_t seed) {
  int size = 1;
  for (int l : s.levels) size *= l;
  return test::random_codes(s.groups, size, frames, seed);
}

// Samples within atol of the reference; and the comparison means something: most samples
// are not clamped.
void expect_audio_close(const std::vector<float>& got, const std::vector<float>& want, float atol,
                        const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t inside = 0;
  for (float w : want) inside += std::fabs(w) < 0.999f;
  EXPECT_GT(inside, want.size() / 2) << what << ": the reference output is mostly clamped";
  expect_close(got, want, 0, atol, what);
}

class NanoCodecGpu : public ::testing::TestWithParam<bool> {  // param: f16 storage
 protected:
  void SetUp() override {
    spec_.f16 = GetParam();
    weights_ = write_nanocodec(dir_ / "nano.nemo", spec_);
    codec_ = arch::NanoCodecDecoder::load(gpu_context(), dir_.path());
    reference_ = std::make_unique<ref::NanoCodecDecoder>(reference_spec(spec_), weights_);
  }
  CodecSpec spec_;
  TempDir dir_{"vole-codec"};
  ref::WeightMap weights_;
  std::unique_ptr<arch::NanoCodecDecoder> codec_;
  std::unique_ptr<ref::NanoCodecDecoder> reference_;
};

TEST_P(NanoCodecGpu, ReadsTheStructureFromTheArchive) {
  const auto& c = codec_->config();
  EXPECT_EQ(c.channels, spec_.channels);
  EXPECT_EQ(c.up_rates, spec_.up_rates);
  EXPECT_EQ(c.res_kernels, spec_.res_kernels);
  EXPECT_EQ(c.res_dilations, spec_.res_dilations);
  EXPECT_EQ(c.samples_per_frame(), 6);
  EXPECT_EQ(c.codebook_size(), 4032);
  EXPECT_EQ(c.sample_rate, 22050);
}

TEST_P(NanoCodecGpu, WholeDecodeMatchesReference) {
  auto codes = random_codes(spec_, 40, 7);
  arch::CodecStream stream(gpu_context(), *codec_);
  auto got = stream.decode(codes);
  expect_audio_close(got, reference_->decode_all(codes), 2e-4f, "40 frames");
}

// Pieces of 1, 3, 7 and 29 frames continue each other exactly (the causal state is
// carried), and equal the whole decode; reset starts a new utterance.
TEST_P(NanoCodecGpu, StreamingEqualsWholeDecode) {
  auto codes = random_codes(spec_, 40, 8);
  auto want = reference_->decode_all(codes);
  arch::CodecStream stream(gpu_context(), *codec_);
  auto whole = stream.decode(codes);
  stream.reset();
  std::vector<float> pieces;
  size_t at = 0;
  for (size_t n : {1, 3, 7, 29}) {
    auto part = stream.decode(code_frames(codes, at, n));
    pieces.insert(pieces.end(), part.begin(), part.end());
    at += n;
  }
  expect_audio_close(pieces, want, 2e-4f, "pieces");
  expect_close(pieces, whole, 0, 2e-5f, "pieces vs whole");
}

TEST_P(NanoCodecGpu, BadCodesAreRefused) {
  arch::CodecStream stream(gpu_context(), *codec_);
  auto codes = random_codes(spec_, 3, 9);
  auto bad = codes;
  bad[2][1] = 4032;
  EXPECT_THROW(stream.decode(bad), Error);
  bad = codes;
  bad[0][0] = -1;
  EXPECT_THROW(stream.decode(bad), Error);
  bad = codes;
  bad.pop_back();
  EXPECT_THROW(stream.decode(bad), Error);
  bad = codes;
  bad[3].pop_back();
  EXPECT_THROW(stream.decode(bad), Error);
  EXPECT_THROW(stream.decode(code_frames(codes, 0, 0)), Error);
}

INSTANTIATE_TEST_SUITE_P(Storage, NanoCodecGpu, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? std::string("f16") : std::string("f32"); });

TEST(NanoCodecArchive, UnsupportedOrDamagedArchivesAreClearErrors) {
  TempDir dir("vole-codec-bad");
  CodecSpec spec;
  auto expect_error = [&](const std::string& name, const std::string& yaml, ErrorCode code, const std::string& part) {
    // Rewrite the archive with another config (same weights).
    auto weights = write_nanocodec(dir / "ok.nemo", spec);
    TorchStateDict dict;
    for (const auto& [n, v] : weights) {
      std::vector<int64_t> shape = {static_cast<int64_t>(v.size())};
      dict.add_f32(n, shape, v);
    }
    std::filesystem::create_directories(dir / name);
    write_nemo(dir / name / "x.nemo", yaml, dict);
    try {
      arch::NanoCodecDecoder::load(gpu_context(), dir / name);
      ADD_FAILURE() << name << ": loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << name << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << name << ": " << e.what();
    }
  };
  std::string yaml = nanocodec_yaml(spec);
  std::string snake = yaml;
  snake.replace(snake.find("activation: half_snake"), 22, "activation: lrelu");
  expect_error("activation", snake, ErrorCode::Unsupported, "lrelu");
  std::string tanh_out = yaml;
  tanh_out.replace(tanh_out.find("output_activation: clamp"), 24, "output_activation: tanh");
  expect_error("output", tanh_out, ErrorCode::Unsupported, "tanh");
  // Flattened tensors: the shapes no longer match the declarations.
  expect_error("shapes", yaml, ErrorCode::InvalidFile, "pre_conv");
  expect_error("yaml", "audio_decoder: [unclosed\n", ErrorCode::InvalidFile, "YAML");
}

}  // namespace
