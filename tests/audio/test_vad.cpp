// Voice activity detection on real speech (espeak-ng sentences joined by sox with known
// pauses), silence and noise; streaming versus whole-file; the segment length bound.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "audio/decode.h"
#include "audio/vad.h"
#include "audio_test_util.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::audio;

namespace {

// Where speech is in a recording: from the first to the last sample above -40 dBFS.
struct Span {
  double start = 0, end = 0;
};

Span speech_span(const Audio& a) {
  int64_t first = -1, last = -1;
  for (int64_t i = 0; i < a.size(); ++i)
    if (std::fabs(a.samples[i]) > 0.01f) {
      if (first < 0) first = i;
      last = i;
    }
  return {samples_to_seconds(first, a.sample_rate), samples_to_seconds(last + 1, a.sample_rate)};
}

// Sentences spoken one by one, joined with the given pauses; the true speech spans in
// the joined file (seconds) come from each sentence file on its own.
struct Recording {
  std::filesystem::path path;
  std::vector<Span> speech;
};

Recording record_sentences(const test::TempDir& dir, const std::vector<std::string>& sentences,
                           const std::vector<double>& pauses) {
  Recording r{dir / "speech.wav", {}};
  std::string inputs;
  double offset = 0;
  for (size_t i = 0; i < sentences.size(); ++i) {
    auto wav = dir / ("s" + std::to_string(i) + ".wav");
    test::espeak(wav, sentences[i]);
    Audio a = read_audio_file(wav, 0);  // espeak-ng speaks at 22.05 kHz
    Span s = speech_span(a);
    r.speech.push_back({offset + s.start, offset + s.end});
    offset += a.seconds();
    inputs += wav.string() + " ";
    if (i < pauses.size()) {
      auto gap = dir / ("gap" + std::to_string(i) + ".wav");
      test::sox("-n -r " + std::to_string(a.sample_rate) + " -c 1 -b 16 " + gap.string() + " trim 0 " +
                std::to_string(pauses[i]));
      inputs += gap.string() + " ";
      offset += pauses[i];
    }
  }
  test::sox(inputs + r.path.string());
  return r;
}

const std::vector<std::string> kSentences = {
    "The quick brown fox jumps over the lazy dog",
    "Voice notes should never leave this computer",
    "Please transcribe every word of this recording",
    "The meeting ends at half past four today",
};

}  // namespace

// The VAD splits a multi-sentence recording at its pauses: one segment per sentence,
// each boundary within 200 ms of where the speech really starts and ends.
TEST(Vad, SplitsSpeechAtItsPauses) {
  test::TempDir dir;
  Recording rec = record_sentences(dir, kSentences, {0.8, 1.2, 1.0});
  Audio audio = read_audio_file(rec.path);
  std::vector<SpeechSegment> segments = split_at_silences(audio);
  ASSERT_EQ(segments.size(), rec.speech.size());
  for (size_t i = 0; i < segments.size(); ++i) {
    EXPECT_NEAR(segments[i].start_seconds(), rec.speech[i].start, 0.2) << "segment " << i;
    EXPECT_NEAR(segments[i].end_seconds(), rec.speech[i].end, 0.2) << "segment " << i;
    if (i > 0) {
      EXPECT_GE(segments[i].begin, segments[i - 1].end);
    }
  }
}

// The same audio fed in random blocks (as a microphone delivers it) gives the same
// events as one call, and the events alternate start/end with increasing positions.
TEST(Vad, StreamingMatchesWholeFile) {
  test::TempDir dir;
  Recording rec = record_sentences(dir, {kSentences[0], kSentences[1]}, {1.0});
  Audio audio = read_audio_file(rec.path);

  VoiceActivityDetector whole;
  auto expected = whole.feed(audio.samples);
  auto tail = whole.finish();
  expected.insert(expected.end(), tail.begin(), tail.end());
  ASSERT_EQ(expected.size(), 4u);

  std::mt19937 rng(3);
  VoiceActivityDetector stream;
  std::vector<VadEvent> got;
  bool saw_speech_state = false;
  for (size_t i = 0; i < audio.samples.size();) {
    size_t n = std::min<size_t>(1 + rng() % 1500, audio.samples.size() - i);
    auto events = stream.feed(std::span<const float>(audio.samples).subspan(i, n));
    got.insert(got.end(), events.begin(), events.end());
    saw_speech_state |= stream.in_speech();
    i += n;
  }
  auto end = stream.finish();
  got.insert(got.end(), end.begin(), end.end());
  EXPECT_TRUE(saw_speech_state);
  EXPECT_FALSE(stream.in_speech());
  EXPECT_EQ(stream.samples_seen(), audio.size());
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].kind, i % 2 == 0 ? VadEvent::Kind::SpeechStart : VadEvent::Kind::SpeechEnd);
    EXPECT_EQ(got[i].sample, expected[i].sample) << i;
    if (i > 0) {
      EXPECT_GE(got[i].sample, got[i - 1].sample);
    }
  }
}

// Digital silence and quiet noise contain no speech. (sox -R: the same noise every run.
// Pink noise peaking at -40 dBFS is reported as speech in about 1 of 15 random draws;
// -46 dBFS never was.)
TEST(Vad, FindsNoSpeechInSilenceOrQuietNoise) {
  Audio silence{std::vector<float>(16000 * 5, 0.0f), 16000};
  EXPECT_TRUE(split_at_silences(silence).empty());

  test::TempDir dir;
  for (const char* noise : {"whitenoise vol 0.02", "whitenoise vol 0.01", "pinknoise vol 0.005"}) {
    auto path = dir / "noise.wav";
    test::sox("-R -n -r 16000 -b 16 " + path.string() + " synth 5 " + noise);
    EXPECT_TRUE(split_at_silences(read_audio_file(path)).empty()) << noise;
  }
  // The detector saw frames and decided each one.
  VoiceActivityDetector vad;
  vad.feed(silence.samples);
  EXPECT_EQ(vad.frame_decisions().size(), 500u);
}

// Speech without pauses long enough to split is cut into pieces no longer than the
// limit, back to back, covering the whole region.
TEST(Vad, BoundsSegmentLength) {
  test::TempDir dir;
  Recording rec = record_sentences(dir, kSentences, {0.15, 0.15, 0.15});
  Audio audio = read_audio_file(rec.path);
  SegmentOptions opts;
  opts.max_segment_s = 4.0;
  auto segments = split_at_silences(audio, opts);
  ASSERT_GE(segments.size(), 3u);
  for (size_t i = 0; i < segments.size(); ++i) {
    EXPECT_LE(segments[i].seconds(), 4.0 + 1e-9);
    EXPECT_GT(segments[i].seconds(), 0.0);
    if (i > 0) {
      EXPECT_EQ(segments[i].begin, segments[i - 1].end) << "one region, cut back to back";
    }
  }
  EXPECT_NEAR(segments.front().start_seconds(), rec.speech.front().start, 0.2);
  EXPECT_NEAR(segments.back().end_seconds(), rec.speech.back().end, 0.2);
  // Without the bound it is one region.
  EXPECT_EQ(split_at_silences(audio).size(), 1u);
}

TEST(Vad, RefusesBadOptionsAndRates) {
  VadOptions bad;
  bad.aggressiveness = 4;
  EXPECT_TRUE(test::fails_with([&] { VoiceActivityDetector v(bad); }, ErrorCode::InvalidArgument, {"aggressiveness"}));
  Audio at8k{std::vector<float>(8000, 0.0f), 8000};
  EXPECT_TRUE(test::fails_with([&] { split_at_silences(at8k); }, ErrorCode::InvalidArgument, {"16 kHz"}));
}
