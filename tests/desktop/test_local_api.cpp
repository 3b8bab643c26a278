// Settings -> "Serve the local API": the app's model behind the OpenAI-compatible API
// while the app's own chat uses it too. On a tiny generated Qwen3 (real tokenizer and
// template) with greedy sampling, a real HTTP client on loopback and the app's chat
// generating at the same time each get exactly the answer they get alone; unloading the
// model gives 503, loading it again serves it; a port in use, a key and a non-loopback
// host without one are reported.
#include <httplib.h>

#include <QSignalSpy>
#include <QTcpServer>
#include <nlohmann/json.hpp>
#include <thread>

#include "app_settings.h"
#include "chat_controller.h"
#include "conversation_list_model.h"
#include "desktop_test.h"
#include "engine_controller.h"
#include "local_api_server.h"
#include "secret_store.h"
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

struct Reply {
  int status = 0;
  std::string body;
  Json json() const { return Json::parse(body, nullptr, false); }
};

Reply http(int port, const std::string& method, const std::string& path, const std::string& body = {},
           const std::string& key = {}) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(120);
  httplib::Headers headers;
  if (!key.empty()) headers.emplace("Authorization", "Bearer " + key);
  auto r = method == "GET" ? cli.Get(path.c_str(), headers) : cli.Post(path.c_str(), headers, body, "application/json");
  if (!r) return {-1, httplib::to_string(r.error())};
  return {r->status, r->body};
}

std::string chat_body(const std::string& model, const std::string& text, int max_tokens) {
  return Json{{"model", model},
              {"messages", Json::array({Json{{"role", "user"}, {"content", text}}})},
              {"temperature", 0},
              {"max_tokens", max_tokens}}
      .dump();
}

bool api_busy(int port) {
  auto j = http(port, "GET", "/health").json();
  return j.is_object() && j["models"].is_array() && !j["models"].empty() && j["models"][0]["busy"] == true;
}

std::string answer_of(const Reply& r) {
  EXPECT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  if (r.status != 200 || j.is_discarded()) return "<" + std::to_string(r.status) + ">";
  return j["choices"][0]["message"]["content"].get<std::string>();
}

// The app's controllers on a store and a settings file, plus the local API switch.
struct App {
  App(const fs::path& db, const QString& settings_file)
      : settings(settings_file), store(db), secrets(settings_file + ".secrets") {
    store.open();
    conversations.set_store(store.store());
    engine = std::make_unique<EngineController>(&settings);
    chat = std::make_unique<ChatController>(&store, engine.get(), &settings, &conversations);
    api = std::make_unique<LocalApiServer>(engine.get(), engine->worker().chat_model_access(), &secrets, settings_file);
  }
  ~App() {
    api.reset();
    chat.reset();
    engine->shutdown();
  }
  bool load(const fs::path& model) {
    engine->load(QString::fromStdString(model.string()));
    wait_until([&] { return engine->state() != EngineState::Loading; }, std::chrono::seconds(120));
    EXPECT_EQ(engine->state(), EngineState::Ready) << engine->error().toStdString();
    return engine->state() == EngineState::Ready;
  }
  // Sends `text` in a new conversation and waits for the answer.
  std::string ask(const QString& text) {
    chat->newConversation();
    QSignalSpy done(chat.get(), &ChatController::answerFinished);
    EXPECT_TRUE(chat->send(text));
    EXPECT_TRUE(wait_until([&] { return done.count() > 0; }, std::chrono::seconds(120)));
    return store.store()->active_path(chat->conversationId()).back().content;
  }
  int port() const { return QUrl(api->address()).port(); }

  AppSettings settings;
  StoreSession store;
  SecretStore secrets;  // the 0600 file (VOLE_SECRET_STORE=file)
  ConversationListModel conversations;
  std::unique_ptr<EngineController> engine;
  std::unique_ptr<ChatController> chat;
  std::unique_ptr<LocalApiServer> api;
};

class LocalApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("VOLE_SECRET_STORE", "file", 1);
    if (!vole::test::oracle_available(vole::test::qwen3_tokenizer_dir() / "tokenizer.json")) return;
    models_ = new vole::test::TempDir("vole-local-api-models");
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
  std::unique_ptr<App> app() {
    auto a = std::make_unique<App>(dir_ / "vole.db", QString::fromStdString((dir_ / "settings.ini").string()));
    a->settings.sampling()->setMaxTokens(16);
    a->settings.sampling()->setTemperature(0.0);  // greedy: answers are reproducible
    a->settings.setContextLength(1024);
    return a;
  }

  static vole::test::TempDir* models_;
  vole::test::TempDir dir_{"vole-local-api"};
};
vole::test::TempDir* LocalApiTest::models_ = nullptr;

}  // namespace

TEST_F(LocalApiTest, OffByDefaultThenServesTheLoadedModel) {
  auto a = app();
  ASSERT_TRUE(a->load(model()));
  a->api->start();
  EXPECT_FALSE(a->api->enabled());
  EXPECT_FALSE(a->api->running());
  EXPECT_TRUE(a->api->address().isEmpty());

  a->api->setPort(0);  // any free port
  a->api->setEnabled(true);
  ASSERT_TRUE(a->api->running()) << a->api->error().toStdString();
  EXPECT_TRUE(a->api->address().startsWith("http://127.0.0.1:")) << a->api->address().toStdString();
  EXPECT_TRUE(a->api->address().endsWith("/v1"));
  auto models = http(a->port(), "GET", "/v1/models");
  ASSERT_EQ(models.status, 200) << models.body;
  EXPECT_EQ(models.json()["data"][0]["id"], "tiny-qwen3");

  // Remembered: a new app session starts serving by itself.
  a.reset();
  auto b = app();
  EXPECT_TRUE(b->api->enabled());
  b->api->start();
  EXPECT_TRUE(b->api->running()) << b->api->error().toStdString();
  b->api->setEnabled(false);
  EXPECT_FALSE(b->api->running());
}

