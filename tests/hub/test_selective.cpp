// Selective safetensors downloads: only the tensors the requested features need, fetched
// with Range requests into a valid local file; enabling vision later fetches only what
// is missing; sharded checkpoints skip shards and get a rewritten index.
#include <gtest/gtest.h>

#include "arch/families.h"
#include "support/hub_fixtures.h"
#include "hub/fetcher.h"
#include "hub/manifest.h"
#include "hub/plan.h"
#include "hub/storage.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::hub;
using namespace vole::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// The part a stored tensor name belongs to, as the model families declare it.
std::string feature_of_tensor(std::string_view name) {
  std::string part = vole::hub::classify_parts(vole::arch::families())(name);
  return part.empty() ? vole::hub::kCoreFeature : part;
}
bool tensor_needed(std::string_view name, const vole::hub::FeatureSet& f) {
  return vole::hub::tensor_needed(name, f, vole::hub::classify_parts(vole::arch::families()));
}

constexpr auto kWait = 20s;

// A Qwen3.5-like checkpoint: text, vision and MTP tensors interleaved in the file so the
// selection has gaps and coalescing has adjacent runs to merge.
std::vector<FixtureTensor> qwen_like_tensors(std::mt19937_64& rng) {
  return {
      random_tensor("model.language_model.embed_tokens.weight", "BF16", {512, 64}, rng),
      random_tensor("model.language_model.layers.0.mlp.up_proj.weight", "BF16", {128, 64}, rng),
      random_tensor("model.visual.patch_embed.proj.weight", "BF16", {64, 3, 2, 4, 4}, rng),
      random_tensor("model.visual.blocks.0.attn.qkv.weight", "F32", {96, 32}, rng),
      random_tensor("model.language_model.layers.0.input_layernorm.weight", "F32", {64}, rng),
      random_tensor("mtp.fc.weight", "BF16", {64, 128}, rng),
      random_tensor("model.language_model.norm.weight", "F32", {64}, rng),
      random_tensor("model.visual.merger.linear_fc2.weight", "BF16", {64, 256}, rng),
      random_tensor("model.language_model.layers.1.linear_attn.A_log", "F32", {16}, rng),
  };
}

uint64_t bytes_of(const std::vector<FixtureTensor>& ts, const std::string& f) {
  uint64_t n = 0;
  for (const auto& t : ts)
    if (feature_of_tensor(t.name) == f) n += t.data.size();
  return n;
}

uint64_t header_bytes(const std::string& file) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(file[i]);
  return 8 + n;
}

// Checks the local file parses (independent reader) and holds exactly the tensors of
// `features`, byte-identical to the source.
void expect_exact_subset(const fs::path& file, const std::vector<FixtureTensor>& source, FeatureSet features,
                         const json& metadata) {
  ParsedSafetensors p = read_safetensors(read_file(file));
  size_t expected = 0;
  for (const auto& t : source) {
    bool want = tensor_needed(t.name, features);
    expected += want;
    ASSERT_EQ(p.data.count(t.name), want ? 1u : 0u) << t.name;
    if (!want) continue;
    EXPECT_EQ(p.data[t.name], t.data) << t.name;
    EXPECT_EQ(p.header[t.name]["dtype"], t.dtype) << t.name;
    EXPECT_EQ(p.header[t.name]["shape"].get<std::vector<uint64_t>>(), t.shape) << t.name;
  }
  EXPECT_EQ(p.data.size(), expected);
  EXPECT_EQ(p.metadata, metadata);
  // And our own strict parser accepts it.
  EXPECT_NO_THROW(read_local_header(file));
}

}  // namespace

