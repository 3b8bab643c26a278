// Speech output: the espeak-ng voice measured for real (duration, loudness, rate,
// silence, cancellation, thread safety), the WAV writer, text preparation for Markdown
// answers and sentence splitting while the answer streams.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "speech/espeak_speaker.h"
#include "speech/speech_stream.h"
#include "speech/text_prep.h"
#include "speech/wav_writer.h"
#include "support/temp_dir.h"
#include "util/error.h"
#include "util/file.h"

namespace vole::speech {
namespace {

const char* kFox = "The quick brown fox jumps over the lazy dog.";

std::vector<float> synthesise(EspeakSpeaker& s, std::string_view text) {
  std::vector<float> audio;
  EXPECT_TRUE(s.speak(text, [&](std::span<const float> c) { audio.insert(audio.end(), c.begin(), c.end()); }));
  return audio;
}

double rms(const std::vector<float>& v) {
  double acc = 0;
  for (float x : v) acc += static_cast<double>(x) * x;
  return v.empty() ? 0 : std::sqrt(acc / static_cast<double>(v.size()));
}

TEST(Espeak, KnownSentenceHasSpeechLikeDurationAndLoudness) {
  EspeakSpeaker s;
  EXPECT_EQ(s.sample_rate(), 22050);
  EXPECT_EQ(s.words_per_minute(), 175);
  auto audio = synthesise(s, kFox);
  double seconds = static_cast<double>(audio.size()) / s.sample_rate();
  // 9 words at 175 words per minute: about 3 s; espeak adds short pauses.
  EXPECT_GT(seconds, 1.8);
  EXPECT_LT(seconds, 4.5);
  double level = rms(audio);
  EXPECT_GT(level, 0.02);
  EXPECT_LT(level, 0.5);
  for (float x : audio) ASSERT_TRUE(std::isfinite(x) && std::fabs(x) <= 1.0f);
  // Repeatable (espeak-ng varies its timing a little from call to call).
  auto again = synthesise(s, kFox);
  EXPECT_NEAR(static_cast<double>(again.size()), static_cast<double>(audio.size()), 0.02 * audio.size());
  EXPECT_NEAR(rms(again), level, 0.05 * level);
}

TEST(Espeak, EmptyTextIsSilence) {
  EspeakSpeaker s;
  EXPECT_TRUE(synthesise(s, "").empty());
  EXPECT_TRUE(synthesise(s, " \n\t ").empty());
}

TEST(Espeak, RateChangesDuration) {
  EspeakSpeaker slow({"en", 0.6}), fast({"en", 2.0});
  EXPECT_EQ(slow.words_per_minute(), 105);
  EXPECT_EQ(fast.words_per_minute(), 350);
  double a = static_cast<double>(synthesise(slow, kFox).size());
  double b = static_cast<double>(synthesise(fast, kFox).size());
  EXPECT_GT(a / b, 2.0);
}

TEST(Espeak, VoicesByLanguageAndUnknownOnes) {
  auto voices = EspeakSpeaker::list_voices();
  EXPECT_GT(voices.size(), 50u);
  EXPECT_FALSE(espeak_voice_for_language("de-DE").empty());
  EXPECT_FALSE(espeak_voice_for_language("en_GB").empty());
  EXPECT_TRUE(espeak_voice_for_language("xx-nonexistent").empty());
  EspeakSpeaker german({"de"});
  auto audio = synthesise(german, "Guten Morgen, wie geht es dir?");
  EXPECT_GT(audio.size(), 22050u / 2);
  try {
    EspeakSpeaker bad({"no-such-voice"});
    FAIL() << "unknown voice accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("no-such-voice"), std::string::npos);
  }
  EXPECT_THROW(EspeakSpeaker({"en", 0.0}), Error);
}

TEST(Espeak, CancelStopsWithinAChunk) {
  EspeakSpeaker s;
  std::string long_text;
  for (int i = 0; i < 20; ++i) long_text += "This sentence is here to make the speech long. ";
  std::atomic<bool> cancel{false};
  size_t samples = 0;
  int chunks = 0;
  bool finished = s.speak(
      long_text,
      [&](std::span<const float> c) {
        samples += c.size();
        if (++chunks == 3) cancel = true;
      },
      &cancel);
  EXPECT_FALSE(finished);
  EXPECT_LE(chunks, 4);
  EXPECT_LT(samples, 22050u);  // far less than the ~50 s the text would take
  // The voice still works afterwards.
  EXPECT_FALSE(synthesise(s, "Still here.").empty());
}

TEST(Espeak, ConcurrentSpeakersTakeTurns) {
  EspeakSpeaker en({"en"}), de({"de", 1.3});
  auto en_alone = synthesise(en, kFox);
  auto de_alone = synthesise(de, "Der schnelle braune Fuchs springt.");
  std::vector<float> a, b;
  std::thread t1([&] {
    for (int i = 0; i < 3; ++i) a = synthesise(en, kFox);
  });
  std::thread t2([&] {
    for (int i = 0; i < 3; ++i) b = synthesise(de, "Der schnelle braune Fuchs springt.");
  });
  t1.join();
  t2.join();
  // Each call set its own voice and rate under the lock: the outputs match their
  // single-threaded selves (within espeak's own variation), which differ clearly.
  auto close = [](const std::vector<float>& x, const std::vector<float>& y) {
    return std::fabs(static_cast<double>(x.size()) - static_cast<double>(y.size())) < 0.03 * y.size() &&
           std::fabs(rms(x) - rms(y)) < 0.05 * rms(y);
  };
  EXPECT_TRUE(close(a, en_alone));
  EXPECT_TRUE(close(b, de_alone));
  EXPECT_FALSE(close(en_alone, de_alone));
}

TEST(Wav, HeaderAndSamples) {
  std::vector<float> s = {0.0f, 0.5f, -0.5f, 1.5f, -2.0f};
  auto w = encode_wav_pcm16(s, 22050);
  ASSERT_EQ(w.size(), 44u + 10);
  EXPECT_EQ(std::string(w.begin(), w.begin() + 4), "RIFF");
  EXPECT_EQ(std::string(w.begin() + 8, w.begin() + 16), "WAVEfmt ");
  auto u32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, w.data() + at, 4);
    return v;
  };
  auto i16 = [&](size_t at) {
    int16_t v;
    std::memcpy(&v, w.data() + at, 2);
    return v;
  };
  EXPECT_EQ(u32(4), 36u + 10);
  EXPECT_EQ(u32(24), 22050u);
  EXPECT_EQ(u32(28), 44100u);
  EXPECT_EQ(u32(40), 10u);
  EXPECT_EQ(i16(44), 0);
  EXPECT_EQ(i16(46), 16384);
  EXPECT_EQ(i16(48), -16384);
  EXPECT_EQ(i16(50), 32767);   // clipped
  EXPECT_EQ(i16(52), -32767);  // clipped
  test::TempDir dir;
  write_wav_pcm16(dir / "a.wav", s, 22050);
  auto text = read_text_file(dir / "a.wav");
  EXPECT_EQ(std::vector<uint8_t>(text.begin(), text.end()), w);
  EXPECT_THROW(encode_wav_pcm16(s, 0), Error);
}

