// Remote models in the app: the Models page's Remote source and chats with a remote
// model, against Vole's own API server (engine/server) started in-process on loopback
// with a tiny generated Qwen3. The model list comes from /v1/models; a chat streams,
// is stored like a local one (and equals the server's own answer with greedy sampling),
// stops, regenerates; a wrong key and an unreachable server give a message.
#include <httplib.h>

#include <QSignalSpy>
#include <nlohmann/json.hpp>

#include "app_settings.h"
#include "chat_controller.h"
#include "conversation_list_model.h"
#include "desktop_test.h"
#include "engine_controller.h"
#include "remote_models.h"
#include "runtime/engine.h"
#include "secret_store.h"
#include "server/api_server.h"
#include "store_session.h"
#include "support/checkpoint_writer.h"
#include "support/oracles.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::desktop;
using vole::desktop::test::wait_until;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct App {
  App(const fs::path& db, const QString& settings_file)
      : settings(settings_file), store(db), secrets(settings_file + ".secrets"), remote(&secrets, settings_file) {
    store.open();
    conversations.set_store(store.store());
    engine = std::make_unique<EngineController>(&settings);
    chat = std::make_unique<ChatController>(&store, engine.get(), &settings, &conversations);
    settings.sampling()->setMaxTokens(12);
    settings.sampling()->setTemperature(0.0);
  }
  ~App() {
    chat.reset();
    engine->shutdown();
  }
  bool connect(const QString& url, const QString& key = {}) {
    QSignalSpy changed(&remote, &RemoteModels::changed);
    remote.connectTo(url, key);
    wait_until([&] { return !remote.fetching(); }, std::chrono::seconds(30));
    return remote.error().isEmpty();
  }
  bool use(const QString& model) {
    auto target = remote.target(RemoteModels::id_for(model));
    EXPECT_TRUE(target) << model.toStdString();
    if (!target) return false;
    engine->loadRemote(RemoteModels::id_for(model), *target);
    wait_until([&] { return engine->state() != EngineState::Loading; });
    return engine->state() == EngineState::Ready;
  }
  QString finish() {
    QSignalSpy done(chat.get(), &ChatController::answerFinished);
    if (!chat->streamingMessage()) return "none";
    wait_until([&] { return done.count() > 0; }, std::chrono::seconds(120));
    return done.count() ? done[0][2].toString() : "timeout";
  }
  memory::Message last() { return store.store()->active_path(chat->conversationId()).back(); }

  AppSettings settings;
  StoreSession store;
  SecretStore secrets;
  RemoteModels remote;
  ConversationListModel conversations;
  std::unique_ptr<EngineController> engine;
  std::unique_ptr<ChatController> chat;
};

class RemoteChatTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("VOLE_SECRET_STORE", "file", 1);
    if (!vole::test::oracle_available(vole::test::qwen3_tokenizer_dir() / "tokenizer.json")) return;
    models_ = new vole::test::TempDir("vole-remote-chat-models");
    auto spec = vole::test::checkpoint_preset("tiny-qwen3");
    spec.seed = 11;
    vole::test::write_checkpoint(models_->path() / "tiny-qwen3", spec);
    runtime::EngineOptions options;
    options.context_length = 1024;
    engine_ = new runtime::Engine(models_->path() / "tiny-qwen3", options);
  }
  static void TearDownTestSuite() {
    delete engine_;
    delete models_;
    engine_ = nullptr;
    models_ = nullptr;
  }
  void SetUp() override {
    if (!models_) GTEST_SKIP() << "Qwen3 tokenizer not fetched (tests/oracles/fetch.sh)";
  }
  // A server for this test on a free loopback port; `key` required when given.
  int serve(const std::string& key = {}) {
    server::ServerOptions options;
    options.port = 0;
    options.api_key = key;
    server_ = std::make_unique<server::ApiServer>(options);
    server_->add_model("tiny-qwen3", *engine_);
    return server_->start();
  }
  std::unique_ptr<App> app() {
    return std::make_unique<App>(dir_ / "vole.db", QString::fromStdString((dir_ / "settings.ini").string()));
  }

  static vole::test::TempDir* models_;
  static runtime::Engine* engine_;
  std::unique_ptr<server::ApiServer> server_;
  vole::test::TempDir dir_{"vole-remote-chat"};
};
vole::test::TempDir* RemoteChatTest::models_ = nullptr;
runtime::Engine* RemoteChatTest::engine_ = nullptr;

}  // namespace

