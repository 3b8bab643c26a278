// Voice input's engine side: a recording transcribed through the engine worker thread
// (EngineController's worker, the SpeechToText role, loaded from a model folder) gives
// exactly what runtime::transcribe gives for the same audio, and what `vole transcribe`
// prints; a damaged speech model is an error message, not a crash; a chat model loaded
// on the same worker keeps working after transcriptions. Tiny random-weight Moonshine
// from vole-make-checkpoint, a real espeak-ng recording, the Vulkan device (lavapipe in CI).
#include <QSignalSpy>
#include <cstdlib>
#include <fstream>

#include "app_settings.h"
#include "audio/decode.h"
#include "chat_controller.h"
#include "conversation_list_model.h"
#include "desktop_test.h"
#include "engine_controller.h"
#include "microphone.h"
#include "runtime/speech_to_text.h"
#include "runtime/transcriber.h"
#include "store_session.h"
#include "support/checkpoint_writer.h"
#include "support/oracles.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::desktop;
using vole::desktop::test::wait_until;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  vole::test::TempDir dir{"vole-voice-worker"};
  fs::path model = dir.path() / "moonshine";
  fs::path wav = dir.path() / "speech.wav";
  bool ok = false;
  Fixture() {
    std::string make = (vole::test::binary_dir() / "bin" / "vole-make-checkpoint").string() +
                       " --preset tiny-moonshine --seed 5 --out " + model.string() + " >/dev/null";
    std::string speak = "espeak-ng -w '" + wav.string() + "' 'Hello Vole. Please write this down.'";
    ok = std::system(make.c_str()) == 0 && std::system(speak.c_str()) == 0;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Submits one job to the worker thread and waits for its answer.
TranscriptionResult run(EngineController& engine, const TranscriptionJob& job) {
  QSignalSpy done(&engine.worker(), &EngineWorker::transcribed);
  EngineWorker* w = &engine.worker();
  QMetaObject::invokeMethod(
      w, [w, job] { w->transcribe(job); }, Qt::QueuedConnection);
  EXPECT_TRUE(wait_until([&] { return done.count() > 0; }, std::chrono::seconds(120)));
  return done.count() ? done[0][0].value<TranscriptionResult>() : TranscriptionResult{};
}

}  // namespace

TEST(VoiceWorker, TranscribesOnTheWorkerThreadAsTheTranscriberDoes) {
  ASSERT_TRUE(fixture().ok) << "vole-make-checkpoint or espeak-ng failed";
  register_speech_types();
  audio::Audio audio = audio::read_audio_file(fixture().wav);

  // The reference: the engine's own transcriber on the same audio and weights.
  runtime::EngineOptions options;
  options.weights = model::Format::F16;
  std::vector<float> first_half(audio.samples.begin(), audio.samples.begin() + audio.size() / 2);
  std::string want, want_half;
  {
    runtime::Engine engine(fixture().model, options);
    runtime::SpeechToText stt(engine);
    auto segments = runtime::transcribe(stt, audio);
    ASSERT_FALSE(segments.empty());
    want = runtime::joined_text(segments);
    want_half = runtime::joined_text(runtime::transcribe(stt, {first_half, audio::kSpeechSampleRate}));
  }
  ASSERT_FALSE(want.empty());  // random weights still emit tokens

  vole::test::TempDir settings_dir;
  AppSettings settings(QString::fromStdString((settings_dir.path() / "s.ini").string()));
  EngineController engine(&settings);
  TranscriptionJob job;
  job.id = 7;
  job.model_dir = QString::fromStdString(fixture().model.string());
  job.samples = audio.samples;
  auto result = run(engine, job);
  EXPECT_EQ(result.id, 7);
  EXPECT_TRUE(result.error.isEmpty()) << result.error.toStdString();
  EXPECT_EQ(result.text.toStdString(), want);
  EXPECT_NEAR(result.audio_seconds, audio.seconds(), 1e-6);

  // Again with the model already loaded (kept on the worker), and a partial of the first half.
  job.id = 8;
  EXPECT_EQ(run(engine, job).text.toStdString(), want);
  job.id = 9;
  job.partial = true;
  job.samples = first_half;
  auto partial = run(engine, job);
  EXPECT_TRUE(partial.partial);
  EXPECT_TRUE(partial.error.isEmpty());
  EXPECT_EQ(partial.text.toStdString(), want_half);
  // Silence: no text, no error.
  job.id = 10;
  job.samples.assign(32000, 0.0f);
  auto silence = run(engine, job);
  EXPECT_TRUE(silence.error.isEmpty());
  EXPECT_EQ(silence.text, "");
  engine.shutdown();
}

