#include "server/image_parts.h"

#include <openssl/evp.h>

#include "server/api_error.h"
#include "util/error.h"

namespace vole::server {

std::optional<std::vector<uint8_t>> decode_base64(std::string_view text) {
  std::string padded(text);
  if (padded.size() % 4 == 1) return std::nullopt;
  while (padded.size() % 4) padded += '=';
  size_t pad = 0;
  for (size_t i = padded.size(); i > 0 && padded[i - 1] == '=' && pad < 2; --i) ++pad;
  // EVP_DecodeBlock skips leading and trailing blanks but fails on any other non-alphabet
  // character; '=' may only end the text.
  if (padded.find('=') < padded.size() - pad) return std::nullopt;
  std::vector<uint8_t> out(padded.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(padded.data()),
                          static_cast<int>(padded.size()));
  if (n < 0 || static_cast<size_t>(n) != out.size()) return std::nullopt;
  out.resize(out.size() - pad);  // the decoder writes the padding's zero bytes too
  return out;
}

std::vector<uint8_t> image_bytes_from_url(std::string_view url, const std::string& where) {
  auto refuse = [&](const std::string& why, const char* code = "invalid_image_url") {
    throw invalid_request("'" + where + "' " + why, where, code);
  };
  if (url.starts_with("http://") || url.starts_with("https://"))
    refuse("is a remote URL: this server does not fetch URLs; send the image inline as a data: URL (base64)",
           "remote_image_url");
  if (!url.starts_with("data:")) refuse("must be a data: URL (data:image/png;base64,...)");
  size_t comma = url.find(',');
  if (comma == std::string_view::npos) refuse("is not a valid data: URL");
  std::string_view meta = url.substr(5, comma - 5);
  if (!meta.starts_with("image/")) refuse("must have an image media type (image/png, image/jpeg, ...)");
  if (!meta.ends_with(";base64")) refuse("must be base64-encoded (data:image/...;base64,...)");
  auto bytes = decode_base64(url.substr(comma + 1));
  if (!bytes || bytes->empty()) refuse("does not hold valid base64 data");
  return std::move(*bytes);
}

image::RgbImage decode_image_part(const std::vector<uint8_t>& bytes, const std::string& where,
                                  const image::DecodeLimits& limits) {
  try {
    return image::decode_image(bytes, where, limits).image;
  } catch (const vole::Error& e) {
    // The decoder's message names the part and says what is wrong; nothing internal.
    throw invalid_request(e.what(), where, "invalid_image");
  }
}

}  // namespace vole::server
