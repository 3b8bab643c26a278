// GIF through giflib (in Debian): only the first frame is decoded, drawn on the logical
// screen; what the frame does not cover and its transparent index are transparent,
// hence white after compositing. Record by record, so a long animation is never read
// past its first image.
#include <gif_lib.h>

#include <cstring>
#include <vector>

#include "image/decoders.h"

namespace vole::image::detail {

namespace {

struct GifSource {
  std::span<const uint8_t> bytes;
  size_t offset = 0;
};

int on_read(GifFileType* gif, GifByteType* out, int n) {
  auto* s = static_cast<GifSource*>(gif->UserData);
  size_t take = std::min<size_t>(n < 0 ? 0 : static_cast<size_t>(n), s->bytes.size() - s->offset);
  std::memcpy(out, s->bytes.data() + s->offset, take);
  s->offset += take;
  return static_cast<int>(take);
}

struct GifCloser {
  GifFileType* gif = nullptr;
  ~GifCloser() {
    int err = 0;
    if (gif) DGifCloseFile(gif, &err);
  }
};

[[noreturn]] void fail_gif(const DecodeContext& ctx, int code) {
  if (code == D_GIF_ERR_READ_FAILED || code == D_GIF_ERR_EOF_TOO_SOON)
    fail_damaged(ctx, "the file ends early (truncated)");
  const char* text = GifErrorString(code);
  fail_damaged(ctx, text ? text : "giflib error " + std::to_string(code));
}

constexpr int kGraphicsControl = 0xf9;

}  // namespace

DecodedImage decode_gif(const DecodeContext& ctx) {
  GifSource source{ctx.bytes};
  GifCloser f;
  int err = 0;
  f.gif = DGifOpen(&source, on_read, &err);
  if (!f.gif) fail_gif(ctx, err);
  GifFileType* gif = f.gif;

  int transparent = -1;  // from the Graphics Control Extension that precedes the image
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) fail_gif(ctx, gif->Error);
    if (type == TERMINATE_RECORD_TYPE) fail_damaged(ctx, "it holds no image");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* block = nullptr;
      if (DGifGetExtension(gif, &code, &block) == GIF_ERROR) fail_gif(ctx, gif->Error);
      if (code == kGraphicsControl && block && block[0] >= 4) transparent = (block[1] & 1) ? block[4] : -1;
      while (block) {
        if (DGifGetExtensionNext(gif, &block) == GIF_ERROR) fail_gif(ctx, gif->Error);
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif) == GIF_ERROR) fail_gif(ctx, gif->Error);
    break;
  }

  const GifImageDesc& frame = gif->Image;
  // A logical screen of 0 x 0 (some encoders write it) means "as big as the frame".
  int64_t screen_w = gif->SWidth > 0 ? gif->SWidth : frame.Left + frame.Width;
  int64_t screen_h = gif->SHeight > 0 ? gif->SHeight : frame.Top + frame.Height;
  check_size(ctx, screen_w, screen_h);
  check_size(ctx, frame.Width, frame.Height);
  const ColorMapObject* colors = frame.ColorMap ? frame.ColorMap : gif->SColorMap;
  if (!colors || colors->ColorCount <= 0) fail_damaged(ctx, "the first image has no colour table");

  const int w = static_cast<int>(screen_w), h = static_cast<int>(screen_h);
  std::vector<uint8_t> rgba(static_cast<size_t>(w) * h * 4, 0);  // transparent canvas
  std::vector<GifPixelType> line(static_cast<size_t>(frame.Width));
  // Interlaced images store rows in four passes: every 8th from 0, every 8th from 4,
  // every 4th from 2, every 2nd from 1.
  static const int kStart[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};
  int passes = frame.Interlace ? 4 : 1;
  for (int pass = 0; pass < passes; ++pass) {
    int start = frame.Interlace ? kStart[pass] : 0, step = frame.Interlace ? kStep[pass] : 1;
    for (int fy = start; fy < frame.Height; fy += step) {
      if (DGifGetLine(gif, line.data(), frame.Width) == GIF_ERROR) fail_gif(ctx, gif->Error);
      int64_t y = static_cast<int64_t>(frame.Top) + fy;
      if (y < 0 || y >= h) continue;
      for (int fx = 0; fx < frame.Width; ++fx) {
        int64_t x = static_cast<int64_t>(frame.Left) + fx;
        int index = line[static_cast<size_t>(fx)];
        if (x < 0 || x >= w || index == transparent) continue;
        uint8_t* px = rgba.data() + (static_cast<size_t>(y) * w + static_cast<size_t>(x)) * 4;
        if (index < colors->ColorCount) {  // an index past the table shows black, as browsers do
          px[0] = colors->Colors[index].Red;
          px[1] = colors->Colors[index].Green;
          px[2] = colors->Colors[index].Blue;
        }
        px[3] = 255;
      }
    }
  }

  DecodedImage out;
  out.format = ImageFormat::Gif;
  out.had_alpha = transparent >= 0 || frame.Left != 0 || frame.Top != 0 || frame.Width < w || frame.Height < h;
  out.image = composite_on_white(rgba.data(), w, h);
  return out;
}

}  // namespace vole::image::detail
