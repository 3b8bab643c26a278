#include "knowledge/vector_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "util/error.h"
#include "util/half.h"

namespace vole::knowledge {

const char* encoding_name(VectorEncoding encoding) { return encoding == VectorEncoding::Int8 ? "int8" : "f16"; }

std::optional<VectorEncoding> vector_encoding_from_name(const std::string& name) {
  if (name == "int8") return VectorEncoding::Int8;
  if (name == "f16") return VectorEncoding::F16;
  return std::nullopt;
}

size_t encoded_size(VectorEncoding encoding, size_t dims) {
  return encoding == VectorEncoding::Int8 ? 4 + dims : 2 * dims;
}

std::vector<uint8_t> encode_vector(std::span<const float> v, VectorEncoding encoding) {
  std::vector<uint8_t> out(encoded_size(encoding, v.size()));
  if (encoding == VectorEncoding::F16) {
    std::vector<uint16_t> h(v.size());
    f32_to_f16(v, h);
    std::memcpy(out.data(), h.data(), out.size());  // little-endian hosts only (x86-64, arm64)
    return out;
  }
  float max_abs = 0;
  for (float x : v) max_abs = std::max(max_abs, std::fabs(x));
  float scale = max_abs > 0 ? max_abs / 127.0f : 1.0f;
  std::memcpy(out.data(), &scale, 4);
  for (size_t i = 0; i < v.size(); ++i) {
    long q = std::lround(v[i] / scale);
    out[4 + i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp<long>(q, -127, 127)));
  }
  return out;
}

std::vector<float> decode_vector(std::span<const uint8_t> blob, VectorEncoding encoding, size_t dims) {
  if (blob.size() != encoded_size(encoding, dims))
    fail(ErrorCode::InvalidFile, "a stored " + std::string(encoding_name(encoding)) + " vector has " +
                                     std::to_string(blob.size()) + " bytes, expected " +
                                     std::to_string(encoded_size(encoding, dims)) + " for " + std::to_string(dims) +
                                     " dimensions");
  std::vector<float> out(dims);
  if (encoding == VectorEncoding::F16) {
    std::vector<uint16_t> h(dims);
    std::memcpy(h.data(), blob.data(), blob.size());
    f16_to_f32(h, out);
    return out;
  }
  float scale;
  std::memcpy(&scale, blob.data(), 4);
  for (size_t i = 0; i < dims; ++i) out[i] = scale * static_cast<float>(static_cast<int8_t>(blob[4 + i]));
  return out;
}

void normalize(std::span<float> v) {
  double sum = 0;
  for (float x : v) sum += double(x) * x;
  if (sum <= 0) return;
  float inv = static_cast<float>(1.0 / std::sqrt(sum));
  for (float& x : v) x *= inv;
}

}  // namespace vole::knowledge
