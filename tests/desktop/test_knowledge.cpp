// The Knowledge page's controller on a real knowledge index (SQLite file) and a tiny
// generated Qwen3-Embedding checkpoint on the Vulkan device (lavapipe in CI): a folder of
// generated documents indexed in the background with progress reaching the UI thread, a
// keyword question finding the right file, the folder watched (a new file and an edit in
// place are indexed without asking), skipped files listed with their reason, bad input
// refused with nothing changed, pause / cancel / resume, waiting for an embedding model,
// and removing a collection (also while it is being indexed).
#include <QCoreApplication>
#include <QSignalSpy>
#include <QThread>
#include <algorithm>
#include <atomic>
#include <fstream>

#include "conversation_memory.h"
#include "desktop_test.h"
#include "knowledge/retriever.h"
#include "knowledge_chat.h"
#include "knowledge_controller.h"
#include "runtime/device.h"
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

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A few paragraphs on one subject, with a sentence only this file holds.
std::string document(const std::string& subject, const std::string& fact, int paragraphs = 6) {
  std::string text = "# " + subject + "\n\n";
  for (int i = 0; i < paragraphs; ++i)
    text += "Notes on " + subject + ", part " + std::to_string(i) + ". This paragraph describes the " + subject +
            " in ordinary words so that the chunker has several paragraphs to cut.\n\n";
  return text + fact + "\n";
}

QUrl url(const fs::path& p) { return QUrl::fromLocalFile(QString::fromStdString(p.string())); }

class KnowledgeControllerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!vole::test::oracle_available(vole::test::qwen3_tokenizer_dir() / "tokenizer.json")) return;
    models_ = new vole::test::TempDir("vole-knowledge-models");
    auto spec = vole::test::checkpoint_preset("tiny-qwen3-embedding");
    vole::test::write_checkpoint(models_->path() / "tiny-qwen3-embedding", spec);
    // A chat model's folder (no sentence-transformers head): listed, never chosen for embedding.
    fs::create_directories(models_->path() / "tiny-qwen3");
    write_file(models_->path() / "tiny-qwen3" / "config.json", R"({"model_type": "qwen3"})");
    device_ = new std::shared_ptr<runtime::Device>(std::make_shared<runtime::Device>());
  }
  static void TearDownTestSuite() {
    delete device_;
    delete models_;
    device_ = nullptr;
    models_ = nullptr;
  }
  void SetUp() override {
    if (!models_) GTEST_SKIP() << "Qwen3 tokenizer not fetched (tests/oracles/fetch.sh)";
    docs_ = dir_.path() / "docs";
    fs::create_directories(docs_);
    write_file(docs_ / "harbour.md", document("harbour", "The lighthouse keeper is named Orsolya Vantablack."));
    write_file(docs_ / "orchard.md", document("orchard", "The quince trees were planted in 1887 by the abbey."));
    write_file(docs_ / "engine.md", document("engine", "Torque wrench settings: 42 newton metres for the manifold."));
  }

  std::unique_ptr<KnowledgeController> controller(bool with_model = true) {
    KnowledgeController::Options o;
    o.database = dir_.path() / "knowledge.db";
    o.devices = [this] {
      provider_thread_ = QThread::currentThread();
      return *device_;
    };
    o.debounce = std::chrono::milliseconds(200);
    auto k = std::make_unique<KnowledgeController>(o);
    if (with_model) k->set_model_folders(model_folders());
    k->start();
    return k;
  }
  QStringList model_folders() const {
    return {QString::fromStdString((models_->path() / "tiny-qwen3").string()),
            QString::fromStdString((models_->path() / "tiny-qwen3-embedding").string())};
  }
  // Waits for the next finished run of `collection`; returns its report.
  static QVariantMap wait_indexed(KnowledgeController& k, qint64 collection, QString* error = nullptr,
                                  std::chrono::seconds timeout = std::chrono::seconds(60)) {
    QVariantMap report;
    bool done = false;
    auto c =
        QObject::connect(&k, &KnowledgeController::indexed, [&](qint64 id, const QVariantMap& r, const QString& e) {
          if (id != collection) return;
          report = r;
          if (error) *error = e;
          done = true;
        });
    wait_until([&] { return done; }, timeout);
    QObject::disconnect(c);
    EXPECT_TRUE(done) << "no run of collection " << collection << " finished";
    return report;
  }
  static QVariantMap row(KnowledgeController& k, qint64 id) {
    return k.collections()->get(k.collections()->indexOf(id));
  }

  static vole::test::TempDir* models_;
  static std::shared_ptr<runtime::Device>* device_;
  vole::test::TempDir dir_{"vole-knowledge-app"};
  fs::path docs_;
  QThread* provider_thread_ = nullptr;
};

