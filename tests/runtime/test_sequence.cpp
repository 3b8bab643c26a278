// Sequence semantics on the GPU: prefix reuse, rollback (snapshots for the hybrid
// model), chunked prompts, bad input, context limits, and the generation loop's stop
// conditions and cancellation. Logits are checked against the CPU reference with the
// tolerance of tests/arch/test_model_forward.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "runtime/generator.h"
#include "support/model_fixture.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr int kVocab = 4096;
constexpr double kTolerance = 2e-3;

class SequenceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    model_ = make_tiny_model(dir_, GetParam(), CheckpointFormat::F32, kVocab);
    engine_ = std::make_unique<runtime::Engine>(model_.dir, engine_options(model::Format::F32));
    weights_ = reference_weights(model_.dir, model::Format::F32);
    reference_ = std::make_unique<ref::ReferenceModel>(reference_spec(model_.spec), weights_);
  }

  std::vector<float> reference_last(const std::vector<int32_t>& tokens) {
    auto state = reference_->new_state();
    std::vector<float> logits;
    for (int32_t t : tokens) logits = reference_->step(t, state);
    return logits;
  }

  void expect_matches(runtime::Sequence& seq, const std::vector<int32_t>& tokens, const std::string& what) {
    ASSERT_EQ(seq.tokens(), tokens) << what;
    auto want = reference_last(tokens);
    EXPECT_LT(relative_error(seq.logits().data(), want.data(), kVocab), kTolerance) << what;
  }

  std::unique_ptr<runtime::Sequence> sequence(int64_t capacity, int64_t chunk = 512) {
    runtime::SequenceOptions o;
    o.capacity = capacity;
    o.prefill_chunk = chunk;
    return std::make_unique<runtime::Sequence>(engine_->gpu(), engine_->decoder(), o);
  }

  static std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  TempDir dir_{"vole-seq"};
  TinyModel model_;
  std::unique_ptr<runtime::Engine> engine_;
  ref::WeightMap weights_;
  std::unique_ptr<ref::ReferenceModel> reference_;
};

TEST_P(SequenceTest, SyncReusesThePrefixAndRollsBack) {
  auto A = token_sequence(12, kVocab, 1), B = token_sequence(5, kVocab, 2), C = token_sequence(7, kVocab, 3);
  auto seq = sequence(256);
  EXPECT_EQ(seq->sync(A), 12);
  expect_matches(*seq, A, "first turn");
  EXPECT_EQ(seq->sync(concat(A, B)), 5) << "a follow-up evaluates only the new tokens";
  expect_matches(*seq, concat(A, B), "second turn");
  EXPECT_EQ(seq->sync(concat(A, C)), 7) << "an edit rolls back to where the turns diverge";
  expect_matches(*seq, concat(A, C), "edited turn");
  EXPECT_EQ(seq->sync(concat(A, C)), 0) << "same tokens: nothing to do";
  std::vector<int32_t> prefix(A.begin(), A.begin() + 5);
  EXPECT_EQ(seq->sync(prefix), 0) << "a prefix needs no new tokens";
  expect_matches(*seq, prefix, "rolled back to a prefix");
  // Decoding continues correctly from the rolled-back state.
  seq->step(B[0], runtime::SamplingOptions::greedy(), 1, 1);
  expect_matches(*seq, concat(prefix, {B[0]}), "decode after rollback");
}

TEST_P(SequenceTest, ChunkedPromptMatchesTheReference) {
  auto tokens = token_sequence(40, kVocab, 4);
  auto seq = sequence(128, /*chunk=*/16);
  seq->sync(tokens);
  expect_matches(*seq, tokens, "40 tokens in chunks of 16");
}

TEST_P(SequenceTest, BadTokensAreRejectedAndTheSequenceStaysUsable) {
  auto seq = sequence(64);
  auto good = token_sequence(6, kVocab, 5);
  seq->sync(good);
  std::vector<int32_t> bad = good;
  bad.push_back(kVocab);
  try {
    seq->sync(bad);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("outside the vocabulary"), std::string::npos);
  }
  EXPECT_THROW(seq->step(-1, runtime::SamplingOptions::greedy(), 1, 1), Error);
  expect_matches(*seq, good, "unchanged after the errors");
}

TEST_P(SequenceTest, PromptLongerThanTheContextIsARecoverableError) {
  auto seq = sequence(32);
  auto small = token_sequence(8, kVocab, 6);
  seq->sync(small);
  try {
    seq->sync(token_sequence(40, kVocab, 7));
    FAIL() << "expected ContextFull";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::ContextFull);
  }
  expect_matches(*seq, small, "unchanged after ContextFull");
}

TEST_P(SequenceTest, OutOfGpuMemoryIsAClearErrorAndTheEngineStaysUsable) {
  try {
    auto huge = sequence(int64_t{1} << 36);  // terabytes of KV cache
    FAIL() << "expected an allocation failure";
  } catch (const Error& e) {
    EXPECT_TRUE(e.code() == ErrorCode::OutOfMemory || e.code() == ErrorCode::Gpu) << e.what();
    EXPECT_NE(std::string(e.what()).find("cache"), std::string::npos) << "names what it was allocating: " << e.what();
  }
  auto seq = sequence(64);
  auto tokens = token_sequence(5, kVocab, 13);
  seq->sync(tokens);
  expect_matches(*seq, tokens, "a normal sequence after the failure");
}

