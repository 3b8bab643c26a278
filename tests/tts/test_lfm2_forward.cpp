// The LFM2 family on the GPU vs. the CPU reference (tests/reference/lfm2_forward.*) on
// tiny random checkpoints written by the generator (preset tiny-lfm2: Liquid's config
// keys, conv and attention layers, tied or untied head), loaded by the real loader.
//
// Kani-TTS-2's changes (preset tiny-kani2) are checked the same way.
//
// Tolerance: 2e-3 of the row's largest |logit| (as in tests/arch/test_model_forward.cpp:
// the GPU keeps K/V in f16 and sums in another order). Q4 runs are compared with the
// reference on the dequantised weights. Greedy decoding must pick the reference's tokens.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/lfm2/lfm2_decoder.h"
#include "gpu/graph.h"
#include "ops/weight.h"
#include "reference/lfm2_forward.h"
#include "runtime/generator.h"
#include "support/model_fixture.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr int kVocab = 4096;
constexpr double kTolerance = 2e-3;

// The reference's view of an LFM2 config.json, read from the file as docs/specs/lfm2.md
// §1 describes it (not through the engine's parser).
ref::Lfm2Spec lfm2_reference_spec(const nlohmann::json& c) {
  ref::Lfm2Spec s;
  s.hidden = c.at("hidden_size");
  s.layers = c.at("num_hidden_layers");
  s.heads = c.at("num_attention_heads");
  s.kv_heads = c.at("num_key_value_heads");
  s.head_dim = s.hidden / s.heads;
  s.vocab = c.at("vocab_size");
  s.intermediate = ref::lfm2_ff_dim(c.value("block_ff_dim", c.value("intermediate_size", 0)),
                                    c.value("block_auto_adjust_ff_dim", true), c.value("block_ffn_dim_multiplier", 1.0),
                                    c.value("block_multiple_of", 256));
  s.conv_kernel = c.value("conv_L_cache", 3);
  s.conv_bias = c.value("conv_bias", false);
  s.eps = c.value("norm_eps", 1e-5f);
  s.rope_theta = c.value("rope_theta", 1e6);
  for (const auto& t : c.at("layer_types")) s.attention.push_back(t.get<std::string>() == "full_attention");
  s.tied_embeddings = c.value("tie_embedding", c.value("tie_word_embeddings", true));
  return s;
}

struct Case {
  CheckpointFormat format;
  model::Format weights;
  bool tied = true;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = std::string(checkpoint_format_name(info.param.format)) + "_" +
                  model::format_name(info.param.weights) + (info.param.tied ? "" : "_untied");
  for (auto& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

class Lfm2Forward : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    model_ = make_tiny_model(dir_, "tiny-lfm2", c.format, kVocab, 5, c.tied);
    engine_ = std::make_unique<runtime::Engine>(model_.dir, engine_options(c.weights));
    weights_ = reference_weights(model_.dir, c.weights);
    reference_ = std::make_unique<ref::Lfm2Reference>(lfm2_reference_spec(model_.spec.config), weights_);
  }

  TempDir dir_{"vole-lfm2"};
  TinyModel model_;
  std::unique_ptr<runtime::Engine> engine_;
  ref::WeightMap weights_;
  std::unique_ptr<ref::Lfm2Reference> reference_;
};

// Prompts shorter than, equal to and longer than the conv window, and one that spans
// several prefill token blocks; every position's logits are compared.
TEST_P(Lfm2Forward, PrefillLogitsMatchReference) {
  std::vector<int32_t> tokens = token_sequence(70, kVocab, 11);
  auto want = reference_->forward(tokens);
  for (size_t n : {1, 2, 3, 4, 17, 70}) {
    auto seq = engine_->new_sequence();
    std::vector<float> got = seq->evaluate_all(std::span(tokens).first(n));
    ASSERT_EQ(got.size(), n * kVocab);
    double worst = 0;
    for (size_t t = 0; t < n; ++t) worst = std::max(worst, relative_error(&got[t * kVocab], want[t].data(), kVocab));
    EXPECT_LT(worst, kTolerance) << "prompt of " << n << " tokens";
  }
}

// Prefill of 1 token (the conv window mostly zeros: HF's slow path gets this wrong,
// lfm2.md §3.2) and of 9 tokens, then greedy decode steps with the reference's tokens
// and logits.
TEST_P(Lfm2Forward, GreedyDecodeMatchesReference) {
  for (size_t prompt_len : {1, 9}) {
    std::vector<int32_t> prompt = token_sequence(prompt_len, kVocab, 3);
    auto seq = engine_->new_sequence();
    seq->sync(prompt);
    auto state = reference_->new_state();
    std::vector<float> ref_logits;
    for (int32_t t : prompt) ref_logits = reference_->step(t, state);
    runtime::SamplingOptions greedy = runtime::SamplingOptions::greedy();
    int32_t token = seq->sample(greedy, 1, 0);
    double worst = relative_error(seq->logits().data(), ref_logits.data(), kVocab);
    for (int step = 0; step < 24; ++step) {
      float margin = 0;
      ASSERT_EQ(token, argmax(ref_logits, &margin)) << "prompt " << prompt_len << ", step " << step;
      ref_logits = reference_->step(token, state);
      token = seq->step(token, greedy, 1, step + 1);
      worst = std::max(worst, relative_error(seq->logits().data(), ref_logits.data(), kVocab));
    }
    EXPECT_LT(worst, kTolerance) << "prompt " << prompt_len;
  }
}

