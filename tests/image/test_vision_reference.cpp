// The CPU reference of the vision tower and the M-RoPE positions pinned by hand-worked
// cases: the spec's 8x8 image example (§7.10), merge-block positions, the interpolated
// position table on a linear table (bilinear interpolation reproduces it exactly), the
// rotary angles, the patch embedding against a direct Conv3d, attention confined to
// one frame, and a whole forward pass on a tiny generated tower.
#include <gtest/gtest.h>

#include <cmath>

#include "arch/qwen3_5/qwen3_5.h"
#include "image/image_test_util.h"
#include "image/preprocess.h"
#include "reference/vision.h"
#include "support/checkpoint_writer.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::ref;

namespace {

struct TinyTower {
  test::TempDir dir;
  model::ModelConfig config;
  WeightMap weights;
  VisionSpec spec;
  TinyTower() {
    auto s = test::checkpoint_preset("tiny-qwen3_5");
    s.format = test::CheckpointFormat::F32;
    s.mtp = false;
    test::write_checkpoint(dir.path(), s);
    config = test::parsed_config(s);
    weights = load_vision_weights(dir.path());
    spec = vision_spec(*config.as<arch::Qwen3_5Config>().vision);
  }
};

// Preprocessed patches of a generated image for the tiny tower (16-pixel patches).
std::vector<float> patches_of(int width, int height, uint32_t seed, VisionGrid& grid) {
  image::PreprocessorConfig c = image::parse_preprocessor_config(
      R"({"patch_size": 16, "merge_size": 2, "image_mean": 0.5, "image_std": 0.5, "size": {"shortest_edge": 1024, "longest_edge": 65536}})",
      "tiny.json");
  auto out = image::preprocess_image(test::pattern_image(width, height, seed), c);
  grid = {out.grid.t, out.grid.h, out.grid.w};
  return out.patches;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::abs(double(a[i]) - b[i]));
  return worst;
}

}  // namespace

TEST(MropePositions, SpecWorkedExampleWithAnEightByEightImage) {
  // <|im_start|> user \n <|vision_start|>, 64 image tokens (8 x 8), <|vision_end|>, two more tokens.
  auto m = mrope_positions({PromptSegment::text(4), PromptSegment::image(8, 8), PromptSegment::text(3)});
  ASSERT_EQ(m.positions.size(), 4u + 64u + 3u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(m.positions[i], (std::array<int64_t, 3>{i, i, i}));
  for (int row = 0; row < 8; ++row)
    for (int col = 0; col < 8; ++col)
      EXPECT_EQ(m.positions[4 + row * 8 + col], (std::array<int64_t, 3>{4, 4 + row, 4 + col}));
  EXPECT_EQ(m.positions[68], (std::array<int64_t, 3>{12, 12, 12}));  // <|vision_end|> at 4 + 8
  EXPECT_EQ(m.positions[69], (std::array<int64_t, 3>{13, 13, 13}));
  EXPECT_EQ(m.positions[70], (std::array<int64_t, 3>{14, 14, 14}));
  EXPECT_EQ(m.next, 15);
  EXPECT_EQ(m.rope_delta, 15 - 71);  // decoding continues at cache index + delta
  // A wide image advances by its longer side.
  EXPECT_EQ(mrope_positions({PromptSegment::image(2, 5)}).next, 5);
}

TEST(VisionReference, MergeBlockPositionsOfAFourByFourGrid) {
  auto p = merge_block_positions(4, 4, 2);
  std::vector<std::pair<int64_t, int64_t>> want = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3},
                                                   {2, 0}, {2, 1}, {3, 0}, {3, 1}, {2, 2}, {2, 3}, {3, 2}, {3, 3}};
  EXPECT_EQ(p, want);
}

TEST(VisionReference, PositionTableInterpolationIsExactOnALinearTable) {
  // table[r][c] = 10 r + c on a 3 x 3 grid: bilinear with align_corners gives 10 sy + sx.
  std::vector<float> table;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) table.push_back(static_cast<float>(10 * r + c));
  auto pos = interpolated_position_embeddings(table, 3, 1, {1, 2, 4}, 2);
  auto cells = merge_block_positions(2, 4, 2);
  ASSERT_EQ(pos.size(), cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    double sy = cells[i].first * 2.0 / 1, sx = cells[i].second * 2.0 / 3;
    EXPECT_NEAR(pos[i], 10 * sy + sx, 1e-5) << i;
  }
  // A grid the size of the table reads the table itself.
  std::vector<float> big(8 * 8 * 2);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i) * 0.25f;
  auto same = interpolated_position_embeddings(big, 8, 2, {1, 8, 8}, 2);
  auto order = merge_block_positions(8, 8, 2);
  for (size_t i = 0; i < order.size(); ++i)
    for (int d = 0; d < 2; ++d) EXPECT_EQ(same[i * 2 + d], big[(order[i].first * 8 + order[i].second) * 2 + d]);
}

