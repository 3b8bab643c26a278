// The desktop app's Qt models and controllers on a real SQLite database (no GPU):
// QAbstractItemModelTester on every list model, signals checked with QSignalSpy.
#include <QQmlComponent>
#include <QQmlContext>
#include <QQmlEngine>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <fstream>

#include "app_settings.h"
#include "chat_controller.h"
#include "conversation_list_model.h"
#include "desktop_test.h"
#include "engine_controller.h"
#include "engine_state.h"
#include "event_log.h"
#include "installed_models_model.h"
#include "markdown_blocks.h"
#include "memory/export.h"
#include "memory/recordings.h"
#include "message_list_model.h"
#include "page_registry.h"
#include "qt_strings.h"
#include "search_results_model.h"
#include "store_session.h"
#include "support/checkpoint_writer.h"
#include "support/oracles.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::desktop;
using vole::desktop::test::ModelChecker;
using vole::desktop::test::wait_until;
namespace fs = std::filesystem;

namespace {

// A store in a temp folder (the database file is real).
struct StoreFixture : ::testing::Test {
  vole::test::TempDir dir{"vole-desktop"};
  fs::path db() const { return dir / "vole.db"; }
  StoreSession session{db()};
  void SetUp() override { ASSERT_TRUE(session.open()) << session.message().toStdString(); }
  memory::Store& store() { return *session.store(); }
};

}  // namespace

// ---------------------------------------------------------------- markdown blocks

TEST(MarkdownBlocks, SplitsFencedCodeFromProse) {
  auto blocks = split_markdown_blocks("# Title\n\nSome *text*.\n\n```python\nprint(1)\n\nx = 2\n```\nAfter.\n");
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].kind, MarkdownBlock::Kind::Prose);
  EXPECT_EQ(blocks[0].text, "# Title\n\nSome *text*.\n");
  EXPECT_EQ(blocks[1].kind, MarkdownBlock::Kind::Code);
  EXPECT_EQ(blocks[1].language, "python");
  EXPECT_EQ(blocks[1].text, "print(1)\n\nx = 2");
  EXPECT_TRUE(blocks[1].closed);
  EXPECT_EQ(blocks[2].text, "After.");
}

TEST(MarkdownBlocks, UnclosedFenceWhileStreamingRunsToTheEnd) {
  auto blocks = split_markdown_blocks("Here:\n~~~~ sh\nls -l\n~~~\nstill code");
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[1].kind, MarkdownBlock::Kind::Code);
  EXPECT_EQ(blocks[1].language, "sh");
  EXPECT_EQ(blocks[1].text, "ls -l\n~~~\nstill code");  // a shorter fence does not close it
  EXPECT_FALSE(blocks[1].closed);
}

TEST(MarkdownBlocks, NotFences) {
  // Indented four spaces, two backticks, backticks in a backtick fence's info: prose.
  for (const char* text : {"    ```\ncode", "``x``", "```a`b\nmore"}) {
    auto blocks = split_markdown_blocks(text);
    ASSERT_EQ(blocks.size(), 1u) << text;
    EXPECT_EQ(blocks[0].kind, MarkdownBlock::Kind::Prose) << text;
  }
  EXPECT_TRUE(split_markdown_blocks("  \n\n").empty());
  auto qml = markdown_blocks_for_qml("a\n```\nb\n```");
  ASSERT_EQ(qml.size(), 2);
  EXPECT_EQ(qml[1].toMap()["kind"].toString(), "code");
}

// ---------------------------------------------------------------- settings, pages

TEST(AppSettings, PersistsAndClamps) {
  QTemporaryDir dir;
  QString file = dir.filePath("settings.ini");
  {
    AppSettings settings(file);
    EXPECT_EQ(settings.systemPrompt(), AppSettings::kDefaultSystemPrompt);
    QSignalSpy changed(settings.sampling(), &SamplingValues::changed);
    settings.sampling()->setTemperature(9.0);  // clamped
    settings.sampling()->setMaxTokens(77);
    EXPECT_EQ(changed.count(), 2);
    settings.setContextLength(100);  // clamped to 512
    settings.setDevice("NVIDIA GeForce RTX 4090");
    settings.setTheme("purple");  // unknown: system
    settings.addModelFolder("/models/a");
    settings.addModelFolder("/models/a");
    settings.setSystemPrompt("Be brief.");
  }
  AppSettings again(file);
  EXPECT_FLOAT_EQ(again.sampling()->temperature(), 5.0);
  EXPECT_EQ(again.sampling()->maxTokens(), 77);
  EXPECT_EQ(again.contextLength(), 512);
  EXPECT_EQ(again.device(), "NVIDIA GeForce RTX 4090");
  EXPECT_EQ(again.theme(), "system");
  EXPECT_EQ(again.modelFolders(), QStringList{"/models/a"});
  EXPECT_EQ(again.systemPrompt(), "Be brief.");
}

