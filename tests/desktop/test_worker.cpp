// The engine worker thread driven through the real controllers, on a tiny generated
// checkpoint (real Qwen3 tokenizer and chat template) on the Vulkan device (lavapipe in
// CI): send, stream, stop within one decode step, regenerate, edit-and-resend, errors,
// thinking, and recovery of an answer cut off when the worker is torn down mid-stream.
#include <QColor>
#include <QImage>
#include <QSignalSpy>
#include <algorithm>
#include <fstream>

#include "app_settings.h"
#include "chat_controller.h"
#include "conversation_list_model.h"
#include "desktop_test.h"
#include "engine_controller.h"
#include "engine_jobs.h"
#include "memory/images.h"
#include "store_session.h"
#include "support/checkpoint_writer.h"
#include "support/oracles.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::desktop;
using vole::desktop::test::wait_until;
namespace fs = std::filesystem;

namespace {

// One app's worth of controllers on a store and a settings file.
struct Session {
  Session(const fs::path& db, const QString& settings_file) : settings(settings_file), store(db) {
    store.open();
    conversations.set_store(store.store());
    engine = std::make_unique<EngineController>(&settings);
    chat = std::make_unique<ChatController>(&store, engine.get(), &settings, &conversations);
  }
  ~Session() {
    chat.reset();
    if (engine) engine->shutdown();
  }
  bool load(const fs::path& model) {
    engine->load(QString::fromStdString(model.string()));
    wait_until([&] { return engine->state() != EngineState::Loading; }, std::chrono::seconds(120));
    EXPECT_EQ(engine->state(), EngineState::Ready) << engine->error().toStdString();
    return engine->state() == EngineState::Ready;
  }
  // Waits for the answer in flight to finish; returns its status.
  QString finish(std::chrono::seconds timeout = std::chrono::seconds(120)) {
    QSignalSpy done(chat.get(), &ChatController::answerFinished);
    if (!chat->streamingMessage()) return "none";
    wait_until([&] { return done.count() > 0; }, timeout);
    return done.count() ? done[0][2].toString() : "timeout";
  }
  memory::Message last_message() { return store.store()->active_path(chat->conversationId()).back(); }

  AppSettings settings;
  StoreSession store;
  ConversationListModel conversations;
  std::unique_ptr<EngineController> engine;
  std::unique_ptr<ChatController> chat;
};

class WorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!vole::test::oracle_available(vole::test::qwen3_tokenizer_dir() / "tokenizer.json")) return;
    models_ = new vole::test::TempDir("vole-desktop-models");
    // The whole vocabulary: the chat template's special tokens have the highest ids.
    auto spec = vole::test::checkpoint_preset("tiny-qwen3");
    spec.seed = 11;
    vole::test::write_checkpoint(models_->path() / "tiny-qwen3", spec);
  }
  static void TearDownTestSuite() {
    delete models_;
    models_ = nullptr;
  }
  void SetUp() override {
    if (!models_) GTEST_SKIP() << "Qwen3 tokenizer not fetched (tests/oracles/fetch.sh)";
  }
  fs::path model() const { return models_->path() / "tiny-qwen3"; }
  QString settings_file() const { return QString::fromStdString((dir_ / "settings.ini").string()); }
  std::unique_ptr<Session> session(int max_tokens, double temperature = 0.0) {
    auto s = std::make_unique<Session>(dir_ / "vole.db", settings_file());
    s->settings.sampling()->setMaxTokens(max_tokens);
    s->settings.sampling()->setTemperature(temperature);  // 0: greedy, answers are reproducible
    s->settings.setContextLength(1024);
    return s;
  }

  static vole::test::TempDir* models_;
  vole::test::TempDir dir_{"vole-desktop-worker"};
};
vole::test::TempDir* WorkerTest::models_ = nullptr;

}  // namespace

