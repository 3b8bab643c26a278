// Images spliced into a prompt (runtime/image_prompt.*, Sequence with injected spans):
// placeholder expansion and M-RoPE positions against the spec's worked example and the
// reference's positions; then the text decoder's logits with images in the prompt
// against the CPU reference forward (tests/reference/model_forward.*) fed the same
// embeddings at the pad rows and the same position triples, through prefill chunks
// that cut an image, decode steps after it (rope_deltas), the prefix cache keyed by the
// image's identity and rollback across an image; and the whole path with the real
// vision tower (Chat with an image part), against ReferenceVision + the reference model.
//
// Tolerance: as the text model tests, 2e-3 of the row's largest |logit|.
#include <gtest/gtest.h>

#include "arch/qwen3_5/qwen3_5.h"
#include "ops/weight.h"
#include "reference/vision.h"
#include "runtime/chat.h"
#include "runtime/image_prompt.h"
#include "support/gpu_test.h"
#include "support/model_fixture.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;

namespace {

constexpr int kVocab = 4096;
constexpr double kTolerance = 2e-3;
const arch::ImageTokenIds kIds{100, 101, 102};

// An image's embeddings made up on the host (like token embeddings in scale), kept on
// the device the way VisionTower::encode keeps them.
struct FakeImage {
  std::vector<float> host;
  runtime::EncodedImage encoded;
};
FakeImage fake_image(gpu::Context& ctx, const std::string& id, int64_t rows, int64_t cols, int hidden, uint32_t seed) {
  FakeImage f;
  f.host = random_floats(rows * cols * hidden, seed, -0.05f, 0.05f);
  auto t = ops::upload_f32(ctx, "image " + id, {rows * cols, hidden}, f.host.data());
  ctx.flush_uploads();
  f.encoded.id = id;
  f.encoded.grid = {1, rows * 2, cols * 2};
  f.encoded.rows = rows;
  f.encoded.cols = cols;
  f.encoded.embeddings = t.tensor;
  f.encoded.memory = std::make_shared<gpu::Buffer>(std::move(t.buffer));
  return f;
}

// The reference over an expanded prompt: pad rows take the images' rows, in order.
std::vector<std::vector<float>> reference_logits(const ref::ReferenceModel& model, const runtime::ImagePrompt& p,
                                                 const std::vector<const std::vector<float>*>& images,
                                                 ref::ReferenceModel::State& state, int hidden) {
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < p.tokens.size(); ++i) {
    const float* row = nullptr;
    for (size_t k = 0; k < p.extras.embeddings.size(); ++k) {
      const auto& e = p.extras.embeddings[k];
      if (static_cast<int64_t>(i) >= e.offset && static_cast<int64_t>(i) < e.offset + e.tokens())
        row = images[k]->data() + (i - e.offset) * hidden;
    }
    out.push_back(model.step(p.tokens[i], state, row, p.extras.positions[i]));
  }
  return out;
}

std::vector<int32_t> with_placeholders(std::initializer_list<std::vector<int32_t>> pieces) {
  std::vector<int32_t> t;
  bool first = true;
  for (const auto& p : pieces) {
    if (!first) t.insert(t.end(), {kIds.start, kIds.pad, kIds.end});
    t.insert(t.end(), p.begin(), p.end());
    first = false;
  }
  return t;
}

