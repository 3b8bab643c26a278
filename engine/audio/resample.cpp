#include "audio/resample.h"

#include <soxr.h>

#include <string>

#include "util/error.h"

namespace vole::audio {

namespace {
constexpr int kMaxRate = 1'536'000;
}

struct Resampler::State {
  soxr_t soxr = nullptr;
  ~State() {
    if (soxr) soxr_delete(soxr);
  }
};

Resampler::Resampler(int input_rate, int output_rate)
    : state_(std::make_unique<State>()), input_rate_(input_rate), output_rate_(output_rate) {
  require(input_rate > 0 && input_rate <= kMaxRate && output_rate > 0 && output_rate <= kMaxRate,
          "resampler: rates must be in 1.." + std::to_string(kMaxRate) + " Hz (got " + std::to_string(input_rate) +
              " -> " + std::to_string(output_rate) + ")");
  if (input_rate == output_rate) return;
  soxr_error_t error = nullptr;
  // High quality (20-bit precision, flat passband to ~91% of the output's Nyquist limit):
  // far beyond what a speech model can hear, and still much faster than decoding.
  soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  state_->soxr = soxr_create(input_rate, output_rate, 1, &error, &io, &quality, nullptr);
  if (error || !state_->soxr)
    fail(ErrorCode::Internal, std::string("resampler: libsoxr refused ") + std::to_string(input_rate) + " -> " +
                                  std::to_string(output_rate) + " Hz: " + (error ? error : "unknown error"));
}

Resampler::~Resampler() = default;
Resampler::Resampler(Resampler&&) noexcept = default;
Resampler& Resampler::operator=(Resampler&&) noexcept = default;

namespace {

// Runs soxr until it has consumed all of `input` (nullptr: flush) and produced all it can.
void drain(soxr_t soxr, double ratio, const float* input, size_t count, std::vector<float>& out) {
  size_t consumed = 0;
  for (;;) {
    // Room for this block's share of output plus some of the filter's delay.
    size_t room = static_cast<size_t>(static_cast<double>(count - consumed) * ratio) + 1024;
    size_t start = out.size();
    out.resize(start + room);
    size_t in_done = 0, out_done = 0;
    soxr_error_t error = soxr_process(soxr, input ? input + consumed : nullptr, input ? count - consumed : 0, &in_done,
                                      out.data() + start, room, &out_done);
    out.resize(start + out_done);
    if (error) fail(ErrorCode::Internal, std::string("resampler: libsoxr failed: ") + error);
    consumed += in_done;
    if (input ? consumed >= count && out_done < room : out_done == 0) return;
  }
}

}  // namespace

void Resampler::process(std::span<const float> input, std::vector<float>& out) {
  if (!state_->soxr) {
    out.insert(out.end(), input.begin(), input.end());
    return;
  }
  if (!input.empty()) drain(state_->soxr, ratio(), input.data(), input.size(), out);
}

void Resampler::finish(std::vector<float>& out) {
  if (state_->soxr) drain(state_->soxr, ratio(), nullptr, 0, out);
}

std::vector<float> resample(std::span<const float> input, int input_rate, int output_rate) {
  Resampler r(input_rate, output_rate);
  std::vector<float> out;
  out.reserve(static_cast<size_t>(static_cast<double>(input.size()) * output_rate / input_rate) + 16);
  r.process(input, out);
  r.finish(out);
  return out;
}

}  // namespace vole::audio
