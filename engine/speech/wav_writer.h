#pragma once
// Mono 16-bit PCM WAV files for synthesised speech, written by util/user_files.h's write_output_file.
// Minimal on purpose: engine/audio (another branch) brings a libsndfile-based writer;
// once both are merged, `vole speak` can use that one and this file can go.
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
