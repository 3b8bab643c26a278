#pragma once
// Writing mono WAV files (for synthesized speech and for keeping recordings), encoded by
// libsndfile into memory and written with util/user_files.h's write_output_file, the one
// mechanism Vole uses for files it writes on a user's behalf.
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace vole::audio {

enum class WavSampleFormat { Pcm16, Float32 };

// The bytes of a mono WAV file. PCM 16-bit clips samples to [-1, 1].
std::vector<uint8_t> encode_wav(std::span<const float> samples, int sample_rate,
                                WavSampleFormat format = WavSampleFormat::Pcm16);

void write_wav(const std::filesystem::path& path, std::span<const float> samples, int sample_rate,
               WavSampleFormat format = WavSampleFormat::Pcm16);

}  // namespace vole::audio
