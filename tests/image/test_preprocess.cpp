// Preprocessing for Qwen-VL vision towers: smart_resize against values worked out with
// Python's own round/floor/ceil (and the spec's 224 -> 256 example), the pixel budget with
// the user's token cap, preprocessor_config.json in both spellings, the normalisation,
// the merge-block patch order on a labelled image (by hand and against the literal
// view/permute of tests/reference), and the image identity.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "image/image_test_util.h"
#include "image/preprocess.h"
#include "image/resize.h"
#include "reference/vision.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole;
using namespace vole::image;

namespace {

// Qwen3.5's preprocessor_config.json (docs/specs/qwen3_5.md §7.1).
const char* kQwen35 = R"({
  "size": {"longest_edge": 16777216, "shortest_edge": 65536},
  "patch_size": 16, "temporal_patch_size": 2, "merge_size": 2,
  "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
  "processor_class": "Qwen3VLProcessor", "image_processor_type": "Qwen2VLImageProcessorFast"})";

PreprocessorConfig qwen35() { return parse_preprocessor_config(kQwen35, "preprocessor_config.json"); }

}  // namespace

TEST(SmartResize, MatchesPythonWorkedValues) {
  struct Case {
    int64_t h, w, min, max, want_h, want_w;
  } cases[] = {
      {224, 224, 65536, 16777216, 256, 256},    // the spec's example: below min_pixels, scaled up
      {80, 112, 1024, 16777216, 64, 128},       // 2.5 -> 2 and 3.5 -> 4: halves go to even
      {144, 48, 1024, 16777216, 128, 64},       // 4.5 -> 4, 1.5 -> 2
      {4000, 3000, 65536, 1048576, 1152, 864},  // above the cap: floored after scaling
      {3000, 4000, 65536, 1048576, 864, 1152},
      {100, 50, 65536, 16777216, 384, 192},
      {768, 1024, 65536, 1048576, 768, 1024},
      {2048, 2048, 65536, 1048576, 1024, 1024},
      {448, 448, 65536, 16777216, 448, 448},
      {1080, 1920, 65536, 1048576, 768, 1344},
      {1, 1, 65536, 16777216, 256, 256},
      {10, 2000, 1024, 4096, 32, 480},  // HF's min branch can overshoot max: reproduced, not "fixed"
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::to_string(c.h) + "x" + std::to_string(c.w));
    auto got = smart_resize(c.h, c.w, 32, c.min, c.max);
    EXPECT_EQ(got.height, c.want_h);
    EXPECT_EQ(got.width, c.want_w);
  }
}

TEST(SmartResize, AgreesWithTheReferenceOverASweepAndRefusesExtremeAspectRatios) {
  for (int64_t h = 1; h < 700; h += 7)
    for (int64_t w = 3; w < 5000; w += 61) {
      if (std::max(h, w) > 200 * std::min(h, w)) continue;
      for (int64_t max_px : {int64_t{65536}, int64_t{262144}, int64_t{1048576}}) {
        auto got = smart_resize(h, w, 32, 65536, max_px);
        auto want = ref::qwen_smart_resize(h, w, 32, 65536, max_px);
        ASSERT_EQ(got.height, want.first) << h << "x" << w;
        ASSERT_EQ(got.width, want.second) << h << "x" << w;
      }
    }
  EXPECT_THROW(smart_resize(10, 2001, 32, 65536, 16777216), Error);
  EXPECT_NO_THROW(smart_resize(10, 2000, 32, 65536, 16777216));
}

TEST(PreprocessorConfigFile, ReadsBothSpellingsAndDefaults) {
  auto c = qwen35();
  EXPECT_EQ(c.min_pixels, 65536);
  EXPECT_EQ(c.max_pixels, 16777216);
  EXPECT_EQ(c.patch_size, 16);
  EXPECT_EQ(c.factor(), 32);
  EXPECT_EQ(c.image_mean[1], 0.5);
  // Qwen2-VL's older files: top-level min_pixels / max_pixels (they win over size).
  auto old = parse_preprocessor_config(
      R"({"min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "size": {"shortest_edge": 1, "longest_edge": 2}})",
      "old.json");
  EXPECT_EQ(old.min_pixels, 3136);
  EXPECT_EQ(old.max_pixels, 12845056);
  auto inside = parse_preprocessor_config(R"({"size": {"min_pixels": 4096, "max_pixels": 8192}})", "s.json");
  EXPECT_EQ(inside.min_pixels, 4096);
  EXPECT_EQ(inside.max_pixels, 8192);
  auto defaults = parse_preprocessor_config("{}", "d.json");  // Qwen2VLImageProcessorFast class defaults
  EXPECT_EQ(defaults.min_pixels, 56 * 56);
  EXPECT_EQ(defaults.max_pixels, 28 * 28 * 1280);
  EXPECT_EQ(defaults.patch_size, 14);
  EXPECT_DOUBLE_EQ(defaults.image_std[0], 0.26862954);

  test::TempDir dir;
  { std::ofstream(dir / "preprocessor_config.json") << kQwen35; }
  EXPECT_EQ(load_preprocessor_config(dir.path()).max_pixels, 16777216);
}