TEST_F(WorkerTest, SendStreamsBatchedDeltasAndSavesTheAnswer) {
  auto s = session(12);
  ASSERT_TRUE(s->load(model()));
  EXPECT_EQ(s->engine->modelName(), "tiny-qwen3");
  EXPECT_FALSE(s->engine->deviceName().isEmpty());
  EXPECT_TRUE(s->engine->supportsThinking());  // Qwen3's template reads enable_thinking

  QSignalSpy streamed(s->engine.get(), &EngineController::streamed);
  ASSERT_TRUE(s->chat->canSend());
  ASSERT_TRUE(s->chat->send("Hello there"));
  EXPECT_TRUE(s->chat->generating());
  EXPECT_FALSE(s->chat->canSend());
  EXPECT_FALSE(s->chat->send("a second message while answering"));  // refused, not queued
  ASSERT_EQ(s->finish(), "complete");
  EXPECT_FALSE(s->chat->generating());

  auto answer = s->last_message();
  EXPECT_EQ(answer.role, memory::Role::Assistant);
  EXPECT_EQ(answer.status, memory::MessageStatus::Complete);
  EXPECT_FALSE(answer.content.empty());
  ASSERT_TRUE(answer.stats);
  EXPECT_EQ(answer.stats->generated_tokens, 12);
  EXPECT_GT(answer.stats->prompt_tokens.value_or(0), 5);
  EXPECT_EQ(answer.stats->model.value_or(""), "tiny-qwen3");
  // The UI received the same text the store holds, in batches (at most one per token).
  QString received;
  for (const auto& call : streamed) received += call[3].toString();
  EXPECT_EQ(received.toStdString(), answer.content);
  EXPECT_GE(streamed.count(), 1);
  EXPECT_LE(streamed.count(), 12);
  // And the message list shows it.
  auto& messages = *s->chat->messages();
  ASSERT_EQ(messages.count(), 2);
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::ContentRole).toString().toStdString(), answer.content);
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::StatusRole).toString(), "complete");
  EXPECT_EQ(s->conversations.count(), 1);
  EXPECT_EQ(s->chat->title(), "Hello there");
}

// Whole-document mode on the worker: a document too long for the 1024-token context is read
// in parts, then the notes are combined; the progress says which part; only the last turn
// (the answer) streams into the message. Stop during the reading cancels the answer.
TEST_F(WorkerTest, WholeDocumentIsReadInPartsAndOnlyTheAnswerStreams) {
  auto s = session(16);
  ASSERT_TRUE(s->load(model()));
  auto reading = std::make_shared<DocumentReading>();
  reading->name = "log.txt";
  reading->task = "How many entries are there?";
  uint64_t at = 0;
  for (uint32_t i = 0; i < 24; ++i) {
    knowledge::ChunkRecord c;
    c.ordinal = i;
    c.path = "/docs/log.txt";
    for (int e = 0; e < 6; ++e)
      c.text += "Entry " + std::to_string(i * 6 + e) + ": the keeper wound the clock and trimmed the wick. ";
    c.location.byte_begin = at;
    c.location.byte_end = at += c.text.size();
    c.location.line_begin = c.location.line_end = i + 1;
    reading->chunks.push_back(std::move(c));
  }
  s->chat->set_job_preparer([&](GenerationJob& job) { job.reading = reading; });
  QSignalSpy progress(s->engine.get(), &EngineController::readingProgress);
  QSignalSpy streamed(s->engine.get(), &EngineController::streamed);
  ASSERT_TRUE(s->chat->send(QString::fromStdString(reading->task)));
  ASSERT_EQ(s->finish(std::chrono::seconds(300)), "complete");

  QStringList stages;
  for (const auto& call : progress) stages << call[1].toString();
  ASSERT_GE(stages.size(), 3) << stages.join(" | ").toStdString();
  EXPECT_TRUE(stages.contains("Reading log.txt: part 2 of " + stages[0].section(" of ", 1)))
      << stages.join(" | ").toStdString();
  EXPECT_TRUE(std::any_of(stages.begin(), stages.end(), [](const QString& st) { return st.startsWith("Combining"); }));
  EXPECT_EQ(stages.back(), "");  // done
  auto answer = s->last_message();
  EXPECT_EQ(answer.status, memory::MessageStatus::Complete);
  QString received;
  for (const auto& call : streamed) received += call[3].toString();
  EXPECT_EQ(received.toStdString(), answer.content);  // the notes never reached the message
  ASSERT_TRUE(answer.stats);
  EXPECT_LE(answer.stats->generated_tokens, 16);  // the answer's own tokens

  // Stop while the parts are read: the answer is cancelled, not left running.
  progress.clear();
  ASSERT_TRUE(s->chat->send("Summarise it."));
  ASSERT_TRUE(wait_until([&] { return progress.count() >= 1; }, std::chrono::seconds(60)));
  s->chat->stop();
  EXPECT_EQ(s->finish(), "cancelled");
}

