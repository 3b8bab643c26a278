#pragma once
// Mono audio as the speech models take it: float samples (nominally in [-1, 1]) at one
// sample rate. Every reader in engine/audio hands out this, already mixed down to mono
// and (unless asked otherwise) resampled to 16 kHz.
#include <cstdint>
#include <vector>

namespace vole::audio {

// The rate every speech model in Vole expects (Moonshine v1 and v2).
inline constexpr int kSpeechSampleRate = 16000;

struct Audio {
  std::vector<float> samples;
  int sample_rate = 0;

  int64_t size() const { return static_cast<int64_t>(samples.size()); }
  double seconds() const { return sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate : 0.0; }
};

// Sample index <-> seconds at a rate (rounded to the nearest sample).
inline double samples_to_seconds(int64_t samples, int rate) { return static_cast<double>(samples) / rate; }
inline int64_t seconds_to_samples(double seconds, int rate) {
  return static_cast<int64_t>(seconds * rate + (seconds >= 0 ? 0.5 : -0.5));
}

}  // namespace vole::audio