TEST(PreprocessorConfigFile, RefusesWhatItCannotHonour) {
  auto expect = [](const char* json, ErrorCode code, const char* needle) {
    try {
      parse_preprocessor_config(json, "pp.json");
      ADD_FAILURE() << "accepted " << json;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("pp.json"), std::string::npos) << e.what();
    }
  };
  expect(R"({"resample": 2})", ErrorCode::Unsupported, "bicubic");
  expect(R"({"size": {"shortest_edge": 100, "longest_edge": 50}})", ErrorCode::InvalidFile, "min_pixels");
  expect(R"({"patch_size": 0})", ErrorCode::InvalidFile, "patch_size");
  expect(R"({"image_std": [0.5, 0, 0.5]})", ErrorCode::InvalidFile, "image_std");
  expect(R"({"image_mean": [0.5, 0.5]})", ErrorCode::InvalidFile, "image_mean");
  expect("[1, 2]", ErrorCode::InvalidFile, "object");
  EXPECT_THROW(load_preprocessor_config("/nonexistent-model-dir"), Error);
}

TEST(Preprocess, TheTokenCapBoundsThePixelBudget) {
  auto c = qwen35();
  EXPECT_EQ(effective_max_pixels(c, {}), 1024 * 32 * 32);  // default cap: 1024 tokens
  EXPECT_EQ(effective_max_pixels(c, {0}), 16777216);       // no cap: the model's budget
  EXPECT_EQ(effective_max_pixels(c, {10}), 65536);         // never below min_pixels
  auto big = preprocess_image(test::pattern_image(4032, 3024), c);
  EXPECT_LE(big.tokens, 1024);
  EXPECT_EQ(big.resized_height, 864);  // a 4032 x 3024 photo under 1024 tokens, per smart_resize
  EXPECT_EQ(big.resized_width, 1152);
}

TEST(Preprocess, SpecExampleGivesSixtyFourTokens) {
  auto out = preprocess_image(test::pattern_image(224, 224), qwen35());
  EXPECT_EQ(out.resized_width, 256);
  EXPECT_EQ(out.grid.t, 1);
  EXPECT_EQ(out.grid.h, 16);
  EXPECT_EQ(out.grid.w, 16);
  EXPECT_EQ(out.tokens, 64);
  EXPECT_EQ(out.patch_dim, 1536);
  EXPECT_EQ(out.patches.size(), 256u * 1536u);
}

TEST(Preprocess, NormalisationIsTheProcessorsFusedFloat32Form) {
  auto c = qwen35();
  RgbImage img = make_rgb_image(32, 32);
  img.pixels[0] = 0, img.pixels[1] = 255, img.pixels[2] = 128;
  auto p = patchify(img, c);
  EXPECT_EQ(p[0], -1.0f);             // R of pixel (0, 0), frame 0
  EXPECT_EQ(p[256], -1.0f);           // R, frame 1 (the repeated still)
  EXPECT_EQ(p[512], 1.0f);            // G
  EXPECT_EQ(p[1024], 0.5f / 127.5f);  // B: (128 - 127.5) / 127.5 in float32
  // CLIP statistics: within float rounding of the definition (x/255 - mean)/std.
  PreprocessorConfig clip = parse_preprocessor_config(R"({"patch_size": 16})", "clip.json");
  RgbImage ramp = make_rgb_image(32, 32);
  for (size_t i = 0; i < ramp.pixels.size(); ++i) ramp.pixels[i] = static_cast<uint8_t>(i * 7);
  auto q = patchify(ramp, clip);
  // Patch 0, channel c, frame 0, (py, px) sits at q[c*512 + py*16 + px].
  for (int c = 0; c < 3; ++c)
    for (int py = 0; py < 16; ++py)
      for (int px = 0; px < 16; ++px) {
        double want = ref::normalise_pixel(ramp.at(px, py)[c], clip.image_mean[c], clip.image_std[c]);
        ASSERT_NEAR(q[c * 512 + py * 16 + px], want, 2e-6 * std::abs(want) + 1e-6);
      }
}