TEST_F(RemoteChatTest, ListsChatsStopsAndRegeneratesLikeALocalModel) {
  int port = serve();
  auto a = app();
  QString base = QString("http://127.0.0.1:%1").arg(port);
  ASSERT_TRUE(a->connect(base)) << a->remote.error().toStdString();
  EXPECT_EQ(a->remote.baseUrl(), base + "/v1");
  EXPECT_EQ(a->remote.models(), QStringList{"tiny-qwen3"});
  EXPECT_FALSE(a->remote.noticeAccepted());  // the picker asks once before the first use
  ASSERT_TRUE(a->use("tiny-qwen3"));
  EXPECT_TRUE(a->engine->remote());
  EXPECT_EQ(a->engine->modelName(), "tiny-qwen3");

  // A chat streams and is stored like a local one.
  QSignalSpy streamed(a->engine.get(), &EngineController::streamed);
  ASSERT_TRUE(a->chat->send("Hello there"));
  ASSERT_EQ(a->finish(), "complete");
  auto answer = a->last();
  EXPECT_EQ(answer.status, memory::MessageStatus::Complete);
  ASSERT_FALSE(answer.content.empty());
  QString received;
  for (const auto& call : streamed) received += call[3].toString();
  EXPECT_EQ(received.toStdString(), answer.content);
  ASSERT_TRUE(answer.stats);
  EXPECT_EQ(answer.stats->model.value_or(""), "tiny-qwen3");
  EXPECT_GT(answer.stats->prompt_tokens.value_or(0), 5);  // the server's usage
  EXPECT_GT(answer.stats->generated_tokens, 0);
  EXPECT_LE(answer.stats->generated_tokens, 12);

  // The same conversation asked of the server directly gives the same text (greedy).
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(120);
  Json body = {{"model", "tiny-qwen3"},
               {"messages", Json::array({{{"role", "system"}, {"content", AppSettings::kDefaultSystemPrompt}},
                                         {{"role", "user"}, {"content", "Hello there"}}})},
               {"temperature", 0},
               {"top_p", a->settings.sampling()->topP()},
               {"max_tokens", 12}};
  auto direct = cli.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(direct);
  ASSERT_EQ(direct->status, 200) << direct->body;
  EXPECT_EQ(Json::parse(direct->body)["choices"][0]["message"]["content"].get<std::string>(), answer.content);

  // Regenerate: a sibling with the same greedy answer.
  ASSERT_TRUE(a->chat->regenerate(answer.id));
  ASSERT_EQ(a->finish(), "complete");
  EXPECT_EQ(a->last().content, answer.content);
  EXPECT_NE(a->last().id, answer.id);

  // Stop: the answer ends cancelled with what streamed kept.
  a->settings.sampling()->setMaxTokens(800);
  QSignalSpy more(a->engine.get(), &EngineController::streamed);
  ASSERT_TRUE(a->chat->send("Tell me a long story"));
  ASSERT_TRUE(wait_until([&] { return more.count() > 0; }));
  a->chat->stop();
  ASSERT_EQ(a->finish(), "cancelled");
  EXPECT_EQ(a->last().status, memory::MessageStatus::Cancelled);
  EXPECT_FALSE(a->last().content.empty());
}

TEST_F(RemoteChatTest, AWrongKeyAndAnUnreachableServerAreReported) {
  int port = serve("sesame");
  auto a = app();
  QString base = QString("http://127.0.0.1:%1/v1").arg(port);
  EXPECT_FALSE(a->connect(base, "wrong"));
  EXPECT_FALSE(a->remote.error().isEmpty());
  EXPECT_TRUE(a->remote.models().isEmpty());
  ASSERT_TRUE(a->connect(base, "sesame")) << a->remote.error().toStdString();
  EXPECT_TRUE(a->remote.hasKey());
  // The key is a secret: not in the settings file, in the 0600 secret file.
  QFile ini(a->settings.settingsFile());
  ASSERT_TRUE(ini.open(QIODevice::ReadOnly));
  EXPECT_FALSE(ini.readAll().contains("sesame"));
  EXPECT_EQ(a->secrets.get("remote-api-key").value_or(""), "sesame");

  // A model chosen, then the server goes away: the answer fails with a message.
  ASSERT_TRUE(a->use("tiny-qwen3"));
  server_->stop();
  ASSERT_TRUE(a->chat->send("Hello"));
  ASSERT_EQ(a->finish(), "error");
  EXPECT_EQ(a->last().status, memory::MessageStatus::Error);
  EXPECT_FALSE(a->last().error.value_or("").empty());

  // A plain-HTTP key to another computer is refused before anything is sent.
  EXPECT_FALSE(a->connect("http://192.0.2.1:8080/v1", "sesame"));
  EXPECT_TRUE(a->remote.error().contains("https")) << a->remote.error().toStdString();
  EXPECT_EQ(a->remote.baseUrl(), base);  // the working source is kept
}