TEST(PageRegistry, PagesComeFromRegistration) {
  PageRegistry pages;
  ModelChecker check(&pages);
  register_pages(pages);
  EXPECT_TRUE(pages.has("chat"));
  EXPECT_TRUE(pages.has("settings"));
  EXPECT_TRUE(pages.has("knowledge"));
  EXPECT_EQ(pages.indexOf("chat"), 0);
  EXPECT_EQ(pages.indexOf("models"), 1);
  EXPECT_EQ(pages.data(pages.index(1), PageRegistry::SourceRole).toUrl(), QUrl("qrc:/qml/pages/ModelsPage.qml"));
  QSignalSpy inserted(&pages, &QAbstractItemModel::rowsInserted);
  pages.add({"extra", "Extra", QUrl("qrc:/qml/icons/chip.svg"), QUrl("qrc:/qml/pages/ExtraPage.qml"), "", false});
  EXPECT_EQ(inserted.count(), 1);
  EXPECT_EQ(pages.idAt(pages.rowCount() - 1), "extra");
}

// ---------------------------------------------------------------- conversations

TEST_F(StoreFixture, ConversationListOrdersPinnedFirstThenNewest) {
  ConversationListModel list;
  ModelChecker check(&list);
  auto a = store().create_conversation({.title = "Alpha"});
  auto b = store().create_conversation({.title = "Beta"});
  QThread::msleep(5);                                           // the store's clock has millisecond resolution
  store().append_message(a.id, {.content = "newer activity"});  // Alpha becomes the newest
  list.set_store(&store());
  ASSERT_EQ(list.count(), 2);
  EXPECT_EQ(list.data(list.index(0), ConversationListModel::TitleRole).toString(), "Alpha");
  EXPECT_EQ(list.data(list.index(0), ConversationListModel::SectionRole).toString(), "Today");

  list.setPinned(b.id, true);
  EXPECT_EQ(list.data(list.index(0), ConversationListModel::TitleRole).toString(), "Beta");
  EXPECT_EQ(list.data(list.index(0), ConversationListModel::SectionRole).toString(), "Pinned");

  QSignalSpy changed(&list, &QAbstractItemModel::dataChanged);
  list.rename(a.id, "  Alpha   renamed ");
  EXPECT_EQ(changed.count(), 1);
  EXPECT_EQ(qstr(store().conversation(a.id)->title), "Alpha renamed");
  list.rename(a.id, "   ");  // blank titles are ignored
  EXPECT_EQ(qstr(store().conversation(a.id)->title), "Alpha renamed");
}

TEST(ConversationSections, RelativeToNow) {
  QDateTime now(QDate(2025, 6, 15), QTime(10, 0));
  auto at = [&](int days) { return ConversationListModel::section_for(now.addDays(-days), now); };
  EXPECT_EQ(at(0), "Today");
  EXPECT_EQ(at(1), "Yesterday");
  EXPECT_EQ(at(3), "Previous 7 days");
  EXPECT_EQ(at(20), "Previous 30 days");
  EXPECT_EQ(at(60), QLocale().standaloneMonthName(4));
  EXPECT_EQ(at(400), "2024");
}

