// The Kani-TTS voice end to end on tiny generated models in the real formats: an LFM2
// checkpoint (config.json + safetensors + tokenizer.json, loaded by the real loader)
// whose weights make it a known script — every layer adds nothing to the residual
// stream (zero output projections) and the untied head maps each token of a chain to
// the next (one-hot embeddings), so from END_OF_HUMAN it writes START_OF_AI,
// START_OF_SPEECH, twelve frames of audio tokens, END_OF_SPEECH, END_OF_AI — plus a tiny
// NanoCodec .nemo in the same folder. The speaker must find the frames, decode them in
// streaming groups and deliver exactly the reference codec's samples.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "reference/lfm2_forward.h"
#include "reference/nanocodec.h"
#include "speech/kani_speaker.h"
#include "support/codec_writer.h"
#include "support/model_fixture.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;
namespace kani = vole::speech::kani;

namespace {

constexpr int kFrames = 12;
constexpr int kHidden = 128;

// codes[c][f]: distinct per codebook, so every chain token is distinct.
std::vector<std::vector<int32_t>> script_codes() {
  std::vector<std::vector<int32_t>> codes(4, std::vector<int32_t>(kFrames));
  for (int c = 0; c < 4; ++c)
    for (int f = 0; f < kFrames; ++f) codes[c][f] = (f * 331 + c * 97 + 5) % kani::kCodebookSize;
  return codes;
}

std::vector<int32_t> script_chain() {
  std::vector<int32_t> chain{kani::kEndOfHuman, kani::kStartOfAi, kani::kStartOfSpeech};
  auto codes = script_codes();
  for (int f = 0; f < kFrames; ++f)
    for (int c = 0; c < 4; ++c) chain.push_back(kani::kAudioStart + c * kani::kCodebookSize + codes[c][f]);
  chain.push_back(kani::kEndOfSpeech);
  chain.push_back(kani::kEndOfAi);
  return chain;
}

RawTensor f32_tensor(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& v) {
  RawTensor t{name, "F32", shape, std::vector<uint8_t>(v.size() * 4)};
  std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  return t;
}

// Writes the scripted Kani-TTS folder; returns the codec's weights for the reference.
ref::WeightMap write_scripted_kani(const std::filesystem::path& dir, const std::string& preset = "tiny-lfm2") {
  CheckpointSpec spec = checkpoint_preset(preset);
  auto& c = spec.config;
  c["vocab_size"] = 80539;
  c["hidden_size"] = kHidden;
  c["num_attention_heads"] = 2;
  c["num_key_value_heads"] = 1;
  c["num_hidden_layers"] = 2;
  c["layer_types"] = {"conv", "full_attention"};
  c["block_ff_dim"] = 192;
  c["intermediate_size"] = 192;
  c["block_multiple_of"] = 128;
  set_tied_embeddings(spec, false);
  spec.format = CheckpointFormat::F32;
  write_checkpoint(dir, spec);  // config, tokenizer, and the tensor list we overwrite

  const std::vector<int32_t> chain = script_chain();
  const int64_t H = kHidden;
  std::vector<RawTensor> tensors;
  model::ModelConfig config = parsed_config(spec);
  for (const auto& t : config.family->tensors(config, model::Selection::core())) {
    size_t n = 1;
    for (int64_t d : t.shape) n *= static_cast<size_t>(d);
    std::vector<float> v(n, 0.0f);
    const bool output = t.name.ends_with("out_proj.weight") || t.name.ends_with("w2.weight");
    if (t.name == "model.embed_tokens.weight") {
      for (size_t i = 0; i < chain.size(); ++i) v[static_cast<size_t>(chain[i]) * H + i] = 1.0f;
    } else if (t.name == "lm_head.weight") {
      for (size_t i = 0; i + 1 < chain.size(); ++i) v[static_cast<size_t>(chain[i + 1]) * H + i] = 10.0f;
    } else if (t.role == model::TensorRole::RmsNorm) {
      std::fill(v.begin(), v.end(), 1.0f);
    } else if (!output) {
      for (size_t i = 0; i < n; ++i) v[i] = 0.01f * static_cast<float>((i * 7919) % 13) - 0.06f;
    }
    tensors.push_back(f32_tensor(t.name, t.shape, v));
  }
  write_safetensors(dir / "model.safetensors", tensors);
  return write_nanocodec(dir / "nanocodec.nemo", CodecSpec{});
}

ref::NanoCodecSpec codec_reference_spec() {
  CodecSpec s;
  ref::NanoCodecSpec r;
  r.base_channels = s.channels;
  r.up_rates = s.up_rates;
  r.res_kernels = s.res_kernels;
  r.res_dilations = s.res_dilations;
  return r;
}

class KaniSpeakerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("vole-kani");
    codec_weights_ = new ref::WeightMap(write_scripted_kani(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete codec_weights_;
    delete dir_;
  }
  std::unique_ptr<speech::KaniSpeaker> speaker(speech::KaniOptions options = {}) {
    auto lm = std::make_unique<runtime::Engine>(dir_->path(), engine_options(model::Format::F32, 256));
    return std::make_unique<speech::KaniSpeaker>(std::move(lm), dir_->path(), options);
  }
  static TempDir* dir_;
  static ref::WeightMap* codec_weights_;
};
TempDir* KaniSpeakerTest::dir_ = nullptr;
ref::WeightMap* KaniSpeakerTest::codec_weights_ = nullptr;

TEST_F(KaniSpeakerTest, PromptLayout) {
  auto lm = std::make_unique<runtime::Engine>(dir_->path(), engine_options(model::Format::F32, 256));
  auto ids = kani::prompt(lm->tokenizer(), "Hello world.");
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids.front(), kani::kStartOfHuman);
  EXPECT_EQ(ids[ids.size() - 2], kani::kEndOfText);
  EXPECT_EQ(ids.back(), kani::kEndOfHuman);
  auto text = lm->tokenizer().encode("Hello world.", false);
  EXPECT_EQ(std::vector<int32_t>(ids.begin() + 1, ids.end() - 2), text);
}

