// JPEG through libjpeg-turbo with its default (accurate integer) IDCT and fancy
// upsampling, the settings Pillow decodes with, so the pixels match. Grey is widened to
// RGB; CMYK and YCCK files are converted as Pillow does (Adobe's inverted CMYK). The
// EXIF orientation is applied afterwards.
#include <cstdio>
// clang-format off: jpeglib.h needs stdio.h first
#include <jerror.h>
#include <jpeglib.h>
// clang-format on

#include <csetjmp>
#include <cstring>
#include <vector>

#include "image/decoders.h"
#include "image/exif_orientation.h"

namespace vole::image::detail {

namespace {

constexpr int kMaxScans = 500;  // a progressive file with more is hostile (libjpeg-turbo's own advice)

struct JpegError {
  jpeg_error_mgr mgr;  // first member: libjpeg hands us a pointer to it
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {};
};

void on_error(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<JpegError*>(cinfo->err);
  e->mgr.format_message(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings are ignored except a premature end: libjpeg would pad the missing rows with
// grey, and a truncated file must be refused, not half-decoded.
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    auto* e = reinterpret_cast<JpegError*>(cinfo->err);
    std::snprintf(e->message, sizeof(e->message), "the file ends early (truncated)");
    std::longjmp(e->jump, 1);
  }
}

struct ScanLimit {
  jpeg_progress_mgr mgr;  // first member
};

void on_progress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* e = reinterpret_cast<JpegError*>(cinfo->err);
    std::snprintf(e->message, sizeof(e->message), "more than %d progressive scans", kMaxScans);
    std::longjmp(e->jump, 1);
  }
}

struct Decompressor {
  jpeg_decompress_struct cinfo{};
  bool created = false;
  ~Decompressor() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

// Pillow's "CMYK;I" unpacking and cmyk2rgb: R = (255 - K') - (C' * (255 - K')) / 255 with
// C' = 255 - stored C, rounded by its MULDIV255.
uint8_t cmyk_channel(uint8_t stored_c, uint8_t stored_k) {
  int c = 255 - stored_c, nk = stored_k;
  int t = c * nk + 128;
  int v = nk - (((t >> 8) + t) >> 8);
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

void widen_row(const uint8_t* in, int width, J_COLOR_SPACE space, uint8_t* rgb) {
  for (int x = 0; x < width; ++x, rgb += 3) {
    if (space == JCS_GRAYSCALE) {
      rgb[0] = rgb[1] = rgb[2] = in[x];
    } else {  // JCS_CMYK
      const uint8_t* p = in + 4 * x;
      for (int c = 0; c < 3; ++c) rgb[c] = cmyk_channel(p[c], p[3]);
    }
  }
}

}  // namespace

DecodedImage decode_jpeg(const DecodeContext& ctx) {
  JpegError err;
  ScanLimit progress;
  Decompressor d;
  std::vector<uint8_t> scratch;
  RgbImage img;
  volatile int orientation = 1;
  d.cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = on_error;
  err.mgr.emit_message = on_message;
  if (setjmp(err.jump)) fail_damaged(ctx, err.message);

  jpeg_create_decompress(&d.cinfo);
  d.created = true;
  // Bounds libjpeg's own buffers (progressive coefficients): beyond it libjpeg fails
  // ("backing store not supported") instead of allocating.
  d.cinfo.mem->max_memory_to_use = static_cast<long>(16 * ctx.limits.max_pixels + (64 << 20));
  progress.mgr.progress_monitor = on_progress;
  d.cinfo.progress = &progress.mgr;
  jpeg_mem_src(&d.cinfo, ctx.bytes.data(), static_cast<unsigned long>(ctx.bytes.size()));
  jpeg_save_markers(&d.cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&d.cinfo, TRUE);
  check_size(ctx, d.cinfo.image_width, d.cinfo.image_height);
  for (jpeg_saved_marker_ptr m = d.cinfo.marker_list; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 1) continue;
    int o = exif_orientation({m->data, m->data_length});
    if (o != 1) {
      orientation = o;
      break;
    }
  }

  J_COLOR_SPACE space = d.cinfo.jpeg_color_space;
  if (space == JCS_CMYK || space == JCS_YCCK) {
    d.cinfo.out_color_space = JCS_CMYK;
  } else if (space == JCS_GRAYSCALE) {
    d.cinfo.out_color_space = JCS_GRAYSCALE;
  } else {
    d.cinfo.out_color_space = JCS_RGB;
  }
  jpeg_start_decompress(&d.cinfo);
  const int width = static_cast<int>(d.cinfo.output_width), height = static_cast<int>(d.cinfo.output_height);
  const int components = d.cinfo.output_components;
  const J_COLOR_SPACE out_space = d.cinfo.out_color_space;
  if ((out_space == JCS_RGB && components != 3) || (out_space == JCS_CMYK && components != 4) ||
      (out_space == JCS_GRAYSCALE && components != 1))
    ERREXIT(&d.cinfo, JERR_CONVERSION_NOTIMPL);

  img = make_rgb_image(width, height);
  scratch.resize(static_cast<size_t>(width) * components);
  while (d.cinfo.output_scanline < d.cinfo.output_height) {
    int y = static_cast<int>(d.cinfo.output_scanline);
    JSAMPROW row = out_space == JCS_RGB ? img.row(y) : scratch.data();
    if (jpeg_read_scanlines(&d.cinfo, &row, 1) != 1) ERREXIT(&d.cinfo, JERR_INPUT_EMPTY);
    if (out_space != JCS_RGB) widen_row(scratch.data(), width, out_space, img.row(y));
  }
  // No jpeg_finish_decompress: what follows the last row (a missing EOI) cannot change it.

  DecodedImage out;
  out.format = ImageFormat::Jpeg;
  out.exif_orientation = orientation;
  out.image = apply_exif_orientation(std::move(img), orientation);
  return out;
}

}  // namespace vole::image::detail
