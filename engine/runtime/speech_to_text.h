#pragma once
// Speech to text with a Moonshine model (engine/arch/moonshine, v1, or
// engine/arch/moonshine_streaming, v2, through arch::SpeechEncoder) loaded by an Engine:
// one utterance at a time, encoded once (front end + encoder, v2's position adapter, then
// every decoder layer's cross-attention K/V kept on the GPU), then decoded greedily by a
// runtime::Sequence (recorded decode steps, argmax on the GPU, one id read back per step).
//
//   runtime::Engine engine(dir, {.weights = model::Format::F16});
//   runtime::SpeechToText stt(engine);
//   std::vector<int32_t> ids = stt.transcribe_tokens(samples);  // 16 kHz mono
//   std::string text = stt.text(ids);
//
// Threading: as the Engine (one thread at a time; the Device serialises GPU work).
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "arch/moonshine/moonshine.h"
#include "gpu/buffer.h"
#include "runtime/engine.h"
#include "runtime/sequence.h"

namespace vole::runtime {

class SpeechToText {
 public:
  // Fails (Unsupported) unless the engine's model is a speech-to-text model.
  explicit SpeechToText(Engine& engine);
  ~SpeechToText();

  const arch::SpeechEncoder& encoder() const { return *encoder_; }
  const arch::MoonshineDecoder& decoder() const { return *decoder_; }
  int32_t start_token() const { return start_token_; }
  int32_t end_token() const { return end_token_; }

  // Encodes one utterance of 16 kHz mono samples (encoder().min_samples() to
  // max_samples(); InvalidArgument otherwise) and makes it the one the decoder
  // attends to. Returns its encoder frame count.
  int64_t encode(std::span<const float> samples);
  // The encoder output of the last encode(), [frames, hidden] row-major.
  std::vector<float> encoder_output() const;
  // The logits [ids, vocab] of forced ids (ids[0] is normally the start token) for the
  // last encoded utterance, all positions in one pass.
  std::vector<float> forced_logits(std::span<const int32_t> ids);
  // Greedy decoding of the last encoded utterance from the start token: the generated
  // ids (not the start token), ending with the end token if it came within
  // `max_new_tokens`. `cancel` is checked before each step.
  std::vector<int32_t> greedy(int64_t max_new_tokens, const std::atomic<bool>* cancel = nullptr);
  // encode() + greedy() under the model cards' limit of 6.5 tokens per second of audio.
  std::vector<int32_t> transcribe_tokens(std::span<const float> samples, const std::atomic<bool>* cancel = nullptr);
  // The text of generated ids (special tokens dropped, the leading space removed).
  std::string text(std::span<const int32_t> ids) const;

 private:
  void require_encoded(const char* what) const;

  Engine& engine_;
  const arch::SpeechEncoder* encoder_ = nullptr;
  const arch::MoonshineDecoder* decoder_ = nullptr;
  int32_t start_token_ = 1, end_token_ = 2;
  std::unique_ptr<Sequence> sequence_;
  gpu::Buffer encoder_out_;  // [max frames, hidden] f32
  gpu::Buffer memory_;       // [max frames, memory hidden] f32 when the encoder adapts its output
  int64_t frames_ = 0;       // of the last encode(); 0: none yet
};

}  // namespace vole::runtime
