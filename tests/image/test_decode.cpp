// Image decoding: every supported variant, written by an independent encoder
// (ImageMagick's convert, or bytes built here), decoded by Vole and compared with the
// source pixels (lossless formats) or with ImageMagick's own decode of the same file
// (lossy and palette formats); EXIF orientations against `convert -auto-orient`;
// hostile files (not images, truncated, zero-sized, decompression bombs) refused with
// the right error before any pixel is decoded.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "image/decode.h"
#include "image/image_test_util.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole;
using namespace vole::image;
using vole::test::TempDir;

namespace {

constexpr int kW = 37, kH = 23;  // odd sizes catch stride and padding mistakes

image::RgbImage source_rgb() { return test::pattern_image(kW, kH); }  // = pattern_pixels(kW, kH, 3)

DecodedImage decode_file(const std::filesystem::path& p, const DecodeLimits& limits = {}) {
  return load_image(p, limits);
}

// Expects decode_image to fail with `code` and every needle in the message.
void expect_error(const std::vector<uint8_t>& bytes, ErrorCode code, std::vector<std::string> needles,
                  const DecodeLimits& limits = {}) {
  try {
    decode_image(bytes, "x.img", limits);
    ADD_FAILURE() << "expected an error containing " << (needles.empty() ? "" : needles[0]);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    std::string msg = e.what();
    EXPECT_NE(msg.find("x.img"), std::string::npos) << msg;
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "missing '" << n << "' in: " << msg;
  }
}

uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

void put_be32(uint8_t* p, uint32_t v) { p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v; }
void put_le16(uint8_t* p, uint32_t v) { p[0] = v, p[1] = v >> 8; }
void put_le32(uint8_t* p, uint32_t v) { p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24; }

// A PNG whose IHDR claims width x height (CRC fixed), the rest left as it was.
std::vector<uint8_t> png_claiming(std::vector<uint8_t> png, uint32_t width, uint32_t height) {
  put_be32(&png[16], width);
  put_be32(&png[20], height);
  put_be32(&png[29], crc32(&png[12], 17));
  return png;
}

// An APP1 EXIF segment with one orientation entry (after a decoy entry), in either byte order.
std::vector<uint8_t> exif_segment(int orientation, bool big_endian) {
  std::vector<uint8_t> tiff;
  auto u16 = [&](uint32_t v) {
    if (big_endian)
      tiff.insert(tiff.end(), {uint8_t(v >> 8), uint8_t(v)});
    else
      tiff.insert(tiff.end(), {uint8_t(v), uint8_t(v >> 8)});
  };
  auto u32 = [&](uint32_t v) {
    if (big_endian)
      tiff.insert(tiff.end(), {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)});
    else
      tiff.insert(tiff.end(), {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)});
  };
  tiff.insert(tiff.end(),
              big_endian ? std::initializer_list<uint8_t>{'M', 'M'} : std::initializer_list<uint8_t>{'I', 'I'});
  u16(42);
  u32(8);
  u16(2);                               // two entries
  u16(0x010f), u16(2), u32(4), u32(0);  // Make (ASCII, 4 bytes inline): a decoy
  u16(0x0112), u16(3), u32(1), u16(static_cast<uint32_t>(orientation)), u16(0);
  u32(0);  // no next IFD
  std::vector<uint8_t> seg = {0xff, 0xe1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  seg.insert(seg.end(), tiff.begin(), tiff.end());
  size_t len = seg.size() - 2;
  seg[2] = static_cast<uint8_t>(len >> 8), seg[3] = static_cast<uint8_t>(len);
  return seg;
}

std::vector<uint8_t> with_segment_after_soi(std::vector<uint8_t> jpeg, const std::vector<uint8_t>& seg) {
  jpeg.insert(jpeg.begin() + 2, seg.begin(), seg.end());
  return jpeg;
}