TEST(Selective, TextOnlyThenVisionFetchesOnlyWhatIsMissing) {
  std::mt19937_64 rng(42);
  auto tensors = qwen_like_tensors(rng);
  json metadata = {{"format", "pt"}};
  std::string weights = make_safetensors(tensors, metadata);
  FakeHub fake;
  std::string repo = "Qwen/Qwen3.5-Tiny";
  std::string config = R"({"model_type": "qwen3_5"})";
  fake.add_repo(repo, {{"config.json", {config, false}}, {"model.safetensors", {weights, true}}});
  TempDir tmp;
  fs::path dir = tmp.path() / "Qwen--Qwen3.5-Tiny";
  fs::path file = dir / "model.safetensors";
  uint64_t header = header_bytes(weights);
  uint64_t text = bytes_of(tensors, kCoreFeature), vision = bytes_of(tensors, kVisionFeature);

  {
    DownloadManager m(test_options(fake, tmp.path()));
    JobInfo info = m.wait(m.start({.repo = repo}), kWait);
    ASSERT_EQ(info.state, JobState::Completed) << info.error;
    expect_exact_subset(file, tensors, FeatureSet::text(), metadata);
    // Fetched: the header (8 bytes, then the JSON) and exactly the text tensors' bytes.
    EXPECT_EQ(fake.bytes_served(repo, "model.safetensors"), header + text);
    auto ranges = fake.ranges_seen(repo, "model.safetensors");
    EXPECT_EQ(ranges[0], "bytes=0-7");
    EXPECT_EQ(ranges[1], "bytes=8-" + std::to_string(header - 1));
    // text runs: [embed, up_proj] [input_layernorm] [norm] [A_log] -> 4 coalesced ranges
    EXPECT_EQ(ranges.size(), 2u + 4u);
    EXPECT_EQ(info.full_bytes, weights.size() + config.size());
    EXPECT_LT(info.local_bytes, info.full_bytes);

    auto man = read_manifest(dir);
    ASSERT_TRUE(man);
    EXPECT_EQ(man->features, FeatureSet::text());
    const ManifestFile* mf = man->find("model.safetensors");
    ASSERT_TRUE(mf);
    EXPECT_EQ(mf->kind, FileKind::Subset);
    EXPECT_EQ(mf->verified, "ranges");
    EXPECT_EQ(mf->tensors.size(), 5u);
    EXPECT_EQ(mf->remote_tensor_count, tensors.size());
    EXPECT_EQ(mf->remote_size, weights.size());
    EXPECT_EQ(man->saved_bytes(), man->full_bytes - man->local_bytes());
    EXPECT_GT(man->saved_bytes(), vision);  // vision + MTP + the smaller header
  }
  fake.reset_stats();
  {
    DownloadManager m(test_options(fake, tmp.path()));
    JobInfo info = m.wait(m.start({.repo = repo, .features = FeatureSet::text_and_vision()}), kWait);
    ASSERT_EQ(info.state, JobState::Completed) << info.error;
    expect_exact_subset(file, tensors, FeatureSet::text_and_vision(), metadata);
    // Only the header again and the vision tensors; text came from the local file.
    EXPECT_EQ(fake.bytes_served(repo, "model.safetensors"), header + vision);
    EXPECT_EQ(fake.bytes_served(repo, "config.json"), 0u);  // already installed and verified
    auto man = read_manifest(dir);
    EXPECT_EQ(man->features, FeatureSet::text_and_vision());
    EXPECT_EQ(man->find("model.safetensors")->tensors.size(), 8u);
    EXPECT_FALSE(file_exists(partial_path(file)));
  }
  fake.reset_stats();
  {  // Asking for text again on a text+vision install fetches nothing and keeps vision.
    DownloadManager m(test_options(fake, tmp.path()));
    JobInfo info = m.wait(m.start({.repo = repo}), kWait);
    ASSERT_EQ(info.state, JobState::Completed) << info.error;
    EXPECT_EQ(fake.bytes_served(repo, "model.safetensors"), header);
    expect_exact_subset(file, tensors, FeatureSet::text_and_vision(), metadata);
  }
}