TEST(ImagePrompt, SpecWorkedExample) {
  // <|im_start|> user \n <|vision_start|> [8 x 8 image] <|vision_end|> and two more tokens (§7.10).
  FakeImage im = fake_image(gpu_context(), "a", 8, 8, 4, 1);
  auto p = runtime::expand_image_prompt(with_placeholders({{1, 2, 3}, {7, 8}}), {&im.encoded, 1}, kIds);
  ASSERT_EQ(p.tokens.size(), 3u + 1 + 64 + 1 + 2);
  EXPECT_EQ(p.tokens[3], kIds.start);
  EXPECT_EQ(p.tokens[4], kIds.pad);
  EXPECT_EQ(p.tokens[68], kIds.end);
  EXPECT_EQ(p.extras.positions[3], (std::array<int32_t, 3>{3, 3, 3}));
  EXPECT_EQ(p.extras.positions[4], (std::array<int32_t, 3>{4, 4, 4}));
  EXPECT_EQ(p.extras.positions[4 + 8 * 2 + 5], (std::array<int32_t, 3>{4, 6, 9}));  // row 2, col 5
  EXPECT_EQ(p.extras.positions[68], (std::array<int32_t, 3>{12, 12, 12}));          // vision_end at 4 + 8
  EXPECT_EQ(p.extras.positions[69], (std::array<int32_t, 3>{13, 13, 13}));
  ASSERT_EQ(p.extras.embeddings.size(), 1u);
  EXPECT_EQ(p.extras.embeddings[0].offset, 4);
  EXPECT_EQ(p.extras.embeddings[0].key, "a");
}

TEST(ImagePrompt, PositionsEqualTheReferenceForSeveralImages) {
  FakeImage a = fake_image(gpu_context(), "a", 3, 5, 4, 1), b = fake_image(gpu_context(), "b", 6, 2, 4, 2);
  std::vector<runtime::EncodedImage> images{a.encoded, b.encoded};
  auto p = runtime::expand_image_prompt(with_placeholders({{1, 2}, {3, 4, 5}, {6}}), images, kIds);
  using ref::PromptSegment;
  auto want = ref::mrope_positions({PromptSegment::text(3), PromptSegment::image(3, 5), PromptSegment::text(5),
                                    PromptSegment::image(6, 2), PromptSegment::text(2)});
  ASSERT_EQ(p.extras.positions.size(), want.positions.size());
  for (size_t i = 0; i < want.positions.size(); ++i)
    for (int r = 0; r < 3; ++r) ASSERT_EQ(p.extras.positions[i][r], want.positions[i][r]) << "token " << i;
}

TEST(ImagePrompt, PlaceholderCountMustMatchTheImages) {
  FakeImage a = fake_image(gpu_context(), "a", 2, 2, 4, 1);
  EXPECT_THROW(runtime::expand_image_prompt(with_placeholders({{1}, {2}, {3}}), {&a.encoded, 1}, kIds), Error);
  EXPECT_THROW(runtime::expand_image_prompt(std::vector<int32_t>{1, 2, 3}, {&a.encoded, 1}, kIds), Error);
}

class SplicedDecoder : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = make_tiny_model(dir_, "tiny-qwen3_5", CheckpointFormat::F32, kVocab, 7, false);
    engine_ = std::make_unique<runtime::Engine>(model_.dir, engine_options(model::Format::F32));
    weights_ = reference_weights(model_.dir, model::Format::F32);
    reference_ = std::make_unique<ref::ReferenceModel>(reference_spec(model_.spec), weights_);
    hidden_ = engine_->decoder().dims().hidden;
  }
  gpu::Context& ctx() { return engine_->gpu(); }
  std::unique_ptr<runtime::Sequence> sequence(int64_t chunk = 512) {
    runtime::SequenceOptions o;
    o.capacity = 512;
    o.prefill_chunk = chunk;
    o.max_snapshots = 4;
    return std::make_unique<runtime::Sequence>(engine_->gpu(), engine_->decoder(), o);
  }

  TempDir dir_{"vole-splice"};
  TinyModel model_;
  std::unique_ptr<runtime::Engine> engine_;
  ref::WeightMap weights_;
  std::unique_ptr<ref::ReferenceModel> reference_;
  int hidden_ = 0;
};