vole::test::TempDir* KnowledgeControllerTest::models_ = nullptr;
std::shared_ptr<runtime::Device>* KnowledgeControllerTest::device_ = nullptr;

TEST(KnowledgeChat, CitationsBecomeLinksToTheirSources) {
  EXPECT_EQ(KnowledgeChat::linkCitations("Prime it first [1][2], then start [3].", 2),
            "Prime it first [\\[1\\]](source:1)[\\[2\\]](source:2), then start [3].");
  // A Markdown link's text is left alone, and so is everything without sources.
  EXPECT_EQ(KnowledgeChat::linkCitations("see [1](https://example.org)", 3), "see [1](https://example.org)");
  EXPECT_EQ(KnowledgeChat::linkCitations("[1]", 0), "[1]");
}

TEST_F(KnowledgeControllerTest, IndexesAFolderInTheBackgroundAndFindsTheRightFile) {
  auto k = controller();
  ModelChecker checker(k->collections());
  // Only the folder with a sentence-transformers head is an embedding model.
  EXPECT_EQ(k->embeddingModels(), QStringList{model_folders()[1]});
  EXPECT_EQ(k->embeddingModel(), model_folders()[1]);

  std::vector<QVariantMap> progress;
  QObject::connect(k->collections(), &QAbstractItemModel::dataChanged,
                   [&](const QModelIndex& i, const QModelIndex&, const QList<int>& roles) {
                     EXPECT_EQ(QThread::currentThread(), qApp->thread());  // queued to the UI thread
                     if (roles.contains(KnowledgeCollectionsModel::ProgressRole))
                       progress.push_back(i.data(KnowledgeCollectionsModel::ProgressRole).toMap());
                   });
  ASSERT_EQ(k->addCollection("Docs", url(docs_)), "");
  ASSERT_EQ(k->collections()->count(), 1);
  qint64 id = k->collections()->get(0)["collectionId"].toLongLong();
  QString error;
  QVariantMap report = wait_indexed(*k, id, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(report["filesIndexed"].toULongLong(), 3u);
  EXPECT_NE(provider_thread_, nullptr);
  EXPECT_NE(provider_thread_, qApp->thread());  // the model was made on the indexing thread

  QVariantMap r = row(*k, id);
  EXPECT_EQ(r["state"].toString(), "idle");
  EXPECT_EQ(r["documents"].toULongLong(), 3u);
  EXPECT_GT(r["chunks"].toULongLong(), 0u);
  EXPECT_EQ(r["chunksWithVectors"], r["chunks"]);
  EXPECT_FALSE(r["vectorModel"].toString().isEmpty());
  EXPECT_GT(k->indexBytes(), 0u);
  bool saw_files = std::any_of(progress.begin(), progress.end(),
                               [](const QVariantMap& p) { return p["filesToRead"].toULongLong() == 3; });
  EXPECT_TRUE(saw_files) << progress.size() << " progress updates";

  // The index the controller keeps answers on the UI thread.
  knowledge::Retriever retriever(*k->knowledge_base(), id, nullptr);
  auto hits = retriever.search("Who is the lighthouse keeper?");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].chunk.path.filename(), "harbour.md");
}

TEST_F(KnowledgeControllerTest, WatchedFolderChangesAreIndexedWithoutAsking) {
  auto k = controller();
  ASSERT_EQ(k->addCollection("Docs", url(docs_)), "");
  qint64 id = k->collections()->get(0)["collectionId"].toLongLong();
  wait_indexed(*k, id);

  // A new file (the folder changes), then an edit in place (only the file changes).
  write_file(docs_ / "kitchen.md", document("kitchen", "The saffron risotto needs exactly nine minutes of stirring."));
  QVariantMap report = wait_indexed(*k, id);
  EXPECT_EQ(report["filesIndexed"].toULongLong(), 1u);
  EXPECT_EQ(row(*k, id)["documents"].toULongLong(), 4u);
  {
    std::ofstream out(docs_ / "orchard.md", std::ios::app);
    out << "\nThe cider press was repaired by Gwendolyn Marchbanks.\n";
  }
  report = wait_indexed(*k, id);
  EXPECT_EQ(report["filesIndexed"].toULongLong(), 1u);
  knowledge::Retriever retriever(*k->knowledge_base(), id, nullptr);
  auto hits = retriever.search("Who repaired the cider press?");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].chunk.path.filename(), "orchard.md");

  // A deleted file leaves the index.
  fs::remove(docs_ / "kitchen.md");
  report = wait_indexed(*k, id);
  EXPECT_EQ(report["filesRemoved"].toULongLong(), 1u);
  EXPECT_EQ(row(*k, id)["documents"].toULongLong(), 3u);
}