TEST(Preprocess, PatchOrderFollowsMergeBlocks) {
  // 2-pixel patches, 2x2 merge, 2 frames: an 8 x 4 image is 4 x 2 patches, two merge blocks.
  PreprocessorConfig c = parse_preprocessor_config(
      R"({"patch_size": 2, "merge_size": 2, "temporal_patch_size": 2, "do_normalize": false, "do_rescale": false})",
      "tiny.json");
  RgbImage img = make_rgb_image(8, 4);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 8; ++x)
      for (int ch = 0; ch < 3; ++ch) img.pixels[(y * 8 + x) * 3 + ch] = static_cast<uint8_t>(100 * ch + 10 * y + x);
  auto p = patchify(img, c);
  const int dim = 3 * 2 * 2 * 2;
  ASSERT_EQ(p.size(), 8u * dim);
  // Patch n covers (row, col) in patches: block (0,0): (0,0) (0,1) (1,0) (1,1); block (0,1): (0,2) (0,3) (1,2) (1,3).
  const int rows[] = {0, 0, 1, 1, 0, 0, 1, 1}, cols[] = {0, 1, 0, 1, 2, 3, 2, 3};
  for (int n = 0; n < 8; ++n)
    for (int ch = 0; ch < 3; ++ch)
      for (int t = 0; t < 2; ++t)
        for (int py = 0; py < 2; ++py)
          for (int px = 0; px < 2; ++px) {
            int y = rows[n] * 2 + py, x = cols[n] * 2 + px;
            float want = static_cast<float>(100 * ch + 10 * y + x);
            ASSERT_EQ(p[n * dim + ((ch * 2 + t) * 2 + py) * 2 + px], want) << "patch " << n;
          }
}

TEST(Preprocess, PatchesEqualTheLiteralViewAndPermute) {
  auto c = qwen35();
  RgbImage img = test::pattern_image(96, 64, 5);
  auto p = patchify(img, c);
  std::vector<float> frame(3 * 64 * 96);  // [C][H][W], normalised as the processor does
  for (int ch = 0; ch < 3; ++ch)
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 96; ++x) frame[(ch * 64 + y) * 96 + x] = (img.at(x, y)[ch] - 127.5f) / 127.5f;
  EXPECT_EQ(p, ref::qwen_patches(frame, 3, 64, 96, 16, 2, 2));
}

TEST(Preprocess, EndToEndAgreesWithTheReferencePipeline) {
  auto c = qwen35();
  RgbImage img = test::pattern_image(300, 200, 9);
  auto out = preprocess_image(img, c);
  auto [h, w] = ref::qwen_smart_resize(200, 300, 32, 65536, effective_max_pixels(c, {}));
  ASSERT_EQ(out.resized_height, h);
  ASSERT_EQ(out.resized_width, w);
  auto exact = ref::resize_bicubic_antialias_exact(img.pixels, 300, 200, static_cast<int>(w), static_cast<int>(h));
  std::vector<float> frame(exact.size());
  for (int ch = 0; ch < 3; ++ch)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        double v = std::clamp(exact[(y * w + x) * 3 + ch], 0.0, 255.0);
        frame[(ch * h + y) * w + x] = static_cast<float>((v / 255.0 - 0.5) / 0.5);
      }
  auto want = ref::qwen_patches(frame, 3, static_cast<int>(h), static_cast<int>(w), 16, 2, 2);
  ASSERT_EQ(out.patches.size(), want.size());
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double(out.patches[i]) - want[i]));
  EXPECT_LT(worst, 1.5 / 127.5);  // the resize's one-step rounding, in normalised units
}

TEST(Preprocess, IdentityFollowsThePreprocessedPixels) {
  auto c = qwen35();
  RgbImage a = test::pattern_image(1200, 900, 1), b = a;
  EXPECT_EQ(preprocess_image(a, c).id, preprocess_image(b, c).id);
  EXPECT_EQ(preprocess_image(a, c).id.size(), 64u);
  b.pixels[1000] ^= 0x40;
  EXPECT_NE(preprocess_image(a, c).id, preprocess_image(b, c).id);
  EXPECT_NE(preprocess_image(a, c).id, preprocess_image(a, c, {16}).id);  // another budget, another grid
}