TEST_F(WorkerTest, StopTakesEffectWithinOneDecodeStep) {
  auto s = session(400);
  ASSERT_TRUE(s->load(model()));
  QSignalSpy streamed(s->engine.get(), &EngineController::streamed);
  ASSERT_TRUE(s->chat->send("Tell me a long story"));
  ASSERT_TRUE(wait_until([&] { return streamed.count() > 0; }));
  // Deltas so far (one per token; greedy decoding makes the run reproducible).
  int64_t at_stop = s->engine->worker().tokens_generated();
  s->chat->stop();
  ASSERT_EQ(s->finish(), "cancelled");
  auto answer = s->last_message();
  EXPECT_EQ(answer.status, memory::MessageStatus::Cancelled);
  ASSERT_TRUE(answer.stats);
  // The step running when Stop was pressed may finish; no further one starts.
  EXPECT_LE(answer.stats->generated_tokens.value_or(999), at_stop + 1);
  EXPECT_LT(answer.stats->generated_tokens.value_or(999), 400);
  EXPECT_TRUE(s->chat->canSend());
}

TEST_F(WorkerTest, RegenerateAndEditMakeBranchesAndTheEngineRollsBack) {
  auto s = session(8);
  ASSERT_TRUE(s->load(model()));
  ASSERT_TRUE(s->chat->send("What is a vole?"));
  ASSERT_EQ(s->finish(), "complete");
  auto first = s->last_message();

  // Regenerate: a second answer beside the first; greedy, so the same text.
  ASSERT_TRUE(s->chat->regenerate(first.id));
  ASSERT_EQ(s->finish(), "complete");
  auto second = s->last_message();
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(second.parent_id, first.parent_id);
  EXPECT_EQ(second.sibling_index, 1);
  EXPECT_EQ(second.sibling_count, 2);
  EXPECT_EQ(second.content, first.content);
  ASSERT_TRUE(second.stats);
  auto& messages = *s->chat->messages();
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::SiblingCountRole).toInt(), 2);
  s->chat->showSibling(second.id, -1);
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::IdRole).toLongLong(), first.id);

  // A follow-up, then edit the first question: the sequence rolls back to the edit.
  ASSERT_TRUE(s->chat->send("And where do voles live?"));
  ASSERT_EQ(s->finish(), "complete");
  auto question = s->store.store()->active_path(s->chat->conversationId()).front();
  ASSERT_TRUE(s->chat->editAndResend(question.id, "Name three rodents."));
  ASSERT_EQ(s->finish(), "complete");
  auto path = s->store.store()->active_path(s->chat->conversationId());
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0].content, "Name three rodents.");
  EXPECT_EQ(path[0].sibling_count, 2);
  const std::string edited_answer = path[1].content;

  // The same question in a fresh conversation, on a fresh sequence, gives the same answer:
  // the edited conversation's state was rolled back correctly, not polluted by the branch.
  s->chat->newConversation();
  ASSERT_TRUE(s->chat->send("Name three rodents."));
  ASSERT_EQ(s->finish(), "complete");
  EXPECT_EQ(s->last_message().content, edited_answer);
}

TEST_F(WorkerTest, PromptLongerThanTheContextFailsClearly) {
  auto s = session(8);
  s->settings.setContextLength(512);
  ASSERT_TRUE(s->load(model()));
  QString long_text;
  for (int i = 0; i < 700; ++i) long_text += "word ";
  ASSERT_TRUE(s->chat->send(long_text));
  ASSERT_EQ(s->finish(), "error");
  auto answer = s->last_message();
  EXPECT_EQ(answer.status, memory::MessageStatus::Error);
  EXPECT_FALSE(answer.error.value_or("").empty());
  // The app stays usable.
  EXPECT_TRUE(s->chat->canSend());
  s->chat->newConversation();
  ASSERT_TRUE(s->chat->send("short"));
  EXPECT_EQ(s->finish(), "complete");
}

