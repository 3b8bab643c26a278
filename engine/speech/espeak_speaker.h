#pragma once
// The espeak-ng voice through its C API, synchronous mode: 22050 Hz 16-bit PCM handed to
// a callback per buffer, converted to float chunks. espeak-ng keeps global state (one
// voice, one set of parameters, one callback per process), so every call into it is
// serialised by one process-wide mutex and each `speak` sets its own voice and rate
// first; several EspeakSpeakers may exist, they just take turns.
#include <string>
#include <vector>

#include "speech/speaker.h"

namespace vole::speech {

struct EspeakVoice {
  std::string name;        // e.g. "English (America)"
  std::string identifier;  // file name under voices/, e.g. "gmw/en-US"
  std::string language;    // first language code, e.g. "en-us"
};

struct EspeakOptions {
  // An espeak-ng voice name or identifier, or a language code ("en", "de", "pt-br").
  // Empty: English.
  std::string voice;
  double rate = 1.0;  // speed multiplier: 1.0 = espeak's 175 words per minute (clamped to 80..450)
};

class EspeakSpeaker : public Speaker {
 public:
  // Throws NotFound if espeak-ng's data is missing, InvalidArgument for an unknown voice.
  explicit EspeakSpeaker(EspeakOptions options = {});
  int sample_rate() const override { return sample_rate_; }
  bool speak(std::string_view text, const AudioSink& sink, const std::atomic<bool>* cancel = nullptr) override;
  const std::string& voice() const { return voice_; }
  int words_per_minute() const { return wpm_; }

  static std::vector<EspeakVoice> list_voices();

 private:
  std::string voice_;
  int wpm_ = 175;
  int sample_rate_ = 22050;
};

// espeak's voice for a language tag ("en", "en-GB", "de_DE", "fr"): the tag itself if
// espeak has it, else its primary language; empty if espeak speaks neither.
std::string espeak_voice_for_language(const std::string& language);

}  // namespace vole::speech
