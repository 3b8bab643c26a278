#include "runtime/speech_to_text.h"

#include <algorithm>
#include <cstring>

#include "ops/tensor.h"
#include "util/error.h"

namespace vole::runtime {

namespace {
// Decoder tokens per utterance: the generation limit of the longest input
// (kMoonshineMaxSamples -> 415 tokens) plus the start token, rounded up.
constexpr int64_t kDecoderCapacity = 448;
}  // namespace

SpeechToText::SpeechToText(Engine& engine) : engine_(engine) {
  encoder_ = engine.model().find<arch::SpeechEncoder>();
  decoder_ = engine.model().find<arch::MoonshineDecoder>();
  if (!encoder_ || !decoder_)
    fail(ErrorCode::Unsupported, "the model in " + engine.model_dir().string() + " (" +
                                     std::string(engine.config().family->name()) +
                                     ") is not a speech-to-text model; Moonshine models are");
  const auto& c = engine.config().as<arch::SpeechConfig>();
  start_token_ = static_cast<int32_t>(c.decoder_start_token_id);
  end_token_ = static_cast<int32_t>(c.eos_token_id);
  sequence_ = engine.new_sequence(kDecoderCapacity);
  require(sequence_->capacity() >= kDecoderCapacity, "the speech decoder needs " + std::to_string(kDecoderCapacity) +
                                                         " positions, the engine allows " +
                                                         std::to_string(sequence_->capacity()));
  encoder_out_ = engine.gpu().create_buffer(static_cast<uint64_t>(decoder_->max_frames()) * encoder_->hidden() * 4,
                                            gpu::MemoryKind::Device, "encoder output");
  if (encoder_->memory_hidden() > 0)
    memory_ = engine.gpu().create_buffer(static_cast<uint64_t>(decoder_->max_frames()) * encoder_->memory_hidden() * 4,
                                         gpu::MemoryKind::Device, "decoder memory");
}

SpeechToText::~SpeechToText() = default;

int64_t SpeechToText::encode(std::span<const float> samples) {
  const int64_t n = static_cast<int64_t>(samples.size());
  const int64_t min_samples = encoder_->min_samples(), max_samples = encoder_->max_samples();
  if (n < min_samples)
    fail(ErrorCode::InvalidArgument,
         "the audio is too short to transcribe: " + std::to_string(n) + " samples at 16 kHz; at least " +
             std::to_string(min_samples) + " (" +
             std::to_string((min_samples * 1000 + arch::kMoonshineSampleRate - 1) / arch::kMoonshineSampleRate) +
             " ms) are needed");
  if (n > max_samples)
    fail(ErrorCode::InvalidArgument, "one utterance may last at most " +
                                         std::to_string(max_samples / arch::kMoonshineSampleRate) +
                                         " s; split longer audio at its pauses");
  const int64_t frames = encoder_->frames(n);
  gpu::Context& ctx = engine_.gpu();
  auto lock = ctx.exclusive();
  frames_ = 0;
  sequence_->truncate(0);  // its cached tokens attended to the previous utterance

  // Samples and the encoder's per-frame inputs (positions or bounds), written by the host.
  const ops::Shape frame_shape = encoder_->frame_inputs_shape(frames);
  int64_t frame_values = 1;
  for (int64_t d : frame_shape) frame_values *= d;
  const uint64_t frame_offset = (static_cast<uint64_t>(n) * 4 + 255) / 256 * 256;
  gpu::Buffer inputs = ctx.create_buffer(frame_offset + static_cast<uint64_t>(frame_values) * 4,
                                         gpu::MemoryKind::Upload, "encoder inputs");
  std::memcpy(inputs.mapped(), samples.data(), n * 4);
  encoder_->write_frame_inputs(
      frames, {reinterpret_cast<int32_t*>(inputs.mapped() + frame_offset), static_cast<size_t>(frame_values)});

  ops::Tensor out = ops::view(encoder_out_, DType::F32, {frames, encoder_->hidden()});
  gpu::Graph g(ctx, "speech encoder");
  encoder_->record_encode(g, ops::view(inputs, DType::F32, {n}),
                          ops::view(inputs, DType::I32, frame_shape, frame_offset), out);
  ops::Tensor memory = out;
  if (encoder_->memory_hidden() > 0) {
    memory = ops::view(memory_, DType::F32, {frames, encoder_->memory_hidden()});
    encoder_->record_memory(g, out, memory);
  }
  decoder_->record_cross_kv(g, memory, sequence_->state());
  g.compile();
  g.run();
  frames_ = frames;
  return frames;
}

void SpeechToText::require_encoded(const char* what) const {
  if (frames_ == 0) fail(ErrorCode::InvalidArgument, std::string(what) + " needs an encoded utterance first");
}

std::vector<float> SpeechToText::encoder_output() const {
  require_encoded("the encoder output");
  std::vector<float> out(static_cast<size_t>(frames_ * encoder_->hidden()));
  engine_.gpu().download(encoder_out_, 0, out.data(), out.size() * 4);
  return out;
}

std::vector<float> SpeechToText::forced_logits(std::span<const int32_t> ids) {
  require_encoded("decoding");
  require(!ids.empty() && static_cast<int64_t>(ids.size()) <= sequence_->capacity(),
          "forced decoding takes 1 to " + std::to_string(sequence_->capacity()) + " ids");
  sequence_->truncate(0);
  return sequence_->evaluate_all(ids);
}

std::vector<int32_t> SpeechToText::greedy(int64_t max_new_tokens, const std::atomic<bool>* cancel) {
  require_encoded("decoding");
  max_new_tokens = std::min(max_new_tokens, sequence_->capacity() - 1);
  std::vector<int32_t> out;
  if (max_new_tokens <= 0) return out;
  const SamplingOptions greedy = SamplingOptions::greedy();
  sequence_->truncate(0);
  std::vector<int32_t> start{start_token_};
  sequence_->sync(start);
  int32_t next = sequence_->sample(greedy, 0, 0);
  while (true) {
    out.push_back(next);
    if (next == end_token_ || static_cast<int64_t>(out.size()) >= max_new_tokens) break;
    if (cancel && cancel->load()) fail(ErrorCode::Cancelled, "transcription cancelled");
    next = sequence_->step(next, greedy, 0, static_cast<uint32_t>(out.size()));
  }
  return out;
}

std::vector<int32_t> SpeechToText::transcribe_tokens(std::span<const float> samples, const std::atomic<bool>* cancel) {
  encode(samples);
  return greedy(arch::moonshine_max_new_tokens(static_cast<int64_t>(samples.size())), cancel);
}

std::string SpeechToText::text(std::span<const int32_t> ids) const {
  std::string s = engine_.tokenizer().decode(ids, /*skip_special=*/true);
  size_t begin = s.find_first_not_of(' ');
  return begin == std::string::npos ? std::string() : s.substr(begin);
}

}  // namespace vole::runtime