TEST_F(StoreFixture, DeleteIsUndoableUntilItsWindowCloses) {
  ConversationListModel list;
  ModelChecker check(&list);
  list.set_undo_window(std::chrono::milliseconds(100));
  auto a = store().create_conversation({.title = "Keep"});
  auto b = store().create_conversation({.title = "Secret"});
  store().append_message(b.id, {.content = "my password is hunter2"});
  list.set_store(&store());
  QSignalSpy removed(&list, &ConversationListModel::removed);
  QSignalSpy closed(&list, &ConversationListModel::undoClosed);
  QSignalSpy restored(&list, &ConversationListModel::restored);

  // Within the window: Undo brings it back, text and all.
  list.remove(b.id);
  ASSERT_EQ(removed.count(), 1);
  EXPECT_EQ(removed[0][1].toString(), "Secret");
  EXPECT_EQ(list.count(), 1);
  EXPECT_EQ(list.undoable(), b.id);
  EXPECT_FALSE(list.undoRemove(a.id));  // not the deletion on offer
  EXPECT_TRUE(list.undoRemove(b.id));
  EXPECT_EQ(list.count(), 2);
  EXPECT_EQ(restored.count(), 1);
  EXPECT_EQ(closed.count(), 1);  // the offer ends with the undo
  EXPECT_EQ(list.undoable(), 0);
  EXPECT_FALSE(memory::search(store(), {.text = "hunter2"}).empty());

  // The window closes by itself: deleted for good, and Undo comes too late.
  list.remove(b.id);
  EXPECT_TRUE(store().conversation(b.id).has_value());  // only in the trash while undoable
  ASSERT_TRUE(wait_until([&] { return closed.count() == 2; }, std::chrono::seconds(10)));
  EXPECT_EQ(closed[1][0].toLongLong(), b.id);
  EXPECT_FALSE(store().conversation(b.id).has_value());
  EXPECT_TRUE(memory::search(store(), {.text = "hunter2"}).empty());
  EXPECT_FALSE(list.undoRemove(b.id));
  EXPECT_EQ(list.count(), 1);
  EXPECT_TRUE(store().conversation(a.id).has_value());
}

TEST_F(StoreFixture, OnlyTheLatestDeleteIsUndoable) {
  ConversationListModel list;
  ModelChecker check(&list);
  list.set_undo_window(std::chrono::hours(1));  // only the next removal closes it here
  auto a = store().create_conversation({.title = "First"});
  auto b = store().create_conversation({.title = "Second"});
  auto c = store().create_conversation({.title = "Third"});
  list.set_store(&store());
  std::vector<std::pair<QString, qint64>> signals_seen;
  QObject::connect(&list, &ConversationListModel::removed, [&](qint64 id, const QString&) {
    signals_seen.push_back({"removed", id});
  });
  QObject::connect(&list, &ConversationListModel::undoClosed, [&](qint64 id) {
    signals_seen.push_back({"closed", id});
  });

  list.remove(a.id);
  list.remove(b.id);  // a's window closes first (a is purged), then b is removed and undoable
  std::vector<std::pair<QString, qint64>> expected{{"removed", a.id}, {"closed", a.id}, {"removed", b.id}};
  EXPECT_EQ(signals_seen, expected);
  EXPECT_FALSE(store().conversation(a.id).has_value());
  EXPECT_FALSE(list.undoRemove(a.id));
  EXPECT_TRUE(list.undoRemove(b.id));
  EXPECT_EQ(list.count(), 2);
  EXPECT_GE(list.indexOf(b.id), 0);
  EXPECT_GE(list.indexOf(c.id), 0);
}

TEST_F(StoreFixture, TrashLeftByAnEarlierRunIsPurgedAtStart) {
  auto gone = store().create_conversation({.title = "Deleted before the app quit"});
  store().append_message(gone.id, {.content = "left in the trash"});
  store().soft_delete(gone.id);
  ConversationListModel list;
  list.set_store(&store());
  EXPECT_EQ(list.count(), 0);
  EXPECT_FALSE(list.undoRemove(gone.id));  // no undo offered for it in this run
  EXPECT_TRUE(store().conversation(gone.id).has_value());
  list.purge_trash();
  EXPECT_FALSE(store().conversation(gone.id).has_value());
  EXPECT_TRUE(memory::search(store(), {.text = "trash"}).empty());
}

TEST_F(StoreFixture, StoreErrorsBecomeSignalsNotCrashes) {
  auto c = store().create_conversation({.title = "Read only later"});
  session.openReadOnly();
  ASSERT_TRUE(session.ready());
  EXPECT_EQ(session.mode(), "readOnly");
  ConversationListModel list;
  list.set_store(session.store());
  QSignalSpy errors(&list, &ConversationListModel::errorOccurred);
  list.rename(c.id, "New name");
  ASSERT_EQ(errors.count(), 1);
  EXPECT_EQ(qstr(session.store()->conversation(c.id)->title), "Read only later");
}

