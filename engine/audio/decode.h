#pragma once
// Reading audio files: WAV (8/16/24/32-bit PCM, 32/64-bit float, RIFF/RIFX/RF64/WAVEX),
// AIFF, FLAC, Ogg (Vorbis, Opus) and MP3, through libsndfile (Debian's build decodes
// MP3 with libmpg123). Any number of channels is mixed down to mono (the mean of the
// channels) and the result is resampled with libsoxr (audio/resample.h).
//
// Every failure is a vole::Error naming the source: InvalidFile for empty, damaged or
// truncated files and non-finite samples, Unsupported for formats outside the list
// above (checked from the file's first bytes before libsndfile parses anything, so
// its rarely used parsers are never exposed to untrusted input), NotFound / Io for the
// file system.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audio/audio.h"

namespace vole::audio {

enum class ContainerFormat { Wav, Aiff, Flac, Ogg, Mp3 };
const char* container_format_name(ContainerFormat f);

// Recognises a supported container from the first bytes of a file (16 are enough);
// nullopt for anything else.
std::optional<ContainerFormat> sniff_container(std::span<const uint8_t> head);

struct AudioInfo {
  ContainerFormat container = ContainerFormat::Wav;
  std::string encoding;  // "PCM 16-bit", "float 32-bit", "FLAC 24-bit", "Vorbis", "MPEG layer III", ...
  int sample_rate = 0;   // of the file
  int channels = 0;      // of the file (mixed down to one on reading)
  int64_t frames = -1;   // samples per channel the header announces (-1: not known exactly, e.g. MP3)
};

struct DecodeLimits {
  // Longest audio accepted (a guard against memory exhaustion: 3 h at 16 kHz is 691 MB).
  double max_seconds = 3 * 3600.0;
};

// Streaming decoder: mono float at `output_rate` (0 keeps the file's rate), block by block.
class AudioDecoder {
 public:
  // Decodes `bytes`, which must outlive the decoder. `label` names the source in errors.
  AudioDecoder(std::span<const uint8_t> bytes, const std::string& label, int output_rate = kSpeechSampleRate);
  // Maps the regular file at `path` read-only and decodes it.
  static AudioDecoder open_file(const std::filesystem::path& path, int output_rate = kSpeechSampleRate);
  ~AudioDecoder();
  AudioDecoder(AudioDecoder&&) noexcept;
  AudioDecoder& operator=(AudioDecoder&&) noexcept;

  const AudioInfo& info() const;
  int output_rate() const;
  // Appends the output of up to `max_frames` more source frames to `out`. Returns false
  // once the file is exhausted and the resampler flushed (nothing more will come).
  bool read(std::vector<float>& out, int64_t max_frames = 16384);
  // Source frames (per channel) decoded so far.
  int64_t frames_read() const;

 private:
  struct State;
  explicit AudioDecoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Whole-file conversions. An input without a single sample is an InvalidFile error.
Audio decode_audio(std::span<const uint8_t> bytes, const std::string& label, int output_rate = kSpeechSampleRate,
                   const DecodeLimits& limits = {});
Audio read_audio_file(const std::filesystem::path& path, int output_rate = kSpeechSampleRate,
                      const DecodeLimits& limits = {});

// Raw headerless audio: little-endian signed 16-bit mono samples at `input_rate` (what
// `vole transcribe -` reads from standard input), resampled to `output_rate` (0: keep).
Audio read_raw_s16le(std::istream& in, const std::string& label, int input_rate = kSpeechSampleRate,
                     int output_rate = kSpeechSampleRate, const DecodeLimits& limits = {});

}  // namespace vole::audio
