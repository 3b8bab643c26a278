#include "audio/decode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <istream>

#include "audio/resample.h"
#include "audio/sndfile_io.h"
#include "util/error.h"
#include "util/file.h"

namespace vole::audio {

namespace fs = std::filesystem;
using detail::MemoryReader;
using detail::SndFile;

const char* container_format_name(ContainerFormat f) {
  switch (f) {
    case ContainerFormat::Wav:
      return "WAV";
    case ContainerFormat::Aiff:
      return "AIFF";
    case ContainerFormat::Flac:
      return "FLAC";
    case ContainerFormat::Ogg:
      return "Ogg";
    case ContainerFormat::Mp3:
      return "MP3";
  }
  return "?";
}

namespace {

constexpr const char* kSupportedList = "WAV, FLAC, Ogg Vorbis/Opus, MP3 or AIFF";
constexpr int kMaxChannels = 256;
constexpr int kMaxSampleRate = 768000;

bool starts_with(std::span<const uint8_t> b, size_t at, const char* magic) {
  size_t n = std::strlen(magic);
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

// An MPEG audio frame header: 11 sync bits, a valid version, layer, bitrate and rate.
bool mpeg_frame_header(std::span<const uint8_t> b) {
  if (b.size() < 4 || b[0] != 0xFF || (b[1] & 0xE0) != 0xE0) return false;
  int version = (b[1] >> 3) & 3, layer = (b[1] >> 1) & 3, bitrate = b[2] >> 4, rate = (b[2] >> 2) & 3;
  return version != 1 && layer != 0 && bitrate != 15 && rate != 3;
}

// What a well-known format we do not read is, for a clearer refusal.
std::string describe_unsupported(std::span<const uint8_t> b) {
  if (starts_with(b, 4, "ftyp")) return "MP4/M4A (AAC) audio is not supported";
  if (starts_with(b, 0, "\x1a\x45\xdf\xa3")) return "Matroska/WebM audio is not supported";
  if (starts_with(b, 0, "#!AMR")) return "AMR audio is not supported";
  return "not an audio file Vole can read";
}

std::string encoding_name(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
      return "PCM 8-bit";
    case SF_FORMAT_PCM_U8:
      return "PCM unsigned 8-bit";
    case SF_FORMAT_PCM_16:
      return "PCM 16-bit";
    case SF_FORMAT_PCM_24:
      return "PCM 24-bit";
    case SF_FORMAT_PCM_32:
      return "PCM 32-bit";
    case SF_FORMAT_FLOAT:
      return "float 32-bit";
    case SF_FORMAT_DOUBLE:
      return "float 64-bit";
    case SF_FORMAT_ULAW:
      return "u-law";
    case SF_FORMAT_ALAW:
      return "A-law";
    case SF_FORMAT_IMA_ADPCM:
      return "IMA ADPCM";
    case SF_FORMAT_MS_ADPCM:
      return "MS ADPCM";
    case SF_FORMAT_GSM610:
      return "GSM 6.10";
    case SF_FORMAT_VORBIS:
      return "Vorbis";
    case SF_FORMAT_OPUS:
      return "Opus";
    case SF_FORMAT_MPEG_LAYER_I:
      return "MPEG layer I";
    case SF_FORMAT_MPEG_LAYER_II:
      return "MPEG layer II";
    case SF_FORMAT_MPEG_LAYER_III:
      return "MPEG layer III";
    default:
      return "codec " + std::to_string(format & SF_FORMAT_SUBMASK);
  }
}

// The container libsndfile found, if it is one we accept.
std::optional<ContainerFormat> container_of(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
    case SF_FORMAT_RF64:
      return ContainerFormat::Wav;
    case SF_FORMAT_AIFF:
      return ContainerFormat::Aiff;
    case SF_FORMAT_FLAC:
      return ContainerFormat::Flac;
    case SF_FORMAT_OGG:
      return ContainerFormat::Ogg;
    case SF_FORMAT_MPEG:
      return ContainerFormat::Mp3;
    default:
      return std::nullopt;
  }
}

// Where libsndfile's frame count is exact. MP3 has none (an estimate from the bitrate)
// and Ogg's comes from the last page, which a cut-off file no longer has. (For WAV and
// AIFF libsndfile already shortens the count to the data present, so a recording that
// was interrupted before its header was finished reads as far as it goes.)
bool exact_length(ContainerFormat c) { return c != ContainerFormat::Mp3 && c != ContainerFormat::Ogg; }

[[noreturn]] void fail_too_long(const std::string& label, const DecodeLimits& limits) {
  fail(ErrorCode::InvalidArgument, label + ": longer than the limit of " +
                                       std::to_string(static_cast<int64_t>(limits.max_seconds)) + " s of audio");
}

}  // namespace