// ---------------------------------------------------------------- messages

TEST_F(StoreFixture, MessagesFollowTheActivePathWithBranchPositions) {
  auto c = store().create_conversation({.title = "Branches"});
  auto q = store().append_message(c.id, {.content = "first question"});
  store().append_message(c.id, {.role = memory::Role::Assistant, .content = "**bold** answer\n\n```js\nx()\n```"});
  store().edit_user_message(q.id, "edited question");
  store().append_message(c.id, {.role = memory::Role::Assistant,
                                .content = "second answer",
                                .reasoning = "thinking",
                                .stats = memory::MessageStats{.prompt_tokens = 20,
                                                              .generated_tokens = 42,
                                                              .tokens_per_second = 31.25,
                                                              .time_to_first_token_ms = 180,
                                                              .model = "tiny",
                                                              .reasoning_ms = 2500}});
  MessageListModel messages;
  ModelChecker check(&messages);
  messages.load(store(), c.id);
  ASSERT_EQ(messages.count(), 2);
  auto at = [&](int row, int role) { return messages.data(messages.index(row), role); };
  EXPECT_EQ(at(0, MessageListModel::ContentRole).toString(), "edited question");
  EXPECT_EQ(at(0, MessageListModel::SiblingIndexRole).toInt(), 1);
  EXPECT_EQ(at(0, MessageListModel::SiblingCountRole).toInt(), 2);
  EXPECT_EQ(at(1, MessageListModel::RoleRole).toString(), "assistant");
  EXPECT_EQ(at(1, MessageListModel::ReasoningRole).toString(), "thinking");
  EXPECT_DOUBLE_EQ(at(1, MessageListModel::ThinkingSecondsRole).toDouble(), 2.5);
  EXPECT_EQ(at(1, MessageListModel::StatsRole).toString(), "42 tokens · 31.3 tok/s · first token 180 ms");
  EXPECT_EQ(at(1, MessageListModel::StatsDetailRole).toString(),
            "20 prompt tokens · 42 tokens · 31.3 tok/s · first token 180 ms · tiny");
  EXPECT_TRUE(at(1, MessageListModel::LastRole).toBool());

  // The other branch.
  store().select_branch(q.id);
  messages.load(store(), c.id);
  EXPECT_EQ(at(0, MessageListModel::SiblingIndexRole).toInt(), 0);
  auto blocks = at(1, MessageListModel::BlocksRole).toList();
  ASSERT_EQ(blocks.size(), 2);
  EXPECT_EQ(blocks[1].toMap()["language"].toString(), "js");
}

// A dictated message shows its kept recording (file and length), also after the row is
// refreshed; other messages have none.
TEST_F(StoreFixture, DictatedMessagesShowTheirRecording) {
  auto c = store().create_conversation({.title = "Dictated"});
  auto q = store().append_message(c.id, {.content = "spoken question"});
  store().append_message(c.id, {.role = memory::Role::Assistant, .content = "answer"});
  const std::string wav("RIFF\x24\0\0\0WAVEfmt dictation", 26);
  auto kept = memory::attach_recording(store(), q.id, {reinterpret_cast<const uint8_t*>(wav.data()), wav.size()}, 2400);
  MessageListModel messages;
  ModelChecker check(&messages);
  messages.load(store(), c.id);
  ASSERT_EQ(messages.count(), 2);
  auto at = [&](int row, int role) { return messages.data(messages.index(row), role); };
  EXPECT_EQ(at(0, MessageListModel::RecordingRole).toUrl(),
            QUrl::fromLocalFile(QString::fromStdString(kept.file.string())));
  EXPECT_DOUBLE_EQ(at(0, MessageListModel::RecordingSecondsRole).toDouble(), 2.4);
  EXPECT_TRUE(at(1, MessageListModel::RecordingRole).toUrl().isEmpty());
  messages.refresh_message(store(), q.id);
  EXPECT_FALSE(at(0, MessageListModel::RecordingRole).toUrl().isEmpty());
}

