// WebP through libwebp (Google's reference decoder, in Debian): lossy and lossless
// stills, and the first frame of an animation composited on its canvas by libwebp's
// animation decoder. The canvas size comes from the header and is checked first.
#include <webp/decode.h>
#include <webp/demux.h>

#include <memory>
#include <vector>

#include "image/decoders.h"

namespace vole::image::detail {

namespace {

const char* status_text(VP8StatusCode s) {
  switch (s) {
    case VP8_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_STATUS_INVALID_PARAM:
      return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR:
      return "bad bitstream";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "unsupported feature";
    case VP8_STATUS_SUSPENDED:
      return "suspended";
    case VP8_STATUS_USER_ABORT:
      return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "the file ends early (truncated)";
    default:
      return "unknown error";
  }
}

struct AnimDecoderDeleter {
  void operator()(WebPAnimDecoder* d) const { WebPAnimDecoderDelete(d); }
};

DecodedImage first_animation_frame(const DecodeContext& ctx) {
  WebPData data{ctx.bytes.data(), ctx.bytes.size()};
  WebPAnimDecoderOptions opts;
  if (!WebPAnimDecoderOptionsInit(&opts)) fail_damaged(ctx, "libwebp version mismatch");
  opts.color_mode = MODE_RGBA;
  opts.use_threads = 0;
  std::unique_ptr<WebPAnimDecoder, AnimDecoderDeleter> dec(WebPAnimDecoderNew(&data, &opts));
  if (!dec) fail_damaged(ctx, "the animation could not be parsed");
  WebPAnimInfo info;
  if (!WebPAnimDecoderGetInfo(dec.get(), &info)) fail_damaged(ctx, "the animation could not be parsed");
  check_size(ctx, info.canvas_width, info.canvas_height);
  uint8_t* canvas = nullptr;
  int timestamp = 0;
  if (info.frame_count < 1 || !WebPAnimDecoderGetNext(dec.get(), &canvas, &timestamp) || !canvas)
    fail_damaged(ctx, "the first frame could not be decoded");
  DecodedImage out;
  out.format = ImageFormat::WebP;
  out.had_alpha = true;
  out.image = composite_on_white(canvas, static_cast<int>(info.canvas_width), static_cast<int>(info.canvas_height));
  return out;
}

}  // namespace

DecodedImage decode_webp(const DecodeContext& ctx) {
  WebPBitstreamFeatures features;
  VP8StatusCode status = WebPGetFeatures(ctx.bytes.data(), ctx.bytes.size(), &features);
  if (status != VP8_STATUS_OK) fail_damaged(ctx, status_text(status));
  check_size(ctx, features.width, features.height);
  if (features.has_animation) return first_animation_frame(ctx);

  const int w = features.width, h = features.height;
  DecodedImage out;
  out.format = ImageFormat::WebP;
  out.had_alpha = features.has_alpha;
  if (features.has_alpha) {
    std::vector<uint8_t> rgba(static_cast<size_t>(w) * h * 4);
    if (!WebPDecodeRGBAInto(ctx.bytes.data(), ctx.bytes.size(), rgba.data(), rgba.size(), w * 4))
      fail_damaged(ctx, "the pixels could not be decoded (damaged or truncated)");
    out.image = composite_on_white(rgba.data(), w, h);
  } else {
    out.image = make_rgb_image(w, h);
    if (!WebPDecodeRGBInto(ctx.bytes.data(), ctx.bytes.size(), out.image.pixels.data(), out.image.pixels.size(), w * 3))
      fail_damaged(ctx, "the pixels could not be decoded (damaged or truncated)");
  }
  return out;
}

}  // namespace vole::image::detail
