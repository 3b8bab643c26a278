// The Models page's C++ side against a real HTTP server on loopback (the fake hub): the
// real hub::DownloadManager driven by ModelManager, its events re-posted to the UI thread
// into DownloadListModel, CatalogModel and InstalledModelsModel, each under
// QAbstractItemModelTester. No GPU.
#include <QSignalSpy>
#include <QThread>
#include <cstdlib>
#include <fstream>

#include "arch/families.h"
#include "app_settings.h"
#include "catalog_model.h"
#include "desktop_test.h"
#include "download_list_model.h"
#include "hub/fetcher.h"
#include "hub/storage.h"
#include "installed_models_model.h"
#include "model_manager.h"
#include "qt_strings.h"
#include "support/hub_fixtures.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::desktop;
using vole::desktop::test::ModelChecker;
using vole::desktop::test::wait_until;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The part a stored tensor name belongs to, as the model families declare it.
std::string feature_of_tensor(std::string_view name) {
  std::string part = vole::hub::classify_parts(vole::arch::families())(name);
  return part.empty() ? vole::hub::kCoreFeature : part;
}
bool tensor_needed(std::string_view name, const vole::hub::FeatureSet& f) {
  return vole::hub::tensor_needed(name, f, vole::hub::classify_parts(vole::arch::families()));
}

constexpr const char* kRepo = "acme/tiny-vl";
constexpr const char* kWeights = "model.safetensors";

uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// A Qwen3.5-like repo: text, vision and MTP tensors in one safetensors file.
struct TinyRepo {
  std::map<std::string, vole::test::FakeFile> files;
  uint64_t text = 0, vision = 0, mtp = 0;
  TinyRepo() {
    std::mt19937_64 rng(5);
    std::vector<vole::test::FixtureTensor> t = {
        vole::test::random_tensor("model.language_model.embed_tokens.weight", "U8", {600'000}, rng),
        vole::test::random_tensor("model.visual.blocks.0.attn.qkv.weight", "U8", {120'000}, rng),
        vole::test::random_tensor("model.language_model.norm.weight", "F32", {64}, rng),
        vole::test::random_tensor("mtp.fc.weight", "U8", {50'000}, rng),
    };
    for (const auto& x : t) {
      auto f = feature_of_tensor(x.name);
      (f == hub::kVisionFeature ? vision : f == hub::kMtpFeature ? mtp : text) += x.data.size();
    }
    files["config.json"] = {R"({"model_type": "qwen3_5", "vision_config": {"depth": 1}})", false};
    files["tokenizer.json"] = {R"({"model": {"vocab": {}}})", false};
    files[kWeights] = {vole::test::make_safetensors(t), true};
  }
};

struct ModelManagerTest : ::testing::Test {
  vole::test::FakeHub fake;
  TinyRepo repo;
  vole::test::TempDir dir{"vole-model-manager"};
  fs::path models = dir / "models";
  fs::path model_dir = models / "acme--tiny-vl";
  AppSettings settings{qstr((dir / "settings.ini").string())};
  InstalledModelsModel installed;
  std::unique_ptr<ModelManager> manager;

  void SetUp() override {
    fake.add_repo(kRepo, repo.files);
    installed.set_sources(models, {});
  }
  ModelManager& make_manager() {
    manager = std::make_unique<ModelManager>(&settings, &installed, models);
    hub::ManagerOptions tuned = vole::test::test_options(fake, models);
    manager->set_options_hook([tuned](hub::ManagerOptions& o) {
      if (!std::getenv("VOLE_HUB_URL")) o.hub.base_url = tuned.hub.base_url;
      o.hub.connect_timeout = tuned.hub.connect_timeout;
      o.hub.stall_timeout = tuned.hub.stall_timeout;
      o.retry = tuned.retry;
      o.progress_interval = tuned.progress_interval;
    });
    manager->start();
    return *manager;
  }
  void slow_weights(size_t bytes_per_10ms = 8192) {
    fake.set_fault(kRepo, kWeights, {.throttle_bytes = bytes_per_10ms, .throttle_interval = 10ms});
  }
  DownloadListModel& downloads() { return *manager->downloads(); }
  QVariant row(int r, int role) { return downloads().data(downloads().index(r), role); }
  QString state(int r = 0) { return row(r, DownloadListModel::StateRole).toString(); }
  int key(int r = 0) { return row(r, DownloadListModel::KeyRole).toInt(); }
  bool wait_state(const QString& want, int r = 0, std::chrono::milliseconds timeout = 20s) {
    return wait_until([&] { return downloads().count() > r && state(r) == want; }, timeout);
  }
};

}  // namespace

// ---------------------------------------------------------------- formatting

TEST(DownloadText, SpeedEtaAndHints) {
  EXPECT_EQ(speed_text(0), "");
  EXPECT_EQ(speed_text(1'300'000), "1.3 MB/s");
  EXPECT_EQ(eta_text(std::nullopt), "");
  EXPECT_EQ(eta_text(0.2), "about 1 s left");
  EXPECT_EQ(eta_text(42), "about 42 s left");
  EXPECT_EQ(eta_text(185), "about 3 min left");
  EXPECT_EQ(eta_text(3900), "about 1 h 5 min left");
  EXPECT_TRUE(failure_hint(hub::Failure::Gated).contains("token in Settings"));
  EXPECT_EQ(failure_action(hub::Failure::Gated), "settings");
  EXPECT_EQ(failure_action(hub::Failure::NoSpace), "storage");
  EXPECT_EQ(failure_action(hub::Failure::Network), "retry");
}

TEST(Catalog, RowsComeFromTheShippedCatalog) {
  CatalogModel catalog;
  ModelChecker check(&catalog);
  ASSERT_EQ(catalog.count(), static_cast<int>(hub::builtin_catalog().models.size()));
  int recommended = -1;
  for (int r = 0; r < catalog.count(); ++r)
    if (recommended < 0 && catalog.data(catalog.index(r), CatalogModel::RecommendedRole).toBool()) recommended = r;
  ASSERT_GE(recommended, 0);
  auto at = [&](int role) { return catalog.data(catalog.index(recommended), role); };
  EXPECT_EQ(at(CatalogModel::RepoRole).toString(), "Qwen/Qwen3.5-0.8B");
  EXPECT_EQ(at(CatalogModel::SizeFullTextRole).toString(), "1.7 GB");
  EXPECT_EQ(at(CatalogModel::SizeTextOnlyTextRole).toString(), "1.5 GB");
  EXPECT_TRUE(at(CatalogModel::HasVisionRole).toBool());
  EXPECT_EQ(at(CatalogModel::LicenceRole).toString(), "apache-2.0");
  EXPECT_EQ(at(CatalogModel::SamplingTextRole).toString(), "temperature 1 · top-k 20 · presence penalty 2");
  EXPECT_FALSE(at(CatalogModel::InstalledRole).toBool());

  QSignalSpy changed(&catalog, &QAbstractItemModel::dataChanged);
  catalog.set_status({{"Qwen/Qwen3.5-0.8B", {true, hub::FeatureSet::text(), false, "/m/Qwen--Qwen3.5-0.8B"}}});
  EXPECT_EQ(changed.count(), 1);
  EXPECT_TRUE(at(CatalogModel::InstalledRole).toBool());
  EXPECT_FALSE(at(CatalogModel::InstalledVisionRole).toBool());
  EXPECT_EQ(at(CatalogModel::InstalledPathRole).toString(), "/m/Qwen--Qwen3.5-0.8B");
  catalog.set_status({{"Qwen/Qwen3.5-0.8B", {true, hub::FeatureSet::text(), false, "/m/Qwen--Qwen3.5-0.8B"}}});
  EXPECT_EQ(changed.count(), 1);  // nothing changed: no signal
}

TEST(Catalog, KindsAreShownAndNonChatModelsStayOutOfTheChat) {
  CatalogModel catalog;
  auto row_of = [&](const QString& id) {
    for (int r = 0; r < catalog.count(); ++r)
      if (catalog.data(catalog.index(r), CatalogModel::IdRole).toString() == id) return r;
    return -1;
  };
  int tiny = row_of("moonshine-tiny"), lfm = row_of("lfm2-350m");
  ASSERT_GE(tiny, 0);
  ASSERT_GE(lfm, 0);
  auto at = [&](int row, int role) { return catalog.data(catalog.index(row), role); };
  EXPECT_EQ(at(tiny, CatalogModel::KindRole).toString(), "speech-to-text");
  EXPECT_EQ(at(tiny, CatalogModel::KindTextRole).toString(), "Speech to text");
  EXPECT_FALSE(at(tiny, CatalogModel::ChatRole).toBool());
  EXPECT_TRUE(at(tiny, CatalogModel::RecommendedRole).toBool());  // the default speech model
  EXPECT_EQ(at(tiny, CatalogModel::SamplingTextRole).toString(), "");
  EXPECT_TRUE(at(lfm, CatalogModel::ChatRole).toBool());
  EXPECT_FALSE(at(lfm, CatalogModel::RecommendedRole).toBool());
  // Installed under the organisation's old name: the entry shows as installed.
  catalog.set_status(
      {{"UsefulSensors/moonshine-tiny", {true, hub::FeatureSet::text(), false, "/m/UsefulSensors--moonshine-tiny"}}});
  EXPECT_TRUE(at(tiny, CatalogModel::InstalledRole).toBool());

  // An installed folder's kind: the catalog by repo (or an old name), else its architecture.
  EXPECT_EQ(installed_model_kind("UsefulSensors/moonshine-base", ""), hub::ModelKind::SpeechToText);
  EXPECT_EQ(installed_model_kind("nineninesix/kani-tts-450m-0.2-ft", "lfm2"), hub::ModelKind::TextToSpeech);
  EXPECT_EQ(installed_model_kind("Qwen/Qwen3-Embedding-0.6B", "qwen3"), hub::ModelKind::Embedding);
  EXPECT_EQ(installed_model_kind("", "moonshine"), hub::ModelKind::SpeechToText);
  EXPECT_EQ(installed_model_kind("someone/fine-tune", "qwen3"), hub::ModelKind::Chat);

  // In the installed list: a Moonshine folder is not a chat model, a Qwen3 folder is.
  vole::test::TempDir tmp;
  auto place = [&](const std::string& name, const std::string& type) {
    fs::create_directories(tmp.path() / name);
    std::ofstream(tmp.path() / name / "config.json") << "{\"model_type\": \"" << type << "\"}";
  };
  place("acme/stt", "moonshine");  // <org>/<name>, as people place folders by hand
  place("acme/chat", "qwen3");
  InstalledModelsModel installed;
  installed.set_sources(tmp.path(), {});
  ASSERT_EQ(installed.count(), 2);
  for (int r = 0; r < installed.count(); ++r) {
    QModelIndex i = installed.index(r);
    bool speech = installed.data(i, InstalledModelsModel::NameRole).toString() == "stt";
    EXPECT_EQ(installed.data(i, InstalledModelsModel::ChatRole).toBool(), !speech);
    EXPECT_EQ(installed.data(i, InstalledModelsModel::KindRole).toString(), speech ? "speech-to-text" : "chat");
  }
  EXPECT_EQ(installed.pathOfKind(hub::ModelKind::SpeechToText), qstr((tmp.path() / "acme" / "stt").string()));
  EXPECT_EQ(installed.pathOfKind(hub::ModelKind::Embedding), "");
}

// ---------------------------------------------------------------- downloads

TEST_F(ModelManagerTest, ProgressReachesTheModelsOnTheUiThreadAndTheDownloadIsSelective) {
  slow_weights(16384);
  ModelManager& m = make_manager();
  ModelChecker check_downloads(&downloads());
  ModelChecker check_installed(&installed);
  ModelChecker check_catalog(m.catalog());
  EXPECT_EQ(fake.api_requests(), 0);  // nothing contacted before the user asks

  QThread* ui = QThread::currentThread();
  bool off_thread = false;
  double mid_progress = -1;
  QString mid_speed, mid_eta, mid_bytes;
  QObject::connect(&downloads(), &QAbstractItemModel::dataChanged, [&] {
    if (QThread::currentThread() != ui) off_thread = true;
    double p = row(0, DownloadListModel::ProgressRole).toDouble();
    if (p > 0.05 && p < 0.95 && state() == "downloading" &&
        !row(0, DownloadListModel::SpeedTextRole).toString().isEmpty()) {
      mid_progress = p;
      mid_speed = row(0, DownloadListModel::SpeedTextRole).toString();
      mid_eta = row(0, DownloadListModel::EtaTextRole).toString();
      mid_bytes = row(0, DownloadListModel::BytesTextRole).toString();
    }
  });
  QSignalSpy downloaded(&m, &ModelManager::modelDownloaded);

  EXPECT_EQ(m.download(qstr("https://huggingface.co/acme/tiny-vl/tree/main"), false), "");
  ASSERT_EQ(downloads().count(), 1);
  EXPECT_EQ(row(0, DownloadListModel::RepoRole).toString(), kRepo);
  ASSERT_TRUE(wait_state("completed")) << state().toStdString();

  EXPECT_FALSE(off_thread);
  EXPECT_GT(mid_progress, 0.05);
  EXPECT_TRUE(mid_speed.endsWith("/s")) << mid_speed.toStdString();
  EXPECT_TRUE(mid_eta.startsWith("about ")) << mid_eta.toStdString();
  EXPECT_TRUE(mid_bytes.contains(" of ")) << mid_bytes.toStdString();
  QVariantList files = row(0, DownloadListModel::FilesRole).toList();
  ASSERT_EQ(files.size(), 3);
  for (const auto& f : files) EXPECT_EQ(f.toMap()["state"].toString(), "done");
  EXPECT_TRUE(row(0, DownloadListModel::SavedTextRole).toString().contains("not downloaded (text only)"));
  EXPECT_TRUE(row(0, DownloadListModel::CanDismissRole).toBool());
  ASSERT_EQ(downloaded.count(), 1);
  EXPECT_EQ(downloaded[0][0].toString(), qstr(model_dir.string()));

  // Only the text tensors were fetched; the model is listed with the bytes it saved.
  auto local = vole::test::read_safetensors(vole::test::read_file(model_dir / kWeights));
  EXPECT_EQ(local.data.size(), 2u);
  ASSERT_EQ(installed.count(), 1);
  auto inst = [&](int role) { return installed.data(installed.index(0), role); };
  EXPECT_EQ(inst(InstalledModelsModel::RepoRole).toString(), kRepo);
  EXPECT_EQ(inst(InstalledModelsModel::DisplayNameRole).toString(), kRepo);
  EXPECT_EQ(inst(InstalledModelsModel::FeaturesTextRole).toString(), "Text only");
  EXPECT_TRUE(inst(InstalledModelsModel::CanAddVisionRole).toBool());
  EXPECT_TRUE(inst(InstalledModelsModel::DeletableRole).toBool());
  EXPECT_GE(inst(InstalledModelsModel::SavedBytesRole).toULongLong(), repo.vision + repo.mtp);
  EXPECT_EQ(inst(InstalledModelsModel::DiskBytesRole).toULongLong(), hub::size_on_disk(model_dir));
  EXPECT_EQ(m.savedBytes(), inst(InstalledModelsModel::SavedBytesRole).toULongLong());
  EXPECT_EQ(m.usedBytes(), hub::size_on_disk(models));
  ASSERT_EQ(m.storageEntries().size(), 1);
  EXPECT_EQ(m.storageEntries()[0].toMap()["name"].toString(), kRepo);
  EXPECT_EQ(model_display_name(qstr(model_dir.string())), kRepo);

  m.dismiss(key());
  EXPECT_EQ(downloads().count(), 0);
}

TEST_F(ModelManagerTest, VisionTooFetchesOnlyTheMissingTensors) {
  ModelManager& m = make_manager();
  ModelChecker check(&downloads());
  ASSERT_EQ(m.download(qstr(kRepo), false), "");
  ASSERT_TRUE(wait_state("completed"));
  fake.reset_stats();
  ASSERT_EQ(m.addVision(qstr(kRepo)), "");
  ASSERT_TRUE(wait_until([&] {
    return state() == "completed" && installed.count() == 1 &&
           installed.data(installed.index(0), InstalledModelsModel::HasVisionRole).toBool();
  }));
  // The header is read again (two small ranges); the rest is the vision tensors only.
  auto ranges = fake.ranges_seen(kRepo, kWeights);
  EXPECT_LT(fake.bytes_served(kRepo, kWeights), repo.vision + 4096);
  EXPECT_GE(fake.bytes_served(kRepo, kWeights), repo.vision);
  EXPECT_EQ(fake.bytes_served(kRepo, "config.json"), 0u);
  EXPECT_FALSE(installed.data(installed.index(0), InstalledModelsModel::CanAddVisionRole).toBool());
  EXPECT_EQ(installed.data(installed.index(0), InstalledModelsModel::FeaturesTextRole).toString(), "Text and images");
  auto local = vole::test::read_safetensors(vole::test::read_file(model_dir / kWeights));
  EXPECT_EQ(local.data.size(), 3u);  // text + vision, no MTP
}

TEST_F(ModelManagerTest, PauseResumeAndCancel) {
  slow_weights();
  ModelManager& m = make_manager();
  ModelChecker check(&downloads());
  ASSERT_EQ(m.download(qstr(kRepo), false), "");
  fs::path partial = hub::partial_path(model_dir / kWeights);
  ASSERT_TRUE(wait_until([&] { return file_size_or_zero(partial) > 60'000; }, 20s));
  ASSERT_TRUE(row(0, DownloadListModel::CanPauseRole).toBool());
  m.pause(key());
  ASSERT_TRUE(wait_state("paused"));
  EXPECT_TRUE(row(0, DownloadListModel::CanResumeRole).toBool());
  EXPECT_FALSE(row(0, DownloadListModel::CanPauseRole).toBool());
  EXPECT_EQ(row(0, DownloadListModel::SpeedTextRole).toString(), "");
  wait_until([] { return false; }, 150ms);
  uint64_t at_pause = file_size_or_zero(partial);
  wait_until([] { return false; }, 150ms);
  EXPECT_EQ(file_size_or_zero(partial), at_pause);  // really stopped
  EXPECT_EQ(downloads().activeCount(), 0);

  m.resume(key());
  ASSERT_TRUE(wait_until([&] { return file_size_or_zero(partial) > at_pause; }, 20s));
  // The file can grow before the UI thread has handled the "running" event.
  EXPECT_TRUE(wait_until([&] { return downloads().activeCount() == 1; }, 20s));
  EXPECT_TRUE(fake.ranges_seen(kRepo, kWeights).back().starts_with("bytes="));

  // Delete is refused while it downloads; cancel removes everything it wrote.
  EXPECT_TRUE(m.deleteModel(qstr(kRepo)).contains("unfinished download"));
  m.cancel(key());
  ASSERT_TRUE(wait_state("cancelled"));
  EXPECT_FALSE(fs::exists(model_dir));
  EXPECT_TRUE(row(0, DownloadListModel::CanDismissRole).toBool());
  EXPECT_EQ(installed.count(), 0);
  m.dismiss(key());
  EXPECT_EQ(downloads().count(), 0);
}

TEST_F(ModelManagerTest, QuotaRefusesBeforeAnyByteIsWrittenAndSaysTheNumbers) {
  settings.setQuotaBytes(50'000);
  ModelManager& m = make_manager();
  ModelChecker check(&downloads());
  EXPECT_EQ(m.quotaBytes(), 50'000u);
  ASSERT_EQ(m.download(qstr(kRepo), false), "");
  ASSERT_TRUE(wait_state("failed"));
  EXPECT_EQ(row(0, DownloadListModel::FailureRole).toString(), "no-space");
  QString error = row(0, DownloadListModel::ErrorRole).toString();
  EXPECT_TRUE(error.contains("quota 50.0 kB")) << error.toStdString();
  EXPECT_TRUE(error.contains("needs ")) << error.toStdString();
  EXPECT_TRUE(error.contains("free on disk")) << error.toStdString();
  EXPECT_TRUE(error.contains("of which Vole uses 0 B")) << error.toStdString();
  EXPECT_TRUE(row(0, DownloadListModel::HintRole).toString().contains("raise the quota"));
  EXPECT_EQ(row(0, DownloadListModel::HintActionRole).toString(), "storage");
  EXPECT_FALSE(fs::exists(model_dir));  // nothing written
  EXPECT_EQ(fake.bytes_served(kRepo, "config.json"), 0u);
  EXPECT_EQ(fake.bytes_served(kRepo, "tokenizer.json"), 0u);
  EXPECT_EQ(fake.ranges_seen(kRepo, kWeights).size(), 2u);  // only its header was read, to plan

  settings.setQuotaBytes(100'000'000);  // raised by the user: Retry goes through
  m.resume(key());
  ASSERT_TRUE(wait_state("completed"));
  EXPECT_TRUE(m.storageSummary().contains("of the 100 MB quota used")) << m.storageSummary().toStdString();
}

TEST_F(ModelManagerTest, GatedRepoAsksForATokenAndTheTokenApplies) {
  fake.set_gated(kRepo, "hf_secret_token");
  ModelManager& m = make_manager();
  ModelChecker check(&downloads());
  ASSERT_EQ(m.download(qstr(kRepo), false), "");
  ASSERT_TRUE(wait_state("failed"));
  EXPECT_EQ(row(0, DownloadListModel::FailureRole).toString(), "gated");
  EXPECT_TRUE(row(0, DownloadListModel::ErrorRole).toString().contains("gated"));
  EXPECT_TRUE(row(0, DownloadListModel::HintRole).toString().contains("add a Hugging Face token in Settings"));
  EXPECT_EQ(row(0, DownloadListModel::HintActionRole).toString(), "settings");
  EXPECT_FALSE(m.hasToken());

  QSignalSpy hub_changed(&m, &ModelManager::hubChanged);
  settings.setHfToken("  hf_secret_token \n");  // pasted with spaces
  EXPECT_EQ(hub_changed.count(), 1);
  EXPECT_TRUE(m.hasToken());
  EXPECT_EQ(m.manager_options().hub.token, "hf_secret_token");
  m.resume(key());  // the retry runs in a manager built with the token
  ASSERT_TRUE(wait_state("completed"));
  EXPECT_GT(fake.hub_requests_with_auth(), 0);
  EXPECT_EQ(fake.cdn_requests_with_auth(), 0);  // the token goes to the hub only
  for (int role : {DownloadListModel::ErrorRole, DownloadListModel::HintRole, DownloadListModel::StateTextRole})
    EXPECT_FALSE(row(0, role).toString().contains("hf_secret")) << role;
}

TEST_F(ModelManagerTest, DeleteFreesSpaceAndCleanupRemovesOnlyOrphans) {
  ModelManager& m = make_manager();
  ModelChecker check(&installed);
  ASSERT_EQ(m.download(qstr(kRepo), false), "");
  ASSERT_TRUE(wait_state("completed"));
  uint64_t used = m.usedBytes();
  ASSERT_GT(used, repo.text);

  // Leftovers: a folder no download knows (orphan) and one an earlier run left unfinished
  // (offered for resuming, so it keeps its partial file).
  auto write = [](const fs::path& p, size_t n) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << std::string(n, 'x');
  };
  write(models / "acme--gone" / "model.safetensors.partial", 5000);
  write(models / "acme--later" / "model.safetensors.partial", 7000);
  hub::write_pending(models / "acme--later", {"acme/later", "main", std::string(40, 'c'), hub::FeatureSet::text()});
  manager.reset();
  ModelManager& again = make_manager();
  ASSERT_EQ(downloads().count(), 1);
  EXPECT_EQ(state(), "unfinished");
  EXPECT_EQ(row(0, DownloadListModel::RepoRole).toString(), "acme/later");
  QString freed = again.cleanUp();
  EXPECT_TRUE(freed.contains("Removed 1 leftover file")) << freed.toStdString();
  EXPECT_TRUE(freed.contains("5.0 kB")) << freed.toStdString();
  EXPECT_FALSE(fs::exists(models / "acme--gone"));
  EXPECT_TRUE(fs::exists(models / "acme--later" / "model.safetensors.partial"));
  EXPECT_EQ(again.cleanUp(), "Nothing to clean up: no leftover partial files.");

  // Cancelling the unfinished one discards its files.
  again.cancel(key());
  EXPECT_EQ(downloads().count(), 0);
  EXPECT_FALSE(fs::exists(models / "acme--later"));

  QSignalSpy deleted(&again, &ModelManager::modelDeleted);
  EXPECT_EQ(again.deleteModel(qstr(kRepo)), "");
  ASSERT_EQ(deleted.count(), 1);
  EXPECT_EQ(deleted[0][0].toString(), qstr(model_dir.string()));
  EXPECT_FALSE(fs::exists(model_dir));
  EXPECT_EQ(installed.count(), 0);
  EXPECT_EQ(again.usedBytes(), 0u);
  EXPECT_FALSE(again.deleteModel(qstr(kRepo)).isEmpty());  // not installed any more
}

TEST_F(ModelManagerTest, UnfinishedDownloadOfAnEarlierRunIsOfferedWithoutNetworkAndResumes) {
  slow_weights();
  fs::path partial = hub::partial_path(model_dir / kWeights);
  {
    // The previous run: closed mid-download (the manager's destructor, as at app exit).
    hub::DownloadManager previous(vole::test::test_options(fake, models));
    previous.start({.repo = kRepo});
    ASSERT_TRUE(wait_until([&] { return file_size_or_zero(partial) > 60'000; }, 20s));
  }
  uint64_t kept = file_size_or_zero(partial);
  fake.reset_stats();
  fake.clear_fault(kRepo, kWeights);

  ModelManager& m = make_manager();
  ModelChecker check(&downloads());
  ASSERT_EQ(downloads().count(), 1);
  EXPECT_EQ(state(), "unfinished");
  EXPECT_TRUE(row(0, DownloadListModel::StateTextRole).toString().contains("when Vole last closed"));
  EXPECT_TRUE(row(0, DownloadListModel::CanResumeRole).toBool());
  EXPECT_EQ(installed.count(), 0);  // a half-downloaded folder is not a model
  EXPECT_TRUE(m.storageEntries()[0].toMap()["unfinished"].toBool());
  EXPECT_EQ(fake.api_requests(), 0);  // offered, not started

  m.resume(key());
  ASSERT_TRUE(wait_state("completed"));
  // The weights continued from the partial file: no byte before `kept` was fetched again.
  auto ranges = fake.ranges_seen(kRepo, kWeights);
  ASSERT_FALSE(ranges.empty());
  uint64_t first = std::stoull(ranges.back().substr(6));
  EXPECT_GE(first, kept - 1000);
  EXPECT_EQ(installed.count(), 1);
}

TEST_F(ModelManagerTest, RepoInputAndHubAddressAreValidated) {
  ModelManager& m = make_manager();
  EXPECT_TRUE(m.download("not a repo", false).contains("owner/name"));
  EXPECT_TRUE(m.download("https://example.com/Qwen/Qwen3-0.6B", false).contains("is not a Hugging Face model"));
  EXPECT_EQ(downloads().count(), 0);
  EXPECT_EQ(m.downloadCatalog("no-such-model", false), "no-such-model is not in Vole's catalog.");

  // TLS cannot be avoided: a plain-HTTP mirror is refused and ignored even if written in the settings file.
  EXPECT_EQ(m.checkHubUrl(""), "");
  EXPECT_EQ(m.checkHubUrl("https://hf-mirror.example.com"), "");
  EXPECT_TRUE(m.checkHubUrl("http://hf-mirror.example.com").contains("https://"));
  EXPECT_FALSE(m.checkHubUrl("ftp://mirror").isEmpty());
  const char* env = std::getenv("VOLE_HUB_URL");
  ASSERT_EQ(env, nullptr) << "the test expects VOLE_HUB_URL unset";
  ModelManager plain(&settings, &installed, models);  // no test hook: what the app builds
  settings.setHubUrl("http://insecure.example.com");
  EXPECT_EQ(plain.manager_options().hub.base_url, "https://huggingface.co");
  settings.setHubUrl("https://hf-mirror.example.com");
  EXPECT_EQ(plain.manager_options().hub.base_url, "https://hf-mirror.example.com");
  EXPECT_EQ(plain.hubUrl(), "https://hf-mirror.example.com");
  setenv("VOLE_HUB_URL", "http://127.0.0.1:9", 1);  // the environment wins (tests, developers)
  EXPECT_EQ(plain.manager_options().hub.base_url, "http://127.0.0.1:9");
  EXPECT_TRUE(plain.hubUrlFromEnvironment());
  unsetenv("VOLE_HUB_URL");
}

TEST(AppSettings, DownloadSettingsPersist) {
  vole::test::TempDir dir("vole-settings");
  QString file = qstr((dir / "settings.ini").string());
  {
    AppSettings settings(file);
    EXPECT_EQ(settings.quotaBytes(), 0u);  // not chosen yet
    settings.setHfToken(" hf_abc ");
    settings.setHubUrl("https://hf-mirror.example.com");
    settings.setQuotaBytes(12'000'000'000ull);
  }
  AppSettings again(file);
  EXPECT_EQ(again.hfToken(), "hf_abc");
  EXPECT_EQ(again.hubUrl(), "https://hf-mirror.example.com");
  EXPECT_EQ(again.quotaBytes(), 12'000'000'000ull);
}

TEST(ModelManagerStart, ProposesTheDefaultQuotaOnce) {
  vole::test::TempDir dir("vole-quota");
  AppSettings settings(qstr((dir / "settings.ini").string()));
  InstalledModelsModel installed;
  ModelManager m(&settings, &installed, dir / "models");
  m.start();
  uint64_t expected = hub::default_quota(dir / "models");
  EXPECT_GT(settings.quotaBytes(), 0u);
  EXPECT_NEAR(static_cast<double>(settings.quotaBytes()), static_cast<double>(expected), 1e8);  // 80% of free
  settings.setQuotaBytes(5'000'000'000ull);
  m.start();
  EXPECT_EQ(settings.quotaBytes(), 5'000'000'000ull);  // the user's choice stays
  EXPECT_EQ(m.freeBytes() > 0, true);
}