TEST_F(StoreFixture, StreamedDeltasGrowTheAnswerInPlace) {
  auto c = store().create_conversation({});
  store().append_message(c.id, {.content = "hi"});
  auto a = store().begin_assistant(c.id);
  MessageListModel messages;
  ModelChecker check(&messages);
  messages.load(store(), c.id);
  ASSERT_EQ(messages.count(), 2);
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::StatusRole).toString(), "streaming");
  QSignalSpy changed(&messages, &QAbstractItemModel::dataChanged);
  EXPECT_TRUE(messages.append_delta(a.id, "hmm", ""));
  EXPECT_TRUE(messages.data(messages.index(1), MessageListModel::ThinkingRole).toBool());
  EXPECT_TRUE(messages.append_delta(a.id, "", "Hello "));
  EXPECT_TRUE(messages.append_delta(a.id, "", "```\ncode"));
  EXPECT_FALSE(messages.append_delta(a.id + 100, "", "elsewhere"));
  EXPECT_EQ(changed.count(), 3);
  EXPECT_EQ(messages.count(), 2);  // no rows added or removed while streaming
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::ContentRole).toString(), "Hello ```\ncode");
  EXPECT_FALSE(messages.data(messages.index(1), MessageListModel::ThinkingRole).toBool());
  EXPECT_GE(messages.data(messages.index(1), MessageListModel::ThinkingSecondsRole).toDouble(), 0.0);
  EXPECT_EQ(messages.data(messages.index(1), MessageListModel::BlocksRole).toList().size(), 1);  // ``` mid-line: prose
}

// ---------------------------------------------------------------- search

TEST_F(StoreFixture, SearchFindsAcrossConversationsWithEscapedHighlights) {
  auto a = store().create_conversation({.title = "Cooking"});
  store().append_message(a.id, {.content = "How long do I boil <pasta> & eggs?"});
  auto b = store().create_conversation({.title = "Pasta history"});
  store().append_message(b.id, {.content = "unrelated"});
  SearchResultsModel search;
  ModelChecker check(&search);
  search.set_store(&store());
  search.setHighlightColor("#ffe58a");
  QSignalSpy results(&search, &SearchResultsModel::resultsChanged);
  search.setQuery("pasta");
  EXPECT_EQ(search.count(), 0);     // debounced: not yet
  ASSERT_TRUE(results.wait(2000));  // runs shortly after the last keystroke
  ASSERT_EQ(search.count(), 2);
  bool found_message = false;
  for (int row = 0; row < 2; ++row) {
    auto kind = search.data(search.index(row), SearchResultsModel::KindRole).toString();
    auto snippet = search.data(search.index(row), SearchResultsModel::SnippetRole).toString();
    if (kind == "user") {
      found_message = true;
      EXPECT_EQ(search.data(search.index(row), SearchResultsModel::ConversationRole).toLongLong(), a.id);
      EXPECT_TRUE(snippet.contains("&lt;<span style=\"background-color:#ffe58a\">pasta</span>&gt; &amp; eggs"))
          << snippet.toStdString();
    }
  }
  EXPECT_TRUE(found_message);
  search.setQuery("");
  search.runNow();
  EXPECT_EQ(search.count(), 0);
  EXPECT_FALSE(search.active());
}

// ---------------------------------------------------------------- installed models

TEST(InstalledModels, ScansTheModelsFolderAndOpenedFolders) {
  vole::test::TempDir dir("vole-models");
  auto make = [](const fs::path& p, const char* type) {
    fs::create_directories(p);
    std::ofstream(p / "config.json") << "{\"model_type\": \"" << type << "\"}";
    std::ofstream(p / "model.safetensors") << std::string(1500, 'x');
  };
  make(dir / "models/Qwen/Qwen3.5-0.8B", "qwen3_5");
  make(dir / "models/Qwen/Qwen3-0.6B", "qwen3");
  fs::create_directories(dir / "models/Qwen/not-a-model");
  make(dir / "elsewhere/my-model", "qwen3");
  InstalledModelsModel models;
  ModelChecker check(&models);
  models.set_sources(dir / "models", {qstr((dir / "elsewhere/my-model").string()), qstr((dir / "gone").string())});
  ASSERT_EQ(models.count(), 4);
  auto at = [&](int row, int role) { return models.data(models.index(row), role); };
  EXPECT_EQ(at(0, InstalledModelsModel::DisplayNameRole).toString(), "Qwen/Qwen3-0.6B");
  EXPECT_EQ(at(1, InstalledModelsModel::ArchitectureRole).toString(), "qwen3_5");
  EXPECT_EQ(at(1, InstalledModelsModel::SizeRole).toString(), "1.5 kB");
  EXPECT_FALSE(at(1, InstalledModelsModel::OpenedRole).toBool());
  EXPECT_TRUE(at(2, InstalledModelsModel::OpenedRole).toBool());
  EXPECT_TRUE(at(2, InstalledModelsModel::PresentRole).toBool());
  EXPECT_FALSE(at(3, InstalledModelsModel::PresentRole).toBool());  // an opened folder that was removed
  EXPECT_EQ(models.indexOfPath(qstr((dir / "elsewhere/my-model").string())), 2);

  EXPECT_TRUE(
      InstalledModelsModel::checkFolder(qstr((dir / "models/Qwen/not-a-model").string())).contains("no config.json"));
  EXPECT_TRUE(InstalledModelsModel::checkFolder(qstr((dir / "nowhere").string())).contains("not a folder"));
  // A folder with a config.json but no usable checkpoint: the model loader's own message.
  EXPECT_FALSE(InstalledModelsModel::checkFolder(qstr((dir / "elsewhere/my-model").string())).isEmpty());
}

