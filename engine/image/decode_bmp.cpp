// BMP, read here: Debian has no maintained BMP-only decoder (stb_image says it is not
// meant for untrusted files; ImageMagick is far too big for one simple format). The
// format is a header, an optional palette and rows of pixels, so this reader is short
// and every read is bounds-checked (and fuzzed). Supported: the Windows 3 header and
// its V2-V5 extensions, OS/2 1.x core headers, 1/2/4/8-bit palettes (plain or
// run-length encoded, RLE4/RLE8, as ImageMagick writes palette BMPs), 16/24/32 bits,
// BI_RGB and (alpha) bit fields, bottom-up and top-down rows. Embedded JPEG/PNG is
// refused as unsupported.
#include <bit>
#include <cstring>
#include <vector>

#include "image/decoders.h"

namespace vole::image::detail {

namespace {

enum Compression : uint32_t {
  kRgb = 0,
  kRle8 = 1,
  kRle4 = 2,
  kBitFields = 3,
  kJpeg = 4,
  kPng = 5,
  kAlphaBitFields = 6
};

uint32_t le16(const uint8_t* p) { return p[0] | p[1] << 8; }
uint32_t le32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24; }

// One colour channel described by a bit mask: value = (pixel & mask) >> shift, scaled
// from `bits` bits to 8 with rounding.
struct Channel {
  uint32_t mask = 0;
  int shift = 0;
  uint32_t max = 0;
  uint8_t get(uint32_t px, uint8_t absent) const {
    if (!mask) return absent;
    uint32_t v = (px & mask) >> shift;
    return static_cast<uint8_t>((static_cast<uint64_t>(v) * 255 + max / 2) / max);
  }
};

bool make_channel(uint32_t mask, Channel& c) {
  c.mask = mask;
  if (!mask) return true;
  c.shift = std::countr_zero(mask);
  uint32_t bits = mask >> c.shift;
  if ((bits & (bits + 1)) != 0) return false;  // not one run of ones
  c.max = bits;
  return true;
}

struct BmpHeader {
  int64_t width = 0, height = 0;  // height < 0: rows stored top-down
  int bpp = 0;
  uint32_t compression = kRgb;
  uint32_t colors_used = 0;
  uint32_t masks[4] = {0, 0, 0, 0};  // R, G, B, A
  bool has_masks = false;
  size_t palette_offset = 0;
  int palette_entry = 4;  // bytes per palette entry (3 for OS/2 core headers)
  uint64_t pixel_offset = 0;
};

BmpHeader read_header(const DecodeContext& ctx) {
  std::span<const uint8_t> b = ctx.bytes;
  if (b.size() < 18) fail_damaged(ctx, "the file ends inside its header (truncated)");
  BmpHeader h;
  h.pixel_offset = le32(&b[10]);
  uint32_t info = le32(&b[14]);
  if (info != 12 && info != 16 && info != 40 && info != 52 && info != 56 && info != 64 && info != 108 && info != 124)
    fail_damaged(ctx, "unknown header size " + std::to_string(info));
  if (b.size() < 14 + static_cast<size_t>(info)) fail_damaged(ctx, "the file ends inside its header (truncated)");
  const uint8_t* p = &b[18];
  if (info == 12) {
    h.width = le16(p);
    h.height = static_cast<int16_t>(le16(p + 2));
    h.bpp = static_cast<int>(le16(p + 6));
    h.palette_entry = 3;
    h.palette_offset = 14 + info;
    return h;
  }
  if (info == 16) fail_unsupported(ctx, "OS/2 2.x BMP files with a short header are not supported");
  h.width = static_cast<int32_t>(le32(p));
  h.height = static_cast<int32_t>(le32(p + 4));
  h.bpp = static_cast<int>(le16(p + 10));
  h.compression = le32(p + 12);
  h.colors_used = le32(p + 28);
  size_t after = 14 + info;
  if (h.compression == kBitFields || h.compression == kAlphaBitFields) {
    int n = h.compression == kAlphaBitFields ? 4 : 3;
    const uint8_t* m = p + 36;  // inside V2+ headers
    if (info == 40) {           // plain Windows 3 header: the masks follow it
      if (b.size() < after + 4 * n) fail_damaged(ctx, "the file ends inside its colour masks (truncated)");
      m = &b[after];
      after += 4 * n;
    } else if (info >= 56) {
      n = 4;
    }
    for (int i = 0; i < n; ++i) h.masks[i] = le32(m + 4 * i);
    h.has_masks = true;
  }
  h.palette_offset = after;
  return h;
}

// RGBA of palette entry `index`; past the palette: opaque black.
void palette_pixel(const std::vector<uint8_t>& palette, uint32_t index, uint8_t* out) {
  if (index * 3 < palette.size()) {
    std::memcpy(out, &palette[index * 3], 3);
  } else {
    out[0] = out[1] = out[2] = 0;
  }
  out[3] = 255;
}

// Run-length encoded 4/8-bit rows (bottom-up) to palette indices, top row first.
// Codes: (n, v) repeats v n times (RLE4: alternating its two nibbles); (0, 0) ends the
// line, (0, 1) the image, (0, 2, dx, dy) skips ahead; (0, n >= 3) copies n literal
// indices, padded to an even byte count. Skipped pixels keep index 0.
std::vector<uint8_t> decode_rle(const DecodeContext& ctx, const BmpHeader& h, int w, int ht) {
  std::span<const uint8_t> b = ctx.bytes;
  const bool four = h.compression == kRle4;
  std::vector<uint8_t> index(static_cast<size_t>(w) * ht, 0);
  if (h.pixel_offset > b.size()) fail_damaged(ctx, "the pixel data starts past the end (truncated)");
  size_t at = h.pixel_offset;
  int64_t x = 0, y = 0;  // y counts rows from the bottom
  auto put = [&](uint32_t v) {
    if (x < w && y < ht) index[static_cast<size_t>(ht - 1 - y) * w + static_cast<size_t>(x)] = static_cast<uint8_t>(v);
    ++x;
  };
  auto need = [&](size_t n) {
    if (b.size() - at < n) fail_damaged(ctx, "the run-length data ends early (truncated)");
  };
  while (y < ht) {
    need(2);
    uint32_t n = b[at], v = b[at + 1];
    at += 2;
    if (n > 0) {
      for (uint32_t i = 0; i < n && x < w; ++i) put(four ? (i % 2 ? v & 15 : v >> 4) : v);
      continue;
    }
    if (v == 0) {
      x = 0, ++y;
    } else if (v == 1) {
      break;
    } else if (v == 2) {
      need(2);
      x += b[at], y += b[at + 1];
      at += 2;
    } else {
      size_t bytes = four ? (v + 1) / 2 : v;
      need(bytes + (bytes & 1));
      for (uint32_t i = 0; i < v; ++i) put(four ? (i % 2 ? b[at + i / 2] & 15 : b[at + i / 2] >> 4) : b[at + i]);
      at += bytes + (bytes & 1);
    }
  }
  return index;
}

}  // namespace

