#include "audio/vad.h"

#include <webrtc/modules/audio_processing/include/audio_processing.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "util/error.h"

namespace vole::audio {

namespace {

// WebRTC's likelihood setting is the inverse of an aggressiveness: kHighLikelihood is
// mode 0 (declares voice most readily), kVeryLowLikelihood mode 3.
webrtc::VoiceDetection::Likelihood likelihood_for(int aggressiveness) {
  switch (aggressiveness) {
    case 0:
      return webrtc::VoiceDetection::kHighLikelihood;
    case 1:
      return webrtc::VoiceDetection::kModerateLikelihood;
    case 2:
      return webrtc::VoiceDetection::kLowLikelihood;
    default:
      return webrtc::VoiceDetection::kVeryLowLikelihood;
  }
}

int64_t frames_for(double seconds) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::lround(seconds * kSpeechSampleRate / kVadFrameSamples)));
}

}  // namespace

struct VoiceActivityDetector::State {
  VadOptions options;
  std::unique_ptr<webrtc::AudioProcessing> apm;
  std::vector<float> pending;   // samples of an incomplete frame
  std::vector<float> scratch;   // APM's output (unused, but it must write somewhere)
  std::vector<bool> decisions;  // one per 10 ms frame
  int64_t samples_seen = 0;
  int64_t min_speech_frames = 0, min_silence_frames = 0, start_pad = 0, end_pad = 0;
  bool speaking = false;
  int64_t run = 0;              // consecutive frames contradicting the current state
  int64_t last_voiced_end = 0;  // sample after the last voiced frame
  int64_t last_event = 0;       // events never go backwards

  bool voiced(const float* frame);
  void step(bool voiced, std::vector<VadEvent>& events);
  void emit(VadEvent::Kind kind, int64_t sample, std::vector<VadEvent>& events) {
    sample = std::clamp<int64_t>(sample, last_event, samples_seen);
    last_event = sample;
    events.push_back({kind, sample});
  }
};

VoiceActivityDetector::VoiceActivityDetector(const VadOptions& options) : state_(std::make_unique<State>()) {
  require(options.aggressiveness >= 0 && options.aggressiveness <= 3, "VAD aggressiveness must be 0..3");
  require(options.min_speech_s > 0 && options.min_silence_s > 0 && options.start_padding_s >= 0 &&
              options.end_padding_s >= 0,
          "VAD durations must be positive");
  State& s = *state_;
  s.options = options;
  s.min_speech_frames = frames_for(options.min_speech_s);
  s.min_silence_frames = frames_for(options.min_silence_s);
  s.start_pad = std::lround(options.start_padding_s * kSpeechSampleRate);
  s.end_pad = std::lround(options.end_padding_s * kSpeechSampleRate);
  s.apm.reset(webrtc::AudioProcessing::Create());
  if (!s.apm) fail(ErrorCode::Internal, "VAD: WebRTC audio processing could not be created");
  webrtc::VoiceDetection* vd = s.apm->voice_detection();
  if (vd->Enable(true) != 0 || vd->set_likelihood(likelihood_for(options.aggressiveness)) != 0 ||
      vd->set_frame_size_ms(10) != 0)
    fail(ErrorCode::Internal, "VAD: WebRTC voice detection could not be configured");
  s.scratch.resize(kVadFrameSamples);
}

VoiceActivityDetector::~VoiceActivityDetector() = default;
VoiceActivityDetector::VoiceActivityDetector(VoiceActivityDetector&&) noexcept = default;
VoiceActivityDetector& VoiceActivityDetector::operator=(VoiceActivityDetector&&) noexcept = default;

bool VoiceActivityDetector::State::voiced(const float* frame) {
  const float* in[1] = {frame};
  float* out[1] = {scratch.data()};
  int r = apm->ProcessStream(in, kVadFrameSamples, kSpeechSampleRate, webrtc::AudioProcessing::kMono, kSpeechSampleRate,
                             webrtc::AudioProcessing::kMono, out);
  if (r != webrtc::AudioProcessing::kNoError) fail(ErrorCode::Internal, "VAD: WebRTC error " + std::to_string(r));
  return apm->voice_detection()->stream_has_voice();
}

// One frame's decision through the hysteresis. samples_seen already counts the frame.
void VoiceActivityDetector::State::step(bool voiced, std::vector<VadEvent>& events) {
  decisions.push_back(voiced);
  if (voiced) last_voiced_end = samples_seen;
  run = (voiced != speaking) ? run + 1 : 0;
  if (!speaking && run >= min_speech_frames) {
    speaking = true;
    run = 0;
    int64_t onset = samples_seen - min_speech_frames * kVadFrameSamples;
    emit(VadEvent::Kind::SpeechStart, onset - start_pad, events);
  } else if (speaking && run >= min_silence_frames) {
    speaking = false;
    run = 0;
    emit(VadEvent::Kind::SpeechEnd, last_voiced_end + end_pad, events);
  }
}