TEST(InstalledModels, AcceptsARealModelFolder) {
  if (!vole::test::oracle_available(vole::test::qwen3_tokenizer_dir() / "tokenizer.json"))
    GTEST_SKIP() << "Qwen3 tokenizer not fetched";
  vole::test::TempDir dir("vole-models");
  auto spec = vole::test::checkpoint_preset("tiny-qwen3");
  vole::test::text_config(spec)["vocab_size"] = 512;
  vole::test::write_checkpoint(dir / "tiny", spec);
  EXPECT_EQ(InstalledModelsModel::checkFolder(qstr((dir / "tiny").string())), "");
  EXPECT_EQ(human_size(512'000'000), "512 MB");
  EXPECT_EQ(human_size(1'400'000'000), "1.4 GB");
}

// ---------------------------------------------------------------- the database cannot be opened

TEST(StoreSessionErrors, CorruptDatabaseOffersWaysOutAndDeletesNothing) {
  vole::test::TempDir dir("vole-corrupt");
  const std::string garbage(8192, '\x5a');
  std::ofstream(dir / "vole.db", std::ios::binary) << garbage;
  StoreSession session(dir / "vole.db");
  QSignalSpy changed(&session, &StoreSession::changed);
  EXPECT_FALSE(session.open());
  EXPECT_EQ(changed.count(), 1);
  EXPECT_EQ(session.problem(), "corrupt");
  EXPECT_FALSE(session.message().isEmpty());
  EXPECT_TRUE(session.canMoveAside());
  EXPECT_TRUE(session.canReadOnly());
  EXPECT_FALSE(session.canRetry());

  EXPECT_TRUE(session.openInMemory());  // a session that saves nothing
  EXPECT_EQ(session.mode(), "inMemory");
  session.store()->create_conversation({.title = "temporary"});

  ASSERT_TRUE(session.moveAsideAndStartFresh());
  EXPECT_EQ(session.mode(), "normal");
  EXPECT_TRUE(session.store()->list_conversations().empty());
  ASSERT_FALSE(session.movedTo().isEmpty());
  std::ifstream moved(session.movedTo().toStdString(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(moved)), {});
  EXPECT_EQ(bytes, garbage);  // the damaged file, untouched, beside the new one
}

TEST(StoreSessionErrors, MissingFolderThatCannotBeCreated) {
  vole::test::TempDir dir("vole-nodir");
  std::ofstream(dir / "file") << "x";
  StoreSession session(dir / "file" / "sub" / "vole.db");  // a folder under a file: never creatable
  EXPECT_FALSE(session.open());
  EXPECT_FALSE(session.problem().isEmpty());
  EXPECT_TRUE(session.canRetry());
  EXPECT_FALSE(session.canMoveAside());
  EXPECT_TRUE(session.openInMemory());
}

// ---------------------------------------------------------------- chat controller without a model

TEST_F(StoreFixture, ChatRefusesToSendWithoutAModelAndSaysWhy) {
  AppSettings settings(QString::fromStdString((dir / "settings.ini").string()));
  EngineController engine(&settings);
  ConversationListModel conversations;
  conversations.set_store(&store());
  ChatController chat(&session, &engine, &settings, &conversations);
  EXPECT_FALSE(chat.canSend());
  EXPECT_TRUE(chat.sendBlocker().contains("model"));
  EXPECT_FALSE(chat.send("hello"));
  EXPECT_TRUE(store().list_conversations().empty());  // nothing half-created
}

// QML compares the engine's state with the enum's names (App.engine.state === EngineState.Ready).
TEST(EngineStateInQml, BindingsFollowTheEnum) {
  vole::test::TempDir dir{"vole-engine-state"};
  AppSettings settings(qstr((dir / "settings.ini").string()));
  EngineController engine(&settings);
  register_engine_state_type();
  QQmlEngine qml;
  qml.rootContext()->setContextProperty("engine", &engine);
  QQmlComponent component(&qml);
  component.setData(
      "import QtQuick\nimport Vole\nItem {\n"
      "  property bool none: engine.state === EngineState.None\n"
      "  property bool loading: engine.state === EngineState.Loading\n"
      "  property bool ready: engine.state === EngineState.Ready\n"
      "  property bool failed: engine.state === EngineState.Error\n"
      "}\n",
      QUrl());
  std::unique_ptr<QObject> view(component.create());
  ASSERT_TRUE(view) << component.errorString().toStdString();
  auto shown = [&] {
    QStringList on;
    for (const char* name : {"none", "loading", "ready", "failed"})
      if (view->property(name).toBool()) on << name;
    return on.join(",");
  };
  EXPECT_EQ(engine.state(), EngineState::None);
  EXPECT_EQ(shown(), "none");
  engine.load(qstr((dir / "no-such-model").string()));
  EXPECT_EQ(engine.state(), EngineState::Loading);
  EXPECT_EQ(shown(), "loading");
  ASSERT_TRUE(wait_until([&] { return engine.state() != EngineState::Loading; }));
  EXPECT_EQ(engine.state(), EngineState::Error);
  EXPECT_EQ(shown(), "failed");
  EXPECT_FALSE(engine.error().isEmpty());
  engine.unload();
  EXPECT_EQ(shown(), "none");
}

TEST_F(StoreFixture, PerConversationOverridesLiveInTheConversation) {
  AppSettings settings(QString::fromStdString((dir / "settings.ini").string()));
  EngineController engine(&settings);
  ConversationListModel conversations;
  conversations.set_store(&store());
  ChatController chat(&session, &engine, &settings, &conversations);
  auto c = store().create_conversation({.title = "Overrides"});
  conversations.refresh();
  chat.open(c.id);
  EXPECT_FALSE(chat.hasSystemPromptOverride());
  EXPECT_EQ(chat.systemPrompt(), settings.systemPrompt());

  chat.setSystemPromptOverride(true, "Answer in French.");
  chat.setSamplingOverrideEnabled(true);
  chat.samplingOverride()->setTemperature(0.2);
  chat.setThinking(true);
  auto stored = store().conversation(c.id);
  EXPECT_EQ(stored->system_prompt.value_or(""), "Answer in French.");
  auto j = nlohmann::json::parse(stored->sampling_json.value_or("{}"));
  EXPECT_NEAR(j["sampling"]["temperature"].get<double>(), 0.2, 1e-6);
  EXPECT_EQ(j["thinking"], true);

  // Another conversation uses the defaults; coming back restores the overrides.
  chat.newConversation();
  EXPECT_FALSE(chat.hasSamplingOverride());
  EXPECT_NEAR(chat.samplingOverride()->temperature(), settings.sampling()->temperature(), 1e-6);
  chat.open(c.id);
  EXPECT_TRUE(chat.hasSystemPromptOverride());
  EXPECT_EQ(chat.systemPrompt(), "Answer in French.");
  EXPECT_TRUE(chat.hasSamplingOverride());
  EXPECT_NEAR(chat.samplingOverride()->temperature(), 0.2, 1e-6);
  EXPECT_TRUE(chat.thinking());

  chat.setSystemPromptOverride(false, "");
  chat.setSamplingOverrideEnabled(false);
  stored = store().conversation(c.id);
  EXPECT_FALSE(stored->system_prompt.has_value());
  EXPECT_FALSE(nlohmann::json::parse(stored->sampling_json.value_or("{}")).contains("sampling"));
}

TEST_F(StoreFixture, ExportWritesWhatTheStoreExports) {
  AppSettings settings(QString::fromStdString((dir / "settings.ini").string()));
  EngineController engine(&settings);
  ConversationListModel conversations;
  conversations.set_store(&store());
  ChatController chat(&session, &engine, &settings, &conversations);
  auto c = store().create_conversation({.title = "Trip: Paris/Lyon?"});
  store().append_message(c.id, {.content = "Plan a trip"});
  store().append_message(c.id, {.role = memory::Role::Assistant, .content = "Day 1: **Paris**"});
  conversations.refresh();
  EXPECT_EQ(chat.suggestedExportName(c.id, "markdown"), "Trip Paris Lyon.md");
  EXPECT_EQ(chat.suggestedExportName(c.id, "json"), "Trip Paris Lyon.json");
  for (QString format : {"markdown", "json"}) {
    fs::path file = dir / ("out." + format.toStdString());
    EXPECT_EQ(chat.exportConversation(c.id, QUrl::fromLocalFile(qstr(file.string())), format), "");
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text, format == "json" ? memory::export_json(store(), c.id) : memory::export_markdown(store(), c.id));
  }
  EXPECT_NE(chat.exportConversation(c.id, QUrl::fromLocalFile("/nonexistent-dir/x.md"), "markdown"), "");
}

TEST(ChatMessages, WhatTheModelSees) {
  std::vector<memory::Message> path(4);
  path[0].role = memory::Role::User;
  path[0].content = "Q1";
  path[1].role = memory::Role::Assistant;
  path[1].content = "";  // failed before a word: left out
  path[1].status = memory::MessageStatus::Error;
  path[2].role = memory::Role::User;
  path[2].content = "Q2";
  path[3].role = memory::Role::Assistant;
  path[3].content = "A2";
  path[3].reasoning = "because";
  auto m = ChatController::chat_messages("Be nice.", path);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0]["role"], "system");
  EXPECT_EQ(m[1]["content"], "Q1");
  EXPECT_EQ(m[2]["content"], "Q2");
  EXPECT_EQ(m[3]["reasoning_content"], "because");
  EXPECT_EQ(ChatController::chat_messages("  ", path).size(), 3u);  // a blank prompt is no prompt
}

