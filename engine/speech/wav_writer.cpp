#include "speech/wav_writer.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"
#include "util/file.h"
#include "util/user_files.h"

namespace vole::speech {

namespace {

void put(std::vector<uint8_t>& out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void tag(std::vector<uint8_t>& out, const char* t) { out.insert(out.end(), t, t + 4); }

}  // namespace

std::vector<uint8_t> encode_wav_pcm16(std::span<const float> samples, int sample_rate) {
  require(sample_rate > 0, "WAV sample rate must be positive");
  const uint64_t data_bytes = samples.size() * 2;
  require(data_bytes <= 0xffffffffull - 36, "too many samples for a WAV file");
  std::vector<uint8_t> out;
  out.reserve(44 + data_bytes);
  tag(out, "RIFF");
  put(out, static_cast<uint32_t>(36 + data_bytes), 4);
  tag(out, "WAVE");
  tag(out, "fmt ");
  put(out, 16, 4);  // fmt chunk size
  put(out, 1, 2);   // PCM
  put(out, 1, 2);   // mono
  put(out, static_cast<uint32_t>(sample_rate), 4);
  put(out, static_cast<uint32_t>(sample_rate) * 2, 4);  // byte rate
  put(out, 2, 2);                                       // block align
  put(out, 16, 2);                                      // bits per sample
  tag(out, "data");
  put(out, static_cast<uint32_t>(data_bytes), 4);
  for (float s : samples) {
    float c = std::isfinite(s) ? std::clamp(s, -1.0f, 1.0f) : 0.0f;
    auto v = static_cast<int16_t>(std::lround(c * 32767.0f));
    put(out, static_cast<uint16_t>(v), 2);
  }
  return out;
}

void write_wav_pcm16(const std::filesystem::path& path, std::span<const float> samples, int sample_rate) {
  write_output_file(path, encode_wav_pcm16(samples, sample_rate));
}

}  // namespace vole::speech
