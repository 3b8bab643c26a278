// Moonshine Streaming (engine/arch/moonshine_streaming + runtime::SpeechToText) against
// the CPU reference (tests/reference/moonshine_streaming.*) on a tiny random checkpoint in
// the real layout, loaded by the real loader: the frame arithmetic, the encoder output at
// lengths around the frame, conv and window boundaries, the decoder memory (positions +
// projection) through forced logits and greedy decoding, the streaming guarantee (a
// prefix's settled frames are the whole input's), config refusals, and the CLI on a
// vole-make-checkpoint folder.
//
// Tolerances as test_moonshine_gpu.cpp: encoder 1e-3 (f32 weights, f32 sums on the GPU vs
// f64 in the reference), logits 5e-3 (f16 K/V caches).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <fstream>
#include <random>

#include "arch/families.h"
#include "arch/moonshine_streaming/moonshine_streaming.h"
#include "model/model_folder.h"
#include "moonshine_fixture.h"
#include "reference/moonshine_streaming.h"
#include "runtime/speech_to_text.h"
#include "support/gpu_test.h"
#include "support/temp_dir.h"
#include "text/tokenizer_families.h"
#include "util/error.h"
#include "util/file.h"

using namespace vole;

namespace {

std::vector<float> speechlike(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.05f);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    x[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * 180.0 * i / 16000) * std::sin(2 * M_PI * 2.0 * i / 16000)) +
           noise(rng);
  return x;
}