DecodedImage decode_bmp(const DecodeContext& ctx) {
  std::span<const uint8_t> b = ctx.bytes;
  BmpHeader h = read_header(ctx);
  switch (h.compression) {
    case kRgb:
    case kBitFields:
    case kAlphaBitFields:
      break;
    case kRle8:
    case kRle4:
      if (h.bpp != (h.compression == kRle8 ? 8 : 4)) fail_damaged(ctx, "run-length compression on the wrong bit depth");
      if (h.height < 0) fail_damaged(ctx, "run-length compressed rows cannot be top-down");
      break;
    case kJpeg:
    case kPng:
      fail_unsupported(ctx, "BMP files that wrap a JPEG or PNG are not supported");
    default:
      fail_damaged(ctx, "unknown compression " + std::to_string(h.compression));
  }
  const bool top_down = h.height < 0;
  const int64_t height = top_down ? -h.height : h.height;
  check_size(ctx, h.width, height);
  const int bpp = h.bpp;
  if (bpp != 1 && bpp != 2 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
    fail_damaged(ctx, "unsupported bit depth " + std::to_string(bpp));
  if (h.has_masks && bpp != 16 && bpp != 32)
    fail_damaged(ctx, "colour masks on a " + std::to_string(bpp) + "-bit image");

  // Palette
  std::vector<uint8_t> palette;  // RGB triples
  if (bpp <= 8) {
    uint32_t count = h.colors_used == 0 || h.colors_used > (1u << bpp) ? (1u << bpp) : h.colors_used;
    if (h.palette_offset + static_cast<size_t>(count) * h.palette_entry > b.size())
      fail_damaged(ctx, "the file ends inside its palette (truncated)");
    for (uint32_t i = 0; i < count; ++i) {
      const uint8_t* e = &b[h.palette_offset + static_cast<size_t>(i) * h.palette_entry];
      palette.insert(palette.end(), {e[2], e[1], e[0]});
    }
  }

  // Bit fields: explicit, or the defaults BI_RGB implies (16: 5-5-5, 32: 8-8-8, no alpha).
  Channel ch[4];
  if (bpp == 16 || bpp == 32) {
    uint32_t masks[4] = {0, 0, 0, 0};
    if (h.has_masks) {
      std::memcpy(masks, h.masks, sizeof(masks));
    } else if (bpp == 16) {
      masks[0] = 0x7c00, masks[1] = 0x03e0, masks[2] = 0x001f;
    } else {
      masks[0] = 0xff0000, masks[1] = 0x00ff00, masks[2] = 0x0000ff;
    }
    for (int c = 0; c < 4; ++c)
      if (!make_channel(masks[c], ch[c])) fail_damaged(ctx, "a colour mask is not one run of bits");
  }

  const int w = static_cast<int>(h.width), ht = static_cast<int>(height);
  if (h.compression == kRle8 || h.compression == kRle4) {
    std::vector<uint8_t> index = decode_rle(ctx, h, w, ht);
    std::vector<uint8_t> rgba(static_cast<size_t>(w) * ht * 4);
    for (size_t i = 0; i < index.size(); ++i) palette_pixel(palette, index[i], &rgba[4 * i]);
    DecodedImage out;
    out.format = ImageFormat::Bmp;
    out.image = composite_on_white(rgba.data(), w, ht);
    return out;
  }
  const uint64_t stride = (static_cast<uint64_t>(w) * bpp + 31) / 32 * 4;
  const uint64_t last_row_bytes = (static_cast<uint64_t>(w) * bpp + 7) / 8;
  if (h.pixel_offset > b.size() || stride * (ht - 1) + last_row_bytes > b.size() - h.pixel_offset)
    fail_damaged(ctx, "the file ends before its last row of pixels (truncated)");

  std::vector<uint8_t> rgba(static_cast<size_t>(w) * ht * 4);
  bool any_alpha = false;
  for (int y = 0; y < ht; ++y) {
    const uint8_t* row = &b[h.pixel_offset + stride * static_cast<uint64_t>(top_down ? y : ht - 1 - y)];
    uint8_t* out = rgba.data() + static_cast<size_t>(y) * w * 4;
    for (int x = 0; x < w; ++x, out += 4) {
      out[3] = 255;
      if (bpp <= 8) {
        int per_byte = 8 / bpp;
        int shift = 8 - bpp * (x % per_byte + 1);
        palette_pixel(palette, (row[x / per_byte] >> shift) & ((1u << bpp) - 1), out);
      } else if (bpp == 24) {
        const uint8_t* px = row + 3 * static_cast<size_t>(x);
        out[0] = px[2], out[1] = px[1], out[2] = px[0];
      } else {
        uint32_t px = bpp == 16 ? le16(row + 2 * static_cast<size_t>(x)) : le32(row + 4 * static_cast<size_t>(x));
        for (int c = 0; c < 3; ++c) out[c] = ch[c].get(px, 0);
        out[3] = ch[3].get(px, 255);
        any_alpha |= ch[3].mask && out[3] != 0;
      }
    }
  }
  // An alpha mask whose values are all zero is a writer that never filled it in: the
  // image is opaque (what Windows and the browsers show).
  bool alpha = ch[3].mask != 0 && any_alpha;
  if (ch[3].mask && !any_alpha)
    for (size_t i = 3; i < rgba.size(); i += 4) rgba[i] = 255;

  DecodedImage out;
  out.format = ImageFormat::Bmp;
  out.had_alpha = alpha;
  out.image = composite_on_white(rgba.data(), w, ht);
  return out;
}

}  // namespace vole::image::detail