std::optional<ContainerFormat> sniff_container(std::span<const uint8_t> b) {
  if ((starts_with(b, 0, "RIFF") || starts_with(b, 0, "RIFX") || starts_with(b, 0, "RF64")) &&
      starts_with(b, 8, "WAVE"))
    return ContainerFormat::Wav;
  if (starts_with(b, 0, "FORM") && (starts_with(b, 8, "AIFF") || starts_with(b, 8, "AIFC")))
    return ContainerFormat::Aiff;
  if (starts_with(b, 0, "fLaC")) return ContainerFormat::Flac;
  if (starts_with(b, 0, "OggS")) return ContainerFormat::Ogg;
  if (starts_with(b, 0, "ID3") || mpeg_frame_header(b)) return ContainerFormat::Mp3;
  return std::nullopt;
}

struct AudioDecoder::State {
  std::string label;
  MappedFile map;  // only when the decoder opened the file itself
  MemoryReader reader;
  SndFile file;
  AudioInfo info;
  int output_rate = 0;
  std::optional<Resampler> resampler;
  std::vector<float> interleaved;  // one block of source frames
  std::vector<float> mono;
  int64_t frames_read = 0;
  bool finished = false;

  [[noreturn]] void fail_file(ErrorCode code, const std::string& what) const { fail(code, label + ": " + what); }
  void open(std::span<const uint8_t> bytes);
  void check_end() const;
  // Finite but enormous float samples (1e38) can overflow in the resampling filter.
  void check_output(const std::vector<float>& out, size_t from) const {
    for (size_t i = from; i < out.size(); ++i)
      if (!std::isfinite(out[i]))
        fail_file(ErrorCode::InvalidFile, "holds samples too large to process (around " +
                                              std::to_string(static_cast<double>(frames_read) / info.sample_rate) +
                                              " s)");
  }
};

void AudioDecoder::State::open(std::span<const uint8_t> bytes) {
  if (bytes.empty()) fail_file(ErrorCode::InvalidFile, "the file is empty");
  std::optional<ContainerFormat> sniffed = sniff_container(bytes);
  if (!sniffed) fail_file(ErrorCode::Unsupported, describe_unsupported(bytes) + " (expected " + kSupportedList + ")");
  reader = MemoryReader{bytes, 0};
  SF_INFO sf{};
  file.reset(sf_open_virtual(detail::reader_io(), SFM_READ, &sf, &reader));
  if (!file.get()) {
    int err = sf_error(nullptr);
    std::string why = sf_strerror(nullptr);
    if (err == SF_ERR_UNSUPPORTED_ENCODING)
      fail_file(ErrorCode::Unsupported, std::string(container_format_name(*sniffed)) +
                                            " file with an encoding Vole cannot decode (" + why + ")");
    fail_file(ErrorCode::InvalidFile,
              std::string("damaged or truncated ") + container_format_name(*sniffed) + " file (" + why + ")");
  }
  std::optional<ContainerFormat> found = container_of(sf.format);
  if (!found || *found != *sniffed)
    fail_file(ErrorCode::InvalidFile, std::string("looks like ") + container_format_name(*sniffed) +
                                          " but does not parse as one (" + kSupportedList + " expected)");
  if (sf.channels < 1 || sf.channels > kMaxChannels)
    fail_file(ErrorCode::InvalidFile,
              "has " + std::to_string(sf.channels) + " channels (1.." + std::to_string(kMaxChannels) + " supported)");
  if (sf.samplerate < 1 || sf.samplerate > kMaxSampleRate)
    fail_file(ErrorCode::InvalidFile, "has a sample rate of " + std::to_string(sf.samplerate) + " Hz (1.." +
                                          std::to_string(kMaxSampleRate) + " supported)");
  info.container = *found;
  info.encoding = encoding_name(sf.format);
  info.sample_rate = sf.samplerate;
  info.channels = sf.channels;
  info.frames = exact_length(*found) ? sf.frames : -1;
  if (output_rate == 0) output_rate = sf.samplerate;
  resampler.emplace(sf.samplerate, output_rate);
}

// After the last block: libsndfile's error state, and the header's promise of a length.
void AudioDecoder::State::check_end() const {
  if (sf_error(file.get()) != SF_ERR_NO_ERROR)
    fail_file(ErrorCode::InvalidFile, "damaged " + std::string(container_format_name(info.container)) + " data after " +
                                          std::to_string(frames_read) + " samples: " + sf_strerror(file.get()));
  if (info.frames >= 0 && frames_read < info.frames)
    fail_file(ErrorCode::InvalidFile, std::string("truncated ") + container_format_name(info.container) +
                                          " file: the header announces " + std::to_string(info.frames) +
                                          " samples, the file holds " + std::to_string(frames_read));
}

AudioDecoder::AudioDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}

AudioDecoder::AudioDecoder(std::span<const uint8_t> bytes, const std::string& label, int output_rate)
    : state_(std::make_unique<State>()) {
  require(output_rate >= 0, label + ": negative output sample rate");
  state_->label = label;
  state_->output_rate = output_rate;
  state_->open(bytes);
}

AudioDecoder AudioDecoder::open_file(const fs::path& path, int output_rate) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) fail(ErrorCode::NotFound, path.string() + ": no such file");
  if (!fs::is_regular_file(status))
    fail(ErrorCode::InvalidArgument, path.string() + ": not a regular file (an audio file was expected)");
  auto state = std::make_unique<State>();
  state->label = path.string();
  state->output_rate = output_rate;
  state->map = MappedFile(path);
  state->open(state->map.bytes());
  return AudioDecoder(std::move(state));
}

