#pragma once
// How vectors are stored: int8 (default; 4 + dims bytes: a little-endian f32 scale, then one
// signed byte per component, value = scale * q, |q| <= 127, scale = max|x| / 127) or f16
// (2 * dims bytes, IEEE half, little-endian). Unit vectors lose little either way: int8 keeps
// cosine similarities within ~0.01 of the f32 ones (tests/knowledge), at a quarter of the size.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vole::knowledge {

enum class VectorEncoding { Int8, F16 };

const char* encoding_name(VectorEncoding encoding);  // "int8", "f16"
std::optional<VectorEncoding> vector_encoding_from_name(const std::string& name);

size_t encoded_size(VectorEncoding encoding, size_t dims);
std::vector<uint8_t> encode_vector(std::span<const float> v, VectorEncoding encoding);
// Throws InvalidFile when the blob's size does not match `dims`.
std::vector<float> decode_vector(std::span<const uint8_t> blob, VectorEncoding encoding, size_t dims);

// Scales `v` to unit length (a zero vector stays zero).
void normalize(std::span<float> v);

}  // namespace vole::knowledge