TEST(ChatTitles, FromTheFirstMessage) {
  EXPECT_EQ(ChatController::title_from_message("  What is a   vole?\nMore text"), "What is a vole?");
  QString long_text = "Explain the difference between gated delta networks and full attention in detail please";
  QString title = ChatController::title_from_message(long_text);
  EXPECT_LE(title.size(), 49);
  EXPECT_TRUE(title.endsWith(QString::fromUtf8("…")));
  EXPECT_TRUE(long_text.startsWith(title.chopped(1)));
}

TEST_F(StoreFixture, OpeningASearchHitShowsItsBranchAndFocusesIt) {
  AppSettings settings(QString::fromStdString((dir / "settings.ini").string()));
  EngineController engine(&settings);
  ConversationListModel conversations;
  ChatController chat(&session, &engine, &settings, &conversations);
  auto c = store().create_conversation({.title = "Branches"});
  auto q = store().append_message(c.id, {.content = "about otters"});
  auto old_answer = store().append_message(c.id, {.role = memory::Role::Assistant, .content = "Otters swim."});
  store().edit_user_message(q.id, "about voles");  // the active path no longer shows the otter answer
  store().append_message(c.id, {.role = memory::Role::Assistant, .content = "Voles dig."});
  conversations.set_store(&store());
  auto hits = memory::search(store(), {.text = "swim"});
  ASSERT_EQ(hits.size(), 1u);
  ASSERT_EQ(hits[0].message_id, old_answer.id);
  QSignalSpy focus(&chat, &ChatController::focusRequested);
  chat.open(hits[0].conversation_id, *hits[0].message_id);
  ASSERT_EQ(focus.count(), 1);
  int row = focus[0][0].toInt();
  EXPECT_EQ(chat.messages()->data(chat.messages()->index(row), MessageListModel::ContentRole).toString(),
            "Otters swim.");
  EXPECT_EQ(chat.messages()->data(chat.messages()->index(0), MessageListModel::ContentRole).toString(), "about otters");
}