// One variant of a format: written by convert from `pixels`, decoded by Vole, compared
// with `want` (the source, for lossless variants; may be null) and with ImageMagick's
// decode within `magick_tolerance` (-1: not compared).
struct Variant {
  const char* name;
  const std::vector<uint8_t>* pixels;
  int channels;
  const char* options;
  const char* prefix;
  const image::RgbImage* want;
  int magick_tolerance;
};

void check_variants(const TempDir& dir, const std::string& ext, ImageFormat format,
                    std::initializer_list<Variant> variants) {
  for (const auto& v : variants) {
    SCOPED_TRACE(v.name);
    auto path = dir / (v.name + ext);
    test::write_with_convert(*v.pixels, kW, kH, v.channels, v.options, path, v.prefix);
    auto got = decode_file(path);
    EXPECT_EQ(got.format, format);
    if (v.want) EXPECT_EQ(test::max_difference(got.image, *v.want), 0);
    if (v.magick_tolerance < 0) continue;
    int diff = test::max_difference(got.image, test::decode_with_convert(path));
    EXPECT_GE(diff, 0);
    EXPECT_LE(diff, v.magick_tolerance);
  }
}

}  // namespace

TEST(ImageDecode, DetectsFormatsByContent) {
  EXPECT_EQ(detect_image_format(std::vector<uint8_t>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}), ImageFormat::Png);
  EXPECT_EQ(detect_image_format(std::vector<uint8_t>{0xff, 0xd8, 0xff, 0xe0}), ImageFormat::Jpeg);
  EXPECT_EQ(detect_image_format(std::vector<uint8_t>{'G', 'I', 'F', '8', '9', 'a'}), ImageFormat::Gif);
  EXPECT_EQ(detect_image_format(std::vector<uint8_t>{'B', 'M', 0, 0}), ImageFormat::Bmp);
  EXPECT_EQ(detect_image_format(std::vector<uint8_t>{'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'}),
            ImageFormat::WebP);
  EXPECT_FALSE(detect_image_format(std::vector<uint8_t>{'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'}));
}

TEST(ImageDecode, PngVariantsMatchTheirSource) {
  TempDir dir;
  auto rgb = test::pattern_pixels(kW, kH, 3), rgba = test::pattern_pixels(kW, kH, 4),
       grey = test::pattern_pixels(kW, kH, 1);
  image::RgbImage want_rgb = source_rgb(), want_rgba = test::over_white(rgba, kW, kH);
  image::RgbImage want_grey = make_rgb_image(kW, kH);
  for (size_t i = 0; i < grey.size(); ++i) std::memset(&want_grey.pixels[3 * i], grey[i], 3);
  check_variants(dir, ".png", ImageFormat::Png,
                 {{"rgb8", &rgb, 3, "", "png24:", &want_rgb, -1},
                  {"rgba8", &rgba, 4, "", "png32:", &want_rgba, -1},
                  {"rgb16", &rgb, 3, "-depth 16", "png48:", &want_rgb, -1},  // 16-bit: the high byte is the value
                  {"rgba16", &rgba, 4, "-depth 16", "png64:", &want_rgba, -1},
                  {"grey8", &grey, 1, "-type Grayscale", "png:", &want_grey, -1},
                  {"grey16", &grey, 1, "-type Grayscale -depth 16", "png:", &want_grey, -1},
                  {"interlaced", &rgb, 3, "-interlace PNG", "png24:", &want_rgb, -1}});
  EXPECT_TRUE(decode_file(dir / "rgba16.png").had_alpha);
  EXPECT_FALSE(decode_file(dir / "rgb16.png").had_alpha);
}