struct Fixture {
  test::TempDir dir;
  test::TinyMoonshineStreaming spec;
  ref::MoonshineStreamingModel reference;
  Fixture() {
    auto tokenizer = test::moonshine_style_json();
    spec.vocab = static_cast<int>(text::Tokenizer::from_json(tokenizer.dump(), "tokenizer.json").vocab_size());
    test::write_tiny_moonshine_streaming(dir.path(), spec);
    std::ofstream(dir.path() / "tokenizer.json") << tokenizer.dump();
    reference = ref::load_moonshine_streaming(dir.path());
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

runtime::SpeechToText& stt() {
  static std::unique_ptr<runtime::Engine> engine;
  static std::unique_ptr<runtime::SpeechToText> s;
  if (!s) {
    runtime::EngineOptions o;
    o.weights = model::Format::F32;
    o.cache = model::CachePolicy::Off;
    engine = std::make_unique<runtime::Engine>(fixture().dir.path(), o);
    s = std::make_unique<runtime::SpeechToText>(*engine);
  }
  return *s;
}

std::vector<float> reference_memory(std::span<const float> audio) {
  const auto& m = fixture().reference;
  return ref::moonshine_streaming_memory(m, ref::moonshine_streaming_encode(m, audio));
}

template <class F>
void expect_error(F&& f, ErrorCode code, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(MoonshineStreamingGpu, FrameCountFollowsTheSpec) {
  for (int64_t n : {79, 80, 81, 320, 321, 1600, 16000, 116800, 480000})
    EXPECT_EQ(arch::moonshine_streaming_frames(n), ref::moonshine_streaming_frame_count(n)) << n;
  EXPECT_EQ(arch::moonshine_streaming_frames(79), 0);
  EXPECT_EQ(arch::moonshine_streaming_frames(1600), 5);
  EXPECT_EQ(arch::moonshine_streaming_frames(16000), 50);
  EXPECT_EQ(arch::moonshine_streaming_frames(116800), 365);
  EXPECT_EQ(arch::moonshine_streaming_frames(480000), 1500);
}

// One frame (80), a zero-padded partial frame (100, 16000 + 257), 0.1 s, 1 s, a length
// that is one 80-sample frame past a conv step, and 7.3 s: every frame count crosses the
// windows (3 back / 2 ahead at most) except the first two.
TEST(MoonshineStreamingGpu, EncoderOutputMatchesTheReference) {
  auto& s = stt();
  for (int64_t n : {int64_t{80}, int64_t{100}, int64_t{1600}, int64_t{16000}, int64_t{16000 + 257}, int64_t{16000 + 80},
                    int64_t{116800}}) {
    auto audio = speechlike(n, static_cast<uint64_t>(n));
    ASSERT_EQ(s.encode(audio), ref::moonshine_streaming_frame_count(n));
    test::expect_close(s.encoder_output(), ref::moonshine_streaming_encode(fixture().reference, audio), 1e-3f, 1e-3f,
                       "encoder, " + std::to_string(n) + " samples");
  }
}

TEST(MoonshineStreamingGpu, ForcedLogitsMatchTheReference) {
  auto& s = stt();
  auto audio = speechlike(24000, 3);
  s.encode(audio);
  std::vector<int32_t> ids{1, 40, 7, 100, 3, 250, 2, 60};
  test::expect_close(s.forced_logits(ids),
                     ref::moonshine_decoder_logits(fixture().reference.decoder, reference_memory(audio), ids), 5e-3f,
                     5e-3f, "forced logits");
}

// Greedy decoding with the recorded step equals the reference's, each step the argmax of
// a full recompute; a second utterance does not see the first one's memory.
TEST(MoonshineStreamingGpu, GreedyDecodingMatchesTheReference) {
  auto& s = stt();
  auto a = speechlike(40000, 4), b = speechlike(12000, 5);
  s.encode(a);
  auto got = s.greedy(12);
  EXPECT_EQ(got, ref::moonshine_greedy_decode(fixture().reference.decoder, reference_memory(a), 12));
  std::vector<int32_t> prefix{s.start_token()};
  prefix.insert(prefix.end(), got.begin(), got.end() - 1);
  auto full = s.forced_logits(prefix);
  const int64_t vocab = s.decoder().dims().vocab;
  for (size_t t = 0; t < got.size(); ++t) {
    auto row = full.begin() + static_cast<int64_t>(t) * vocab;
    EXPECT_EQ(std::max_element(row, row + vocab) - row, got[t]) << "step " << t;
  }
  s.encode(b);
  EXPECT_EQ(s.greedy(8), ref::moonshine_greedy_decode(fixture().reference.decoder, reference_memory(b), 8));
}

// The streaming guarantee (spec §6): audio that grows by 320-sample blocks leaves every
// encoder frame but the last Σ ahead (1 + 0 + 2 = 3 here) as the whole input has it, on
// the GPU and in the reference; the frames of the tail are provisional (they differ).
TEST(MoonshineStreamingGpu, SettledFramesOfAPrefixAreTheWholeInputs) {
  auto& s = stt();
  auto whole = speechlike(320 * 60, 6);
  s.encode(whole);
  const auto all = s.encoder_output();
  const int64_t H = fixture().spec.encoder_hidden, ahead = 3;
  for (int64_t blocks : {int64_t{8}, int64_t{25}}) {
    std::span<const float> prefix(whole.data(), static_cast<size_t>(blocks * 320));
    ASSERT_EQ(s.encode(prefix), blocks);
    const auto part = s.encoder_output();
    const int64_t settled = (blocks - ahead) * H;
    test::expect_close(std::vector<float>(part.begin(), part.begin() + settled),
                       std::vector<float>(all.begin(), all.begin() + settled), 1e-5f, 1e-5f,
                       "settled frames of " + std::to_string(blocks) + " blocks");
    auto ref_part = ref::moonshine_streaming_encode(fixture().reference, prefix);
    auto ref_all = ref::moonshine_streaming_encode(fixture().reference, whole);
    for (int64_t i = 0; i < settled; ++i) ASSERT_EQ(ref_part[i], ref_all[i]) << "reference, value " << i;
    double tail = 0;
    for (int64_t i = settled; i < blocks * H; ++i) tail = std::max(tail, std::abs(double(part[i]) - all[i]));
    EXPECT_GT(tail, 1e-3) << "the last frames should still change as audio arrives";
  }
}

TEST(MoonshineStreamingGpu, RefusesWhatItCannotDecode) {
  auto& s = stt();
  std::vector<float> short_audio(79, 0.1f);
  expect_error([&] { s.encode(short_audio); }, ErrorCode::InvalidArgument, "too short");
  std::vector<float> long_audio(arch::kMoonshineMaxSamples + 1, 0.0f);
  expect_error([&] { s.encode(long_audio); }, ErrorCode::InvalidArgument, "split longer audio");
}

TEST(MoonshineStreamingGpu, ConfigsTheFamilyCannotRunAreRefused) {
  test::TempDir dir;
  test::write_tiny_moonshine_streaming(dir.path());
  auto write = [&](const nlohmann::json& c) { std::ofstream(dir.path() / "config.json") << c.dump(); };
  auto base = nlohmann::json::parse(test::tiny_moonshine_streaming_config_json({}));

  auto c = base;
  c["encoder_config"]["sliding_windows"] = {{16, 4}, {16, 4}};  // 2 windows for 3 layers
  write(c);
  expect_error([&] { model::ModelFolder folder(dir.path(), arch::families()); }, ErrorCode::InvalidFile,
               "one [left, right] pair per encoder layer");
  c = base;
  c["encoder_config"]["sliding_windows"][1] = {1, 0};
  write(c);
  expect_error([&] { model::ModelFolder folder(dir.path(), arch::families()); }, ErrorCode::InvalidFile, "left >= 2");
  c = base;
  c["num_key_value_heads"] = 1;
  write(c);
  expect_error([&] { model::ModelFolder folder(dir.path(), arch::families()); }, ErrorCode::InvalidFile,
               "grouped KV heads");

  write(base);
  model::ModelFolder folder(dir.path(), arch::families());
  EXPECT_EQ(folder.config().family->name(), "moonshine_streaming");
  const auto& cfg = folder.config().as<arch::MoonshineStreamingConfig>();
  EXPECT_EQ(cfg.rotary_dims, 20);  // int(24 * 0.8) = 19: 10 pairs
  EXPECT_EQ(cfg.rope_frequency_dims, 19);
  ASSERT_EQ(cfg.windows.size(), 3u);
  EXPECT_EQ(cfg.windows[0].behind, 3);
  EXPECT_EQ(cfg.windows[0].ahead, 1);
  EXPECT_EQ(cfg.windows[1].ahead, 0);
}

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

CliResult run(const std::string& cmd_line, const test::TempDir& dir) {
  auto out = dir.path() / "stdout.txt", err = dir.path() / "stderr.txt";
  int status = std::system((cmd_line + " >" + out.string() + " 2>" + err.string() + " </dev/null").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text_file(out), read_text_file(err)};
}

// vole-make-checkpoint writes a Moonshine Streaming folder that `vole transcribe` runs
// end to end.
TEST(MoonshineStreamingCli, GeneratedCheckpointTranscribes) {
  test::TempDir dir;
  auto model = dir.path() / "model";
  const std::string bin = (test::binary_dir() / "bin").string();
  CliResult r =
      run(bin + "/vole-make-checkpoint --preset tiny-moonshine-streaming --seed 3 --out " + model.string(), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(std::system(("espeak-ng -w '" + (dir.path() / "a.wav").string() + "' 'Testing one two.'").c_str()), 0);
  r = run(bin + "/vole transcribe -m " + model.string() + " --timestamps " + (dir.path() / "a.wav").string(), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("[00:00.", 0), 0u) << r.out;
}

}  // namespace