TEST_F(WorkerTest, AnswerCutOffByTeardownIsInterruptedAndCanBeContinued) {
  memory::MessageId cut = 0;
  std::string partial;
  {
    auto s = session(1000);
    ASSERT_TRUE(s->load(model()));
    QSignalSpy streamed(s->engine.get(), &EngineController::streamed);
    QSignalSpy saved(s->engine.get(), &EngineController::saved);
    ASSERT_TRUE(s->chat->send("Write a very long essay"));
    cut = s->chat->streamingMessage();
    // Past the first saved batch with text (the writer commits every 250 ms), which the
    // saved signal announces: the store already holds at least what it counts.
    ASSERT_TRUE(wait_until([&] { return !saved.isEmpty() && saved.last()[2].toLongLong() > 0; }));
    EXPECT_EQ(saved.last()[0].toLongLong(), s->chat->conversationId());
    EXPECT_EQ(saved.last()[1].toLongLong(), cut);
    qint64 announced = saved.last()[2].toLongLong();
    auto stored = QString::fromStdString(s->store.store()->message(cut)->content).toUcs4();
    EXPECT_GE(static_cast<qint64>(stored.size()), announced);
    ASSERT_TRUE(wait_until([&] { return streamed.count() >= 3; }));
    for (qsizetype i = 1; i < saved.count(); ++i)  // batches only ever add text
      EXPECT_GE(saved[i][2].toLongLong(), saved[i - 1][2].toLongLong());
    s->engine->shutdown();  // the app closes mid-answer
    auto m = s->store.store()->message(cut);
    EXPECT_EQ(m->status, memory::MessageStatus::Interrupted);
    partial = m->content;
    EXPECT_FALSE(partial.empty());
  }
  // Next start: the answer shows as interrupted, with its text, and Continue finishes it.
  auto s = session(6);
  EXPECT_EQ(s->store.store()->message(cut)->status, memory::MessageStatus::Interrupted);
  ASSERT_TRUE(s->load(model()));
  s->chat->open(s->store.store()->message(cut)->conversation_id);
  auto& messages = *s->chat->messages();
  ASSERT_EQ(messages.count(), 2);
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::StatusRole).toString(), "interrupted");
  ASSERT_TRUE(s->chat->continueAnswer(cut));
  ASSERT_EQ(s->finish(), "complete");
  auto done = s->store.store()->message(cut);
  EXPECT_EQ(done->id, cut);  // the same message, extended
  EXPECT_EQ(done->status, memory::MessageStatus::Complete);
  EXPECT_EQ(done->content.substr(0, partial.size()), partial);
  EXPECT_GT(done->content.size(), partial.size());
  EXPECT_EQ(done->stats->generated_tokens, 6);
  // The model was prompted with the partial answer: more prompt than the question alone.
  s->chat->newConversation();
  ASSERT_TRUE(s->chat->send("Write a very long essay"));
  ASSERT_EQ(s->finish(), "complete");
  EXPECT_GT(done->stats->prompt_tokens.value_or(0), s->last_message().stats->prompt_tokens.value_or(0) + 2);
}