TEST(ImageDecode, PalettePngAndGreyWithAlphaMatchImageMagick) {
  TempDir dir;
  auto rgb = test::pattern_pixels(kW, kH, 3), rgba = test::pattern_pixels(kW, kH, 4);
  // png8: 256-colour palette with tRNS; -type GrayscaleAlpha: grey + alpha; -monochrome: 1 bit.
  check_variants(dir, ".png", ImageFormat::Png,
                 {{"palette", &rgba, 4, "", "png8:", nullptr, 0},
                  {"grey_alpha", &rgba, 4, "-type GrayscaleAlpha", "png:", nullptr, 0},
                  {"bilevel", &rgb, 3, "-monochrome", "png:", nullptr, 0}});
}

TEST(ImageDecode, CompositingOnWhiteRoundsLikePillowForEveryValueAndAlpha) {
  // One 256 x 256 RGBA image holding every (value, alpha) pair, through a lossless PNG.
  TempDir dir;
  std::vector<uint8_t> rgba(256 * 256 * 4);
  for (int a = 0; a < 256; ++a)
    for (int v = 0; v < 256; ++v) {
      uint8_t* p = &rgba[(a * 256 + v) * 4];
      p[0] = static_cast<uint8_t>(v), p[1] = static_cast<uint8_t>(255 - v), p[2] = static_cast<uint8_t>(v / 2),
      p[3] = static_cast<uint8_t>(a);
    }
  test::write_with_convert(rgba, 256, 256, 4, "", dir / "all.png", "png32:");
  auto got = decode_file(dir / "all.png");
  EXPECT_EQ(test::max_difference(got.image, test::over_white(rgba, 256, 256)), 0);
  EXPECT_EQ(got.image.at(17, 0)[0], 255);   // alpha 0: white
  EXPECT_EQ(got.image.at(17, 255)[0], 17);  // alpha 255: the colour
}

TEST(ImageDecode, JpegVariantsMatchImageMagicksLibjpegDecode) {
  TempDir dir;
  auto rgb = test::pattern_pixels(kW, kH, 3);
  struct Case {
    const char* name;
    const char* options;
    int tolerance_vs_source;
  } cases[] = {
      {"baseline444", "-quality 95 -sampling-factor 1x1", 24},
      {"baseline420", "-quality 90 -sampling-factor 2x2", 80},
      {"progressive", "-quality 92 -interlace Plane", 80},
      {"grey", "-quality 95 -type Grayscale", 255},
      {"cmyk", "-quality 95 -colorspace CMYK", 80},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto path = dir / (std::string(c.name) + ".jpg");
    test::write_with_convert(rgb, kW, kH, 3, c.options, path);
    auto got = decode_file(path);
    EXPECT_EQ(got.format, ImageFormat::Jpeg);
    EXPECT_EQ(got.exif_orientation, 1);
    // The same libjpeg-turbo decodes in both; only CMYK -> RGB rounding may differ by one.
    int vs_magick = test::max_difference(got.image, test::decode_with_convert(path));
    EXPECT_GE(vs_magick, 0);
    EXPECT_LE(vs_magick, std::string(c.name) == "cmyk" ? 2 : 0);
    EXPECT_LE(test::max_difference(got.image, source_rgb()), c.tolerance_vs_source);
  }
}

TEST(ImageDecode, JpegGreyReplicatesTheChannel) {
  TempDir dir;
  test::write_with_convert(test::pattern_pixels(kW, kH, 1), kW, kH, 1, "-quality 95", dir / "g.jpg");
  auto got = decode_file(dir / "g.jpg").image;
  for (size_t i = 0; i < got.pixels.size(); i += 3) {
    ASSERT_EQ(got.pixels[i], got.pixels[i + 1]);
    ASSERT_EQ(got.pixels[i], got.pixels[i + 2]);
  }
}

