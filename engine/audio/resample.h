#pragma once
// Sample-rate conversion with libsoxr (the resampler of SoX and FFmpeg's soxr option):
// a band-limited polyphase filter, so frequencies above the new Nyquist limit are removed
// rather than folded back, which naive decimation would do.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace vole::audio {

// Streaming conversion of one channel: feed blocks of any size, then finish() once.
// The output is the same whether the input comes in one block or many.
class Resampler {
 public:
  // Rates in Hz, each in [1, 1'536'000]; equal rates copy samples through unchanged.
  Resampler(int input_rate, int output_rate);
  ~Resampler();
  Resampler(Resampler&&) noexcept;
  Resampler& operator=(Resampler&&) noexcept;

  // Appends the output available so far for `input` to `out`.
  void process(std::span<const float> input, std::vector<float>& out);
  // Flushes the filter's delay line: appends the last samples. Call once, at the end.
  void finish(std::vector<float>& out);

  int input_rate() const { return input_rate_; }
  int output_rate() const { return output_rate_; }

 private:
  double ratio() const { return static_cast<double>(output_rate_) / input_rate_; }
  struct State;
  std::unique_ptr<State> state_;
  int input_rate_ = 0, output_rate_ = 0;
};

// One-shot conversion of a whole signal.
std::vector<float> resample(std::span<const float> input, int input_rate, int output_rate);

}  // namespace vole::audio
