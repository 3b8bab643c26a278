// The moonshine family on the GPU (engine/arch/moonshine + runtime::SpeechToText) against
// the CPU reference (tests/reference/moonshine.*) on tiny random checkpoints written in
// the real layout (config.json, model.safetensors, a Moonshine-style tokenizer.json),
// loaded by the real loader: encoder output at every front-end boundary the issue names,
// decoder logits for forced ids, greedy decoding with the KV cache and the cross-attention
// state, consecutive utterances, the whole transcription path on espeak-ng speech, and
// refusals.
//
// Tolerances: f32 weights: the GPU sums in f32 where the reference sums in f64, through
// ~10 layers with softmax and norms: rtol 1e-3 + atol 1e-3 on the encoder output (values
// of order 1; a wrong op, layout or RoPE pairing moves them by far more). The decoder's
// self- and cross-attention K/V are kept in f16 (11-bit mantissas), so its logits get
// 5e-3. f16 weights: 3e-2 (weights rounded to 11 bits too).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <fstream>
#include <random>

#include "arch/families.h"
#include "arch/moonshine/moonshine.h"
#include "audio/decode.h"
#include "audio/wav_writer.h"
#include "model/model_folder.h"
#include "moonshine_fixture.h"
#include "reference/moonshine.h"
#include "runtime/speech_to_text.h"
#include "runtime/transcriber.h"
#include "support/gpu_test.h"
#include "support/model_fixture.h"
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
    x[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * 220.0 * i / 16000) * std::sin(2 * M_PI * 3.0 * i / 16000)) +
           noise(rng);
  return x;
}

