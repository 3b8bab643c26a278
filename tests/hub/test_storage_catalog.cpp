// Storage accounting, quota checks, installed-model listing, cleanup; and the catalog.
#include <gtest/gtest.h>

#include <fstream>

#include "support/hub_fixtures.h"
#include "hub/catalog.h"
#include "hub/fetcher.h"
#include "hub/storage.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::hub;
using namespace vole::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(Storage, SpaceChecksNameEveryNumber) {
  EXPECT_NO_THROW(check_space("m", 100, 1000, std::nullopt, 0));
  EXPECT_NO_THROW(check_space("m", 100, 1000, 500, 400));
  std::string disk = error_of([] { check_space("Qwen/X", 2'000'000'000, 1'500'000'000, std::nullopt, 0); });
  EXPECT_NE(disk.find("not enough disk space for Qwen/X: needs 2.0 GB, 1.5 GB free on disk"), std::string::npos)
      << disk;
  std::string quota = error_of([] { check_space("Qwen/X", 600'000'000, 9'000'000'000, 4'000'000'000, 3'500'000'000); });
  EXPECT_NE(quota.find("needs 600.0 MB, 9.0 GB free on disk, quota 4.0 GB of which Vole uses 3.5 GB"),
            std::string::npos)
      << quota;
  EXPECT_EQ(format_bytes(999), "999 B");
  EXPECT_EQ(format_bytes(1'690'000'000), "1.7 GB");
}

TEST(Storage, DiskSpaceAndDefaultQuota) {
  TempDir tmp;
  DiskSpace d = disk_space(tmp.path() / "not" / "yet" / "created");  // nearest existing parent
  EXPECT_GT(d.total, 0u);
  EXPECT_LE(d.free, d.total);
  uint64_t q = default_quota(tmp.path());
  EXPECT_LE(q, d.free);
  EXPECT_GE(q, d.free / 10 * 7);
}

TEST(Storage, ListsInstalledModelsAndCleansOrphans) {
  FakeHub fake;
  std::mt19937_64 rng(1);
  std::vector<FixtureTensor> ts = {random_tensor("model.language_model.w", "U8", {300'000}, rng),
                                   random_tensor("model.visual.w", "U8", {1000}, rng)};
  fake.add_repo("acme/real", {{"config.json", {"{}", false}}, {"model.safetensors", {make_safetensors(ts), true}}});
  TempDir tmp;
  write(tmp.path() / "someone--handmade" / "config.json", "{\"model_type\": \"qwen3\"}");
  write(tmp.path() / "someone--handmade" / "model.safetensors", make_safetensors(ts));
  write(tmp.path() / "no-weights" / "config.json", "{}");
  write(tmp.path() / "bad-config" / "config.json", "{not json");
  write(tmp.path() / "bad-config" / "model.safetensors", "x");

  DownloadManager m(test_options(fake, tmp.path()));
  ASSERT_EQ(m.wait(m.start({.repo = "acme/real"}), 20s).state, JobState::Completed);

  auto installed = list_installed(tmp.path());
  ASSERT_EQ(installed.size(), 2u);
  EXPECT_EQ(installed[0].repo, "acme/real");
  ASSERT_TRUE(installed[0].manifest);
  EXPECT_TRUE(installed[0].intact);
  EXPECT_EQ(installed[0].size_on_disk, size_on_disk(tmp.path() / "acme--real"));
  EXPECT_GT(installed[0].manifest->saved_bytes(), 1000u);
  EXPECT_EQ(installed[1].repo, "someone/handmade");
  EXPECT_FALSE(installed[1].manifest);

  StorageReport report = storage_report(tmp.path());
  EXPECT_EQ(report.per_model.size(), 4u);
  EXPECT_EQ(report.used_bytes, size_on_disk(tmp.path()));

  // A model file that shrank is reported, not trusted.
  fs::resize_file(tmp.path() / "acme--real" / "config.json", 1);
  EXPECT_FALSE(list_installed(tmp.path())[0].intact);

  // Orphans: leftovers of an unfinished download no job is working on.
  write(tmp.path() / "acme--gone" / "model.safetensors.partial", std::string(5000, 'x'));
  write(tmp.path() / "acme--gone" / "model.safetensors.partial.json", "{}");
  write(tmp.path() / "acme--gone" / "vole-download.json", "{}");
  write(tmp.path() / "someone--handmade" / "extra.safetensors.partial", "y");
  CleanupReport c = m.cleanup_orphans();
  EXPECT_EQ(c.removed.size(), 4u);
  EXPECT_GE(c.bytes_freed, 5000u);
  EXPECT_FALSE(file_exists(tmp.path() / "acme--gone"));  // left empty, so removed
  EXPECT_TRUE(file_exists(tmp.path() / "someone--handmade" / "model.safetensors"));

  m.delete_model("acme/real");
  EXPECT_FALSE(file_exists(tmp.path() / "acme--real"));
  EXPECT_THROW(m.delete_model("acme/real"), HubError);  // not installed any more
}

// A download an earlier run left unfinished (what list_pending offers to resume): the
// app's cleanup can spare it, discard() drops it, and an installed model being extended
// keeps its files.
TEST(Storage, DiscardAndKeepUnfinishedDownloadsOfEarlierRuns) {
  FakeHub fake;
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  fs::path fresh = tmp.path() / "acme--fresh", extended = tmp.path() / "acme--extended";
  write(fresh / "config.json", "{}");
  write(fresh / "model.safetensors.partial", std::string(3000, 'x'));
  write_pending(fresh, {"acme/fresh", "main", std::string(40, 'a'), FeatureSet::text()});
  write(extended / "model.safetensors", "installed");
  Manifest installed;
  installed.repo = "acme/extended";
  installed.files.push_back({.path = "model.safetensors", .local_size = 9});
  write_manifest(extended, installed);
  write(extended / "model.safetensors.partial", "more");
  write_pending(extended, {"acme/extended", "main", std::string(40, 'b'), FeatureSet::text_and_vision()});
  ASSERT_EQ(list_pending(tmp.path()).size(), 2u);

  EXPECT_TRUE(m.cleanup_orphans({fresh, extended}).removed.empty());
  EXPECT_TRUE(file_exists(fresh / "model.safetensors.partial"));

  m.discard("acme/fresh");
  EXPECT_FALSE(file_exists(fresh));  // nothing installed there: the folder goes
  m.discard("acme/extended");
  EXPECT_TRUE(file_exists(extended / "model.safetensors"));
  EXPECT_FALSE(file_exists(extended / "model.safetensors.partial"));
  EXPECT_TRUE(list_pending(tmp.path()).empty());
  EXPECT_EQ(list_installed(tmp.path()).size(), 1u);
  EXPECT_THROW(m.discard("not a repo"), HubError);
}

TEST(Storage, CleanupSparesAPausedDownload) {
  FakeHub fake;
  std::mt19937_64 rng(2);
  fake.add_repo("acme/slow", {{"model.safetensors", {make_safetensors({random_tensor("w", "U8", {500'000}, rng)}), true}}});
  fake.set_fault("acme/slow", "model.safetensors", {.throttle_bytes = 4096, .throttle_interval = 5ms});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobId id = m.start({.repo = "acme/slow"});
  fs::path partial = partial_path(tmp.path() / "acme--slow" / "model.safetensors");
  for (int i = 0; i < 400 && !file_exists(partial); ++i) std::this_thread::sleep_for(5ms);
  m.pause(id);
  ASSERT_EQ(m.wait(id, 20s).state, JobState::Paused);
  ASSERT_TRUE(file_exists(partial));
  EXPECT_TRUE(m.cleanup_orphans().removed.empty());
  EXPECT_TRUE(file_exists(partial));
  EXPECT_TRUE(m.busy("acme/slow"));
  m.cancel(id);
  EXPECT_EQ(m.wait(id, 20s).state, JobState::Cancelled);
  EXPECT_FALSE(file_exists(tmp.path() / "acme--slow"));
}

TEST(Catalog, ShippedCatalogIsValid) {
  const Catalog& c = builtin_catalog();
  EXPECT_EQ(c.default_model().repo, "Qwen/Qwen3.5-0.8B");
  EXPECT_TRUE(c.default_model().features.has(kVisionFeature));
  EXPECT_LT(c.default_model().size_text_bytes, c.default_model().size_full_bytes);
  ASSERT_TRUE(c.find_repo("Qwen/Qwen3-0.6B"));
  EXPECT_FALSE(c.find_repo("Qwen/Qwen3-0.6B")->features.has(kVisionFeature));
  EXPECT_TRUE(c.find_repo("Qwen/Qwen3-0.6B")->thinking_by_default);
  int mlx = 0;
  for (const auto& m : c.models) {
    mlx += m.format == "mlx-4bit";
    EXPECT_FALSE(m.description.empty());
    EXPECT_FALSE(m.licence.empty());
    if (m.architecture == "qwen3_5" || (m.architecture == "qwen3" && m.kind == ModelKind::Chat)) {
      EXPECT_EQ(m.licence, "apache-2.0");
      EXPECT_GT(m.sampling.top_k, 0);
    }
  }
  EXPECT_EQ(mlx, 2);
  // The embedded copy is the file in the repository.
  Catalog from_file = load_catalog(source_dir() / "assets" / "catalog.json");
  EXPECT_EQ(from_file.models.size(), c.models.size());
  EXPECT_EQ(builtin_catalog_json(), read_file(source_dir() / "assets" / "catalog.json"));
}

TEST(Catalog, KindsAndDefaults) {
  const Catalog& c = builtin_catalog();
  // Entries without "kind" are chat models, so catalogs written before kinds stay valid.
  EXPECT_EQ(c.default_model().kind, ModelKind::Chat);
  ASSERT_TRUE(c.default_for(ModelKind::SpeechToText));
  EXPECT_EQ(c.default_for(ModelKind::SpeechToText)->id, "moonshine-tiny");
  EXPECT_EQ(c.default_for(ModelKind::SpeechToText)->repo, "moonshine-ai/moonshine-tiny");
  ASSERT_TRUE(c.default_for(ModelKind::TextToSpeech));
  EXPECT_EQ(c.default_for(ModelKind::TextToSpeech)->id, "kani-tts-450m-0.2-ft");
  ASSERT_TRUE(c.default_for(ModelKind::Embedding));
  EXPECT_EQ(c.default_for(ModelKind::Embedding)->kind, ModelKind::Embedding);
  // The organisation's old name resolves to the same entry as the new one.
  ASSERT_TRUE(c.find_repo("UsefulSensors/moonshine-tiny"));
  EXPECT_EQ(c.find_repo("UsefulSensors/moonshine-tiny"), c.find_repo("moonshine-ai/moonshine-tiny"));
  EXPECT_EQ(c.find_repo("UsefulSensors/moonshine-base")->id, "moonshine-base");
  for (const char* lang : {"ar", "ja", "ko", "uk", "vi", "zh"}) {
    const CatalogEntry* m = c.find_id(std::string("moonshine-tiny-") + lang);
    ASSERT_TRUE(m) << lang;
    EXPECT_EQ(m->kind, ModelKind::SpeechToText);
    EXPECT_EQ(m->architecture, "moonshine");
  }
  EXPECT_EQ(c.find_id("lfm2-350m")->kind, ModelKind::Chat);
  EXPECT_EQ(c.find_id("lfm2-1.2b")->licence, "lfm1.0");
  EXPECT_EQ(c.find_id("qwen3-embedding-0.6b")->kind, ModelKind::Embedding);
  for (ModelKind k : kAllModelKinds) EXPECT_EQ(model_kind_from_name(model_kind_name(k)), k);
  EXPECT_FALSE(model_kind_from_name("Chat"));
}

TEST(Catalog, InvalidKindsAreNamed) {
  std::string good = std::string(builtin_catalog_json());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return s.replace(pos, from.size(), to);
  };
  auto err = [&](const std::string& text) { return error_of([&] { parse_catalog(text, "test"); }); };
  EXPECT_NE(
      err(with("\"kind\": \"speech-to-text\"", "\"kind\": \"speech\"")).find("(moonshine-tiny).kind: must be one of"),
      std::string::npos);
  EXPECT_NE(err(with("\"kind\": \"speech-to-text\"", "\"kind\": 3")).find(".kind: must be one of"), std::string::npos);
  // A chat model needs its sampling; a speech model does not.
  EXPECT_NE(err(with("\"kind\": \"speech-to-text\"", "\"kind\": \"chat\""))
                .find("(moonshine-tiny): missing field 'sampling'"),
            std::string::npos);
  EXPECT_NE(err(with("\"speech-to-text\": \"moonshine-tiny\"", "\"speech-to-text\": \"lfm2-350m\""))
                .find("default_by_kind.speech-to-text: 'lfm2-350m' is a chat model"),
            std::string::npos);
  EXPECT_NE(err(with("\"speech-to-text\": \"moonshine-tiny\"", "\"chat\": \"lfm2-350m\"")).find("default_by_kind.chat"),
            std::string::npos);
  EXPECT_NE(
      err(with("\"speech-to-text\": \"moonshine-tiny\"", "\"speech-to-text\": \"nope\"")).find("'nope' is not the id"),
      std::string::npos);
  EXPECT_NE(err(with("\"default\": \"qwen3.5-0.8b\"", "\"default\": \"moonshine-base\"")).find("is not a chat model"),
            std::string::npos);
  // An alias may not name another entry's repo (or its own twice).
  EXPECT_NE(err(with("\"UsefulSensors/moonshine-tiny\"", "\"moonshine-ai/moonshine-base\"")).find("duplicate repo"),
            std::string::npos);
  EXPECT_NE(
      err(with("\"UsefulSensors/moonshine-tiny\"", "\"not a repo\"")).find(".repo_aliases: entries are owner/name"),
      std::string::npos);
  // A catalog written before kinds existed (no kind, no default_by_kind) still parses.
  std::string old = R"({"version": 1, "default": "a", "models": [{"id": "a", "display_name": "A", "repo": "o/a",
    "architecture": "qwen3", "format": "bf16", "licence": "mit", "features": ["text"], "size_full_bytes": 1,
    "size_text_bytes": 1, "sampling": {"temperature": 0.7, "top_p": 0.8, "top_k": 20}, "description": "d"}]})";
  Catalog c = parse_catalog(old, "old");
  EXPECT_EQ(c.models[0].kind, ModelKind::Chat);
  EXPECT_FALSE(c.default_for(ModelKind::SpeechToText));
}

TEST(Catalog, InvalidEntriesAreNamed) {
  std::string good = std::string(builtin_catalog_json());
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return s.replace(pos, from.size(), to);
  };
  auto err = [&](const std::string& text) { return error_of([&] { parse_catalog(text, "test"); }); };
  EXPECT_NE(err(with("\"repo\": \"Qwen/Qwen3-0.6B\"", "\"repo\": \"Qwen3-0.6B\"")).find("models[2] (qwen3-0.6b).repo"),
            std::string::npos);
  EXPECT_NE(err(with("\"top_p\": 0.8", "\"top_p\": 1.8")).find("top_p: 1.8"), std::string::npos);
  EXPECT_NE(err(with("\"licence\"", "\"licenze\": \"x\", \"licence\"")).find("unknown field 'licenze'"),
            std::string::npos);
  EXPECT_NE(err(with("\"default\": \"qwen3.5-0.8b\"", "\"default\": \"nope\"")).find("'nope' is not the id"),
            std::string::npos);
  EXPECT_NE(err(with("\"features\": [\"text\", \"vision\"]", "\"features\": [\"vision\"]")).find("must include"),
            std::string::npos);
  EXPECT_NE(err(with("\"id\": \"qwen3-0.6b\"", "\"id\": \"qwen3.5-0.8b\"")).find("duplicate id"), std::string::npos);
  EXPECT_NE(err("{").find("not valid JSON"), std::string::npos);
}