TEST(VisionReference, RotaryTurnsRowAndColumnPairsByTheirAngles) {
  // head_dim 8: frequencies 1 and 1e4^(-1/2) = 0.01; patch (row 1, col 2): angles 1, 0.01, 2, 0.02.
  std::vector<float> x(8, 0.0f);
  x[0] = 1, x[2] = 1, x[7] = 1;
  apply_vision_rotary(x, 1, 8, {{1, 2}}, 10000.0);
  EXPECT_NEAR(x[0], std::cos(1.0), 1e-6);
  EXPECT_NEAR(x[4], std::sin(1.0), 1e-6);
  EXPECT_NEAR(x[2], std::cos(2.0), 1e-6);
  EXPECT_NEAR(x[6], std::sin(2.0), 1e-6);
  EXPECT_NEAR(x[7], std::cos(0.02), 1e-6);  // dimension 7 pairs with 3 (angle 0.02)
  EXPECT_NEAR(x[3], -std::sin(0.02), 1e-6);
  std::vector<float> y = {1, 2, 3, 4, 5, 6, 7, 8}, z = y;
  apply_vision_rotary(z, 1, 8, {{0, 0}}, 10000.0);
  EXPECT_EQ(y, z);  // position (0, 0) is the identity
}

TEST(VisionReference, PatchEmbeddingIsTheConv3dOverTheImage) {
  TinyTower t;
  VisionGrid g;
  auto patches = patches_of(64, 32, 3, g);  // 4 x 2 patches
  ASSERT_EQ(g.h, 2);
  ASSERT_EQ(g.w, 4);
  ReferenceVision vision(t.spec, t.weights);
  auto embedded = vision.patch_embed(patches);
  // Direct convolution: kernel = stride = (2, 16, 16) over the normalised frame repeated twice.
  auto img = test::pattern_image(64, 32, 3);
  const auto& w = t.weights.at("model.visual.patch_embed.proj.weight");
  const auto& b = t.weights.at("model.visual.patch_embed.proj.bias");
  auto order = merge_block_positions(2, 4, 2);
  for (size_t n = 0; n < order.size(); ++n)
    for (int o = 0; o < t.spec.hidden; ++o) {
      double acc = b[o];
      for (int c = 0; c < 3; ++c)
        for (int tt = 0; tt < 2; ++tt)
          for (int ky = 0; ky < 16; ++ky)
            for (int kx = 0; kx < 16; ++kx) {
              int y = static_cast<int>(order[n].first) * 16 + ky, x = static_cast<int>(order[n].second) * 16 + kx;
              double v = (img.at(x, y)[c] - 127.5) / 127.5;
              acc += w[(((static_cast<size_t>(o) * 3 + c) * 2 + tt) * 16 + ky) * 16 + kx] * v;
            }
      ASSERT_NEAR(embedded[n * t.spec.hidden + o], acc, 1e-4) << "patch " << n << " channel " << o;
    }
}

TEST(VisionReference, ForwardOnATinyTowerHasTheRightShapeAndKeepsImagesApart) {
  TinyTower t;
  ReferenceVision vision(t.spec, t.weights);
  VisionGrid ga, gb;
  auto a = patches_of(64, 64, 1, ga), b = patches_of(96, 32, 2, gb);
  ReferenceVision::Trace trace;
  auto ya = vision.forward(a, {ga}, &trace);
  ASSERT_EQ(ya.size(), static_cast<size_t>(ga.h * ga.w / 4 * t.spec.out_hidden));
  for (float v : ya) ASSERT_TRUE(std::isfinite(v));
  EXPECT_EQ(trace.after_block.size(), static_cast<size_t>(t.spec.depth));
  EXPECT_GT(max_abs_diff(trace.after_block.back(), trace.with_positions), 1e-3);  // the blocks do something

  // Two images in one call: each attends only to itself.
  auto yb = vision.forward(b, {gb});
  std::vector<float> both_in = a;
  both_in.insert(both_in.end(), b.begin(), b.end());
  auto both = vision.forward(both_in, {ga, gb});
  std::vector<float> separate = ya;
  separate.insert(separate.end(), yb.begin(), yb.end());
  EXPECT_LT(max_abs_diff(both, separate), 1e-5);

  // Two frames of one grid (t = 2) are two attention segments, each positioned like an image.
  std::vector<float> two = a;
  two.insert(two.end(), a.begin(), a.end());
  auto y2 = vision.forward(two, {{2, ga.h, ga.w}});
  std::vector<float> twice = ya;
  twice.insert(twice.end(), ya.begin(), ya.end());
  EXPECT_LT(max_abs_diff(y2, twice), 1e-5);
}

TEST(VisionReference, BlocksWithZeroWeightsAreIdentities) {
  TinyTower t;
  WeightMap zeroed = t.weights;
  for (auto& [name, v] : zeroed)
    if (name.find(".attn.") != std::string::npos || name.find(".mlp.") != std::string::npos)
      std::fill(v.begin(), v.end(), 0.0f);
  ReferenceVision vision(t.spec, zeroed);
  VisionGrid g;
  auto p = patches_of(64, 64, 4, g);
  ReferenceVision::Trace trace;
  vision.forward(p, {g}, &trace);
  EXPECT_EQ(trace.after_block.back(), trace.with_positions);
}

TEST(VisionReference, LoadsEveryVisionTensorOfTheCheckpoint) {
  TinyTower t;
  size_t want = 3 + 12 * static_cast<size_t>(t.spec.depth) + 6;
  EXPECT_EQ(t.weights.size(), want);
  EXPECT_EQ(t.weights.at("model.visual.pos_embed.weight").size(),
            static_cast<size_t>(t.spec.num_position_embeddings * t.spec.hidden));
  EXPECT_EQ(t.weights.at("model.visual.merger.linear_fc2.weight").size(),
            static_cast<size_t>(t.spec.out_hidden * t.spec.hidden * 4));
}
