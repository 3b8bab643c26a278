#include "runtime/transcriber.h"

#include <algorithm>

#include "util/error.h"

namespace vole::runtime {

std::vector<TranscriptSegment> transcribe(SpeechToText& stt, const audio::Audio& audio,
                                          const TranscribeOptions& options) {
  if (audio.sample_rate != arch::kMoonshineSampleRate)
    fail(ErrorCode::InvalidArgument,
         "speech must be resampled to 16 kHz first (got " + std::to_string(audio.sample_rate) + " Hz)");
  // Segments stay under the encoder's limit whatever the options say.
  audio::SegmentOptions seg = options.segments;
  seg.max_segment_s =
      std::min(seg.max_segment_s, static_cast<double>(stt.encoder().max_samples()) / arch::kMoonshineSampleRate);
  std::vector<TranscriptSegment> out;
  for (const audio::SpeechSegment& s : audio::split_at_silences(audio, seg)) {
    if (options.cancel && options.cancel->load()) fail(ErrorCode::Cancelled, "transcription cancelled");
    if (s.end - s.begin < stt.encoder().min_samples()) continue;
    std::span<const float> samples(audio.samples.data() + s.begin, static_cast<size_t>(s.end - s.begin));
    TranscriptSegment t;
    t.start_s = s.start_seconds();
    t.end_s = s.end_seconds();
    t.tokens = stt.transcribe_tokens(samples, options.cancel);
    t.truncated = t.tokens.empty() || t.tokens.back() != stt.end_token();
    t.text = stt.text(t.tokens);
    if (options.on_segment) options.on_segment(t);
    out.push_back(std::move(t));
  }
  return out;
}

std::string joined_text(const std::vector<TranscriptSegment>& segments) {
  std::string s;
  for (const auto& t : segments) {
    if (t.text.empty()) continue;
    if (!s.empty()) s += ' ';
    s += t.text;
  }
  return s;
}

}  // namespace vole::runtime
