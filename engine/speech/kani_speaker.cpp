#include "speech/kani_speaker.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <random>

#include "arch/lfm2/lfm2_decoder.h"
#include "gpu/graph.h"
#include "ops/weight.h"
#include "runtime/sequence.h"
#include "util/error.h"
#include "util/user_files.h"

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

int32_t kani::FramePositions::operator()(int32_t token, int64_t rows) {
  const int32_t here = static_cast<int32_t>(rows) * k_.position_units;
  if (token < k_.audio_tokens_start) return here;
  if (audio_seen_ == 0) first_ = here;
  return first_ + static_cast<int32_t>(audio_seen_++ / k_.tokens_per_frame) * k_.frame_step();
}

std::vector<float> read_speaker_embedding(const std::filesystem::path& path) {
  const std::string bytes = read_text_file(path, 1 << 20);
  if (bytes.empty() || bytes.size() % 4 != 0)
    fail(ErrorCode::InvalidFile, path.string() + " is not a speaker embedding: " + std::to_string(bytes.size()) +
                                     " bytes, not a whole number of float32 values");
  std::vector<float> values(bytes.size() / 4);
  std::memcpy(values.data(), bytes.data(), bytes.size());  // little-endian hosts only, like every loader here
  return values;
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

// The projected speaker embedding (§5.1), one row [1, hidden] kept on the GPU for as
// long as a prompt uses it.
struct KaniSpeaker::SpeakerRow {
  ops::DeviceTensor row;
  std::string key;  // names the content for the prefix cache
};

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
  if (const auto* lfm2 = dynamic_cast<const arch::Lfm2Decoder*>(&lm_->decoder())) kani2_ = lfm2->kani2();
  if (kani2_ && (kani2_->audio_tokens_start != kani::kAudioStart || kani2_->tokens_per_frame != kani::kTokensPerFrame))
    fail(ErrorCode::Unsupported,
         lm_->model_dir().string() + ": audio tokens from " + std::to_string(kani2_->audio_tokens_start) +
             " in frames of " + std::to_string(kani2_->tokens_per_frame) +
             " (Vole reads Kani-TTS's layout: " + std::to_string(kani::kAudioStart) + ", 4 per frame)");
  require(options_.chunk_frames > 0 && (!options_.max_new_tokens || *options_.max_new_tokens > 0),
          "KaniOptions: chunk and token limits must be positive");
  if (!options_.speaker_embedding.empty()) speaker_row_ = project_speaker(options_.speaker_embedding);
  codec_ = arch::NanoCodecDecoder::load(lm_->gpu(), codec);
  if (codec_->config().groups != kani::kTokensPerFrame || codec_->config().codebook_size() != kani::kCodebookSize)
    fail(ErrorCode::Unsupported, "the codec at " + codec.string() + " does not have 4 codebooks of 4032 codes");
}

KaniSpeaker::~KaniSpeaker() = default;

std::shared_ptr<const KaniSpeaker::SpeakerRow> KaniSpeaker::project_speaker(const std::vector<float>& embedding) const {
  if (!kani2_)
    fail(ErrorCode::InvalidArgument,
         lm_->model_dir().string() + " is a Kani-TTS 1 voice: only Kani-TTS-2 voices take a speaker embedding");
  if (static_cast<int64_t>(embedding.size()) != kani2_->speaker_emb_dim)
    fail(ErrorCode::InvalidArgument, "the speaker embedding has " + std::to_string(embedding.size()) +
                                         " values; this voice takes " + std::to_string(kani2_->speaker_emb_dim));
  for (float v : embedding)
    if (!std::isfinite(v)) fail(ErrorCode::InvalidArgument, "the speaker embedding holds a value that is not finite");
  gpu::Context& ctx = lm_->gpu();
  auto row = std::make_shared<SpeakerRow>();
  row->row = ops::allocate_f32(ctx, "speaker row", {1, lm_->decoder().dims().hidden});
  // The embedding is needed only for this one projection (run() waits for it).
  const ops::DeviceTensor input =
      ops::upload_f32(ctx, "speaker embedding", {1, kani2_->speaker_emb_dim}, embedding.data());
  gpu::Graph g(ctx, "speaker row");
  dynamic_cast<const arch::Lfm2Decoder&>(lm_->decoder()).record_speaker_row(g, input.tensor, row->row.tensor);
  g.compile();
  g.run();
  const std::string_view bytes(reinterpret_cast<const char*>(embedding.data()), embedding.size() * sizeof(float));
  row->key = "speaker:" + std::to_string(std::hash<std::string_view>{}(bytes));
  return row;
}

