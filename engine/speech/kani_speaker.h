#pragma once
// The Kani-TTS neural voice (docs/specs/kani-tts.md): an LFM2 language model writes
// NanoCodec tokens for the text (4 per 80 ms frame), the NanoCodec decoder turns them
// into 22.05 kHz samples. Frames are decoded in groups as the model produces them, the
// codec's causal state carried over, so audio starts after the first group.
// Kani-TTS 1 checkpoints (kani-tts-450m-0.2-ft, -370m, -400m-*) run as published, and
// Kani-TTS-2 (kani-tts-2-en) with its frame positions, learned RoPE scale and optional
// speaker embedding (§5).
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "arch/lfm2/lfm2.h"
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

// Where each token fed back during Kani-TTS-2 generation sits (§5.2), in the model's
// position units: a non-audio token at the current row count, the tokens of audio frame f
// at P₀ + f·audio_step, P₀ the row count when the first audio token is fed.
class FramePositions {
 public:
  explicit FramePositions(const arch::KaniTts2Fields& fields) : k_(fields) {}
  // `rows`: the rows the sequence holds before `token` (the speaker row included).
  int32_t operator()(int32_t token, int64_t rows);

 private:
  const arch::KaniTts2Fields& k_;
  int64_t audio_seen_ = 0;
  int32_t first_ = 0;
};
}  // namespace kani

struct KaniOptions {
  // Unset: the authors' settings for the model's generation (§3): Kani-TTS 1 T 0.6 and at
  // most 1200 new tokens, Kani-TTS-2 T 1.0 and 3000. temperature <= 0: greedy.
  std::optional<float> temperature;
  std::optional<int> max_new_tokens;
  int top_k = 50;  // transformers' generate() default; the authors do not change it
  float top_p = 0.95f;
  float repetition_penalty = 1.1f;  // over the whole sequence, prompt included
  uint32_t seed = 0;                // 0: a fresh seed per utterance
  int chunk_frames = 10;            // frames decoded together while streaming (0.8 s)
  // Multi-speaker Kani-TTS 1 fine-tunes (and Kani-TTS-2's language tags): the text
  // becomes "speaker: text".
  std::string speaker;
  // Kani-TTS-2: a speaker embedding (speaker_emb_dim values, 128 in the released models)
  // whose projection enters the prompt after its first token (§5.1). Empty: none.
  std::vector<float> speaker_embedding;
};

// A speaker embedding file: little-endian float32 values, nothing else (the authors'
// SpeakerEmbedder output saved with numpy's tofile, or `vole`'s own .f32 outputs).
std::vector<float> read_speaker_embedding(const std::filesystem::path& path);

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
  // 2 for Kani-TTS-2's modified LFM2, else 1.
  int generation() const { return kani2_ ? 2 : 1; }
  float temperature() const;
  int max_new_tokens() const;

 private:
  struct SpeakerRow;
  // The row a speaker embedding becomes (§5.1), checked against the voice.
  std::shared_ptr<const SpeakerRow> project_speaker(const std::vector<float>& embedding) const;
  // The prompt rows of `text` and what goes with them (the speaker row).
  std::vector<int32_t> prompt_for(std::string_view text, runtime::AppendExtras& extras) const;

  std::unique_ptr<runtime::Engine> lm_;
  std::unique_ptr<arch::NanoCodecDecoder> codec_;
  const arch::KaniTts2Fields* kani2_ = nullptr;
  std::shared_ptr<const SpeakerRow> speaker_row_;  // on the GPU, made once
  KaniOptions options_;
  std::vector<std::vector<int32_t>> codes_;
};

}  // namespace vole::speech
