#include "audio/wav_writer.h"

#include <cmath>
#include <string>

#include "audio/sndfile_io.h"
#include "util/error.h"
#include "util/file.h"
#include "util/user_files.h"

namespace vole::audio {

std::vector<uint8_t> encode_wav(std::span<const float> samples, int sample_rate, WavSampleFormat format) {
  require(sample_rate > 0 && sample_rate <= 768000, "WAV: sample rate out of range: " + std::to_string(sample_rate));
  for (float v : samples) require(std::isfinite(v), "WAV: cannot write a non-finite sample");
  detail::MemoryWriter writer;
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | (format == WavSampleFormat::Pcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT);
  detail::SndFile file(sf_open_virtual(detail::writer_io(), SFM_WRITE, &info, &writer));
  if (!file.get()) fail(ErrorCode::Internal, std::string("WAV: libsndfile refused to encode: ") + sf_strerror(nullptr));
  // Float-to-PCM conversion clips instead of wrapping around at full scale.
  sf_command(file.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
  sf_count_t n = static_cast<sf_count_t>(samples.size());
  if (sf_writef_float(file.get(), samples.data(), n) != n)
    fail(ErrorCode::Internal, std::string("WAV: encoding failed: ") + sf_strerror(file.get()));
  if (file.close() != 0) fail(ErrorCode::Internal, "WAV: could not finish the header");
  return std::move(writer.bytes);
}

void write_wav(const std::filesystem::path& path, std::span<const float> samples, int sample_rate,
               WavSampleFormat format) {
  write_output_file(path, encode_wav(samples, sample_rate, format));
}

}  // namespace vole::audio