// ---- text preparation ----

TEST(TextPrep, MarkdownMarksVanish) {
  EXPECT_EQ(prepare_for_speech("# Results\n\nThis is **very** _important_ and ~~old~~."),
            "Results. This is very important and old.");
  EXPECT_EQ(prepare_for_speech("- first item\n- second item\n1. numbered"), "first item. second item. numbered.");
  EXPECT_EQ(prepare_for_speech("> quoted text\n\n---\n\nafter"), "quoted text after");
  EXPECT_EQ(prepare_for_speech("| Name | Age |\n|---|---|\n| Ann | 31 |"), "Name, Age. Ann, 31.");
  EXPECT_EQ(prepare_for_speech("See [the docs](https://example.com/x) and ![a cat](cat.png)."),
            "See the docs and a cat.");
  EXPECT_EQ(prepare_for_speech("Line one<br>line two"), "Line one line two");
  EXPECT_EQ(prepare_for_speech("keep snake_case names"), "keep snake_case names");
}

TEST(TextPrep, CodeIsSummarisedNotSpelled) {
  std::string answer = "Use this:\n\n```python\nimport os\nprint(os.getcwd())\n```\n\nThen run it.";
  EXPECT_EQ(prepare_for_speech(answer), "Use this: There is a Python code block here. Then run it.");
  EXPECT_EQ(prepare_for_speech("```\nx = 1\n```"), "There is a line of code here.");
  EXPECT_EQ(prepare_for_speech("Call `len(x)` here."), "Call len(x) here.");
  EXPECT_EQ(prepare_for_speech("Run `for i in range(10): total += compute(i, cache)` now."), "Run this code now.");
  // Non-English voices get no English phrase for code.
  SpeechTextOptions de;
  de.language = "de";
  EXPECT_EQ(prepare_for_speech("Code:\n```cpp\nint x;\n```\nEnde.", de), "Code: Ende.");
}

TEST(TextPrep, UrlsNumbersAbbreviationsSymbols) {
  EXPECT_EQ(prepare_for_speech("Visit https://www.example.org/path?q=1 today."), "Visit a link to example.org today.");
  EXPECT_EQ(prepare_for_speech("It costs $1,250 or 10-20 units, e.g. apples & pears."),
            "It costs 1250 dollars or 10 to 20 units, for example, apples and pears.");
  EXPECT_EQ(prepare_for_speech("Cats vs. dogs, i.e. pets, etc."), "Cats versus dogs, that is, pets, et cetera.");
  EXPECT_EQ(prepare_for_speech("Pi is 3.14159 and 1,000,000 is a million."), "Pi is 3.14159 and 1000000 is a million.");
  EXPECT_EQ(prepare_for_speech("Go A -> B."), "Go A to B.");
  EXPECT_EQ(prepare_for_speech("Great job \xF0\x9F\x8E\x89\xE2\x9C\x85!"), "Great job !");
}

