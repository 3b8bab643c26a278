#pragma once
// A voice: text in, mono float audio out, in chunks as it is synthesised.
//
// Implementations: `EspeakSpeaker` (espeak-ng, always available, 100+ languages); the
// neural Kani-TTS voice comes in a second phase on the GPU. A Speaker gets *answer*
// text only, already prepared for speech (`text_prep.h`); `SpeechStream` does both for
// text that is still streaming. Cancellation is checked between chunks.
#include <atomic>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace vole::speech {

// Receives consecutive chunks of samples in [-1, 1] at the speaker's rate.
using AudioSink = std::function<void(std::span<const float> samples)>;

class Speaker {
 public:
  virtual ~Speaker() = default;
  virtual int sample_rate() const = 0;
  // Synthesises `text` (plain text, one or more sentences) into `sink`. Returns false
  // if `cancel` was set before it finished (the audio delivered so far stands).
  virtual bool speak(std::string_view text, const AudioSink& sink, const std::atomic<bool>* cancel = nullptr) = 0;
};

}  // namespace vole::speech
