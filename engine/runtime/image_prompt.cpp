#include "runtime/image_prompt.h"

#include <algorithm>

#include "util/error.h"

namespace vole::runtime {

namespace {
bool placeholder_at(std::span<const int32_t> t, size_t i, const arch::ImageTokenIds& ids) {
  return i + 2 < t.size() && t[i] == ids.start && t[i + 1] == ids.pad && t[i + 2] == ids.end;
}
}  // namespace

int64_t count_image_placeholders(std::span<const int32_t> tokens, const arch::ImageTokenIds& ids) {
  int64_t n = 0;
  for (size_t i = 0; i < tokens.size(); ++i)
    if (placeholder_at(tokens, i, ids)) ++n;
  return n;
}

ImagePrompt expand_image_prompt(std::span<const int32_t> tokens, std::span<const EncodedImage> images,
                                const arch::ImageTokenIds& ids) {
  int64_t found = count_image_placeholders(tokens, ids);
  if (found != static_cast<int64_t>(images.size()))
    fail(ErrorCode::InvalidArgument, "the prompt has " + std::to_string(found) + " image placeholder" +
                                         (found == 1 ? "" : "s") + " but " + std::to_string(images.size()) + " image" +
                                         (images.size() == 1 ? " was" : "s were") +
                                         " given (does the model's chat template render image parts?)");
  ImagePrompt p;
  int32_t cur = 0;
  auto text = [&](int32_t id) {
    p.tokens.push_back(id);
    p.extras.positions.push_back({cur, cur, cur});
    ++cur;
  };
  size_t next_image = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!placeholder_at(tokens, i, ids)) {
      text(tokens[i]);
      continue;
    }
    const EncodedImage& im = images[next_image++];
    require(im.embeddings.rank() == 2 && im.embeddings.dim(0) == im.tokens() && im.memory,
            "image " + im.id + ": its embeddings do not match its " + std::to_string(im.rows) + " x " +
                std::to_string(im.cols) + " tokens");
    text(ids.start);
    p.extras.embeddings.push_back({static_cast<int64_t>(p.tokens.size()), im.id, im.embeddings, im.memory});
    for (int64_t r = 0; r < im.rows; ++r)
      for (int64_t c = 0; c < im.cols; ++c) {
        p.tokens.push_back(ids.pad);
        p.extras.positions.push_back({cur, cur + static_cast<int32_t>(r), cur + static_cast<int32_t>(c)});
      }
    cur += static_cast<int32_t>(std::max(im.rows, im.cols));
    text(ids.end);
    i += 2;
  }
  return p;
}

}  // namespace vole::runtime
