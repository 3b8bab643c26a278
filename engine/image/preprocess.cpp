#include "image/preprocess.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "image/resize.h"
#include "util/error.h"
#include "util/hash.h"

namespace vole::image {

namespace {

// Python's round(n / factor) * factor for positive integers: ties go to the even multiple.
int64_t round_by_factor(int64_t n, int64_t factor) {
  int64_t q = n / factor, r = n % factor;
  if (2 * r > factor || (2 * r == factor && (q & 1))) ++q;
  return q * factor;
}

// The value each byte becomes, per channel, computed as the torchvision backend does:
// mean and std scaled by 1/rescale_factor in float32, then (x - mean) / std in float32.
using ChannelTable = std::array<std::array<float, 256>, 3>;

ChannelTable normalisation_table(const PreprocessorConfig& c) {
  ChannelTable t;
  const float inv_rescale = static_cast<float>(1.0 / c.rescale_factor);
  for (int ch = 0; ch < 3; ++ch) {
    float mean = static_cast<float>(c.image_mean[ch]), std = static_cast<float>(c.image_std[ch]);
    if (c.do_rescale && c.do_normalize) mean *= inv_rescale, std *= inv_rescale;
    for (int v = 0; v < 256; ++v) {
      float x = static_cast<float>(v);
      if (c.do_normalize) {
        x = (x - mean) / std;
      } else if (c.do_rescale) {
        x = x * static_cast<float>(c.rescale_factor);
      }
      t[ch][v] = x;
    }
  }
  return t;
}

std::string image_id(const RgbImage& resized, const PreprocessorConfig& c, const ChannelTable& table,
                     const ImageGrid& grid) {
  Sha256 h;
  h.update(std::string("vole-image-v1"));
  const int64_t geometry[] = {grid.t, grid.h, grid.w, c.patch_size, c.temporal_patch_size, c.merge_size};
  h.update({reinterpret_cast<const uint8_t*>(geometry), sizeof(geometry)});
  h.update({reinterpret_cast<const uint8_t*>(table.data()), sizeof(table)});
  h.update(resized.pixels);
  return h.hex_digest();
}

}  // namespace

ResizePlan smart_resize(int64_t height, int64_t width, int factor, int64_t min_pixels, int64_t max_pixels) {
  require(height > 0 && width > 0, "smart_resize: the image has no pixels");
  require(factor > 0 && min_pixels > 0 && max_pixels >= min_pixels, "smart_resize: bad pixel budget");
  if (std::max(height, width) > 200 * std::min(height, width))
    fail(ErrorCode::InvalidArgument, "image is " + std::to_string(width) + " x " + std::to_string(height) +
                                         " pixels: the aspect ratio must be at most 200 (the vision model's limit)");
  int64_t h = round_by_factor(height, factor), w = round_by_factor(width, factor);
  if (h * w > max_pixels) {
    double beta = std::sqrt(static_cast<double>(height * width) / static_cast<double>(max_pixels));
    h = std::max<int64_t>(factor, static_cast<int64_t>(std::floor(height / beta / factor)) * factor);
    w = std::max<int64_t>(factor, static_cast<int64_t>(std::floor(width / beta / factor)) * factor);
  } else if (h * w < min_pixels) {
    double beta = std::sqrt(static_cast<double>(min_pixels) / static_cast<double>(height * width));
    h = static_cast<int64_t>(std::ceil(height * beta / factor)) * factor;
    w = static_cast<int64_t>(std::ceil(width * beta / factor)) * factor;
  }
  return {static_cast<int>(h), static_cast<int>(w)};
}

int64_t effective_max_pixels(const PreprocessorConfig& c, const PreprocessOptions& o) {
  int64_t max_pixels = c.max_pixels;
  if (o.max_image_tokens > 0) {
    int64_t per_token = static_cast<int64_t>(c.factor()) * c.factor();
    max_pixels = std::min(max_pixels, o.max_image_tokens * per_token);
  }
  return std::max(max_pixels, c.min_pixels);
}

std::pair<int64_t, int64_t> image_token_range(const PreprocessorConfig& c) {
  const int64_t per_token = static_cast<int64_t>(c.factor()) * c.factor();
  const int64_t lo = std::max<int64_t>(1, (c.min_pixels + per_token - 1) / per_token);
  return {lo, std::max(lo, c.max_pixels / per_token)};
}

std::vector<float> patchify(const RgbImage& img, const PreprocessorConfig& c) {
  const int p = c.patch_size, m = c.merge_size, tp = c.temporal_patch_size;
  require(img.width % c.factor() == 0 && img.height % c.factor() == 0,
          "patchify: a " + std::to_string(img.width) + "x" + std::to_string(img.height) +
              " image is not a whole number of " + std::to_string(c.factor()) + "-pixel merge blocks");
  const ChannelTable table = normalisation_table(c);
  const int64_t gh = img.height / p, gw = img.width / p;
  const int64_t plane = static_cast<int64_t>(p) * p;  // one channel of one frame
  const int64_t dim = 3 * tp * plane;
  std::vector<float> out(static_cast<size_t>(gh * gw * dim));
  float* dst = out.data();
  for (int64_t bh = 0; bh < gh / m; ++bh)
    for (int64_t bw = 0; bw < gw / m; ++bw)
      for (int iy = 0; iy < m; ++iy)
        for (int ix = 0; ix < m; ++ix, dst += dim) {
          const int64_t y0 = (bh * m + iy) * p, x0 = (bw * m + ix) * p;
          for (int ch = 0; ch < 3; ++ch) {
            float* first_frame = dst + ch * tp * plane;
            for (int py = 0; py < p; ++py) {
              const uint8_t* src = img.at(static_cast<int>(x0), static_cast<int>(y0 + py)) + ch;
              for (int px = 0; px < p; ++px) first_frame[py * p + px] = table[ch][src[3 * px]];
            }
            for (int t = 1; t < tp; ++t)  // a still image repeats its frame
              std::memcpy(first_frame + t * plane, first_frame, sizeof(float) * plane);
          }
        }
  return out;
}

PreprocessedImage preprocess_image(const RgbImage& image, const PreprocessorConfig& c, const PreprocessOptions& o) {
  require(image.width > 0 && image.height > 0, "preprocess_image: empty image");
  RgbImage resized;
  if (c.do_resize) {
    ResizePlan plan = smart_resize(image.height, image.width, c.factor(), c.min_pixels, effective_max_pixels(c, o));
    resized = resize_bicubic_antialias(image, plan.width, plan.height);
  } else {
    resized = image;
  }
  PreprocessedImage out;
  out.patches = patchify(resized, c);
  out.grid = {1, resized.height / c.patch_size, resized.width / c.patch_size};
  out.patch_dim = 3LL * c.temporal_patch_size * c.patch_size * c.patch_size;
  out.tokens = out.grid.patches() / (static_cast<int64_t>(c.merge_size) * c.merge_size);
  out.resized_width = resized.width;
  out.resized_height = resized.height;
  out.id = image_id(resized, c, normalisation_table(c), out.grid);
  return out;
}

}  // namespace vole::image
