#pragma once
// The Kani-TTS neural voice (docs/specs/kani-tts.md): an LFM2 language model writes
// NanoCodec tokens for the text (4 per 80 ms frame), the NanoCodec decoder turns them
// into 22.05 kHz samples. Frames are decoded in groups as the model produces them, the
// codec's causal state carried over, so audio starts after the first group.
// Kani-TTS 1 checkpoints (kani-tts-450m-0.2-ft, -370m, -400m-*) run as published;
// Kani-TTS-2 needs the modified LFM2 (learned RoPE scale, frame positions), which the
// lfm2 family refuses for now.
#include <filesystem>
#include <memory>
#include <vector>

#include "arch/nanocodec/nanocodec.h"
#include "runtime/engine.h"
#include "speech/speaker.h"

namespace vole::speech {

// The token layout of kani-tts.md §1.
namespace kani {
constexpr int32_t kEndOfText = 2;
constexpr int32_t kStartOfSpeech = 64401;
constexpr int32_t kEndOfSpeech = 64402;
constexpr int32_t kStartOfHuman = 64403;
constexpr int32_t kEndOfHuman = 64404;
constexpr int32_t kStartOfAi = 64405;
constexpr int32_t kEndOfAi = 64406;
constexpr int32_t kAudioStart = 64410;
constexpr int32_t kCodebookSize = 4032;
constexpr int kTokensPerFrame = 4;
// START_OF_HUMAN, the text's ids, END_OF_TEXT, END_OF_HUMAN (§2).
std::vector<int32_t> prompt(const text::Tokenizer& tokenizer, std::string_view text);
}  // namespace kani

struct KaniOptions {
  // The authors' Kani-TTS 1 settings (§3): T 0.6, top-p 0.95, repetition penalty 1.1 over
  // the whole sequence, at most 1200 new tokens. temperature <= 0: greedy.
  float temperature = 0.6f;
  int top_k = 50;  // transformers' generate() default; the authors do not change it
  float top_p = 0.95f;
  float repetition_penalty = 1.1f;
  int max_new_tokens = 1200;
  uint32_t seed = 0;      // 0: a fresh seed per utterance
  int chunk_frames = 10;  // frames decoded together while streaming (0.8 s)
  std::string speaker;    // multi-speaker fine-tunes: the text becomes "speaker: text"
};

class KaniSpeaker final : public Speaker {
 public:
  // `lm` is a loaded Kani-TTS model (family lfm2); `codec` a .nemo or a folder with one
  // (by default the model's folder).
  KaniSpeaker(std::unique_ptr<runtime::Engine> lm, const std::filesystem::path& codec, KaniOptions options = {});
  ~KaniSpeaker() override;

  int sample_rate() const override;
  bool speak(std::string_view text, const AudioSink& sink, const std::atomic<bool>* cancel = nullptr) override;

  // The codec codes [codebook][frame] of the last utterance (what `speak` decoded).
  const std::vector<std::vector<int32_t>>& last_codes() const { return codes_; }
  const KaniOptions& options() const { return options_; }

 private:
  std::unique_ptr<runtime::Engine> lm_;
  std::unique_ptr<arch::NanoCodecDecoder> codec_;
  KaniOptions options_;
  std::vector<std::vector<int32_t>> codes_;
};

}  // namespace vole::speech