TEST_F(KnowledgeControllerTest, SkippedFilesAreListedWithTheirReason) {
  write_file(docs_ / "broken.pdf", "%PDF-1.7\nthis is not a PDF body at all");
  auto k = controller();
  ASSERT_EQ(k->addCollection("Docs", url(docs_)), "");
  qint64 id = k->collections()->get(0)["collectionId"].toLongLong();
  wait_indexed(*k, id);
  QVariantMap r = row(*k, id);
  EXPECT_EQ(r["skipped"].toULongLong(), 1u);
  QVariantList issues = r["issues"].toList();
  ASSERT_EQ(issues.size(), 1);
  EXPECT_TRUE(issues[0].toMap()["path"].toString().endsWith("broken.pdf"));
  EXPECT_FALSE(issues[0].toMap()["reason"].toString().isEmpty());
  EXPECT_EQ(r["documents"].toULongLong(), 3u);  // indexing went on
}

TEST_F(KnowledgeControllerTest, BadInputIsRefusedAndChangesNothing) {
  auto k = controller();
  ModelChecker checker(k->collections());
  EXPECT_NE(k->addCollection("Missing", url(dir_.path() / "no-such-folder")), "");
  EXPECT_NE(k->addCollection("   ", url(docs_)), "");
  EXPECT_EQ(k->collections()->count(), 0);
  ASSERT_EQ(k->addCollection("Docs", url(docs_)), "");
  EXPECT_NE(k->addCollection("Docs", url(docs_)), "");  // names are unique
  qint64 id = k->collections()->get(0)["collectionId"].toLongLong();
  EXPECT_NE(k->addFolder(id, url(dir_.path() / "gone")), "");
  EXPECT_NE(k->addFolder(id + 100, url(docs_)), "");
  EXPECT_EQ(row(*k, id)["folders"].toStringList().size(), 1);
  wait_indexed(*k, id);
}

TEST_F(KnowledgeControllerTest, PauseCancelAndAnotherRun) {
  auto k = controller();
  k->pause();  // the next run starts paused
  ASSERT_EQ(k->addCollection("Docs", url(docs_)), "");
  qint64 id = k->collections()->get(0)["collectionId"].toLongLong();
  EXPECT_TRUE(wait_until([&] { return row(*k, id)["state"].toString() == "paused"; }, std::chrono::seconds(10)));
  EXPECT_TRUE(k->indexing());
  k->cancel();  // ends the pause too
  QVariantMap report = wait_indexed(*k, id);
  EXPECT_TRUE(report["cancelled"].toBool());
  EXPECT_EQ(row(*k, id)["documents"].toULongLong(), 0u);
  k->resume();
  k->reindex(id);
  report = wait_indexed(*k, id);
  EXPECT_FALSE(report["cancelled"].toBool());
  EXPECT_EQ(row(*k, id)["documents"].toULongLong(), 3u);
}

TEST_F(KnowledgeControllerTest, WaitsForAnEmbeddingModelThenIndexes) {
  auto k = controller(/*with_model=*/false);
  ASSERT_EQ(k->addCollection("Docs", url(docs_)), "");
  qint64 id = k->collections()->get(0)["collectionId"].toLongLong();
  EXPECT_EQ(row(*k, id)["state"].toString(), "waiting");
  EXPECT_FALSE(k->indexing());
  k->set_model_folders(model_folders());
  wait_indexed(*k, id);
  EXPECT_EQ(row(*k, id)["documents"].toULongLong(), 3u);
}

