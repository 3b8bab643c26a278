// Reading answers aloud (app/desktop/speech_output.*) end to end: espeak-ng on the speech
// thread, Qt Multimedia playback into a PulseAudio null sink (a real output device that
// plays nowhere), frames counted where they are written to the sink.
#include <gtest/gtest.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>
#include <cmath>
#include <vector>

#include "desktop_test.h"
#include "null_audio.h"
#include "speech/espeak_speaker.h"
#include "speech/speech_stream.h"
#include "speech/wav_writer.h"
#include "speech_output.h"
#include "voice_conversation.h"

namespace vole::desktop::test {
namespace {

using namespace std::chrono_literals;

// What espeak-ng says for an answer, as engine/speech's SpeechStream prepares and speaks
// it piece by piece (the same path `vole speak` takes).
std::vector<float> espeak_reference(const std::string& answer) {
  speech::EspeakSpeaker speaker;
  std::vector<float> out;
  speech::SpeechStream stream(speaker, [&](std::span<const float> s) { out.insert(out.end(), s.begin(), s.end()); });
  stream.append(answer);
  stream.finish();
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
  // The same voice and text: the same speech. (espeak-ng's output differs by a few hundred
  // samples between runs in one process, so the length is compared within 2%.)
  EXPECT_NEAR(double(heard_.size()), double(expected.size()), 0.02 * expected.size());
  // All of it went into the sink (frames are mono samples here).
  EXPECT_EQ(speech_->playback().frames_written(), static_cast<qint64>(heard_.size()));
}

// A kept dictation (a 16 kHz WAV) plays through the same output: every sample reaches the
// sink; a second press stops it; a file that is not audio is a message, not a crash.
TEST_F(SpeechOutputTest, PlayRecordingPlaysTheKeptWavAndToggles) {
  std::vector<float> tone(16000);  // one second at 16 kHz
  for (size_t i = 0; i < tone.size(); ++i) tone[i] = 0.25f * std::sin(0.0785f * static_cast<float>(i));
  const QString wav = dir_.filePath("dictation.wav");
  speech::write_wav_pcm16(wav.toStdString(), tone, 16000);
  speech_->playRecording(7, QUrl::fromLocalFile(wav));
  EXPECT_EQ(speech_->speakingMessage(), 7);
  ASSERT_TRUE(wait_until([&] { return !speech_->speaking(); }, 20s)) << "still playing";
  EXPECT_EQ(speech_->error(), "");
  ASSERT_EQ(heard_.size(), tone.size());
  float worst = 0;
  for (size_t i = 0; i < tone.size(); ++i) worst = std::max(worst, std::fabs(heard_[i] - tone[i]));
  EXPECT_LT(worst, 1.0f / 16000);  // PCM16 rounding
  EXPECT_EQ(speech_->playback().frames_written(), static_cast<qint64>(tone.size()));

  speech_->playRecording(7, QUrl::fromLocalFile(wav));
  EXPECT_TRUE(speech_->speaking());
  speech_->playRecording(7, QUrl::fromLocalFile(wav));  // the button toggles
  EXPECT_FALSE(speech_->speaking());

  const QString junk = dir_.filePath("junk.wav");
  QFile f(junk);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.write("not a wave file at all");
  f.close();
  speech_->playRecording(8, QUrl::fromLocalFile(junk));
  EXPECT_FALSE(speech_->speaking());
  EXPECT_TRUE(speech_->error().startsWith("The recording cannot be played")) << speech_->error().toStdString();
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
  EXPECT_NEAR(double(heard_.size()), double(expected.size()), 0.02 * expected.size());
  EXPECT_GT(heard_.size(), first.size() * 3 / 2);  // the second sentence too
  EXPECT_EQ(speech_->playback().frames_written(), static_cast<qint64>(heard_.size()));
}

TEST_F(SpeechOutputTest, ReasoningIsNeverSpoken) {
  const std::string answer = "<think>I should count to ten first.</think>Yes.";
  speech_->readAloud(3, QString::fromStdString(answer));
  ASSERT_TRUE(wait_until([&] { return !speech_->speaking(); }, 30s));
  const auto yes = espeak_reference("Yes.");
  EXPECT_NEAR(double(heard_.size()), double(yes.size()), 0.05 * yes.size());
  EXPECT_LT(heard_.size(), espeak_reference("I should count to ten first. Yes.").size() / 2);
}

// Once hung in the full suite: the synthesiser's `ready` for the answer stopped last came
// after Stop and opened the output again; Qt's sink, destroyed at teardown, ran an event
// loop that delivered queued signals to the half-destroyed SpeechOutput (a crash), and the
// orphaned PulseAudio server kept ctest waiting. Each of these is fixed.
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
  wait_until([] { return false; }, 500ms);  // the stopped job's `ready` arrives: nothing opens
  EXPECT_FALSE(speech_->playback().active());
}

// With the null sink unloaded mid-sentence, Qt 6.4 reports neither a sink error nor an
// audioOutputsChanged; the playback sees its queued audio stop advancing (2 s) instead.
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

// The listening half as the conversation sees it; the test speaks for the user.
class ScriptedListener : public ConversationListener {
 public:
  void listen() override { ++listens; }
  void stop_listening() override { ++stops; }
  void set_barge_in(bool on) override { barge_in = on; }
  int listens = 0, stops = 0;
  bool barge_in = false;
};

TEST_F(SpeechOutputTest, VoiceConversationListensThinksSpeaksAndIsInterrupted) {
  ScriptedListener listener;
  QStringList sent;
  int stopped_answers = 0;
  qint64 next_message = 100;
  // The chat: an answer streams back for each message sent, as the engine would stream it.
  auto send = [&](const QString& text) {
    sent << text;
    const qint64 message = ++next_message;
    QTimer::singleShot(0, speech_.get(), [&, message] {
      speech_->answer_started(message);
      speech_->answer_streamed(message, "Voles are small rodents. ");
      speech_->answer_streamed(message, "They live in fields and dig burrows.");
      speech_->answer_finished(message);
    });
    return true;
  };
  VoiceConversation conversation(speech_.get(), &listener, send, [&] { ++stopped_answers; });
  EXPECT_EQ(conversation.state(), "off");

  conversation.start();
  EXPECT_EQ(conversation.state(), "listening");
  EXPECT_EQ(listener.listens, 1);

  // A turn: the words are sent, the answer is spoken, then Vole listens again.
  Q_EMIT listener.utterance("What is a vole?");
  EXPECT_EQ(sent, QStringList{"What is a vole?"});
  EXPECT_EQ(conversation.state(), "thinking");
  ASSERT_TRUE(wait_until([&] { return conversation.state() == "speaking"; }, 10s));
  EXPECT_TRUE(listener.barge_in);
  ASSERT_TRUE(wait_until([&] { return conversation.state() == "listening"; }, 30s));
  EXPECT_EQ(listener.listens, 2);
  EXPECT_FALSE(listener.barge_in);
  const qint64 whole = speech_->playback().frames_written();
  EXPECT_GT(whole, 22050);

  // Barge-in: the user speaks over the answer; playback and the answer stop at once.
  Q_EMIT listener.utterance("Tell me more.");
  ASSERT_TRUE(wait_until([&] { return speech_->playback().frames_written() > 0 && speech_->speaking(); }, 20s));
  Q_EMIT listener.speechDetected();
  EXPECT_FALSE(speech_->speaking());
  EXPECT_FALSE(speech_->playback().active());
  EXPECT_EQ(stopped_answers, 1);
  EXPECT_EQ(conversation.state(), "listening");
  EXPECT_EQ(listener.listens, 3);

  // Esc while speaking goes back to listening; Esc while listening ends the conversation.
  Q_EMIT listener.utterance("And owls?");
  ASSERT_TRUE(wait_until([&] { return conversation.state() == "speaking"; }, 10s));
  conversation.escape();
  EXPECT_EQ(conversation.state(), "listening");
  EXPECT_FALSE(speech_->speaking());
  conversation.escape();
  EXPECT_EQ(conversation.state(), "off");
  EXPECT_EQ(listener.stops, 1);
  EXPECT_EQ(sent.size(), 3);
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