TEST(ImageDecode, ExifOrientationMatchesImageMagickAutoOrient) {
  TempDir dir;
  test::write_with_convert(test::pattern_pixels(kW, kH, 3), kW, kH, 3, "-quality 95 -sampling-factor 1x1",
                           dir / "plain.jpg");
  auto plain = test::read_bytes(dir / "plain.jpg");
  for (bool big_endian : {false, true})
    for (int o = 1; o <= 8; ++o) {
      SCOPED_TRACE("orientation " + std::to_string(o) + (big_endian ? " MM" : " II"));
      auto path = dir / ("o" + std::to_string(o) + ".jpg");
      test::write_bytes(path, with_segment_after_soi(plain, exif_segment(o, big_endian)));
      auto got = decode_file(path);
      EXPECT_EQ(got.exif_orientation, o);
      EXPECT_EQ(got.image.width, o >= 5 ? kH : kW);
      EXPECT_EQ(test::max_difference(got.image, test::decode_with_convert(path, "-auto-orient")), 0);
    }
}

TEST(ImageDecode, DamagedExifIsIgnored) {
  TempDir dir;
  test::write_with_convert(test::pattern_pixels(kW, kH, 3), kW, kH, 3, "-quality 95", dir / "plain.jpg");
  auto plain = test::read_bytes(dir / "plain.jpg");
  auto seg = exif_segment(6, false);
  seg[17] = 0x7f;  // IFD offset (little-endian, bytes 14..17) far outside the block
  auto got = decode_image(with_segment_after_soi(plain, seg), "bad-exif.jpg");
  EXPECT_EQ(got.exif_orientation, 1);
  EXPECT_EQ(got.image.width, kW);
}

TEST(ImageDecode, WebpLosslessLossyAlphaAndAnimation) {
  TempDir dir;
  auto rgb = test::pattern_pixels(kW, kH, 3), rgba = test::pattern_pixels(kW, kH, 4);
  test::write_with_convert(rgb, kW, kH, 3, "-define webp:lossless=true", dir / "ll.webp");
  test::write_with_convert(rgba, kW, kH, 4, "-define webp:lossless=true -define webp:exact=true", dir / "lla.webp");
  test::write_with_convert(rgb, kW, kH, 3, "-quality 80", dir / "lossy.webp");
  auto ll = decode_file(dir / "ll.webp");
  EXPECT_EQ(ll.format, ImageFormat::WebP);
  EXPECT_FALSE(ll.had_alpha);
  EXPECT_EQ(test::max_difference(ll.image, source_rgb()), 0);
  auto lla = decode_file(dir / "lla.webp");
  EXPECT_TRUE(lla.had_alpha);
  EXPECT_EQ(test::max_difference(lla.image, test::over_white(rgba, kW, kH)), 0);
  EXPECT_EQ(test::max_difference(decode_file(dir / "lossy.webp").image, test::decode_with_convert(dir / "lossy.webp")),
            0);

  // Animated: two frames of different colours; the first is what we get.
  test::run_command("convert -size " + std::to_string(kW) + "x" + std::to_string(kH) +
                    " xc:'#c83214' xc:'#1432c8' -define webp:lossless=true '" + (dir / "anim.webp").string() + "'");
  auto anim = decode_file(dir / "anim.webp").image;
  ASSERT_EQ(anim.width, kW);
  EXPECT_EQ(anim.at(5, 5)[0], 0xc8);
  EXPECT_EQ(anim.at(5, 5)[2], 0x14);
}

TEST(ImageDecode, GifFirstFrameTransparencyAndInterlaceMatchImageMagick) {
  TempDir dir;
  auto rgb = test::pattern_pixels(kW, kH, 3), rgba = test::pattern_pixels(kW, kH, 4);
  test::write_with_convert(rgb, kW, kH, 3, "", dir / "plain.gif");
  test::write_with_convert(rgba, kW, kH, 4, "", dir / "transparent.gif");
  test::write_with_convert(rgb, kW, kH, 3, "-interlace GIF", dir / "interlaced.gif");
  for (const char* name : {"plain.gif", "transparent.gif", "interlaced.gif"}) {
    SCOPED_TRACE(name);
    auto got = decode_file(dir / name);
    EXPECT_EQ(got.format, ImageFormat::Gif);
    EXPECT_EQ(test::max_difference(got.image, test::decode_with_convert(dir / name)), 0);
  }
  EXPECT_TRUE(decode_file(dir / "transparent.gif").had_alpha);
  test::run_command("convert -size 9x7 xc:'#ff0000' xc:'#0000ff' '" + (dir / "anim.gif").string() + "'");
  auto anim = decode_file(dir / "anim.gif").image;
  ASSERT_EQ(anim.width, 9);
  EXPECT_EQ(anim.at(4, 3)[0], 255);
  EXPECT_EQ(anim.at(4, 3)[2], 0);
}