AudioDecoder::~AudioDecoder() = default;
AudioDecoder::AudioDecoder(AudioDecoder&&) noexcept = default;
AudioDecoder& AudioDecoder::operator=(AudioDecoder&&) noexcept = default;

const AudioInfo& AudioDecoder::info() const { return state_->info; }
int AudioDecoder::output_rate() const { return state_->output_rate; }
int64_t AudioDecoder::frames_read() const { return state_->frames_read; }

bool AudioDecoder::read(std::vector<float>& out, int64_t max_frames) {
  State& s = *state_;
  if (s.finished) return false;
  const int channels = s.info.channels;
  max_frames = std::max<int64_t>(1, max_frames);
  s.interleaved.resize(static_cast<size_t>(max_frames * channels));
  sf_count_t got = sf_readf_float(s.file.get(), s.interleaved.data(), max_frames);
  if (got <= 0) {
    s.check_end();
    size_t before = out.size();
    s.resampler->finish(out);
    s.check_output(out, before);
    s.finished = true;
    return false;
  }
  s.mono.resize(static_cast<size_t>(got));
  for (sf_count_t f = 0; f < got; ++f) {
    const float* frame = s.interleaved.data() + f * channels;
    double sum = 0;
    for (int c = 0; c < channels; ++c) sum += frame[c];
    float v = static_cast<float>(sum / channels);
    if (!std::isfinite(v))
      s.fail_file(ErrorCode::InvalidFile,
                  "holds a non-finite sample (NaN or infinity) at " +
                      std::to_string(static_cast<double>(s.frames_read + f) / s.info.sample_rate) + " s");
    s.mono[static_cast<size_t>(f)] = v;
  }
  s.frames_read += got;
  size_t before = out.size();
  s.resampler->process(s.mono, out);
  s.check_output(out, before);
  return true;
}

namespace {

// Drains a decoder into one Audio, enforcing the length limit as it goes.
Audio decode_all(AudioDecoder& decoder, const std::string& label, const DecodeLimits& limits) {
  Audio audio;
  audio.sample_rate = decoder.output_rate();
  const double max_frames = limits.max_seconds * decoder.info().sample_rate;
  if (decoder.info().frames > max_frames) fail_too_long(label, limits);
  while (decoder.read(audio.samples))
    if (decoder.frames_read() > max_frames) fail_too_long(label, limits);
  if (decoder.frames_read() == 0) fail(ErrorCode::InvalidFile, label + ": holds no audio samples");
  return audio;
}

}  // namespace

Audio decode_audio(std::span<const uint8_t> bytes, const std::string& label, int output_rate,
                   const DecodeLimits& limits) {
  AudioDecoder decoder(bytes, label, output_rate);
  return decode_all(decoder, label, limits);
}

Audio read_audio_file(const fs::path& path, int output_rate, const DecodeLimits& limits) {
  AudioDecoder decoder = AudioDecoder::open_file(path, output_rate);
  return decode_all(decoder, path.string(), limits);
}

Audio read_raw_s16le(std::istream& in, const std::string& label, int input_rate, int output_rate,
                     const DecodeLimits& limits) {
  require(input_rate > 0 && output_rate >= 0, label + ": bad sample rate for raw audio");
  if (output_rate == 0) output_rate = input_rate;
  Resampler resampler(input_rate, output_rate);
  Audio audio;
  audio.sample_rate = output_rate;
  const double max_samples = limits.max_seconds * input_rate;
  std::vector<char> bytes(1 << 16);
  std::vector<float> block;
  int64_t samples = 0;
  bool odd = false;  // a byte left over from the previous read
  char carry = 0;
  while (in) {
    size_t offset = odd ? 1 : 0;
    if (odd) bytes[0] = carry;
    in.read(bytes.data() + offset, static_cast<std::streamsize>(bytes.size() - offset));
    size_t n = offset + static_cast<size_t>(in.gcount());
    odd = n % 2 != 0;
    if (odd) carry = bytes[n - 1];
    block.resize(n / 2);
    for (size_t i = 0; i < n / 2; ++i) {
      auto lo = static_cast<uint8_t>(bytes[2 * i]), hi = static_cast<uint8_t>(bytes[2 * i + 1]);
      block[i] = static_cast<float>(static_cast<int16_t>(static_cast<uint16_t>(lo | (hi << 8)))) / 32768.0f;
    }
    samples += static_cast<int64_t>(block.size());
    if (samples > max_samples) fail_too_long(label, limits);
    resampler.process(block, audio.samples);
  }
  if (in.bad()) fail(ErrorCode::Io, label + ": read error");
  if (odd) fail(ErrorCode::InvalidFile, label + ": odd number of bytes (raw audio must be 16-bit samples)");
  if (samples == 0) fail(ErrorCode::InvalidFile, label + ": holds no audio samples");
  resampler.finish(audio.samples);
  return audio;
}

}  // namespace vole::audio
