#pragma once
// Voice activity detection on 16 kHz mono audio, with WebRTC's VAD (the Gaussian-mixture
// detector libfvad packages) from Debian's libwebrtc-audio-processing: a voiced/unvoiced
// decision per 10 ms frame, smoothed here into speech start/end events.
//
// Two ways to use it: a streaming detector (feed microphone blocks as they come, get
// events as soon as they are certain) and split_at_silences(), which cuts a recording
// into speech segments of bounded length for transcription.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "audio/audio.h"

namespace vole::audio {

struct VadOptions {
  // 0 keeps the most speech (and lets some noise through), 3 drops the most noise
  // (and may clip quiet speech): WebRTC's modes.
  int aggressiveness = 2;
  // Speech starts after this much voiced audio in a row (drops clicks and short noises)...
  double min_speech_s = 0.08;
  // ...and ends after this much unvoiced audio in a row (a pause between sentences).
  double min_silence_s = 0.5;
  // Audio kept before each speech region so word onsets are not clipped, and after it
  // (less: WebRTC's detector already holds its decision ~0.1 s past the last voiced sound).
  double start_padding_s = 0.1;
  double end_padding_s = 0.05;
};

struct VadEvent {
  enum class Kind { SpeechStart, SpeechEnd };
  Kind kind = Kind::SpeechStart;
  int64_t sample = 0;  // 16 kHz sample index the event refers to (padding applied)
  double seconds() const { return samples_to_seconds(sample, kSpeechSampleRate); }
};

// Streaming detector. Events come in order, alternating start/end, with padded sample
// positions that never go backwards. A start is reported min_speech_s after speech
// began, an end min_silence_s after it stopped (both refer back to when it happened).
class VoiceActivityDetector {
 public:
  explicit VoiceActivityDetector(const VadOptions& options = {});
  ~VoiceActivityDetector();
  VoiceActivityDetector(VoiceActivityDetector&&) noexcept;
  VoiceActivityDetector& operator=(VoiceActivityDetector&&) noexcept;

  // Feeds 16 kHz mono samples (any block size); returns the events they complete.
  std::vector<VadEvent> feed(std::span<const float> samples);
  // End of input: closes an open speech region (its end event is returned).
  std::vector<VadEvent> finish();
  bool in_speech() const;
  int64_t samples_seen() const;
  // The raw per-frame decisions so far (10 ms each), for tests and level meters.
  const std::vector<bool>& frame_decisions() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

inline constexpr int kVadFrameSamples = kSpeechSampleRate / 100;  // 10 ms

struct SpeechSegment {
  int64_t begin = 0, end = 0;  // 16 kHz samples, [begin, end)
  double start_seconds() const { return samples_to_seconds(begin, kSpeechSampleRate); }
  double end_seconds() const { return samples_to_seconds(end, kSpeechSampleRate); }
  double seconds() const { return samples_to_seconds(end - begin, kSpeechSampleRate); }
};

struct SegmentOptions {
  VadOptions vad;
  // No segment is longer than this: a longer speech region is cut at its quietest
  // 10 ms frame in the second half of the allowed length.
  double max_segment_s = 30.0;
};

// Speech segments of 16 kHz mono audio, in order, not overlapping. Silence gives none.
std::vector<SpeechSegment> split_at_silences(const Audio& audio, const SegmentOptions& options = {});

}  // namespace vole::audio