TEST(ImageDecode, BmpVariantsMatchTheirSourceAndImageMagick) {
  TempDir dir;
  auto rgb = test::pattern_pixels(kW, kH, 3), rgba = test::pattern_pixels(kW, kH, 4);
  image::RgbImage want_rgb = source_rgb(), want_rgba = test::over_white(rgba, kW, kH);
  // ImageMagick expands 5/6-bit fields by its own rounding: one step allowed there.
  check_variants(dir, ".bmp", ImageFormat::Bmp,
                 {{"rgb24", &rgb, 3, "", "bmp3:", &want_rgb, 0},
                  {"os2_core", &rgb, 3, "", "bmp2:", &want_rgb, 0},
                  {"rgba32_v5", &rgba, 4, "", "bmp:", &want_rgba, 0},
                  {"palette8_rle", &rgb, 3, "-colors 200 -type Palette", "bmp3:", nullptr, 0},
                  {"palette8", &rgb, 3, "-colors 200 -type Palette -compress None", "bmp3:", nullptr, 0},
                  {"palette4", &rgb, 3, "-colors 12 -type Palette -compress None", "bmp3:", nullptr, 0},
                  {"palette4_rle", &rgb, 3, "-colors 12 -type Palette -compress RLE", "bmp3:", nullptr, 0},
                  {"bilevel", &rgb, 3, "-monochrome", "bmp3:", nullptr, 0},
                  {"rgb565", &rgb, 3, "-define bmp:subtype=RGB565", "bmp:", nullptr, 1},
                  {"rgb555", &rgb, 3, "-define bmp:subtype=RGB555", "bmp:", nullptr, 1}});
}

TEST(ImageDecode, BmpTopDownRowsAndZeroAlphaMeansOpaque) {
  TempDir dir;
  test::write_with_convert(test::pattern_pixels(kW, kH, 3), kW, kH, 3, "", dir / "up.bmp", "bmp3:");
  auto bmp = test::read_bytes(dir / "up.bmp");
  // Negative height: the same rows stored top to bottom.
  uint32_t offset = bmp[10] | bmp[11] << 8 | bmp[12] << 16 | static_cast<uint32_t>(bmp[13]) << 24;
  size_t stride = (kW * 3 + 3) / 4 * 4;
  std::vector<uint8_t> down(bmp.begin(), bmp.begin() + offset);
  put_le32(&down[22], static_cast<uint32_t>(-kH));
  for (int y = kH - 1; y >= 0; --y)
    down.insert(down.end(), bmp.begin() + offset + y * stride, bmp.begin() + offset + (y + 1) * stride);
  EXPECT_EQ(test::max_difference(decode_image(down, "down.bmp").image, source_rgb()), 0);

  // A 32-bit bit-field BMP whose alpha bytes are all zero shows opaque, not white.
  std::vector<uint8_t> f(14 + 56 + 4 * 2 * 1, 0);
  f[0] = 'B', f[1] = 'M';
  put_le32(&f[10], 14 + 56);
  put_le32(&f[14], 56);
  put_le32(&f[18], 2), put_le32(&f[22], 1), put_le16(&f[26], 1), put_le16(&f[28], 32), put_le32(&f[30], 3);
  put_le32(&f[54], 0xff0000), put_le32(&f[58], 0xff00), put_le32(&f[62], 0xff), put_le32(&f[66], 0xff000000);
  put_le32(&f[70], 0x00102030), put_le32(&f[74], 0x00405060);
  auto img = decode_image(f, "zero-alpha.bmp");
  EXPECT_FALSE(img.had_alpha);
  EXPECT_EQ(img.image.pixels, (std::vector<uint8_t>{0x10, 0x20, 0x30, 0x40, 0x50, 0x60}));
}