TEST(VoiceWorker, ABrokenSpeechModelIsAnErrorAndTheWorkerGoesOn) {
  ASSERT_TRUE(fixture().ok);
  register_speech_types();
  vole::test::TempDir dir;
  fs::copy(fixture().model, dir.path() / "broken", fs::copy_options::recursive);
  std::ofstream(dir.path() / "broken" / "model.safetensors", std::ios::trunc) << "not safetensors";
  AppSettings settings(QString::fromStdString((dir.path() / "s.ini").string()));
  EngineController engine(&settings);
  TranscriptionJob job;
  job.id = 1;
  job.model_dir = QString::fromStdString((dir.path() / "broken").string());
  job.samples = audio::read_audio_file(fixture().wav).samples;
  auto bad = run(engine, job);
  EXPECT_FALSE(bad.error.isEmpty());
  EXPECT_TRUE(bad.text.isEmpty());
  // A folder that is no model at all.
  job.model_dir = QString::fromStdString((dir.path() / "missing").string());
  EXPECT_FALSE(run(engine, job).error.isEmpty());
  // The good model still works on the same worker afterwards.
  job.model_dir = QString::fromStdString(fixture().model.string());
  auto good = run(engine, job);
  EXPECT_TRUE(good.error.isEmpty()) << good.error.toStdString();
  EXPECT_FALSE(good.text.isEmpty());
  engine.shutdown();
}

// Two chat turns on a tiny Qwen3 (greedy), once alone and once with a transcription
// queued behind each answer on the same worker: the speech model joins the device and
// runs between the turns, and the answers (the second one reusing the chat's KV cache)
// are the same.
TEST(VoiceWorker, AChatKeepsItsStateAcrossTranscriptions) {
  if (!vole::test::oracle_available(vole::test::qwen3_tokenizer_dir() / "tokenizer.json"))
    GTEST_SKIP() << "Qwen3 tokenizer not fetched (tests/oracles/fetch.sh)";
  ASSERT_TRUE(fixture().ok);
  register_speech_types();
  vole::test::TempDir models;
  auto spec = vole::test::checkpoint_preset("tiny-qwen3");
  spec.seed = 11;
  vole::test::write_checkpoint(models.path() / "tiny-qwen3", spec);
  const auto speech = audio::read_audio_file(fixture().wav).samples;

  auto answers = [&](bool with_speech) {
    vole::test::TempDir dir;
    AppSettings settings(QString::fromStdString((dir.path() / "s.ini").string()));
    settings.sampling()->setMaxTokens(10);
    settings.sampling()->setTemperature(0.0);
    settings.setContextLength(1024);
    StoreSession store(dir.path() / "vole.db");
    store.open();
    ConversationListModel conversations;
    conversations.set_store(store.store());
    EngineController engine(&settings);
    std::vector<std::string> out;
    {
      ChatController chat(&store, &engine, &settings, &conversations);
      engine.load(QString::fromStdString((models.path() / "tiny-qwen3").string()));
      EXPECT_TRUE(wait_until([&] { return engine.state() != EngineState::Loading; }, std::chrono::seconds(120)));
      EXPECT_EQ(engine.state(), EngineState::Ready);
      for (const char* message : {"Hello there", "Tell me more"}) {
        QSignalSpy done(&chat, &ChatController::answerFinished);
        QSignalSpy heard(&engine.worker(), &EngineWorker::transcribed);
        EXPECT_TRUE(chat.send(message));
        if (with_speech) {  // queued while the answer streams
          TranscriptionJob job;
          job.model_dir = QString::fromStdString(fixture().model.string());
          job.samples = speech;
          EngineWorker* w = &engine.worker();
          QMetaObject::invokeMethod(
              w, [w, job] { w->transcribe(job); }, Qt::QueuedConnection);
        }
        EXPECT_TRUE(wait_until([&] { return done.count() > 0 && (!with_speech || heard.count() > 0); },
                               std::chrono::seconds(120)));
        if (with_speech && heard.count()) {
          EXPECT_TRUE(heard[0][0].value<TranscriptionResult>().error.isEmpty());
        }
        out.push_back(store.store()->active_path(chat.conversationId()).back().content);
      }
    }
    engine.shutdown();
    return out;
  };
  auto alone = answers(false);
  ASSERT_EQ(alone.size(), 2u);
  EXPECT_FALSE(alone[1].empty());
  EXPECT_EQ(answers(true), alone);
}

TEST(VoiceWorker, TheLevelMeterFollowsLoudness) {
  EXPECT_EQ(Microphone::level_of({}), 0.0);
  EXPECT_EQ(Microphone::level_of(std::vector<float>(160, 0.0f)), 0.0);
  EXPECT_NEAR(Microphone::level_of(std::vector<float>(160, 1.0f)), 1.0, 1e-9);
  EXPECT_NEAR(Microphone::level_of(std::vector<float>(160, 0.1f)), 40.0 / 60.0, 1e-6);  // -20 dBFS
  EXPECT_LT(Microphone::level_of(std::vector<float>(160, 0.01f)), Microphone::level_of(std::vector<float>(160, 0.1f)));
}
