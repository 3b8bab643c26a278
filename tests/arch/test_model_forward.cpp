// GPU forward passes vs. the CPU reference (tests/reference/model_forward.*) on tiny
// random checkpoints of every text family (Qwen3.5, Qwen3, Qwen2), with and without
// attention biases.
//
// Tolerances (error relative to the row's largest |logit|, see relative_error):
//   f32 / bf16 / int4 weights: 2e-3. The reference computes in f32/f64 with an f32 KV
//   history; the GPU stores K/V in f16 (rel. rounding 2^-11 per element), accumulates in
//   a different order and evaluates prompts with the chunked DeltaNet form. int4 is
//   compared against the reference run on the dequantised weights, so quantisation
//   error is not part of the comparison.
// Greedy decoding must pick the same tokens as the reference.
#include <gtest/gtest.h>

#include <set>

#include "runtime/generator.h"
#include "support/model_fixture.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr int kVocab = 4096;
constexpr double kTolerance = 2e-3;

struct Case {
  std::string preset;
  CheckpointFormat format;
  model::Format weights;
  bool tied = true;             // untied: a separate random lm_head, which keeps greedy decoding varied
  bool attention_bias = false;  // config.json's attention_bias (Qwen3 / Qwen3.5: biases on q/k/v/o_proj)
};

void with_attention_bias(CheckpointSpec& spec) { text_config(spec)["attention_bias"] = true; }

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.preset + "_" + checkpoint_format_name(info.param.format) + "_" +
                  model::format_name(info.param.weights) + (info.param.tied ? "" : "_untied") +
                  (info.param.attention_bias ? "_bias" : "");
  for (auto& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

class ModelForward : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    model_ = c.attention_bias
                 ? make_tiny_model(dir_, c.preset, c.format, kVocab, 7, c.tied, with_attention_bias, "-bias")
                 : make_tiny_model(dir_, c.preset, c.format, kVocab, 7, c.tied);
    engine_ = std::make_unique<runtime::Engine>(model_.dir, engine_options(GetParam().weights));
    weights_ = reference_weights(model_.dir, GetParam().weights);
    reference_ = std::make_unique<ref::ReferenceModel>(reference_spec(model_.spec), weights_);
  }

  TempDir dir_{"vole-model"};
  TinyModel model_;
  std::unique_ptr<runtime::Engine> engine_;
  ref::WeightMap weights_;
  std::unique_ptr<ref::ReferenceModel> reference_;
};

// Prompt lengths at the conv window's left edge (1, 2, 3) and around the DeltaNet
// chunk (63, 64, 65), plus a long one; every position's logits are compared.
TEST_P(ModelForward, PrefillLogitsMatchReference) {
  std::vector<int32_t> tokens = token_sequence(200, kVocab, 11);
  auto want = reference_->forward(tokens);  // causal: rows of a prefix are the prefix's rows
  for (size_t n : {1, 2, 3, 63, 64, 65, 200}) {
    auto seq = engine_->new_sequence();
    std::vector<float> got = seq->evaluate_all(std::span(tokens).first(n));
    ASSERT_EQ(got.size(), n * kVocab);
    double worst = 0;
    for (size_t t = 0; t < n; ++t) worst = std::max(worst, relative_error(&got[t * kVocab], want[t].data(), kVocab));
    EXPECT_LT(worst, kTolerance) << "prompt of " << n << " tokens";
    RecordProperty("max_rel_error_" + std::to_string(n), std::to_string(worst));
  }
}

// Prefill, then 64 greedy decode steps: the same tokens as the reference, and the
// logits of every step within tolerance.
TEST_P(ModelForward, GreedyDecodeAfterPrefillMatchesReference) {
  std::vector<int32_t> prompt = token_sequence(9, kVocab, 3);
  auto seq = engine_->new_sequence();
  seq->sync(prompt);
  auto state = reference_->new_state();
  std::vector<float> ref_logits;
  for (int32_t t : prompt) ref_logits = reference_->step(t, state);
  runtime::SamplingOptions greedy = runtime::SamplingOptions::greedy();
  int32_t token = seq->sample(greedy, 1, 0);
  double worst = relative_error(seq->logits().data(), ref_logits.data(), kVocab);
  std::set<int32_t> distinct;
  for (int step = 0; step < 64; ++step) {
    float margin = 0;
    int32_t want = argmax(ref_logits, &margin);
    ASSERT_EQ(token, want) << "step " << step << " (reference margin " << margin << ")";
    distinct.insert(token);
    ref_logits = reference_->step(token, state);
    token = seq->step(token, greedy, 1, step + 1);
    worst = std::max(worst, relative_error(seq->logits().data(), ref_logits.data(), kVocab));
  }
  EXPECT_LT(worst, kTolerance);
  EXPECT_EQ(seq->length(), static_cast<int64_t>(prompt.size()) + 64);
  RecordProperty("distinct_greedy_tokens", std::to_string(distinct.size()));
}

// The biases are part of what is compared: a reference that leaves them out is far off.
TEST_P(ModelForward, BiasesChangeTheResult) {
  ref::ModelSpec spec = reference_->spec();
  if (!spec.qkv_bias && !spec.output_bias) GTEST_SKIP() << "no attention biases in this model";
  spec.qkv_bias = spec.output_bias = false;
  ref::ReferenceModel without(spec, weights_);
  std::vector<int32_t> tokens = token_sequence(8, kVocab, 5);
  auto a = reference_->forward(tokens), b = without.forward(tokens);
  EXPECT_GT(relative_error(b.back().data(), a.back().data(), kVocab), 20 * kTolerance);
}

INSTANTIATE_TEST_SUITE_P(Families, ModelForward,
                         ::testing::Values(Case{"tiny-qwen3_5", CheckpointFormat::F32, model::Format::F32},
                                           Case{"tiny-qwen3", CheckpointFormat::F32, model::Format::F32},
                                           Case{"tiny-qwen3_5", CheckpointFormat::BF16, model::Format::Source},
                                           Case{"tiny-qwen3_5", CheckpointFormat::BF16, model::Format::Q4},
                                           Case{"tiny-qwen3", CheckpointFormat::BF16, model::Format::Q4},
                                           Case{"tiny-qwen3_5", CheckpointFormat::F32, model::Format::F32, false},
                                           Case{"tiny-qwen3", CheckpointFormat::BF16, model::Format::Q4, false},
                                           Case{"tiny-qwen2", CheckpointFormat::F32, model::Format::F32},
                                           Case{"tiny-qwen2", CheckpointFormat::BF16, model::Format::Q4, false},
                                           Case{"tiny-qwen3", CheckpointFormat::F32, model::Format::F32, true, true},
                                           Case{"tiny-qwen3_5", CheckpointFormat::F32, model::Format::F32, true, true}),
                         case_name);

}  // namespace
