// Issue 14.2 and 14.4 in the app's engine worker (real controllers, a tiny generated
// Qwen3 on the Vulkan device): Stop and Quit end a runaway chat template within a second,
// and an answer that finishes while the disk is full is kept whole in memory and saved,
// marked complete, once there is room again.
#include <QSignalSpy>
#include <QTest>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "app_settings.h"
#include "chat_controller.h"
#include "conversation_list_model.h"
#include "desktop_test.h"
#include "engine_controller.h"
#include "hostile/damaged_database.h"
#include "memory/store_error.h"
#include "search_results_model.h"
#include "store_session.h"
#include "support/checkpoint_writer.h"
#include "support/oracles.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::desktop;
using vole::desktop::test::wait_until;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const char* kRunaway = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";

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
  AppSettings settings;
  StoreSession store;
  ConversationListModel conversations;
  std::unique_ptr<EngineController> engine;
  std::unique_ptr<ChatController> chat;
};

class HostileDesktop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!vole::test::oracle_available(vole::test::qwen3_tokenizer_dir() / "tokenizer.json")) return;
    models_ = new vole::test::TempDir("vole-hostile-desktop");
    auto spec = vole::test::checkpoint_preset("tiny-qwen3");
    spec.seed = 11;
    vole::test::write_checkpoint(models_->path() / "tiny-qwen3", spec);
    vole::test::write_checkpoint(models_->path() / "runaway", spec);
    std::ofstream(models_->path() / "runaway" / "chat_template.jinja") << kRunaway;  // wins over tokenizer_config
  }
  static void TearDownTestSuite() {
    delete models_;
    models_ = nullptr;
  }
  void SetUp() override {
    if (!models_) GTEST_SKIP() << "Qwen3 tokenizer not fetched (tests/oracles/fetch.sh)";
  }
  std::unique_ptr<Session> session(int max_tokens) {
    auto s = std::make_unique<Session>(dir_ / "vole.db", QString::fromStdString((dir_ / "settings.ini").string()));
    s->settings.sampling()->setMaxTokens(max_tokens);
    s->settings.sampling()->setTemperature(0.0);
    s->settings.setContextLength(1024);
    return s;
  }
  static vole::test::TempDir* models_;
  vole::test::TempDir dir_{"vole-hostile-desktop-run"};
};
vole::test::TempDir* HostileDesktop::models_ = nullptr;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

TEST_F(HostileDesktop, StopEndsARunawayTemplateWithinASecond) {
  auto s = session(8);
  ASSERT_TRUE(s->load(models_->path() / "runaway"));
  QSignalSpy done(s->chat.get(), &ChatController::answerFinished);
  ASSERT_TRUE(s->chat->send("hi"));
  // Rendering has started (the step budget alone would take far longer than this wait).
  QTest::qWait(300);
  ASSERT_EQ(done.count(), 0) << "the runaway template finished on its own";
  auto pressed = Clock::now();
  s->chat->stop();
  ASSERT_TRUE(wait_until([&] { return done.count() > 0; }, std::chrono::seconds(10)));
  double took = seconds_since(pressed);
  std::printf("[measured] Stop during a runaway template: answer ended %.3f s after Stop\n", took);
  EXPECT_LT(took, 1.0);
  EXPECT_EQ(done[0][2].toString(), "cancelled");
  EXPECT_TRUE(s->chat->canSend());
}

TEST_F(HostileDesktop, QuitEndsARunawayTemplateWithinASecond) {
  auto s = session(8);
  ASSERT_TRUE(s->load(models_->path() / "runaway"));
  ASSERT_TRUE(s->chat->send("hi"));
  QTest::qWait(300);
  auto pressed = Clock::now();
  s->chat.reset();
  s->engine->shutdown();  // what quitting does: abandon the answer, end the worker thread
  double took = seconds_since(pressed);
  std::printf("[measured] Quit during a runaway template: worker ended %.3f s after Quit\n", took);
  EXPECT_LT(took, 1.0);
  s->engine.reset();
}

