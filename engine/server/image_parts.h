#pragma once
// Image content parts of chat messages (`image_url`). Only data: URLs are taken: a
// server that fetched remote URLs would let any client make this computer reach any
// address. The file stays encoded in the request (bounded by the body limit) and is
// decoded, within DecodeLimits, on the model's thread just before it is used.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/decode.h"
#include "image/image.h"

namespace vole::server {

// Standard base64 (padding optional); nullopt for anything else.
std::optional<std::vector<uint8_t>> decode_base64(std::string_view text);

// The file bytes of a "data:image/...;base64,..." URL. Throws a 400 naming `where` for a
// remote URL, another scheme, a non-image media type, or bad base64.
std::vector<uint8_t> image_bytes_from_url(std::string_view url, const std::string& where);

// Decodes one image part's file; a corrupt, unsupported or oversized image is a 400
// naming `where`.
image::RgbImage decode_image_part(const std::vector<uint8_t>& bytes, const std::string& where,
                                  const image::DecodeLimits& limits);

}  // namespace vole::server