TEST_P(SequenceTest, AModelLargerThanTheGpuMemoryLimitFailsToLoadCleanly) {
  runtime::EngineOptions tight = engine_options(model::Format::F32);
  tight.gpu_memory_limit = 4ull << 20;  // far less than the weights
  try {
    runtime::Engine engine(model_.dir, tight);
    FAIL() << "expected OutOfMemory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::OutOfMemory);
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos) << e.what();
  }
  // The process is fine: the same model loads without the limit.
  runtime::Engine engine(model_.dir, engine_options(model::Format::F32));
  auto seq = engine.new_sequence(32);
  EXPECT_EQ(seq->sync(token_sequence(4, kVocab, 14)), 4);
}

TEST_P(SequenceTest, GenerationStopsAtTheContextLimit) {
  auto seq = sequence(20);
  runtime::GenerateOptions o;
  o.sampling = runtime::SamplingOptions::greedy();
  o.max_tokens = 100;
  auto stats = runtime::generate(*seq, engine_->tokenizer(), token_sequence(10, kVocab, 8), o, nullptr);
  EXPECT_EQ(stats.stop, runtime::StopReason::ContextFull);
  EXPECT_EQ(seq->length(), 20);
  EXPECT_EQ(stats.generated_tokens, 11);  // 10 fed by decode steps + the last one sampled
}

TEST_P(SequenceTest, GreedyGenerationFollowsTheReferenceAndHonoursStops) {
  // A prompt whose greedy continuation has a token not seen before it, to use as an
  // end-of-turn id. (Random tied-embedding models tend to repeat the last prompt
  // token forever; then the first token itself is the stop and nothing is emitted.)
  std::vector<int32_t> prompt, expected;
  size_t first_new = 0;
  for (uint32_t seed = 9; first_new == 0 && seed < 20; ++seed) {
    prompt = token_sequence(7, kVocab, seed);
    expected = reference_->greedy(prompt, 6);
    for (size_t k = 1; k < expected.size() && first_new == 0; ++k)
      if (std::find(expected.begin(), expected.begin() + k, expected[k]) == expected.begin() + k) first_new = k;
  }

  runtime::GenerateOptions o;
  o.sampling = runtime::SamplingOptions::greedy();
  o.max_tokens = 6;
  std::vector<int32_t> got;
  auto seq = sequence(64);
  auto stats = runtime::generate(*seq, engine_->tokenizer(), prompt, o,
                                 [&](const std::string&, int32_t t) { if (t >= 0) got.push_back(t); });
  EXPECT_EQ(got, expected);
  EXPECT_EQ(stats.stop, runtime::StopReason::MaxTokens);
  EXPECT_EQ(stats.prompt_tokens, 7);

  // That token as an end-of-turn id: the tokens before it, then a clean stop.
  o.stop_tokens = {expected[first_new]};
  o.max_tokens = 100;
  got.clear();
  stats = runtime::generate(*seq, engine_->tokenizer(), prompt, o,
                            [&](const std::string&, int32_t t) { if (t >= 0) got.push_back(t); });
  EXPECT_EQ(stats.stop, runtime::StopReason::EndOfTurn);
  EXPECT_EQ(got, std::vector<int32_t>(expected.begin(), expected.begin() + first_new));
  EXPECT_EQ(stats.reused_tokens, 7) << "the same prompt is not evaluated again";
}

TEST_P(SequenceTest, CancelTakesEffectWithinOneStep) {
  auto seq = sequence(128);
  std::atomic<bool> cancel{false};
  runtime::GenerateOptions o;
  o.sampling = runtime::SamplingOptions::greedy();
  o.max_tokens = 100;
  int calls = 0;
  auto stats = runtime::generate(*seq, engine_->tokenizer(), token_sequence(5, kVocab, 10), o,
                                 [&](const std::string&, int32_t t) {
                                   if (t >= 0 && ++calls == 3) cancel = true;  // as if the user pressed Stop
                                 },
                                 &cancel);
  EXPECT_EQ(stats.stop, runtime::StopReason::Cancelled);
  EXPECT_EQ(stats.generated_tokens, 3);

  // From another thread, while decoding.
  cancel = false;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  stats = runtime::generate(*seq, engine_->tokenizer(), token_sequence(5, kVocab, 11), o, nullptr, &cancel);
  stopper.join();
  EXPECT_EQ(stats.stop, runtime::StopReason::Cancelled);
  EXPECT_LT(stats.generated_tokens, 100);
}

TEST_P(SequenceTest, SamplingIsReproducibleFromTheSeed) {
  auto prompt = token_sequence(5, kVocab, 12);
  runtime::GenerateOptions o;
  o.sampling.temperature = 1.0f;
  o.sampling.top_k = 50;
  o.sampling.top_p = 0.95f;
  o.sampling.seed = 1234;
  o.max_tokens = 12;
  auto run = [&](uint32_t seed) {
    o.sampling.seed = seed;
    auto seq = sequence(64);
    std::vector<int32_t> out;
    runtime::generate(*seq, engine_->tokenizer(), prompt, o, [&](const std::string&, int32_t t) {
      if (t >= 0) out.push_back(t);
    });
    return out;
  };
  auto a = run(1234), b = run(1234), c = run(99);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

INSTANTIATE_TEST_SUITE_P(Families, SequenceTest, ::testing::Values("tiny-qwen3_5", "tiny-qwen3"),
                         [](const auto& info) { return info.param == "tiny-qwen3" ? "qwen3" : "qwen3_5"; });

}  // namespace