// The authors' sampling (T 0.6, top-p 0.95, penalty 1.1): the script is followed, the
// frames are streamed in groups of 5 (5 + 5 + 2) and the samples are the reference
// codec's for those codes; a second run gives the same samples.
TEST_F(KaniSpeakerTest, SpeaksTheScriptedFramesThroughTheCodec) {
  speech::KaniOptions options;
  options.chunk_frames = 5;
  options.seed = 42;
  auto voice = speaker(options);
  EXPECT_EQ(voice->sample_rate(), 22050);
  std::vector<size_t> chunks;
  std::vector<float> audio;
  ASSERT_TRUE(voice->speak("Hello world.", [&](std::span<const float> s) {
    chunks.push_back(s.size());
    audio.insert(audio.end(), s.begin(), s.end());
  }));
  EXPECT_EQ(voice->last_codes(), script_codes());
  EXPECT_EQ(chunks, (std::vector<size_t>{30, 30, 12}));  // 6 samples per frame
  ref::NanoCodecDecoder reference(codec_reference_spec(), *codec_weights_);
  auto want = reference.decode_all(script_codes());
  ASSERT_EQ(audio.size(), want.size());
  double worst = 0;
  for (size_t i = 0; i < audio.size(); ++i) worst = std::max(worst, std::fabs(double(audio[i]) - want[i]));
  EXPECT_LT(worst, 2e-4);

  std::vector<float> again;
  ASSERT_TRUE(
      voice->speak("Hello world.", [&](std::span<const float> s) { again.insert(again.end(), s.begin(), s.end()); }));
  EXPECT_EQ(again, audio);
}

TEST_F(KaniSpeakerTest, CancelStopsAfterTheChunkInFlight) {
  speech::KaniOptions options;
  options.chunk_frames = 4;
  auto voice = speaker(options);
  std::atomic<bool> cancel{false};
  std::vector<float> audio;
  EXPECT_FALSE(voice->speak(
      "Hello.",
      [&](std::span<const float> s) {
        audio.insert(audio.end(), s.begin(), s.end());
        cancel = true;
      },
      &cancel));
  EXPECT_EQ(audio.size(), 4u * 6u);
}

// A cut-off budget ends the utterance with the frames written so far; empty text is silence.
TEST_F(KaniSpeakerTest, TokenBudgetAndEmptyText) {
  speech::KaniOptions options;
  options.max_new_tokens = 2 + 4 * 3 + 2;  // START_OF_AI, START_OF_SPEECH, 3 frames, 2 tokens of the 4th
  auto voice = speaker(options);
  std::vector<float> audio;
  ASSERT_TRUE(voice->speak("Hi.", [&](std::span<const float> s) { audio.insert(audio.end(), s.begin(), s.end()); }));
  EXPECT_EQ(audio.size(), 3u * 6u);
  audio.clear();
  ASSERT_TRUE(voice->speak("  \n", [&](std::span<const float> s) { audio.insert(audio.end(), s.begin(), s.end()); }));
  EXPECT_TRUE(audio.empty());
}