TEST_F(SplicedDecoder, LogitsWithImagesMatchTheReference) {
  FakeImage a = fake_image(ctx(), "a", 3, 4, hidden_, 11), b = fake_image(ctx(), "b", 2, 5, hidden_, 12);
  std::vector<runtime::EncodedImage> images{a.encoded, b.encoded};
  auto p = runtime::expand_image_prompt(with_placeholders({{5, 6, 7, 8, 9}, {10, 11, 12}, {13, 14}}), images, kIds);
  auto state = reference_->new_state();
  auto want = reference_logits(*reference_, p, {&a.host, &b.host}, state, hidden_);

  // The comparison can fail: text positions, or the pads' own embeddings, give other logits.
  {
    runtime::ImagePrompt as_text = p;
    for (size_t i = 0; i < as_text.extras.positions.size(); ++i) {
      int32_t k = static_cast<int32_t>(i);
      as_text.extras.positions[i] = {k, k, k};
    }
    auto s1 = reference_->new_state();
    auto text_positions = reference_logits(*reference_, as_text, {&a.host, &b.host}, s1, hidden_);
    EXPECT_GT(relative_error(text_positions.back().data(), want.back().data(), kVocab), 10 * kTolerance);
    auto no_images = reference_->forward(p.tokens);
    EXPECT_GT(relative_error(no_images.back().data(), want.back().data(), kVocab), 10 * kTolerance);
  }

  // Chunks of 7 cut both images; the logits of the last token after the prompt, then
  // decode steps, whose positions continue one past the largest (rope_deltas).
  for (int64_t chunk : {512, 7}) {
    auto seq = sequence(chunk);
    EXPECT_EQ(seq->sync(p.tokens, p.extras), static_cast<int64_t>(p.tokens.size()));
    double err = relative_error(seq->logits().data(), want.back().data(), kVocab);
    EXPECT_LT(err, kTolerance) << "prompt, chunk " << chunk;
    int32_t next = p.extras.positions.back()[0] + 1;
    EXPECT_EQ(seq->next_position(), next);
    auto s = state;
    for (int32_t tok : {40, 41, 42}) {
      seq->feed(tok);
      auto w = reference_->step(tok, s, nullptr, {next, next, next});
      ++next;
      EXPECT_LT(relative_error(seq->logits().data(), w.data(), kVocab), kTolerance) << "decode, chunk " << chunk;
    }
  }
}

TEST_F(SplicedDecoder, PrefixCacheKnowsImagesApart) {
  FakeImage a = fake_image(ctx(), "a", 3, 3, hidden_, 21), b = fake_image(ctx(), "b", 3, 3, hidden_, 22);
  auto pa = runtime::expand_image_prompt(with_placeholders({{5, 6}, {7, 8}}), {&a.encoded, 1}, kIds);
  auto pb = runtime::expand_image_prompt(with_placeholders({{5, 6}, {7, 8}}), {&b.encoded, 1}, kIds);
  ASSERT_EQ(pa.tokens, pb.tokens);  // same ids: only the image's identity tells them apart

  auto seq = sequence();
  seq->sync(pa.tokens, pa.extras);
  // A follow-up with the same image reuses everything before it.
  auto pa2 = runtime::expand_image_prompt(with_placeholders({{5, 6}, {7, 8, 9, 10}}), {&a.encoded, 1}, kIds);
  EXPECT_EQ(seq->sync(pa2.tokens, pa2.extras), 2);
  // The other image at the same place is evaluated again from its first pad.
  EXPECT_EQ(seq->sync(pb.tokens, pb.extras), static_cast<int64_t>(pb.tokens.size()) - pb.extras.embeddings[0].offset);
  auto fresh = sequence();
  fresh->sync(pb.tokens, pb.extras);
  EXPECT_LT(relative_error(seq->logits().data(), fresh->logits().data(), kVocab), 1e-5);
}