TEST(Selective, AllTensorsNeededMeansAWholeVerifiedDownload) {
  std::mt19937_64 rng(5);
  auto tensors = qwen_like_tensors(rng);
  std::string weights = make_safetensors(tensors);
  FakeHub fake;
  std::string repo = "Qwen/Qwen3.5-Tiny";
  fake.add_repo(repo, {{"model.safetensors", {weights, true}}});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  FeatureSet all = FeatureSet::text_and_vision().with(kMtpFeature);
  JobInfo info = m.wait(m.start({.repo = repo, .features = all}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_EQ(read_file(tmp.path() / "Qwen--Qwen3.5-Tiny" / "model.safetensors"), weights);
  auto man = read_manifest(tmp.path() / "Qwen--Qwen3.5-Tiny");
  EXPECT_EQ(man->find("model.safetensors")->kind, FileKind::Whole);
  EXPECT_EQ(man->find("model.safetensors")->verified, "sha256");
}

TEST(Selective, DroppedRangeResumes) {
  std::mt19937_64 rng(9);
  std::vector<FixtureTensor> tensors = {random_tensor("model.visual.a", "U8", {50'000}, rng),
                                        random_tensor("model.language_model.big", "U8", {400'000}, rng),
                                        random_tensor("mtp.b", "U8", {1000}, rng)};
  std::string weights = make_safetensors(tensors);
  FakeHub fake;
  std::string repo = "acme/drop";
  fake.add_repo(repo, {{"model.safetensors", {weights, true}}});
  // The 400 kB range is cut twice, at 150 kB and 300 kB (the short header reads are not).
  fake.set_fault(repo, "model.safetensors", {.drop_times = 2, .drop_after = 150'000});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = repo}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  expect_exact_subset(tmp.path() / "acme--drop" / "model.safetensors", tensors, FeatureSet::text(), json());
  EXPECT_EQ(fake.bytes_served(repo, "model.safetensors"), header_bytes(weights) + 400'000);
}

TEST(Selective, NoRangeSupportFallsBackToWholeFile) {
  std::mt19937_64 rng(13);
  auto tensors = qwen_like_tensors(rng);
  std::string weights = make_safetensors(tensors);
  FakeHub fake;
  std::string repo = "acme/norange";
  fake.add_repo(repo, {{"model.safetensors", {weights, true}}});
  fake.set_fault(repo, "model.safetensors", {.ignore_range = true});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = repo}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_EQ(read_file(tmp.path() / "acme--norange" / "model.safetensors"), weights);
  EXPECT_EQ(read_manifest(tmp.path() / "acme--norange")->find("model.safetensors")->verified, "sha256");
}

TEST(Selective, ShardedCheckpointSkipsShardsAndRewritesIndex) {
  std::mt19937_64 rng(21);
  std::vector<FixtureTensor> s1 = {random_tensor("model.language_model.embed_tokens.weight", "BF16", {256, 32}, rng),
                                   random_tensor("model.language_model.layers.0.w", "F32", {64}, rng)};
  std::vector<FixtureTensor> s2 = {random_tensor("model.language_model.layers.1.w", "F32", {64}, rng),
                                   random_tensor("model.visual.blocks.0.w", "BF16", {128, 16}, rng),
                                   random_tensor("model.language_model.norm.weight", "F32", {32}, rng)};
  std::vector<FixtureTensor> s3 = {random_tensor("model.visual.merger.w", "BF16", {64, 64}, rng),
                                   random_tensor("mtp.fc.weight", "BF16", {32, 64}, rng)};
  std::string f1 = make_safetensors(s1), f2 = make_safetensors(s2), f3 = make_safetensors(s3);
  const char* n1 = "model-00001-of-00003.safetensors";
  const char* n2 = "model-00002-of-00003.safetensors";
  const char* n3 = "model-00003-of-00003.safetensors";
  json index = {{"metadata", {{"total_size", 0}, {"note", "kept"}}}, {"weight_map", json::object()}};
  uint64_t total = 0;
  for (auto [shard, ts] : {std::pair{n1, &s1}, std::pair{n2, &s2}, std::pair{n3, &s3}})
    for (const auto& t : *ts) {
      index["weight_map"][t.name] = shard;
      total += t.data.size();
    }
  index["metadata"]["total_size"] = total;
  std::string index_text = index.dump(2);
  FakeHub fake;
  std::string repo = "Qwen/Sharded";
  fake.add_repo(repo, {{"model.safetensors.index.json", {index_text, false}},
                       {n1, {f1, true}},
                       {n2, {f2, true}},
                       {n3, {f3, true}},
                       {"config.json", {"{}", false}}});
  TempDir tmp;
  fs::path dir = tmp.path() / "Qwen--Sharded";
  {
    DownloadManager m(test_options(fake, tmp.path()));
    JobInfo info = m.wait(m.start({.repo = repo}), kWait);
    ASSERT_EQ(info.state, JobState::Completed) << info.error;
    EXPECT_EQ(read_file(dir / n1), f1);  // all text: whole, SHA-256 verified
    expect_exact_subset(dir / n2, s2, FeatureSet::text(), json());
    EXPECT_FALSE(file_exists(dir / n3));
    EXPECT_EQ(fake.file_requests(repo, n3), 0);  // not even its header
    json local = json::parse(read_file(dir / "model.safetensors.index.json"));
    json expected_map = {{"model.language_model.embed_tokens.weight", n1},
                         {"model.language_model.layers.0.w", n1},
                         {"model.language_model.layers.1.w", n2},
                         {"model.language_model.norm.weight", n2}};
    EXPECT_EQ(local["weight_map"], expected_map);
    EXPECT_EQ(local["metadata"]["note"], "kept");
    EXPECT_EQ(local["metadata"]["total_size"].get<uint64_t>(),
              s1[0].data.size() + s1[1].data.size() + s2[0].data.size() + s2[2].data.size());
    auto man = read_manifest(dir);
    EXPECT_EQ(man->find("model.safetensors.index.json")->kind, FileKind::Generated);
    EXPECT_EQ(man->find(n1)->verified, "sha256");
    EXPECT_EQ(man->find(n2)->kind, FileKind::Subset);
    EXPECT_EQ(man->find(n3), nullptr);
  }
  fake.reset_stats();
  {
    DownloadManager m(test_options(fake, tmp.path()));
    JobInfo info = m.wait(m.start({.repo = repo, .features = FeatureSet::text_and_vision()}), kWait);
    ASSERT_EQ(info.state, JobState::Completed) << info.error;
    EXPECT_EQ(fake.bytes_served(repo, n1), header_bytes(f1));  // header only: already complete
    EXPECT_EQ(fake.bytes_served(repo, n2), header_bytes(f2) + s2[1].data.size());
    EXPECT_EQ(fake.bytes_served(repo, n3), header_bytes(f3) + s3[0].data.size());
    expect_exact_subset(dir / n2, s2, FeatureSet::text_and_vision(), json());
    expect_exact_subset(dir / n3, s3, FeatureSet::text_and_vision(), json());
    json local = json::parse(read_file(dir / "model.safetensors.index.json"));
    EXPECT_EQ(local["weight_map"].size(), 6u);  // everything but mtp
    EXPECT_FALSE(local["weight_map"].contains("mtp.fc.weight"));
  }
}

TEST(Selective, FailedMergeLeavesTheInstalledModelConsistent) {
  std::mt19937_64 rng(33);
  std::vector<FixtureTensor> s1 = {random_tensor("model.language_model.w", "F32", {256}, rng),
                                   random_tensor("model.visual.a", "F32", {256}, rng)};
  std::vector<FixtureTensor> s2 = {random_tensor("model.visual.b", "F32", {256}, rng)};
  const char* n1 = "model-00001-of-00002.safetensors";
  const char* n2 = "model-00002-of-00002.safetensors";
  json index = {{"metadata", {{"total_size", 3072}}},
                {"weight_map", {{"model.language_model.w", n1}, {"model.visual.a", n1}, {"model.visual.b", n2}}}};
  FakeHub fake;
  std::string repo = "Qwen/Merge";
  fake.add_repo(repo, {{"model.safetensors.index.json", {index.dump(), false}},
                       {n1, {make_safetensors(s1), true}},
                       {n2, {make_safetensors(s2), true}}});
  TempDir tmp;
  fs::path dir = tmp.path() / "Qwen--Merge";
  DownloadManager m(test_options(fake, tmp.path()));
  ASSERT_EQ(m.wait(m.start({.repo = repo}), kWait).state, JobState::Completed);
  std::string text_index = read_file(dir / "model.safetensors.index.json");

  // Enabling vision, reading the second shard's tensor data keeps failing (its header
  // reads succeed, so planning does and the first shard gets merged): the job fails...
  fake.set_fault(repo, n2, {.fail_from = header_bytes(make_safetensors(s2))});
  JobInfo failed = m.wait(m.start({.repo = repo, .features = FeatureSet::text_and_vision()}), kWait);
  ASSERT_EQ(failed.state, JobState::Failed);
  // ...and the installed text model is intact: same index, text features, and every
  // tensor the index lists is in the shard it names.
  EXPECT_EQ(read_file(dir / "model.safetensors.index.json"), text_index);
  auto man = read_manifest(dir);
  ASSERT_TRUE(man);
  EXPECT_EQ(man->features, FeatureSet::text());
  json local = json::parse(text_index);
  for (auto it = local["weight_map"].begin(); it != local["weight_map"].end(); ++it)
    EXPECT_EQ(read_safetensors(read_file(dir / it->get<std::string>())).data.count(it.key()), 1u) << it.key();
  EXPECT_EQ(list_installed(tmp.path()).size(), 1u);
  EXPECT_TRUE(list_installed(tmp.path())[0].intact);

  fake.clear_fault(repo, n2);
  ASSERT_EQ(m.wait(m.start({.repo = repo, .features = FeatureSet::text_and_vision()}), kWait).state,
            JobState::Completed);
  EXPECT_EQ(json::parse(read_file(dir / "model.safetensors.index.json"))["weight_map"].size(), 3u);
  expect_exact_subset(dir / n2, s2, FeatureSet::text_and_vision(), json());
}

TEST(Selective, IndexNamingAMissingShardIsRejected) {
  json index = {{"weight_map", {{"a", "model-00009-of-00009.safetensors"}}}};
  FakeHub fake;
  fake.add_repo("acme/badindex", {{"model.safetensors.index.json", {index.dump(), false}}});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = "acme/badindex"}), kWait);
  ASSERT_EQ(info.state, JobState::Failed);
  EXPECT_EQ(info.failure, Failure::Integrity);
  EXPECT_NE(info.error.find("model-00009-of-00009.safetensors"), std::string::npos) << info.error;
}
