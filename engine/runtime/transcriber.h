#pragma once
// Audio in, text out: 16 kHz mono audio is cut at its pauses by the voice-activity
// detector (audio::split_at_silences, segments of at most 30 s), and each segment is
// transcribed by a SpeechToText with its own generation limit (6.5 tokens per second).
// Silence yields no segments (nothing for the model to hallucinate on).
//
//   runtime::SpeechToText stt(engine);
//   auto audio = audio::read_audio_file("talk.flac");
//   for (const auto& s : runtime::transcribe(stt, audio)) print(s.start_s, s.end_s, s.text);
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audio/audio.h"
#include "audio/vad.h"
#include "runtime/speech_to_text.h"

namespace vole::runtime {

struct TranscriptSegment {
  double start_s = 0, end_s = 0;  // within the audio
  std::string text;
  std::vector<int32_t> tokens;  // generated ids (without the start token)
  bool truncated = false;       // stopped by the token limit, not by the end token
};

struct TranscribeOptions {
  audio::SegmentOptions segments;  // VAD settings and the 30 s cap
  const std::atomic<bool>* cancel = nullptr;
  // Called with each segment as soon as it is transcribed.
  std::function<void(const TranscriptSegment&)> on_segment;
};

// `audio` must be 16 kHz (what audio::read_audio_file returns by default); mono is
// implied by Audio. Segments too short for the encoder are skipped.
std::vector<TranscriptSegment> transcribe(SpeechToText& stt, const audio::Audio& audio,
                                          const TranscribeOptions& options = {});

// The segments' texts joined by single spaces.
std::string joined_text(const std::vector<TranscriptSegment>& segments);

}  // namespace vole::runtime