TEST_F(HostileDesktop, AnswerFinishedOnAFullDiskIsSavedWholeWhenSpaceReturns) {
  auto s = session(40);
  ASSERT_TRUE(s->load(models_->path() / "tiny-qwen3"));
  QSignalSpy streamed(s->engine.get(), &EngineController::streamed);
  QSignalSpy done(s->chat.get(), &ChatController::answerFinished);
  QSignalSpy late(s->engine.get(), &EngineController::answerSaved);
  memory::Store& store = *s->store.store();
  auto filler = store.create_conversation({.title = "filler"});
  ASSERT_TRUE(s->chat->send("Tell me about voles"));
  // The disk is full from now on: no page beyond those in use, and the free room in
  // them taken (the first batch of the answer is due only after 250 ms).
  store.set_max_size(0);
  try {
    for (int i = 0; i < 10000; ++i) store.append_message(filler.id, {.content = std::string(64, 'f')});
    FAIL() << "the size limit was never hit";
  } catch (const memory::StoreError& e) {
    ASSERT_EQ(e.problem(), memory::StoreProblem::DiskFull) << e.what();
  }
  ASSERT_TRUE(wait_until([&] { return done.count() > 0; }, std::chrono::seconds(120)));
  QString received;
  for (const auto& call : streamed) received += call[3].toString();
  auto conversation = s->chat->conversationId();
  auto answer = store.active_path(conversation).back();
  EXPECT_EQ(answer.status, memory::MessageStatus::Streaming) << "not saved yet, and not interrupted either";
  EXPECT_LT(answer.content.size(), received.toStdString().size());

  store.set_max_size(std::nullopt);  // space is freed
  ASSERT_TRUE(wait_until([&] { return late.count() > 0; }, std::chrono::seconds(10)));
  answer = store.active_path(conversation).back();
  EXPECT_EQ(answer.status, memory::MessageStatus::Complete);
  EXPECT_EQ(answer.content, received.toStdString());
  ASSERT_TRUE(answer.stats);
  EXPECT_EQ(answer.stats->generated_tokens, 40);
  EXPECT_TRUE(s->chat->saveProblem().isEmpty());

  // And a restart does not call it interrupted.
  s.reset();
  auto again = session(8);
  EXPECT_EQ(again->store.store()->active_path(conversation).back().status, memory::MessageStatus::Complete);
}

// Issue 14.6 in the app: Ctrl+F over a read-only session of a database whose FTS index
// page is damaged on disk shows why it cannot search (the text the sidebar shows in place
// of "No matches") and reports it, instead of finding nothing.
TEST(HostileDesktopSearch, DamagedIndexInAReadOnlySessionSaysWhy) {
  vole::test::TempDir dir("vole-hostile-search");
  auto db = dir / "vole.db";
  vole::test::write_conversation_database(db);
  vole::test::damage_root_page(db, "message_fts_data");
  StoreSession session(db);
  ASSERT_TRUE(session.openReadOnly()) << session.message().toStdString();
  SearchResultsModel search;
  search.set_store(session.store());
  QSignalSpy errors(&search, &SearchResultsModel::errorOccurred);
  search.setQuery("apricot");
  search.runNow();
  EXPECT_EQ(search.count(), 0);
  EXPECT_TRUE(search.error().startsWith("Cannot search: cannot search conversations")) << search.error().toStdString();
  EXPECT_TRUE(search.error().contains("the conversation database is damaged")) << search.error().toStdString();
  EXPECT_TRUE(search.error().contains("message_fts")) << search.error().toStdString();  // SQLite's reason
  EXPECT_TRUE(search.error().contains(QString::fromStdString(db.string()))) << search.error().toStdString();
  ASSERT_EQ(errors.count(), 1);
  EXPECT_EQ(errors[0][0].toString(), search.error());
}
