// Deterministic mutation fuzzing of the decoder entry point: small valid files of every
// format, mutated (bit flips, byte runs, truncation, splices of header-like values) a
// bounded number of times; each result must decode or throw vole::Error, never crash
// (the sanitizer build checks memory errors too). tests/fuzz/ has the libFuzzer harness
// for longer runs.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "image/decode.h"
#include "image/image_test_util.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole;

TEST(ImageDecodeFuzz, MutatedFilesNeverCrash) {
  test::TempDir dir;
  std::vector<std::vector<uint8_t>> seeds;
  auto add = [&](const char* name, int channels, const char* options, const char* prefix) {
    test::write_with_convert(test::pattern_pixels(13, 9, channels), 13, 9, channels, options, dir / name, prefix);
    seeds.push_back(test::read_bytes(dir / name));
  };
  add("a.png", 4, "", "png32:");
  add("b.png", 3, "-interlace PNG", "png8:");
  add("c.jpg", 3, "-quality 80", "");
  add("d.jpg", 3, "-quality 80 -interlace Plane", "");
  add("e.jpg", 3, "-colorspace CMYK", "");
  add("f.webp", 4, "-quality 70", "");
  add("g.webp", 3, "-define webp:lossless=true", "");
  add("h.gif", 4, "-interlace GIF", "");
  add("i.bmp", 3, "", "bmp3:");
  add("j.bmp", 4, "", "bmp:");
  add("k.bmp", 3, "-colors 16 -type Palette", "bmp3:");

  std::mt19937_64 rng(20240611);
  image::DecodeLimits limits;
  limits.max_pixels = 1 << 20;  // keeps hostile-but-valid sizes cheap
  int decoded = 0, refused = 0;
  const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int iter = 0; iter < 4000 && std::chrono::steady_clock::now() < deadline; ++iter) {
    std::vector<uint8_t> f = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !f.empty(); ++e) {
      // Most structure sits in the first bytes: bias edits there half of the time.
      size_t span = (rng() % 2) ? std::min<size_t>(f.size(), 96) : f.size();
      size_t at = rng() % span;
      switch (rng() % 5) {
        case 0:
          f[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 1:
          f[at] = interesting[rng() % std::size(interesting)];
          break;
        case 2:
          f.resize(at + 1);
          break;
        case 3: {  // overwrite a run with a 16/32-bit extreme (sizes, offsets, counts)
          uint32_t v = (rng() % 2) ? 0xffffffffu : static_cast<uint32_t>(rng() % 70000);
          for (int k = 0; k < 4 && at + k < f.size(); ++k) f[at + k] = static_cast<uint8_t>(v >> (8 * k));
          break;
        }
        case 4: {  // duplicate a chunk of the file inside itself
          size_t len = 1 + rng() % 32, from = rng() % f.size();
          len = std::min(len, f.size() - from);
          std::vector<uint8_t> chunk(f.begin() + static_cast<long>(from), f.begin() + static_cast<long>(from + len));
          f.insert(f.begin() + static_cast<long>(at), chunk.begin(), chunk.end());
          break;
        }
      }
    }
    try {
      auto img = image::decode_image(f, "fuzz", limits);
      ASSERT_GT(img.image.width, 0);
      ASSERT_EQ(img.image.pixels.size(), static_cast<size_t>(img.image.width) * img.image.height * 3);
      ++decoded;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(decoded, 50);
  EXPECT_GT(refused, 500);
  std::printf("decoded %d, refused %d\n", decoded, refused);
}
