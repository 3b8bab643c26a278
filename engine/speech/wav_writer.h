#pragma once
// Mono 16-bit PCM WAV files for synthesised speech, written by util/user_files.h's write_output_file.
// engine/audio's libsndfile writer (audio::write_wav) is the general one; this one stays
// for speech because it turns a non-finite sample into silence instead of refusing the
// whole utterance, and clips symmetrically to ±32767. Folding it into audio::write_wav
// (with that policy as an option) is the next clean-up.
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace vole::speech {

// The bytes of a RIFF/WAVE file: 44-byte header + little-endian int16 samples
// (floats clipped to [-1, 1] and rounded).
std::vector<uint8_t> encode_wav_pcm16(std::span<const float> samples, int sample_rate);
void write_wav_pcm16(const std::filesystem::path& path, std::span<const float> samples, int sample_rate);

}  // namespace vole::speech
