// The antialiased bicubic resize: Pillow's published expectations for its bicubic
// filter (Tests/test_image_resample.py), constant images staying constant, and the
// int16 fixed-point result within one step of the exact real-valued definition
// (tests/reference/vision.h) over many sizes, up and down.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "image/image_test_util.h"
#include "image/resize.h"
#include "reference/vision.h"

using namespace vole;
using namespace vole::image;

namespace {

RgbImage grey_image(int w, int h, const std::vector<uint8_t>& values) {
  RgbImage img = make_rgb_image(w, h);
  for (size_t i = 0; i < values.size(); ++i) std::memset(&img.pixels[3 * i], values[i], 3);
  return img;
}

// Pillow's accuracy case: two quadrants of `color`, two of 255 - color.
RgbImage pillow_case(int w, int h, uint8_t color) {
  std::vector<uint8_t> v(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) v[y * w + x] = ((x < w / 2) == (y < h / 2)) ? color : 255 - color;
  return grey_image(w, h, v);
}

// Pillow's expected result from the hex of its top-left quarter, mirrored as Pillow does.
std::vector<uint8_t> pillow_sample(const std::vector<uint8_t>& quarter, int w, int h) {
  std::vector<uint8_t> s(static_cast<size_t>(w) * h);
  int qw = w / 2, qh = h / 2;
  for (int y = 0; y < qh; ++y)
    for (int x = 0; x < qw; ++x) {
      uint8_t v = quarter[y * qw + x];
      s[y * w + x] = v;
      s[(h - 1 - y) * w + (w - 1 - x)] = v;
      s[(h - 1 - y) * w + x] = 255 - v;
      s[y * w + (w - 1 - x)] = 255 - v;
    }
  return s;
}

std::vector<uint8_t> red_channel(const RgbImage& img) {
  std::vector<uint8_t> r;
  for (size_t i = 0; i < img.pixels.size(); i += 3) r.push_back(img.pixels[i]);
  return r;
}

}  // namespace

TEST(ImageResize, MatchesPillowsPublishedBicubicReduction) {
  auto got = resize_bicubic_antialias(pillow_case(12, 12, 0xe1), 6, 6);
  EXPECT_EQ(red_channel(got), pillow_sample({0xe1, 0xe3, 0xd4, 0xe3, 0xe5, 0xd6, 0xd4, 0xd6, 0xc9}, 6, 6));
}

TEST(ImageResize, MatchesPillowsPublishedBicubicEnlargement) {
  auto got = resize_bicubic_antialias(pillow_case(4, 4, 0xe1), 8, 8);
  EXPECT_EQ(red_channel(got), pillow_sample({0xe1, 0xe5, 0xee, 0xb9, 0xe5, 0xe9, 0xf3, 0xbc, 0xee, 0xf3, 0xfd, 0xc1,
                                             0xb9, 0xbc, 0xc1, 0xa2},
                                            8, 8));
}

TEST(ImageResize, ConstantImagesStayConstantAndHalfStepsHalve) {
  RgbImage flat = make_rgb_image(1280, 40);
  for (size_t i = 0; i < flat.pixels.size(); i += 3)
    flat.pixels[i] = 0x20, flat.pixels[i + 1] = 0x40, flat.pixels[i + 2] = 0x60;
  auto small = resize_bicubic_antialias(flat, 256, 8);
  for (size_t i = 0; i < small.pixels.size(); i += 3) {
    ASSERT_EQ(small.pixels[i], 0x20);
    ASSERT_EQ(small.pixels[i + 2], 0x60);
  }
  // Pillow's coefficient regression: a 400000-wide row, left half 254, down to 5.
  std::vector<uint8_t> row(400000, 0);
  std::fill(row.begin(), row.begin() + 200000, 254);
  EXPECT_EQ(resize_bicubic_antialias(grey_image(400000, 1, row), 5, 1).at(2, 0)[0], 127);
}

TEST(ImageResize, SameSizeIsACopyAndOneAxisResizesOnlyThatAxis) {
  RgbImage img = test::pattern_image(40, 30);
  EXPECT_EQ(resize_bicubic_antialias(img, 40, 30).pixels, img.pixels);
  auto wide = resize_bicubic_antialias(img, 17, 30);
  EXPECT_EQ(wide.height, 30);
  // Resizing only the width treats every row alone: a row's result depends on that row only.
  RgbImage one_row = make_rgb_image(40, 1);
  std::memcpy(one_row.pixels.data(), img.row(11), 40 * 3);
  auto row_alone = resize_bicubic_antialias(one_row, 17, 1);
  EXPECT_EQ(0, std::memcmp(row_alone.pixels.data(), wide.row(11), 17 * 3));
}

TEST(ImageResize, WithinOneStepOfTheExactDefinition) {
  const int sizes[][4] = {{64, 48, 32, 24},  {37, 23, 64, 64}, {300, 200, 96, 160}, {97, 101, 33, 250},
                          {640, 32, 64, 64}, {50, 50, 49, 51}, {1000, 10, 96, 32},  {16, 16, 256, 256}};
  for (const auto& s : sizes) {
    SCOPED_TRACE(std::to_string(s[0]) + "x" + std::to_string(s[1]) + " -> " + std::to_string(s[2]) + "x" +
                 std::to_string(s[3]));
    RgbImage src = test::pattern_image(s[0], s[1], 7);
    auto got = resize_bicubic_antialias(src, s[2], s[3]);
    auto exact = ref::resize_bicubic_antialias_exact(src.pixels, s[0], s[1], s[2], s[3]);
    double worst = 0;
    int off = 0;
    for (size_t i = 0; i < exact.size(); ++i) {
      double want = std::clamp(exact[i], 0.0, 255.0);
      worst = std::max(worst, std::abs(got.pixels[i] - want));
      off += got.pixels[i] != static_cast<int>(std::lround(want));
    }
    // The kernel rounds twice (after each pass) with 15-bit weights: at most a step away.
    EXPECT_LT(worst, 1.5);
    EXPECT_LT(off, static_cast<int>(exact.size() / 4)) << "too many pixels off the rounded exact value";
  }
}