TEST_F(LocalApiTest, AppChatAndApiRequestShareTheModelWithoutCorruption) {
  auto a = app();
  ASSERT_TRUE(a->load(model()));
  a->api->setPort(0);
  a->api->setEnabled(true);
  ASSERT_TRUE(a->api->running()) << a->api->error().toStdString();
  const int port = a->port();
  const std::string api_prompt = "List three colours", app_prompt = "Tell me a story about a vole";

  // Each alone.
  std::string api_alone =
      answer_of(http(port, "POST", "/v1/chat/completions", chat_body("tiny-qwen3", api_prompt, 16)));
  std::string app_alone = a->ask(QString::fromStdString(app_prompt));
  ASSERT_FALSE(api_alone.empty());
  ASSERT_FALSE(app_alone.empty());

  // Both at once: API clients start while the app's answer streams, and the app asks
  // again while they still run.
  a->chat->newConversation();
  QSignalSpy streamed(a->engine.get(), &EngineController::streamed);
  QSignalSpy done(a->chat.get(), &ChatController::answerFinished);
  ASSERT_TRUE(a->chat->send(QString::fromStdString(app_prompt)));
  ASSERT_TRUE(wait_until([&] { return streamed.count() > 0 || done.count() > 0; }));
  std::vector<Reply> api_replies(2);
  std::vector<std::thread> clients;
  for (auto& r : api_replies)
    clients.emplace_back([&r, port, &api_prompt] {
      r = http(port, "POST", "/v1/chat/completions", chat_body("tiny-qwen3", api_prompt, 16));
    });
  ASSERT_TRUE(wait_until([&] { return done.count() > 0; }, std::chrono::seconds(120)));
  std::string app_shared = a->store.store()->active_path(a->chat->conversationId()).back().content;
  std::string app_again = a->ask(QString::fromStdString(app_prompt));
  for (auto& t : clients) t.join();

  EXPECT_EQ(app_shared, app_alone);
  EXPECT_EQ(app_again, app_alone);
  for (const auto& r : api_replies) EXPECT_EQ(answer_of(r), api_alone);
}

TEST_F(LocalApiTest, UnloadGives503AndAnotherLoadServesAgain) {
  auto a = app();
  ASSERT_TRUE(a->load(model()));
  a->api->setPort(0);
  a->api->setEnabled(true);
  ASSERT_TRUE(a->api->running());
  const int port = a->port();

  // A long API answer is running when the app unloads: it ends, the unload does not wait
  // for the whole answer, and later requests get 503 until a model is back.
  Reply long_reply;
  std::thread client(
      [&] { long_reply = http(port, "POST", "/v1/chat/completions", chat_body("tiny-qwen3", "Go on", 900)); });
  EXPECT_TRUE(wait_until([&] { return api_busy(port); }, std::chrono::seconds(30)));
  a->engine->unload();
  ASSERT_TRUE(wait_until([&] { return a->engine->state() != EngineState::Ready; }, std::chrono::seconds(30)));
  client.join();
  EXPECT_EQ(long_reply.status, 503) << long_reply.body;

  auto refused = http(port, "POST", "/v1/chat/completions", chat_body("tiny-qwen3", "Hello", 4));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.json()["error"]["code"], "model_not_loaded");
  EXPECT_EQ(http(port, "GET", "/health").json()["models"][0]["loaded"], false);

  ASSERT_TRUE(a->load(model()));
  EXPECT_EQ(a->api->servedModel(), "tiny-qwen3");
  auto again = http(a->port(), "POST", "/v1/chat/completions", chat_body("tiny-qwen3", "Hello", 4));
  EXPECT_EQ(again.status, 200) << again.body;
  // The app still chats after all this.
  EXPECT_FALSE(a->ask("Hello").empty());
}

// setPort(0) starts the server and setHost() restarts it at once: this once hung (httplib
// ignored a stop() that came before its listen loop began; ApiServer::start now waits for it).
TEST_F(LocalApiTest, ReportsAPortInUseAndGuardsOtherHostsWithAKey) {
  QTcpServer taken;
  ASSERT_TRUE(taken.listen(QHostAddress::LocalHost, 0));
  auto a = app();
  a->api->setPort(taken.serverPort());
  a->api->setEnabled(true);
  EXPECT_FALSE(a->api->running());
  EXPECT_TRUE(a->api->error().contains("in use")) << a->api->error().toStdString();

  // Beyond this computer only with a key; the key is then required.
  a->api->setPort(0);
  a->api->setHost("0.0.0.0");
  EXPECT_FALSE(a->api->running());
  EXPECT_TRUE(a->api->error().contains("API key")) << a->api->error().toStdString();
  a->api->setApiKey("  sesame  ");
  ASSERT_TRUE(a->api->running()) << a->api->error().toStdString();
  EXPECT_EQ(a->api->apiKey(), "sesame");
  EXPECT_EQ(http(a->port(), "GET", "/v1/models").status, 401);
  EXPECT_EQ(http(a->port(), "GET", "/v1/models", {}, "sesame").status, 200);
  EXPECT_EQ(http(a->port(), "GET", "/v1/models", {}, "sesame").json()["data"][0]["id"], "vole");  // no model loaded yet
}