int KaniSpeaker::sample_rate() const { return codec_->config().sample_rate; }

float KaniSpeaker::temperature() const { return options_.temperature.value_or(kani2_ ? 1.0f : 0.6f); }

int KaniSpeaker::max_new_tokens() const { return options_.max_new_tokens.value_or(kani2_ ? 3000 : 1200); }

std::vector<int32_t> KaniSpeaker::prompt_for(std::string_view text, runtime::AppendExtras& extras) const {
  std::vector<int32_t> ids = kani::prompt(lm_->tokenizer(), text);
  if (speaker_row_) {
    // The speaker row goes after the first token. Its slot holds START_OF_HUMAN again, an
    // id the prompt already has, so the repetition penalty sees the same ids as the
    // authors' (their input_ids have no entry for the row).
    ids.insert(ids.begin() + 1, kani::kStartOfHuman);
    extras.embeddings.push_back({1, speaker_row_->key, speaker_row_->row.tensor, speaker_row_});
  }
  return ids;
}

bool KaniSpeaker::speak(std::string_view text, const AudioSink& sink, const std::atomic<bool>* cancel) {
  codes_.assign(kani::kTokensPerFrame, {});
  std::string spoken = options_.speaker.empty() ? std::string(text) : options_.speaker + ": " + std::string(text);
  if (spoken.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  runtime::AppendExtras extras;
  std::vector<int32_t> prompt = prompt_for(spoken, extras);
  const int max_new = max_new_tokens();

  runtime::SamplingOptions sampling;
  sampling.temperature = temperature();
  sampling.top_k = options_.top_k;
  sampling.top_p = options_.top_p;
  sampling.min_p = 0;
  sampling.repetition_penalty = options_.repetition_penalty;
  // HF's penalty covers every id in the sequence, the prompt included.
  sampling.penalty_last_n = static_cast<int>(prompt.size()) + max_new;
  sampling.validate();
  const uint32_t seed = options_.seed ? options_.seed : static_cast<uint32_t>(std::random_device{}());

  const int64_t capacity = std::min<int64_t>(lm_->context_length(), static_cast<int64_t>(prompt.size()) + max_new + 1);
  if (static_cast<int64_t>(prompt.size()) + 8 > capacity)
    fail(ErrorCode::ContextFull, "the text is too long for the voice model's context (" +
                                     std::to_string(prompt.size()) + " tokens); speak it sentence by sentence");
  auto seq = lm_->new_sequence(capacity);
  seq->sync(prompt, extras);
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
  std::optional<kani::FramePositions> frame_positions;
  if (kani2_) frame_positions.emplace(*kani2_);
  int32_t token = seq->sample(sampling, seed, 0);
  for (int i = 0;; ++i) {
    if (cancel && cancel->load()) return false;
    if (reader.push(token) == FrameReader::Step::Done) break;
    if (reader.ready() >= static_cast<size_t>(options_.chunk_frames)) deliver();
    // Out of budget or context: what was spoken stands.
    if (i + 1 >= max_new || seq->length() + 1 >= capacity) break;
    std::optional<int32_t> position;
    if (frame_positions) position = (*frame_positions)(token, seq->length());
    token = seq->step(token, sampling, seed, static_cast<uint32_t>(i + 1), position);
  }
  if (!reader.in_speech()) fail(ErrorCode::InvalidArgument, "the voice model wrote no speech for the text");
  if (reader.ready() > 0) deliver();
  return true;
}

}  // namespace vole::speech