// Rolling back into the middle of what the sequence holds restores the conv windows
// from a snapshot and re-evaluates the gap: the logits equal a fresh evaluation.
TEST_P(Lfm2Forward, RollbackRestoresConvState) {
  std::vector<int32_t> a = token_sequence(40, kVocab, 21);
  std::vector<int32_t> b(a.begin(), a.begin() + 23);
  std::vector<int32_t> tail = token_sequence(6, kVocab, 22);
  b.insert(b.end(), tail.begin(), tail.end());
  auto seq = engine_->new_sequence();
  seq->sync(a);
  for (int i = 0; i < 3; ++i) seq->feed(a[static_cast<size_t>(i)]);
  seq->sync(b);
  auto want = reference_->forward(b);
  EXPECT_LT(relative_error(seq->logits().data(), want.back().data(), kVocab), kTolerance);
}

// Kani-TTS-2 (kani-tts.md §5) on a tiny-kani2 checkpoint: a speaker row after the first
// token, frame positions with a fractional audio_step (0.25, so quarter units on the
// GPU) and a learned RoPE scale per attention layer. The prompt's and every fed token's
// logits vs. the reference given the same rows at the authors' positions.
TEST(Kani2Forward, SpeakerRowFramePositionsAndLearnedRopeMatchReference) {
  constexpr int32_t kAudioStart = 3000;
  constexpr int kSpeakerDim = 16;
  TempDir dir("vole-kani2");
  TinyModel m = make_tiny_model(dir, "tiny-kani2", CheckpointFormat::F32, kVocab, 5, true, [&](CheckpointSpec& s) {
    s.config["audio_tokens_start"] = kAudioStart;
    s.config["audio_step"] = 0.25;
    s.config["speaker_emb_dim"] = kSpeakerDim;
  });
  runtime::Engine engine(m.dir, engine_options(model::Format::F32));
  const ref::WeightMap weights = reference_weights(m.dir, model::Format::F32);
  ref::Lfm2Spec spec = lfm2_reference_spec(m.spec.config);
  for (int l = 0; l < spec.layers; ++l) {
    const std::string alpha = "model.learnable_rope_layers." + std::to_string(l) + ".alpha_weight";
    spec.rope_scale.push_back(spec.attention[l] ? ref::kani_rope_alpha(weights.at(alpha).at(0)) : 1.0);
  }
  const ref::Lfm2Reference reference(spec, weights);

  const auto& lfm2 = dynamic_cast<const arch::Lfm2Decoder&>(engine.decoder());
  ASSERT_NE(lfm2.kani2(), nullptr);
  EXPECT_EQ(lfm2.kani2()->position_units, 4);

  // The speaker row: W_spk · e on the GPU and on the CPU.
  const int H = spec.hidden;
  std::vector<float> e(kSpeakerDim), want_row(static_cast<size_t>(H), 0.0f);
  for (int j = 0; j < kSpeakerDim; ++j) e[static_cast<size_t>(j)] = 0.25f * std::sin(1.0f + static_cast<float>(j));
  const auto& w_spk = weights.at("model.speaker_emb_projection.weight");
  for (int h = 0; h < H; ++h)
    for (int j = 0; j < kSpeakerDim; ++j)
      want_row[static_cast<size_t>(h)] += w_spk[static_cast<size_t>(h * kSpeakerDim + j)] * e[static_cast<size_t>(j)];
  auto row = std::make_shared<ops::DeviceTensor>(ops::allocate_f32(engine.gpu(), "speaker row", {1, H}));
  const ops::DeviceTensor embedding = ops::upload_f32(engine.gpu(), "speaker embedding", {1, kSpeakerDim}, e.data());
  gpu::Graph g(engine.gpu(), "speaker row");
  lfm2.record_speaker_row(g, embedding.tensor, row->tensor);
  g.compile();
  g.run();
  std::vector<float> got_row(static_cast<size_t>(H));
  engine.gpu().download(row->buffer, 0, got_row.data(), got_row.size() * 4);
  EXPECT_LT(relative_error(got_row.data(), want_row.data(), got_row.size()), 1e-5);

  // Prompt rows (the speaker's slot holds a copy of the first id), then two text tokens,
  // three audio frames and a closing text token fed one by one.
  std::vector<int32_t> tokens = token_sequence(7, kAudioStart, 3);
  tokens.insert(tokens.begin() + 1, tokens[0]);
  const size_t prompt_rows = tokens.size();
  for (int32_t t : {11, 12}) tokens.push_back(t);
  for (int i = 0; i < 12; ++i) tokens.push_back(kAudioStart + (i * 37) % (kVocab - kAudioStart));
  tokens.push_back(13);
  const std::vector<double> positions = ref::kani_positions(tokens, prompt_rows, kAudioStart, 4, 0.25);

  runtime::AppendExtras extras;
  extras.embeddings.push_back({1, "speaker", row->tensor, row});
  auto seq = engine.new_sequence();
  seq->sync(std::span(tokens).first(prompt_rows), extras);
  auto state = reference.new_state();
  std::vector<float> want;
  for (size_t i = 0; i < prompt_rows; ++i)
    want = reference.step_row(i == 1 ? want_row : reference.embed(tokens[i]), positions[i], state);
  double worst = relative_error(seq->logits().data(), want.data(), kVocab);
  for (size_t i = prompt_rows; i < tokens.size(); ++i) {
    seq->feed(tokens[i], static_cast<int32_t>(std::lround(positions[i] * 4)));
    want = reference.step_row(reference.embed(tokens[i]), positions[i], state);
    worst = std::max(worst, relative_error(seq->logits().data(), want.data(), kVocab));
  }
  EXPECT_LT(worst, kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Lfm2, Lfm2Forward,
                         ::testing::Values(Case{CheckpointFormat::F32, model::Format::F32},
                                           Case{CheckpointFormat::BF16, model::Format::Source},
                                           Case{CheckpointFormat::BF16, model::Format::Q4, false}),
                         case_name);

}  // namespace