TEST_F(WorkerTest, ThinkingIsStoredApartFromTheAnswer) {
  // Qwen3.5-0.8B's template opens a <think> block when thinking is on, so everything the
  // model writes until </think> is reasoning.
  fs::path dir = dir_ / "thinker";
  auto spec = vole::test::checkpoint_preset("tiny-qwen3_5");
  spec.mtp = false;
  spec.config.erase("vision_config");
  spec.chat_template = vole::test::source_dir() / "tests/fixtures/templates/qwen3_5_0_8b/chat_template.jinja";
  vole::test::write_checkpoint(dir, spec);
  auto s = session(10);
  ASSERT_TRUE(s->load(dir));
  ASSERT_TRUE(s->engine->supportsThinking());
  EXPECT_FALSE(s->chat->thinking());  // this template's default is off
  s->chat->setThinking(true);
  ASSERT_TRUE(s->chat->send("Think about 2+2"));
  ASSERT_EQ(s->finish(), "complete");
  auto answer = s->last_message();
  EXPECT_FALSE(answer.reasoning.empty());
  ASSERT_TRUE(answer.stats);
  EXPECT_TRUE(answer.stats->reasoning_ms.has_value());
  auto j = nlohmann::json::parse(s->store.store()->conversation(answer.conversation_id)->sampling_json.value_or("{}"));
  EXPECT_EQ(j["thinking"], true);
  auto& messages = *s->chat->messages();
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::ReasoningRole).toString().toStdString(),
            answer.reasoning);
}

// ---- pictures (issue 10): attach, store, send, encode on the worker, restart, regenerate ----

namespace {

fs::path vision_model(const fs::path& dir) {
  fs::path model = dir / "seer";
  auto spec = vole::test::checkpoint_preset("tiny-qwen3_5");  // with its tiny vision tower
  spec.mtp = false;
  spec.preprocessor_config = true;
  spec.chat_template = vole::test::source_dir() / "tests/fixtures/templates/qwen3_5_0_8b/chat_template.jinja";
  vole::test::write_checkpoint(model, spec);
  return model;
}

QUrl picture(const fs::path& file, int width, int height) {
  QImage im(width, height, QImage::Format_RGB888);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) im.setPixelColor(x, y, QColor((x * 7) % 256, (y * 5) % 256, (x + y) % 256));
  EXPECT_TRUE(im.save(QString::fromStdString(file.string()), "PNG"));
  return QUrl::fromLocalFile(QString::fromStdString(file.string()));
}

}  // namespace

TEST_F(WorkerTest, PictureIsStoredSentEncodedAndReencodedAfterRestart) {
  fs::path model = vision_model(dir_.path());
  QUrl cat = picture(dir_ / "cat.png", 72, 40);
  { std::ofstream(dir_ / "notes.png") << "not a picture"; }
  qint64 conversation = 0;
  {
    auto s = session(6);
    ImageAttachments* attachments = s->chat->attachments();
    EXPECT_FALSE(attachments->blocker().isEmpty()) << "no model loaded yet";
    EXPECT_FALSE(attachments->addFile(cat).isEmpty());
    ASSERT_TRUE(s->load(model));
    EXPECT_EQ(attachments->blocker(), "");
    // A file that is not an image is refused with the decoder's reason; nothing is added.
    QString why = attachments->addFile(QUrl::fromLocalFile(QString::fromStdString((dir_ / "notes.png").string())));
    EXPECT_FALSE(why.isEmpty());
    EXPECT_EQ(attachments->error(), why);
    EXPECT_EQ(attachments->count(), 0);
    ASSERT_EQ(attachments->addFile(cat), "");
    ASSERT_EQ(attachments->count(), 1);
    // The tiny tower: patch 16, merge 2 (factor 32), at least 4096 pixels: 72x40 rounds to
    // 64x32 (2048 px), too few, so it is scaled by sqrt(4096/2880) and rounded up: 96x64,
    // 3x2 merged patches.
    EXPECT_EQ(attachments->tokenCount(), 6);
    QSignalSpy progress(s->engine.get(), &EngineController::imageProgress);
    ASSERT_TRUE(s->chat->send("What is this?"));
    EXPECT_EQ(attachments->count(), 0) << "sent pictures leave the composer";
    ASSERT_EQ(s->finish(), "complete");
    EXPECT_GE(progress.count(), 2);
    EXPECT_EQ(progress.last()[1].toDouble(), 1.0);
    conversation = s->chat->conversationId();
    auto path = s->store.store()->active_path(conversation);
    ASSERT_EQ(path.size(), 2u);
    auto images = memory::message_images(*s->store.store(), path[0].id);
    ASSERT_EQ(images.size(), 1u);
    EXPECT_EQ(images[0].extension, "png");
    EXPECT_TRUE(fs::exists(images[0].file));
    // The answer streamed (the tiny random model's tokens may decode to nothing visible).
    ASSERT_TRUE(path[1].stats);
    EXPECT_GE(path[1].stats->generated_tokens.value_or(0), 1);
    // The prompt holds the image's tokens as well as the text.
    EXPECT_GT(path[1].stats->prompt_tokens.value_or(0), 2 + 4);
    auto& rows = *s->chat->messages();
    EXPECT_EQ(rows.data(rows.index(0), MessageListModel::ImagesRole).toList().size(), 1);
  }
  // A restart shows the picture and regenerating encodes it again from the stored file.
  auto s = session(6);
  ASSERT_TRUE(s->load(model));
  s->chat->open(conversation);
  auto& rows = *s->chat->messages();
  auto urls = rows.data(rows.index(0), MessageListModel::ImagesRole).toList();
  ASSERT_EQ(urls.size(), 1);
  EXPECT_TRUE(fs::exists(urls[0].toUrl().toLocalFile().toStdString()));
  ASSERT_TRUE(s->chat->regenerate(s->last_message().id));
  ASSERT_EQ(s->finish(), "complete");
  auto answer = s->last_message();
  EXPECT_GT(answer.stats->prompt_tokens.value_or(0), 2 + 4);
}