std::vector<VadEvent> VoiceActivityDetector::feed(std::span<const float> samples) {
  State& s = *state_;
  std::vector<VadEvent> events;
  size_t i = 0;
  // Complete a frame left over from the previous call first.
  if (!s.pending.empty()) {
    size_t take = std::min(samples.size(), static_cast<size_t>(kVadFrameSamples) - s.pending.size());
    s.pending.insert(s.pending.end(), samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(take));
    i = take;
    if (s.pending.size() < static_cast<size_t>(kVadFrameSamples)) return events;
    s.samples_seen += kVadFrameSamples;
    s.step(s.voiced(s.pending.data()), events);
    s.pending.clear();
  }
  for (; i + kVadFrameSamples <= samples.size(); i += kVadFrameSamples) {
    s.samples_seen += kVadFrameSamples;
    s.step(s.voiced(samples.data() + i), events);
  }
  s.pending.assign(samples.begin() + static_cast<std::ptrdiff_t>(i), samples.end());
  return events;
}

std::vector<VadEvent> VoiceActivityDetector::finish() {
  State& s = *state_;
  std::vector<VadEvent> events;
  // The partial frame at the end counts as heard (an end may reach it), not as decided.
  s.samples_seen += static_cast<int64_t>(s.pending.size());
  s.pending.clear();
  if (s.speaking) {
    s.speaking = false;
    s.run = 0;
    s.emit(VadEvent::Kind::SpeechEnd, s.last_voiced_end + s.end_pad, events);
  }
  return events;
}

bool VoiceActivityDetector::in_speech() const { return state_->speaking; }
int64_t VoiceActivityDetector::samples_seen() const { return state_->samples_seen; }
const std::vector<bool>& VoiceActivityDetector::frame_decisions() const { return state_->decisions; }

namespace {

// Mean square of the 10 ms frame starting at `begin`.
double frame_energy(const std::vector<float>& x, int64_t begin) {
  int64_t end = std::min<int64_t>(begin + kVadFrameSamples, static_cast<int64_t>(x.size()));
  double sum = 0;
  for (int64_t i = begin; i < end; ++i) sum += static_cast<double>(x[i]) * x[i];
  return end > begin ? sum / static_cast<double>(end - begin) : 0.0;
}

// Cuts [begin, end) into pieces of at most `max_len` samples, each cut at the quietest
// frame boundary in the second half of the allowed length.
void cut_long_region(const std::vector<float>& x, int64_t begin, int64_t end, int64_t max_len,
                     std::vector<SpeechSegment>& out) {
  while (end - begin > max_len) {
    int64_t best = begin + max_len, best_energy_frame = -1;
    double best_energy = 0;
    for (int64_t f = begin + max_len / 2; f + kVadFrameSamples <= begin + max_len; f += kVadFrameSamples) {
      double e = frame_energy(x, f);
      if (best_energy_frame < 0 || e < best_energy) {
        best_energy = e;
        best_energy_frame = f;
      }
    }
    // Cut in the middle of the quietest frame.
    if (best_energy_frame >= 0) best = best_energy_frame + kVadFrameSamples / 2;
    out.push_back({begin, best});
    begin = best;
  }
  out.push_back({begin, end});
}

}  // namespace

std::vector<SpeechSegment> split_at_silences(const Audio& audio, const SegmentOptions& options) {
  require(audio.sample_rate == kSpeechSampleRate,
          "split_at_silences: audio must be at 16 kHz (got " + std::to_string(audio.sample_rate) + " Hz)");
  require(options.max_segment_s >= 1.0, "split_at_silences: the longest segment must be at least 1 s");
  VoiceActivityDetector vad(options.vad);
  std::vector<VadEvent> events = vad.feed(audio.samples);
  std::vector<VadEvent> tail = vad.finish();
  events.insert(events.end(), tail.begin(), tail.end());
  const int64_t max_len = static_cast<int64_t>(options.max_segment_s * kSpeechSampleRate);
  std::vector<SpeechSegment> segments;
  for (size_t i = 0; i + 1 < events.size(); i += 2) {
    if (events[i + 1].sample > events[i].sample)
      cut_long_region(audio.samples, events[i].sample, events[i + 1].sample, max_len, segments);
  }
  return segments;
}

}  // namespace vole::audio