TEST_F(KnowledgeControllerTest, TheChosenEmbeddingModelIsRemembered) {
  // A second folder with a sentence-transformers head ("embeddinggemma" would be preferred).
  fs::path other = dir_.path() / "embeddinggemma-copy";
  fs::create_directories(other);
  write_file(other / "modules.json", "[]");
  QStringList folders = model_folders() << QString::fromStdString(other.string());
  const QString settings = QString::fromStdString((dir_.path() / "settings.ini").string());
  auto make = [&] {
    KnowledgeController::Options o;
    o.database = dir_.path() / "knowledge.db";
    o.devices = [] { return *device_; };
    o.settings_file = settings;
    auto k = std::make_unique<KnowledgeController>(o);
    k->set_model_folders(folders);
    return k;
  };
  auto k = make();
  EXPECT_EQ(k->embeddingModels().size(), 2);
  EXPECT_EQ(k->embeddingModel(), folders[2]);  // EmbeddingGemma preferred
  k->setEmbeddingModel(folders[1]);
  k->setEmbeddingModel(folders[0]);  // not an embedding model: refused
  EXPECT_EQ(k->embeddingModel(), folders[1]);
  k.reset();
  EXPECT_EQ(make()->embeddingModel(), folders[1]);
}

TEST_F(KnowledgeControllerTest, RemovingACollectionAlsoWhileItIsIndexed) {
  auto k = controller();
  ModelChecker checker(k->collections());
  k->pause();
  ASSERT_EQ(k->addCollection("Docs", url(docs_)), "");
  qint64 id = k->collections()->get(0)["collectionId"].toLongLong();
  EXPECT_TRUE(wait_until([&] { return k->indexing(); }, std::chrono::seconds(10)));
  EXPECT_EQ(k->removeCollection(id), "");
  wait_indexed(*k, id);
  EXPECT_EQ(k->collections()->count(), 0);
  EXPECT_FALSE(k->knowledge_base()->find_collection("Docs").has_value());
  EXPECT_TRUE(fs::exists(docs_ / "harbour.md"));  // the files stay

  // The index opens again with the same state after a restart of the controller.
  k->resume();
  ASSERT_EQ(k->addCollection("Again", url(docs_)), "");
  qint64 again = k->collections()->get(0)["collectionId"].toLongLong();
  wait_indexed(*k, again);
  k.reset();
  auto reopened = controller();
  EXPECT_EQ(reopened->collections()->count(), 1);
  EXPECT_EQ(row(*reopened, again)["documents"].toULongLong(), 3u);
  wait_indexed(*reopened, again);  // the start-up run: nothing changed, nothing read
}

TEST_F(KnowledgeControllerTest, ConversationMemoryEmbedsMessagesAndSearchesByMeaning) {
  StoreSession session(dir_.path() / "vole.db");
  session.open();
  memory::Store& store = *session.store();
  auto pets = store.create_conversation({.title = "Pets"}).id;
  auto cat = store.append_message(pets, {.role = memory::Role::User, .content = "My cat sleeps all day."}).id;
  store.append_message(pets, {.role = memory::Role::Assistant, .content = "Cats sleep twelve hours or more."});
  auto cooking = store.create_conversation({.title = "Cooking"}).id;
  store.append_message(cooking, {.role = memory::Role::User, .content = "A recipe for onion soup?"});

  auto k = controller();
  const QString settings = QString::fromStdString((dir_.path() / "settings.ini").string());
  ConversationMemory memory(&session, k.get(), settings);
  EXPECT_FALSE(memory.recall());  // off by default
  memory.poke();
  // Embedded in the background on the indexing thread, saved on the UI thread.
  EXPECT_TRUE(wait_until([&] { return memory.remembered() == 3; }, std::chrono::seconds(60))) << memory.remembered();
  ASSERT_TRUE(k->embedder());
  EXPECT_TRUE(memory::messages_to_embed(store, k->embedder()->model_id(), 10).empty());

  // Ctrl+F by meaning: the word hit is there, fused with the nearest messages.
  SearchResultsModel search;
  ModelChecker checker(&search);
  search.set_store(&store);
  search.set_meaning_search([&](const QString& q) { return memory.search(q); });
  search.setByMeaning(true);
  search.setQuery("cat");
  search.runNow();
  EXPECT_EQ(search.error(), "");
  bool found = false;
  for (int i = 0; i < search.count(); ++i)
    found |= search.data(search.index(i), SearchResultsModel::MessageRole).toLongLong() == cat;
  EXPECT_TRUE(found);

  // Recall: only other conversations; the setting is kept.
  EXPECT_TRUE(memory.recall_for("my cat", cooking).empty());  // off
  memory.setRecall(true);
  for (const auto& h : memory.recall_for("my cat", pets)) EXPECT_NE(h.conversation, pets);
  ConversationMemory again(&session, k.get(), settings);
  EXPECT_TRUE(again.recall());
}

}  // namespace