TEST_F(SplicedDecoder, RollbackAcrossAnImageInjectsItAgain) {
  FakeImage a = fake_image(ctx(), "a", 2, 3, hidden_, 31);
  auto seq = sequence();
  seq->sync(std::vector<int32_t>{5, 6});  // a snapshot before the image
  auto p1 = runtime::expand_image_prompt(with_placeholders({{5, 6}, {7, 8, 9}}), {&a.encoded, 1}, kIds);
  seq->sync(p1.tokens, p1.extras);
  // Diverging after the image: the hybrid model restores the snapshot before it and
  // re-evaluates the image from the held embeddings.
  auto p2 = runtime::expand_image_prompt(with_placeholders({{5, 6}, {7, 20}}), {&a.encoded, 1}, kIds);
  seq->sync(p2.tokens, p2.extras);
  auto state = reference_->new_state();
  auto want = reference_logits(*reference_, p2, {&a.host}, state, hidden_);
  EXPECT_LT(relative_error(seq->logits().data(), want.back().data(), kVocab), kTolerance);
  // Truncating into the image and growing back also re-injects it.
  seq->truncate(p2.extras.embeddings[0].offset + 2);
  seq->sync(p2.tokens, p2.extras);
  EXPECT_LT(relative_error(seq->logits().data(), want.back().data(), kVocab), kTolerance);
}

// The whole path: a chat message with an image part, rendered by Qwen3.5's template,
// the image preprocessed and encoded by the (lazily loaded) tower, spliced, and the
// decoder's logits after the prompt against ReferenceVision + the reference model.
TEST(ImageChat, PromptWithAnImageMatchesTheReference) {
  TempDir dir("vole-image-chat");
  auto model = make_tiny_model(
      dir, "tiny-qwen3_5", CheckpointFormat::F32, 0, 7, true,
      [](CheckpointSpec& s) {
        s.preprocessor_config = true;
        s.chat_template = source_dir() / "tests/fixtures/templates/qwen3_5_0_8b/chat_template.jinja";
      },
      "-vision");
  runtime::Engine engine(model.dir, engine_options(model::Format::F32));
  runtime::VisionTower& tower = engine.vision();
  ASSERT_TRUE(tower.available());
  EXPECT_FALSE(tower.loaded()) << "the tower loads with the first image";

  image::RgbImage rgb{72, 40, {}};
  for (int i = 0; i < 72 * 40 * 3; ++i) rgb.pixels.push_back(static_cast<uint8_t>((i * 37 + i / 200) % 256));
  runtime::ChatRequest req;
  req.images.push_back(tower.preprocess(rgb));
  nlohmann::ordered_json content = nlohmann::ordered_json::array();
  content.push_back({{"type", "image"}});
  content.push_back({{"type", "text"}, {"text", "What is this?"}});
  req.messages.push_back({{"role", "user"}, {"content", content}});
  req.template_options.enable_thinking = false;
  runtime::Chat chat(engine);
  runtime::ImagePrompt p = chat.prompt_tokens(req);
  EXPECT_TRUE(tower.loaded());
  const auto& pre = req.images[0];
  ASSERT_EQ(p.extras.embeddings.size(), 1u);
  EXPECT_EQ(p.extras.embeddings[0].tokens(), pre.tokens);
  EXPECT_EQ(p.extras.embeddings[0].key, pre.id);

  chat.sequence().sync(p.tokens, p.extras);
  auto vspec = ref::vision_spec(*parsed_config(model.spec).as<arch::Qwen3_5Config>().vision);
  auto vweights = ref::load_vision_weights(model.dir);
  auto rows = ref::ReferenceVision(vspec, vweights).forward(pre.patches, {{pre.grid.t, pre.grid.h, pre.grid.w}});
  auto weights = reference_weights(model.dir, model::Format::F32);
  ref::ReferenceModel reference(reference_spec(model.spec), weights);
  auto state = reference.new_state();
  auto want = reference_logits(reference, p, {&rows}, state, vspec.out_hidden);
  auto got = chat.sequence().logits();
  EXPECT_LT(relative_error(got.data(), want.back().data(), got.size()), kTolerance);

  // Answering reuses the image prefix the sync above evaluated.
  req.generation = engine.default_generate_options();
  req.generation.sampling = runtime::SamplingOptions::greedy();
  req.generation.max_tokens = 2;
  auto reply = chat.reply(req, {});
  EXPECT_EQ(reply.stats.reused_tokens, static_cast<int64_t>(p.tokens.size()));
  tower.unload();
  EXPECT_FALSE(tower.loaded());
}

}  // namespace