// Kani-TTS-2's modified LFM2 (preset tiny-kani2) follows the same script: its defaults
// are the authors' (T 1.0, 3000 tokens), and a speaker embedding of the configured size
// enters the prompt. Wrong-sized embeddings, and embeddings for a Kani-TTS 1 voice, are
// refused with a clear message.
TEST_F(KaniSpeakerTest, KaniTts2SpeaksTheScriptWithASpeakerEmbedding) {
  TempDir dir("vole-kani2-voice");
  write_scripted_kani(dir.path(), "tiny-kani2");
  auto load = [&](speech::KaniOptions options) {
    auto lm = std::make_unique<runtime::Engine>(dir.path(), engine_options(model::Format::F32, 256));
    return std::make_unique<speech::KaniSpeaker>(std::move(lm), dir.path(), options);
  };
  speech::KaniOptions options;
  options.seed = 7;
  options.speaker_embedding.assign(128, 0.05f);
  auto voice = load(options);
  EXPECT_EQ(voice->generation(), 2);
  EXPECT_EQ(voice->temperature(), 1.0f);
  EXPECT_EQ(voice->max_new_tokens(), 3000);
  std::vector<float> audio;
  ASSERT_TRUE(
      voice->speak("Hello world.", [&](std::span<const float> s) { audio.insert(audio.end(), s.begin(), s.end()); }));
  EXPECT_EQ(voice->last_codes(), script_codes());
  EXPECT_EQ(audio.size(), static_cast<size_t>(kFrames) * 6u);

  auto refused = [](const std::function<void()>& f, const char* words) {
    try {
      f();
      ADD_FAILURE() << "accepted: " << words;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  options.speaker_embedding.assign(127, 0.05f);
  refused([&] { load(options); }, "this voice takes 128");
  EXPECT_EQ(speaker()->generation(), 1);
  EXPECT_EQ(speaker()->temperature(), 0.6f);
  options.speaker_embedding.assign(128, 0.05f);
  refused([&] { speaker(options); }, "only Kani-TTS-2 voices take a speaker embedding");
}

// The speaker's positions for fed-back tokens equal the reference's (kani-tts.md §5.2),
// in quarter units for audio_step 0.25 and whole ones for 1.
TEST(KaniSpeakerModels, FramePositionsFollowTheAuthorsRule) {
  const int32_t A = kani::kAudioStart;
  const std::vector<int32_t> rows{kani::kStartOfHuman,
                                  0,
                                  1,
                                  500,
                                  2,
                                  kani::kEndOfHuman,
                                  kani::kStartOfAi,
                                  kani::kStartOfSpeech,
                                  A,
                                  A + 1,
                                  A + 2,
                                  A + 3,
                                  A,
                                  A,
                                  A,
                                  A,
                                  A + 5,
                                  kani::kEndOfSpeech};
  const size_t prompt_rows = 6;
  for (double step : {1.0, 0.25}) {
    arch::KaniTts2Fields fields;
    fields.audio_step = step;
    fields.position_units = step == 1.0 ? 1 : 4;
    kani::FramePositions positions(fields);
    const std::vector<double> want = ref::kani_positions(rows, prompt_rows, A, 4, step);
    for (size_t i = prompt_rows; i < rows.size(); ++i)
      EXPECT_EQ(positions(rows[i], static_cast<int64_t>(i)), static_cast<int32_t>(want[i] * fields.position_units))
          << "row " << i << ", audio_step " << step;
  }
}

TEST(KaniSpeakerModels, RefusesAModelWithoutAudioTokens) {
  TempDir dir("vole-kani-bad");
  TinyModel m = make_tiny_model(dir, "tiny-lfm2", CheckpointFormat::F32, 4096);
  write_nanocodec(m.dir / "nanocodec.nemo", CodecSpec{});
  auto lm = std::make_unique<runtime::Engine>(m.dir, engine_options(model::Format::F32, 256));
  try {
    speech::KaniSpeaker voice(std::move(lm), m.dir);
    ADD_FAILURE() << "accepted a 4096-token vocabulary";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("audio tokens"), std::string::npos) << e.what();
  }
}

}  // namespace
