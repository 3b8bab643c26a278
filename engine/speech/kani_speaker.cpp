#include "speech/kani_speaker.h"

#include <algorithm>
#include <random>

#include "util/error.h"

namespace vole::speech {

std::vector<int32_t> kani::prompt(const text::Tokenizer& tokenizer, std::string_view text) {
  std::vector<int32_t> ids{kStartOfHuman};
  // The tokenizer's own specials around the text (LFM2: <|startoftext|> first); special
  // tokens written in the text stay text.
  tokenizer.encode(text, ids, /*parse_special=*/false);
  ids.push_back(kEndOfText);
  ids.push_back(kEndOfHuman);
  return ids;
}

namespace {

// Reads the model's tokens one by one (§1, §3): waits for START_OF_SPEECH, then takes
// audio tokens four at a time as frames (each token checked against its codebook's
// range at its place in the frame), until END_OF_SPEECH / END_OF_AI.
class FrameReader {
 public:
  enum class Step { More, Done };

  Step push(int32_t token) {
    if (!in_speech_) {
      if (token == kani::kStartOfSpeech)
        in_speech_ = true;
      else if (token == kani::kEndOfAi || token == kani::kEndOfSpeech)
        fail(ErrorCode::InvalidArgument, "the voice model ended without speech");
      return Step::More;  // START_OF_AI and anything before the speech starts
    }
    if (token == kani::kEndOfSpeech || token == kani::kEndOfAi) return Step::Done;  // a partial frame is dropped
    const int c = static_cast<int>(partial_.size());
    const int32_t code = token - kani::kAudioStart - c * kani::kCodebookSize;
    if (code < 0 || code >= kani::kCodebookSize)
      fail(ErrorCode::InvalidArgument, "the voice model wrote token " + std::to_string(token) +
                                           " where an audio token of codebook " + std::to_string(c) + " belongs");
    partial_.push_back(code);
    if (partial_.size() == kani::kTokensPerFrame) {
      frames_.push_back(partial_);
      partial_.clear();
    }
    return Step::More;
  }
  bool in_speech() const { return in_speech_; }
  size_t ready() const { return frames_.size(); }
  // The complete frames so far as [codebook][frame], and forgets them.
  std::vector<std::vector<int32_t>> take() {
    std::vector<std::vector<int32_t>> codes(kani::kTokensPerFrame);
    for (const auto& f : frames_)
      for (int c = 0; c < kani::kTokensPerFrame; ++c)
        codes[static_cast<size_t>(c)].push_back(f[static_cast<size_t>(c)]);
    frames_.clear();
    return codes;
  }

 private:
  bool in_speech_ = false;
  std::vector<int32_t> partial_;
  std::vector<std::vector<int32_t>> frames_;
};

}  // namespace

KaniSpeaker::KaniSpeaker(std::unique_ptr<runtime::Engine> lm, const std::filesystem::path& codec, KaniOptions options)
    : lm_(std::move(lm)), options_(std::move(options)) {
  require(lm_ != nullptr, "KaniSpeaker needs a language model");
  if (lm_->config().family->name() != "lfm2")
    fail(ErrorCode::Unsupported, lm_->model_dir().string() + " is a " + std::string(lm_->config().family->name()) +
                                     " model, not a Kani-TTS (LFM2) voice");
  if (lm_->decoder().dims().vocab <= kani::kAudioStart + kani::kTokensPerFrame * kani::kCodebookSize - 1)
    fail(ErrorCode::Unsupported, lm_->model_dir().string() + ": a vocabulary of " +
                                     std::to_string(lm_->decoder().dims().vocab) +
                                     " has no room for Kani-TTS's audio tokens (80538 and below)");
  require(options_.chunk_frames > 0 && options_.max_new_tokens > 0,
          "KaniOptions: chunk and token limits must be positive");
  codec_ = arch::NanoCodecDecoder::load(lm_->gpu(), codec);
  if (codec_->config().groups != kani::kTokensPerFrame || codec_->config().codebook_size() != kani::kCodebookSize)
    fail(ErrorCode::Unsupported, "the codec at " + codec.string() + " does not have 4 codebooks of 4032 codes");
}

KaniSpeaker::~KaniSpeaker() = default;

int KaniSpeaker::sample_rate() const { return codec_->config().sample_rate; }

bool KaniSpeaker::speak(std::string_view text, const AudioSink& sink, const std::atomic<bool>* cancel) {
  codes_.assign(kani::kTokensPerFrame, {});
  std::string spoken = options_.speaker.empty() ? std::string(text) : options_.speaker + ": " + std::string(text);
  if (spoken.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  std::vector<int32_t> prompt = kani::prompt(lm_->tokenizer(), spoken);

  runtime::SamplingOptions sampling;
  sampling.temperature = options_.temperature;
  sampling.top_k = options_.top_k;
  sampling.top_p = options_.top_p;
  sampling.min_p = 0;
  sampling.repetition_penalty = options_.repetition_penalty;
  // HF's penalty covers every id in the sequence, the prompt included.
  sampling.penalty_last_n = static_cast<int>(prompt.size()) + options_.max_new_tokens;
  sampling.validate();
  const uint32_t seed = options_.seed ? options_.seed : static_cast<uint32_t>(std::random_device{}());

  const int64_t capacity =
      std::min<int64_t>(lm_->context_length(), static_cast<int64_t>(prompt.size()) + options_.max_new_tokens + 1);
  if (static_cast<int64_t>(prompt.size()) + 8 > capacity)
    fail(ErrorCode::ContextFull, "the text is too long for the voice model's context (" +
                                     std::to_string(prompt.size()) + " tokens); speak it sentence by sentence");
  auto seq = lm_->new_sequence(capacity);
  seq->sync(prompt);
  arch::CodecStream audio(lm_->gpu(), *codec_);
  FrameReader reader;
  auto deliver = [&] {
    auto codes = reader.take();
    for (int c = 0; c < kani::kTokensPerFrame; ++c)
      codes_[static_cast<size_t>(c)].insert(codes_[static_cast<size_t>(c)].end(), codes[static_cast<size_t>(c)].begin(),
                                            codes[static_cast<size_t>(c)].end());
    std::vector<float> samples = audio.decode(codes);
    sink(samples);
  };
  int32_t token = seq->sample(sampling, seed, 0);
  for (int i = 0;; ++i) {
    if (cancel && cancel->load()) return false;
    if (reader.push(token) == FrameReader::Step::Done) break;
    if (reader.ready() >= static_cast<size_t>(options_.chunk_frames)) deliver();
    // Out of budget or context: what was spoken stands.
    if (i + 1 >= options_.max_new_tokens || seq->length() + 1 >= capacity) break;
    token = seq->step(token, sampling, seed, static_cast<uint32_t>(i + 1));
  }
  if (!reader.in_speech()) fail(ErrorCode::InvalidArgument, "the voice model wrote no speech for the text");
  if (reader.ready() > 0) deliver();
  return true;
}

}  // namespace vole::speech