// "Image detail": a chat's cap on one image's tokens reaches the composer's count and the
// worker's encode; it is kept with the conversation and held to the model's own range.
TEST_F(WorkerTest, ImageDetailCapsTheImageTokensOfOneChat) {
  fs::path model = vision_model(dir_.path());
  QUrl big = picture(dir_ / "big.png", 256, 256);  // 65536 px: the tiny tower's whole budget
  auto s = session(6);
  ASSERT_TRUE(s->load(model));
  ChatController& chat = *s->chat;
  ImageAttachments* attachments = chat.attachments();
  // The tiny tower's range: 4096..65536 pixels of 32x32 merge blocks = 4..64 tokens; the
  // default cap (1024) is above it, so the model's own maximum applies.
  EXPECT_EQ(chat.imageDetailMin(), 4);
  EXPECT_EQ(chat.imageDetailMax(), 64);
  EXPECT_EQ(chat.imageDetail(), 64);
  auto prompt_tokens_with_picture = [&](int cap, int expected_image_tokens) -> int64_t {
    chat.newConversation();
    chat.setImageDetail(cap);
    EXPECT_EQ(attachments->addFile(big), "");
    EXPECT_EQ(attachments->tokenCount(), expected_image_tokens);
    EXPECT_TRUE(chat.send("What is this?"));
    EXPECT_EQ(s->finish(), "complete");
    auto answer = s->last_message();
    return answer.stats ? answer.stats->prompt_tokens.value_or(0) : 0;
  };
  int64_t full = prompt_tokens_with_picture(64, 64);
  qint64 full_chat = chat.conversationId();
  int64_t capped = prompt_tokens_with_picture(16, 16);  // 128x128: 4x4 merged patches
  qint64 capped_chat = chat.conversationId();
  EXPECT_EQ(full - capped, 64 - 16) << "the prompt holds fewer image tokens";
  // Kept per conversation.
  chat.open(full_chat);
  EXPECT_EQ(chat.imageDetail(), 64);
  chat.open(capped_chat);
  EXPECT_EQ(chat.imageDetail(), 16);
  // Held to the model's range.
  chat.setImageDetail(1);
  EXPECT_EQ(chat.imageDetail(), 4);
  chat.setImageDetail(100000);
  EXPECT_EQ(chat.imageDetail(), 64);
}

TEST_F(WorkerTest, ModelThatCannotSeeSaysWhy) {
  auto s = session(4);
  ASSERT_TRUE(s->load(model()));  // tiny Qwen3: text only
  ImageAttachments* attachments = s->chat->attachments();
  EXPECT_TRUE(attachments->blocker().contains("cannot see images")) << attachments->blocker().toStdString();
  EXPECT_EQ(attachments->downloadRepo(), "");
  EXPECT_FALSE(attachments->addFile(picture(dir_ / "x.png", 32, 32)).isEmpty());
  EXPECT_EQ(attachments->count(), 0);
}