TEST(ImageDecode, NotAnImageIsRefusedAndNamed) {
  expect_error({}, ErrorCode::InvalidFile, {"empty"});
  std::string text = "Hello, this is a text file, not a picture.";
  expect_error(std::vector<uint8_t>(text.begin(), text.end()), ErrorCode::InvalidFile, {"not a PNG, JPEG", "48 65 6c"});
  expect_error({'I', 'I', '*', 0, 8, 0, 0, 0}, ErrorCode::Unsupported, {"TIFF images are not supported"});
  expect_error({0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'}, ErrorCode::Unsupported, {"HEIC"});
  EXPECT_THROW(load_image("/nonexistent/photo.png"), Error);
  try {
    load_image("/nonexistent/photo.png");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::NotFound);
  }
}

TEST(ImageDecode, TruncatedFilesOfEveryFormatAreRefused) {
  TempDir dir;
  auto rgb = test::pattern_pixels(kW, kH, 3);
  struct Case {
    const char* file;
    const char* options;
    const char* prefix;
  } cases[] = {{"t.png", "", "png24:"},
               {"t.jpg", "-quality 90", ""},
               {"p.jpg", "-quality 90 -interlace Plane", ""},
               {"t.webp", "-quality 80", ""},
               {"t.gif", "", ""},
               {"t.bmp", "", "bmp3:"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    test::write_with_convert(rgb, kW, kH, 3, c.options, dir / c.file, c.prefix);
    auto whole = test::read_bytes(dir / c.file);
    ASSERT_NO_THROW(decode_image(whole, c.file));
    // Cut anywhere before the last few bytes (trailers such as IEND / EOI may go).
    for (size_t cut = 1; cut + 16 < whole.size(); cut += 1 + cut / 8) {
      std::vector<uint8_t> part(whole.begin(), whole.begin() + static_cast<long>(cut));
      try {
        decode_image(part, c.file);
        ADD_FAILURE() << "a file cut at " << cut << " of " << whole.size() << " bytes decoded";
      } catch (const Error& e) {
        EXPECT_TRUE(e.code() == ErrorCode::InvalidFile || e.code() == ErrorCode::Unsupported) << e.what();
      }
    }
  }
}

// Found by the fuzzer: a 150-byte PNG whose tEXt chunk claims 1.9 GB made libpng allocate
// that much before noticing the file ends. Chunk lengths are checked against the file first.
TEST(ImageDecode, PngChunkLengthsBeyondTheFileAreRefusedBeforeDecoding) {
  TempDir dir;
  test::write_with_convert(test::pattern_pixels(13, 9, 3), 13, 9, 3, "", dir / "s.png", "png24:");
  auto png = test::read_bytes(dir / "s.png");
  // A tEXt chunk after IHDR (which ends at byte 33) claiming 0x71000025 bytes.
  const std::vector<uint8_t> chunk = {0x71, 0x00, 0x00, 0x25, 't', 'E', 'X', 't', 'd', 'a', 't', 'e'};
  png.insert(png.begin() + 33, chunk.begin(), chunk.end());
  expect_error(png, ErrorCode::InvalidFile, {"PNG file is damaged", "tEXt chunk claims 1895825445 bytes"});
}

TEST(ImageDecode, DecompressionBombsAreRefusedFromTheHeaderAlone) {
  TempDir dir;
  test::write_with_convert(test::pattern_pixels(16, 16, 3), 16, 16, 3, "", dir / "s.png", "png24:");
  test::write_with_convert(test::pattern_pixels(16, 16, 3), 16, 16, 3, "-quality 90", dir / "s.jpg");
  test::write_with_convert(test::pattern_pixels(16, 16, 3), 16, 16, 3, "", dir / "s.gif");
  test::write_with_convert(test::pattern_pixels(16, 16, 3), 16, 16, 3, "", dir / "s.bmp", "bmp3:");
  test::write_with_convert(test::pattern_pixels(16, 16, 4), 16, 16, 4, "-define webp:lossless=true", dir / "s.webp");

  auto png = png_claiming(test::read_bytes(dir / "s.png"), 30000, 30000);
  auto jpeg = test::read_bytes(dir / "s.jpg");
  for (size_t i = 2; i + 9 < jpeg.size(); ++i)
    if (jpeg[i] == 0xff && (jpeg[i + 1] == 0xc0 || jpeg[i + 1] == 0xc2)) {             // SOF: height, width at +5, +7
      jpeg[i + 5] = 0xfd, jpeg[i + 6] = 0xe8, jpeg[i + 7] = 0xfd, jpeg[i + 8] = 0xe8;  // 65000 x 65000
      break;
    }
  auto gif = test::read_bytes(dir / "s.gif");
  put_le16(&gif[6], 30000), put_le16(&gif[8], 30000);
  auto bmp = test::read_bytes(dir / "s.bmp");
  put_le32(&bmp[18], 30000), put_le32(&bmp[22], 30000);
  auto webp = test::read_bytes(dir / "s.webp");  // VP8L: 14-bit width-1 and height-1 after the signature byte
  ASSERT_EQ(std::string(webp.begin() + 12, webp.begin() + 16), "VP8L");
  uint32_t bits = 16383u | 16383u << 14 | (webp[24] & 0xf0u) << 24;  // keep alpha hint and version bits
  put_le32(&webp[21], bits);

  for (auto* f : {&png, &jpeg, &gif, &bmp, &webp}) {
    auto start = std::chrono::steady_clock::now();
    expect_error(*f, ErrorCode::Unsupported, {"refused before decoding", "megapixels"});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  }
  // A tighter limit applies to an honest image too.
  DecodeLimits tiny;
  tiny.max_pixels = 100;
  expect_error(test::read_bytes(dir / "s.png"), ErrorCode::Unsupported, {"16 x 16"}, tiny);
}

TEST(ImageDecode, ZeroSizedImagesAreRefused) {
  TempDir dir;
  test::write_with_convert(test::pattern_pixels(4, 4, 3), 4, 4, 3, "", dir / "s.gif");
  test::write_with_convert(test::pattern_pixels(4, 4, 3), 4, 4, 3, "", dir / "s.bmp", "bmp3:");
  test::write_with_convert(test::pattern_pixels(4, 4, 3), 4, 4, 3, "", dir / "s.png", "png24:");
  auto bmp = test::read_bytes(dir / "s.bmp");
  put_le32(&bmp[18], 0);
  expect_error(bmp, ErrorCode::InvalidFile, {"0 x 4"});
  auto png = png_claiming(test::read_bytes(dir / "s.png"), 0, 4);
  expect_error(png, ErrorCode::InvalidFile, {"PNG file is damaged"});
  auto gif = test::read_bytes(dir / "s.gif");  // frame descriptor: width at +5 after the 0x2c separator
  for (size_t i = 13; i + 9 < gif.size(); ++i)
    if (gif[i] == 0x2c && gif[i + 1] == 0 && gif[i + 2] == 0 && gif[i + 3] == 0 && gif[i + 4] == 0) {
      put_le16(&gif[i + 5], 0);
      break;
    }
  expect_error(gif, ErrorCode::InvalidFile, {"GIF"});
}