TEST(TextPrep, ReasoningIsNeverSpoken) {
  EXPECT_EQ(prepare_for_speech("<think>secret plan</think>The answer is 4."), "The answer is 4.");
  EXPECT_EQ(prepare_for_speech("Hello. <think>still thinking"), "Hello.");
}

TEST(SentenceSplitter, SplitsOnRealBoundariesOnly) {
  auto s = split_sentences(
      "Dr. Smith arrived at 3.30 p.m. today. He said: \"Hello!\" Then he left? Yes… "
      "See e.g. the manual. J. R. R. Tolkien wrote it.");
  std::vector<std::string> want = {"Dr. Smith arrived at 3.30 p.m. today.",
                                   "He said: \"Hello!\"",
                                   "Then he left?",
                                   "Yes…",
                                   "See e.g. the manual.",
                                   "J. R. R. Tolkien wrote it."};
  EXPECT_EQ(s, want);
  EXPECT_EQ(split_sentences("# Title\nText one\ncontinues here.\n\n- a\n- b\n1. c"),
            (std::vector<std::string>{"# Title", "Text one\ncontinues here.", "- a", "- b", "1. c"}));
  EXPECT_EQ(split_sentences("你好。再见！"), (std::vector<std::string>{"你好。", "再见！"}));
}

TEST(SentenceSplitter, StreamingGivesTheFirstSentenceEarlyAndHoldsCode) {
  const std::string answer = "The first sentence is short. The value is 3.5 here! Code:\n```sh\nls -la. \n```\nDone.";
  SentenceSplitter splitter;
  std::vector<std::string> pieces;
  size_t first_at = 0;
  for (size_t i = 0; i < answer.size(); ++i) {
    splitter.append(answer.substr(i, 1));
    for (auto& p : splitter.take()) {
      if (pieces.empty()) first_at = i;
      pieces.push_back(p);
    }
  }
  for (auto& p : splitter.finish()) pieces.push_back(p);
  EXPECT_EQ(pieces, split_sentences(answer));  // the same pieces whatever the chunking
  EXPECT_EQ(pieces, (std::vector<std::string>{"The first sentence is short.", "The value is 3.5 here!",
                                              "Code:", "```sh\nls -la. \n```", "Done."}));
  EXPECT_LT(first_at, answer.find("value"));  // spoken before the second sentence arrived
}

TEST(SentenceSplitter, AnyChunkingGivesTheSamePieces) {
  const std::vector<std::string> texts = {
      "# Plan\nFirst, we read it. Then 2.5 kg of e.g. flour!\n\n1. Mix\n2. Bake at 200 C.\n| a | b |\n",
      "Intro text\n- item one\n- item two\nOutro? Yes.\n```js\nlet x = 1.\n```\nEnd",
      "Mr. X met Dr. Y. They talked… 好。OK"};
  std::mt19937 rng(7);
  for (const auto& text : texts) {
    auto whole = split_sentences(text);
    for (int trial = 0; trial < 50; ++trial) {
      SentenceSplitter s;
      std::vector<std::string> got;
      for (size_t i = 0; i < text.size();) {
        size_t n = 1 + rng() % 7;
        s.append(text.substr(i, n));
        i += n;
        for (auto& p : s.take()) got.push_back(p);
      }
      for (auto& p : s.finish()) got.push_back(p);
      ASSERT_EQ(got, whole) << text;
    }
  }
}

TEST(SentenceSplitter, LongRunsAreCut) {
  std::string run;
  for (int i = 0; i < 200; ++i) run += "word ";
  SpeechTextOptions o;
  o.max_piece = 100;
  for (const auto& p : split_sentences(run, o)) EXPECT_LE(p.size(), 101u);
}

TEST(SpeechStream, SpeaksEachSentenceAsItCompletes) {
  EspeakSpeaker s;
  std::vector<float> audio;
  size_t appended = 0, first_audio_at = 0;
  SpeechStream stream(s, [&](std::span<const float> c) {
    if (audio.empty()) first_audio_at = appended;
    audio.insert(audio.end(), c.begin(), c.end());
  });
  const std::string answer =
      "Hello there. <think>no</think>This is the **second** sentence, with a list:\n- one\n- two\n";
  for (char c : answer) {
    ++appended;
    stream.append(std::string(1, c));
  }
  stream.finish();
  EXPECT_EQ(stream.pieces_spoken(), 4);
  EXPECT_GT(first_audio_at, 0u);
  EXPECT_LT(first_audio_at, answer.find("second"));
  auto whole = synthesise(s, "Hello there.");
  EXPECT_GT(audio.size(), 2 * whole.size());
}

}  // namespace
}  // namespace vole::speech