// A tiny checkpoint whose vocabulary is the Moonshine-style tokenizer's, so every id the
// model can produce decodes.
struct Fixture {
  test::TempDir dir;
  ref::MoonshineModel reference;
  Fixture() {
    auto tokenizer = test::moonshine_style_json();
    test::TinyMoonshine spec;
    spec.vocab = static_cast<int>(text::Tokenizer::from_json(tokenizer.dump(), "tokenizer.json").vocab_size());
    test::write_tiny_moonshine(dir.path(), spec);
    std::ofstream(dir.path() / "tokenizer.json") << tokenizer.dump();
    reference = ref::load_moonshine(dir.path());
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

runtime::SpeechToText& stt(model::Format weights = model::Format::F32) {
  static std::map<model::Format, std::pair<std::unique_ptr<runtime::Engine>, std::unique_ptr<runtime::SpeechToText>>>
      loaded;
  auto& slot = loaded[weights];
  if (!slot.first) {
    runtime::EngineOptions o;
    o.weights = weights;
    o.cache = model::CachePolicy::Off;
    slot.first = std::make_unique<runtime::Engine>(fixture().dir.path(), o);
    slot.second = std::make_unique<runtime::SpeechToText>(*slot.first);
  }
  return *slot.second;
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

TEST(MoonshineGpu, FrameCountAndGenerationLimitFollowTheSpec) {
  for (int64_t n : {894, 895, 1600, 16000, 116800, 480000}) {
    EXPECT_EQ(arch::moonshine_frames(n), ref::moonshine_frame_count(n)) << n;
    EXPECT_EQ(arch::moonshine_max_new_tokens(n), std::max<int64_t>(0, ref::moonshine_max_length(n) - 1)) << n;
  }
  EXPECT_EQ(arch::moonshine_frames(480000), 1248);
  EXPECT_EQ(arch::moonshine_max_new_tokens(480000), 194);
}

// 56 ms (the shortest input), 0.1 s, 1 s, 7.3 s and 30 s, plus lengths one sample past a
// conv window boundary.
TEST(MoonshineGpu, EncoderOutputMatchesTheReference) {
  auto& s = stt();
  for (int64_t n :
       {int64_t{895}, int64_t{1600}, int64_t{16000}, int64_t{16000 + 383}, int64_t{116800}, int64_t{480000}}) {
    auto audio = speechlike(n, static_cast<uint64_t>(n));
    int64_t frames = s.encode(audio);
    ASSERT_EQ(frames, ref::moonshine_frame_count(n));
    test::expect_close(s.encoder_output(), ref::moonshine_encode(fixture().reference, audio), 1e-3f, 1e-3f,
                       "encoder, " + std::to_string(n) + " samples");
  }
}

TEST(MoonshineGpu, ForcedLogitsMatchTheReference) {
  auto& s = stt();
  auto audio = speechlike(16000, 3);
  s.encode(audio);
  auto enc = ref::moonshine_encode(fixture().reference, audio);
  std::vector<int32_t> ids{1, 40, 7, 100, 3, 250, 2, 60};
  test::expect_close(s.forced_logits(ids), ref::moonshine_decoder_logits(fixture().reference, enc, ids), 5e-3f, 5e-3f,
                     "forced logits");
}

// Greedy decoding through the recorded decode step (self-attention cache, cross K/V
// computed once) gives the reference's tokens, and each step's choice is the argmax of a
// full recompute of the prefix.
TEST(MoonshineGpu, GreedyDecodingMatchesTheReference) {
  auto& s = stt();
  auto audio = speechlike(48000, 4);
  s.encode(audio);
  auto enc = ref::moonshine_encode(fixture().reference, audio);
  auto got = s.greedy(12);
  auto want = ref::moonshine_greedy_decode(fixture().reference, enc, 12);
  EXPECT_EQ(got, want);

  std::vector<int32_t> prefix{s.start_token()};
  prefix.insert(prefix.end(), got.begin(), got.end() - 1);
  auto full = s.forced_logits(prefix);
  const int64_t vocab = s.decoder().dims().vocab;
  for (size_t t = 0; t < got.size(); ++t) {
    auto row = full.begin() + static_cast<int64_t>(t) * vocab;
    EXPECT_EQ(std::max_element(row, row + vocab) - row, got[t]) << "step " << t;
  }
}

// The cross-attention state belongs to the utterance last encoded: A, B, then A again
// decodes A's tokens, and B's differ from a model that still saw A.
TEST(MoonshineGpu, ConsecutiveUtterancesDoNotLeak) {
  auto& s = stt();
  auto a = speechlike(20000, 5), b = speechlike(9000, 6);
  s.encode(a);
  auto first = s.greedy(8);
  s.encode(b);
  auto other = s.greedy(8);
  EXPECT_EQ(other, ref::moonshine_greedy_decode(fixture().reference, ref::moonshine_encode(fixture().reference, b), 8));
  s.encode(a);
  EXPECT_EQ(s.greedy(8), first);
}

TEST(MoonshineGpu, HalfPrecisionWeightsStayClose) {
  auto& s = stt(model::Format::F16);
  auto audio = speechlike(16000, 7);
  s.encode(audio);
  auto enc = ref::moonshine_encode(fixture().reference, audio);
  test::expect_close(s.encoder_output(), enc, 3e-2f, 3e-2f, "encoder, f16 weights");
  std::vector<int32_t> ids{1, 40, 7};
  test::expect_close(s.forced_logits(ids), ref::moonshine_decoder_logits(fixture().reference, enc, ids), 3e-2f, 3e-2f,
                     "logits, f16 weights");
}

// INT4 weights (`--weights q4`): the projections, MLPs and the tied embedding/head are
// quantized (the front-end convolutions, norms and biases stay), measured against the f32
// reference next to f16 on the same audio. The shared fixture's 24-wide matrices do not
// split into Q4 groups, so this one is 64 wide. The bound is the vision tower's (0.12 of
// the largest reference value); the measured errors are recorded as test properties.
TEST(MoonshineGpu, Int4WeightsStayCloseToTheReference) {
  test::TempDir dir("vole-moonshine-q4");
  auto tokenizer = test::moonshine_style_json();
  test::TinyMoonshine spec;
  spec.hidden = 64;
  spec.intermediate = 128;
  spec.vocab = static_cast<int>(text::Tokenizer::from_json(tokenizer.dump(), "tokenizer.json").vocab_size());
  test::write_tiny_moonshine(dir.path(), spec);
  std::ofstream(dir.path() / "tokenizer.json") << tokenizer.dump();
  auto reference = ref::load_moonshine(dir.path());

  auto audio = speechlike(16000, 8);
  auto enc = ref::moonshine_encode(reference, audio);
  std::vector<int32_t> ids{1, 40, 7, 100};
  auto logits = ref::moonshine_decoder_logits(reference, enc, ids);
  struct Errors {
    double encoder, logits;
  };
  auto measure = [&](model::Format weights) {
    runtime::EngineOptions o;
    o.weights = weights;
    o.cache = model::CachePolicy::Off;
    runtime::Engine engine(dir.path(), o);
    runtime::SpeechToText s(engine);
    s.encode(audio);
    auto got_enc = s.encoder_output();
    auto got_logits = s.forced_logits(ids);
    EXPECT_EQ(got_enc.size(), enc.size());
    EXPECT_EQ(got_logits.size(), logits.size());
    return Errors{test::relative_error(got_enc.data(), enc.data(), std::min(got_enc.size(), enc.size())),
                  test::relative_error(got_logits.data(), logits.data(), std::min(got_logits.size(), logits.size()))};
  };
  Errors f16 = measure(model::Format::F16), q4 = measure(model::Format::Q4);
  for (auto [name, value] : {std::pair{"encoder_rel_error_f16", f16.encoder},
                             {"encoder_rel_error_q4", q4.encoder},
                             {"logits_rel_error_f16", f16.logits},
                             {"logits_rel_error_q4", q4.logits}})
    ::testing::Test::RecordProperty(name, std::to_string(value));
  std::printf(
      "moonshine (64 wide) vs f32 reference, max relative error: encoder f16 %.2e int4 %.2e; logits f16 %.2e int4 "
      "%.2e\n",
      f16.encoder, q4.encoder, f16.logits, q4.logits);
  EXPECT_GT(q4.logits, 2 * f16.logits) << "the int4 model should really be quantized";
  EXPECT_LT(q4.encoder, 0.12);
  EXPECT_LT(q4.logits, 0.12);
}

TEST(MoonshineGpu, RefusesWhatItCannotDecode) {
  auto& s = stt();
  std::vector<float> short_audio(arch::kMoonshineMinSamples - 1, 0.1f);
  expect_error([&] { s.encode(short_audio); }, ErrorCode::InvalidArgument, "too short");
  std::vector<float> long_audio(arch::kMoonshineMaxSamples + 1, 0.0f);
  expect_error([&] { s.encode(long_audio); }, ErrorCode::InvalidArgument, "split longer audio");
}

TEST(MoonshineGpu, ConfigsOfOtherModelDefinitionsAreRefused) {
  test::TempDir dir;
  test::write_tiny_moonshine(dir.path());
  auto config = nlohmann::json::parse(test::tiny_moonshine_config_json({}));
  config.erase("encoder_num_hidden_layers");
  config["num_hidden_layers"] = 2;
  std::ofstream(dir.path() / "config.json") << config.dump();
  expect_error([&] { model::ModelFolder folder(dir.path(), arch::families()); }, ErrorCode::InvalidFile,
               "pre-release Moonshine export");

  config = nlohmann::json::parse(test::tiny_moonshine_config_json({}));
  config["decoder_num_key_value_heads"] = 1;
  std::ofstream(dir.path() / "config.json") << config.dump();
  expect_error([&] { model::ModelFolder folder(dir.path(), arch::families()); }, ErrorCode::InvalidFile,
               "grouped KV heads");

  // transformers 5 nests the RoPE settings; they win over the flat keys.
  config = nlohmann::json::parse(test::tiny_moonshine_config_json({}));
  config["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", 5000.0}, {"partial_rotary_factor", 0.5}};
  std::ofstream(dir.path() / "config.json") << config.dump();
  model::ModelFolder folder(dir.path(), arch::families());
  const auto& c = folder.config().as<arch::MoonshineConfig>();
  EXPECT_EQ(c.rotary_dims, 6);
  EXPECT_EQ(c.rope_theta, 5000.0);
}

// A real spoken recording: two espeak-ng sentences (22.05 kHz) with a second of silence
// between them, written as a WAV, read back (resampled to 16 kHz), cut by the VAD and
// transcribed. Random weights cannot transcribe; what is checked is the path: two
// segments around the pause, each decoded to exactly the reference's greedy tokens
// under the spec's limit, and its text being the tokenizer's decoding of them.
TEST(MoonshineGpu, TranscribesAnEspeakRecordingSegmentBySegment) {
  test::TempDir dir;
  std::vector<float> joined;
  int rate = 0;
  for (const char* sentence : {"The quick brown fox jumps over the lazy dog.", "Vole runs on your own computer."}) {
    auto wav = dir.path() / "s.wav";
    ASSERT_EQ(std::system(("espeak-ng -w '" + wav.string() + "' '" + sentence + "'").c_str()), 0);
    audio::Audio a = audio::read_audio_file(wav, 0);
    rate = a.sample_rate;
    if (!joined.empty()) joined.insert(joined.end(), static_cast<size_t>(rate), 0.0f);
    joined.insert(joined.end(), a.samples.begin(), a.samples.end());
  }
  auto path = dir.path() / "speech.wav";
  audio::write_wav(path, joined, rate);
  audio::Audio audio = audio::read_audio_file(path);
  ASSERT_EQ(audio.sample_rate, 16000);

  auto& s = stt();
  auto segments = runtime::transcribe(s, audio);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_LT(segments[0].end_s, segments[1].start_s);
  for (const auto& seg : segments) {
    int64_t begin = std::llround(seg.start_s * 16000), end = std::llround(seg.end_s * 16000);
    std::vector<float> samples(audio.samples.begin() + begin, audio.samples.begin() + end);
    auto want = ref::moonshine_greedy_decode(fixture().reference, ref::moonshine_encode(fixture().reference, samples),
                                             arch::moonshine_max_new_tokens(end - begin));
    EXPECT_EQ(seg.tokens, want);
    EXPECT_LE(static_cast<int64_t>(seg.tokens.size()), arch::moonshine_max_new_tokens(end - begin));
    EXPECT_EQ(seg.text, s.text(seg.tokens));
  }
  // Silence: no segment, no text.
  audio::Audio silence{std::vector<float>(48000, 0.0f), 16000};
  EXPECT_TRUE(runtime::transcribe(s, silence).empty());
}

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

CliResult run_vole(const std::string& args, const test::TempDir& dir) {
  auto out = dir.path() / "stdout.txt", err = dir.path() / "stderr.txt";
  std::string cmd = (test::binary_dir() / "bin" / "vole").string() + " " + args + " >" + out.string() + " 2>" +
                    err.string() + " </dev/null";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text_file(out), read_text_file(err)};
}

// `vole transcribe` as a process: --json gives the segments the engine gives, and bad
// input (a file that is not audio, a missing file, no model) a non-zero exit and a clear
// one-line message.
TEST(MoonshineCli, TranscribesAFileAndRefusesBadOnes) {
  test::TempDir dir;
  ASSERT_EQ(std::system(("espeak-ng -w '" + (dir.path() / "hello.wav").string() + "' 'Hello from Vole.'").c_str()), 0);
  const std::string model = "-m " + fixture().dir.path().string() + " --weights f32";
  CliResult r = run_vole("transcribe " + model + " --json " + (dir.path() / "hello.wav").string(), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  auto segments = runtime::transcribe(stt(), audio::read_audio_file(dir.path() / "hello.wav"));
  ASSERT_EQ(j["segments"].size(), segments.size()) << r.out;
  for (size_t i = 0; i < segments.size(); ++i) EXPECT_EQ(j["segments"][i]["text"], segments[i].text);

  std::ofstream(dir.path() / "notes.wav") << "this is not audio at all, just text";
  r = run_vole("transcribe " + model + " " + (dir.path() / "notes.wav").string(), dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("notes.wav"), std::string::npos) << r.err;
  r = run_vole("transcribe " + model + " " + (dir.path() / "missing.flac").string(), dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("missing.flac"), std::string::npos) << r.err;
  r = run_vole("transcribe -m " + (dir.path() / "nothing").string() + " " + (dir.path() / "hello.wav").string(), dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no speech model"), std::string::npos) << r.err;
}

// vole-make-checkpoint writes a Moonshine folder the real loader reads and `vole
// transcribe` runs end to end (tokenizer padded to the model's vocabulary).
TEST(MoonshineCli, GeneratedCheckpointTranscribes) {
  test::TempDir dir;
  auto model = dir.path() / "model";
  std::string make = (test::binary_dir() / "bin" / "vole-make-checkpoint").string() +
                     " --preset tiny-moonshine --seed 3 --out " + model.string() + " >/dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0);
  ASSERT_EQ(std::system(("espeak-ng -w '" + (dir.path() / "a.wav").string() + "' 'Testing one two.'").c_str()), 0);
  CliResult r = run_vole("transcribe -m " + model.string() + " --timestamps " + (dir.path() / "a.wav").string(), dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("[00:00.", 0), 0u) << r.out;
}

}  // namespace
