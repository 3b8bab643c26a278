// Reading answers aloud (app/desktop/speech_output.*) end to end: espeak-ng on the speech
// thread, Qt Multimedia playback into a PulseAudio null sink (a real output device that
// plays nowhere), frames counted where they are written to the sink.
#include <gtest/gtest.h>

#include <QTemporaryDir>
#include <vector>

#include "desktop_test.h"
#include "null_audio.h"
#include "speech/espeak_speaker.h"
#include "speech/text_prep.h"
#include "speech_output.h"

namespace vole::desktop::test {
namespace {

using namespace std::chrono_literals;

// What espeak-ng says for an answer, piece by piece, as reading aloud must: the pieces
// of the whole text, each prepared for speech.
std::vector<float> espeak_reference(const std::string& answer) {
  speech::EspeakSpeaker speaker;
  std::vector<float> out;
  for (const auto& piece : speech::split_sentences(answer)) {
    std::string text = speech::prepare_for_speech(piece);
    if (text.empty()) continue;
    speaker.speak(text, [&](std::span<const float> s) { out.insert(out.end(), s.begin(), s.end()); });
  }
  return out;
}

class SpeechOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.error().isEmpty()) << server_.error().toStdString();
    speech_ = std::make_unique<SpeechOutput>(dir_.filePath("settings.ini"));
    speech_->playback().set_tap([this](std::span<const float> s) { heard_.insert(heard_.end(), s.begin(), s.end()); });
  }
  void TearDown() override { speech_.reset(); }

  NullAudioServer server_;
  QTemporaryDir dir_;
  std::unique_ptr<SpeechOutput> speech_;
  std::vector<float> heard_;  // every sample queued for playback
};

TEST_F(SpeechOutputTest, ReadAloudPlaysWhatEspeakSaysForThePreparedText) {
  const std::string answer =
      "## Result\n\nThe answer is **42**, e.g. for you.\n\n```python\nprint(42)\n```\n\nThat is all.";
  const auto expected = espeak_reference(answer);
  ASSERT_GT(expected.size(), 22050u);  // over a second of speech

  speech_->readAloud(5, QString::fromStdString(answer));
  EXPECT_TRUE(speech_->speaking());
  EXPECT_EQ(speech_->speakingMessage(), 5);
  ASSERT_TRUE(wait_until([&] { return !speech_->speaking(); }, 30s)) << "still speaking";
  EXPECT_EQ(speech_->error(), "");
  ASSERT_EQ(heard_.size(), expected.size());
  EXPECT_EQ(heard_, expected);  // the same voice, the same text: the same samples
  // All of it went into the sink (frames are mono samples here).
  EXPECT_EQ(speech_->playback().frames_written(), static_cast<qint64>(expected.size()));
}

TEST_F(SpeechOutputTest, StreamingAnswerIsHeardBeforeItFinishes) {
  speech_->settings()->setReadAnswers(true);
  speech_->answer_started(9);
  speech_->answer_streamed(9, "The first sentence is complete. And the sec");
  // The first sentence plays while the answer is still being written.
  ASSERT_TRUE(wait_until([&] { return speech_->playback().frames_written() > 2205; }, 20s));
  EXPECT_TRUE(speech_->speaking());
  const auto first = espeak_reference("The first sentence is complete.");
  speech_->answer_streamed(9, "ond one ends here.");
  speech_->answer_finished(9);
  ASSERT_TRUE(wait_until([&] { return !speech_->speaking(); }, 30s));
  EXPECT_EQ(speech_->error(), "");
  const auto expected = espeak_reference("The first sentence is complete. And the second one ends here.");
  ASSERT_EQ(heard_.size(), expected.size());
  EXPECT_EQ(heard_, expected);
  EXPECT_GT(expected.size(), first.size());
  EXPECT_EQ(speech_->playback().frames_written(), static_cast<qint64>(expected.size()));
}

TEST_F(SpeechOutputTest, ReasoningIsNeverSpoken) {
  const std::string answer = "<think>I should count to ten first.</think>Yes.";
  speech_->readAloud(3, QString::fromStdString(answer));
  ASSERT_TRUE(wait_until([&] { return !speech_->speaking(); }, 30s));
  EXPECT_EQ(heard_, espeak_reference("Yes."));
}

TEST_F(SpeechOutputTest, StopEndsPlaybackAtOnce) {
  std::string long_answer;
  for (int i = 0; i < 12; ++i) long_answer += "This sentence keeps the voice busy for a while. ";
  speech_->readAloud(4, QString::fromStdString(long_answer));
  ASSERT_TRUE(wait_until([&] { return speech_->playback().frames_written() > 0; }, 20s));
  speech_->stop();
  EXPECT_FALSE(speech_->speaking());
  EXPECT_FALSE(speech_->playback().active());
  const size_t heard = heard_.size();
  const qint64 written = speech_->playback().frames_written();
  wait_until([] { return false; }, 500ms);  // synthesis was cancelled: nothing more arrives
  EXPECT_EQ(heard_.size(), heard);
  EXPECT_EQ(speech_->playback().frames_written(), written);
  EXPECT_LT(static_cast<size_t>(written), espeak_reference(long_answer).size());
  // Read aloud on the same answer again starts it afresh; pressing it while it speaks stops it.
  speech_->readAloud(4, "Again.");
  EXPECT_TRUE(speech_->speaking());
  speech_->readAloud(4, "Again.");
  EXPECT_FALSE(speech_->speaking());
}

TEST_F(SpeechOutputTest, UnpluggedOutputIsAMessage) {
  std::string long_answer;
  for (int i = 0; i < 12; ++i) long_answer += "This sentence keeps the voice busy for a while. ";
  speech_->readAloud(6, QString::fromStdString(long_answer));
  ASSERT_TRUE(wait_until([&] { return speech_->playback().frames_written() > 0; }, 20s));
  ASSERT_TRUE(server_.unplug());
  ASSERT_TRUE(wait_until([&] { return !speech_->speaking(); }, 10s));
  EXPECT_NE(speech_->error(), "") << "no message for an unplugged output";
  EXPECT_FALSE(speech_->playback().active());
}

TEST(SpeechOutputNoDevice, NoAudioOutputIsAMessage) {
  QTemporaryDir dir;
  NullAudioServer::use_no_server(dir.path());
  SpeechOutput speech(dir.filePath("settings.ini"));
  speech.readAloud(1, "Hello there.");
  EXPECT_FALSE(speech.speaking());
  EXPECT_TRUE(speech.error().contains("No audio output")) << speech.error().toStdString();
  EXPECT_EQ(speech.playback().frames_written(), 0);
}

TEST(VoiceSettingsTest, PersistAndClamp) {
  QTemporaryDir dir;
  const QString file = dir.filePath("settings.ini");
  {
    VoiceSettings s(file);
    EXPECT_FALSE(s.readAnswers());
    s.setReadAnswers(true);
    s.setVoice("espeak:gmw/en-GB-x-rp");
    s.setSpeed(7.0);
    s.setVolume(0.25);
    s.setOutputDevice("dev-1");
  }
  VoiceSettings s(file);
  EXPECT_TRUE(s.readAnswers());
  EXPECT_EQ(s.voice(), "espeak:gmw/en-GB-x-rp");
  EXPECT_DOUBLE_EQ(s.speed(), 2.0);
  EXPECT_DOUBLE_EQ(s.volume(), 0.25);
  EXPECT_EQ(s.outputDevice(), "dev-1");
}

}  // namespace
}  // namespace vole::desktop::test
