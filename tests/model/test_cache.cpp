// The quantized weight cache: written on first load, mapped on the next, and never
// used when stale (sources or options changed) or damaged (truncated, corrupted,
// left by a killed writer).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "model/weight_cache.h"
#include "arch/families.h"
#include "model_test_util.h"
#include "support/temp_dir.h"
#include "util/paths.h"

using namespace vole;
using namespace vole::model;
using namespace vole::test;

namespace {

// A small Qwen3.5 checkpoint; with MLX, the cache holds scales only.
struct Fixture {
  TempDir dir;
  CheckpointSpec spec;
  explicit Fixture(CheckpointFormat f = CheckpointFormat::BF16) : spec(small_spec("tiny-qwen3_5", f)) {
    write_checkpoint(dir.path(), spec);
  }
  std::filesystem::path cache() const { return dir / kCacheFileName; }
};

LoadOptions cached(LoadOptions o = {}) {
  o.cache = CachePolicy::ModelFolder;
  return o;
}

std::map<std::string, Loaded> load(const std::filesystem::path& dir, const LoadOptions& o, LoadStats* stats = nullptr) {
  ModelFolder folder(dir, arch::families());
  WeightLoader loader(folder, o);
  auto out = load_all(loader);
  if (stats) *stats = loader.stats();
  return out;
}

void expect_same(const std::map<std::string, Loaded>& a, const std::map<std::string, Loaded>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, l] : a) {
    const Loaded& m = b.at(name);
    EXPECT_EQ(l.info.dtype, m.info.dtype) << name;
    EXPECT_EQ(l.info.group_size, m.info.group_size) << name;
    EXPECT_EQ(l.data, m.data) << name;
    EXPECT_EQ(l.scales, m.scales) << name;
  }
}

std::vector<std::string> temp_files(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(e.path().filename().string());
  return out;
}

}  // namespace

TEST(Cache, FirstLoadWritesSecondLoadMaps) {
  Fixture f;
  LoadStats s1, s2;
  auto first = load(f.dir.path(), cached(), &s1);
  EXPECT_EQ(s1.cache_status, "absent");
  EXPECT_TRUE(s1.cache_written) << s1.cache_error;
  EXPECT_GT(s1.converted, 0u);
  ASSERT_TRUE(std::filesystem::exists(f.cache()));
  EXPECT_TRUE(temp_files(f.dir.path()).empty());
  auto second = load(f.dir.path(), cached(), &s2);
  EXPECT_EQ(s2.cache_status, "valid");
  EXPECT_EQ(s2.converted, 0u);
  EXPECT_EQ(s2.from_cache, s1.converted);
  EXPECT_FALSE(s2.cache_written);
  EXPECT_GT(s2.cache_bytes_read, 0u);
  expect_same(first, second);
  // Identical to an uncached load.
  LoadOptions off;
  off.cache = CachePolicy::Off;
  expect_same(first, load(f.dir.path(), off));
}

TEST(Cache, MlxCacheHoldsOnlyTheConvertedScales) {
  Fixture f(CheckpointFormat::Mlx4);
  LoadStats s1, s2;
  auto first = load(f.dir.path(), cached(), &s1);
  ASSERT_TRUE(s1.cache_written) << s1.cache_error;
  std::string status;
  ModelFolder folder(f.dir.path(), arch::families());
  auto reader = CacheReader::open(f.cache(), folder.weight_sources(), status);
  ASSERT_TRUE(reader) << status;
  const CacheEntry* e = reader->find("model.language_model.layers.0.linear_attn.in_proj_qkv.weight", DType::Q4, 64);
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->data.present);  // packed words come from the checkpoint
  EXPECT_TRUE(e->scales.present);
  auto second = load(f.dir.path(), cached(), &s2);
  EXPECT_EQ(s2.converted, 0u);
  expect_same(first, second);
}

TEST(Cache, StaleWhenSourcesChange) {
  Fixture f;
  auto first = load(f.dir.path(), cached());
  // Rewrite the weights with another seed: size is the same, content and mtime differ.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  f.spec.seed = 2;
  write_checkpoint(f.dir.path(), f.spec);
  LoadStats s;
  auto second = load(f.dir.path(), cached(), &s);
  EXPECT_EQ(s.cache_status, "stale: the model's files changed");
  EXPECT_TRUE(s.cache_written);
  EXPECT_NE(first.at("model.language_model.embed_tokens.weight").data, second.at("model.language_model.embed_tokens.weight").data);
  // The rebuilt cache serves the new weights.
  LoadStats s3;
  auto third = load(f.dir.path(), cached(), &s3);
  EXPECT_EQ(s3.cache_status, "valid");
  EXPECT_EQ(s3.converted, 0u);
  expect_same(second, third);
}

TEST(Cache, OptionsChangeAddsEntries) {
  Fixture f;
  LoadStats s1, s2, s3, s4;
  auto g128 = load(f.dir.path(), cached(), &s1);
  LoadOptions o64 = cached();
  o64.group_size = 64;
  auto g64 = load(f.dir.path(), o64, &s2);
  EXPECT_EQ(s2.cache_status, "valid");
  EXPECT_GT(s2.converted, 0u);  // group 64 entries were missing
  EXPECT_TRUE(s2.cache_written);
  EXPECT_EQ(g64.at("model.language_model.embed_tokens.weight").info.group_size, 64);
  load(f.dir.path(), o64, &s3);
  EXPECT_EQ(s3.converted, 0u);
  auto again128 = load(f.dir.path(), cached(), &s4);
  EXPECT_EQ(s4.converted, 0u);  // the first load's entries were kept
  expect_same(g128, again128);
}

TEST(Cache, TruncatedOrCorruptedCacheIsRebuilt) {
  Fixture f;
  auto good = load(f.dir.path(), cached());
  auto size = std::filesystem::file_size(f.cache());
  // Truncated: detected when opened.
  std::filesystem::resize_file(f.cache(), size - 100);
  LoadStats s;
  expect_same(good, load(f.dir.path(), cached(), &s));
  EXPECT_NE(s.cache_status.find("damaged: truncated"), std::string::npos) << s.cache_status;
  EXPECT_TRUE(s.cache_written);
  EXPECT_EQ(std::filesystem::file_size(f.cache()), size);
  // One flipped payload byte: caught by that tensor's checksum, rebuilt from source.
  {
    std::fstream io(f.cache(), std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(4096);
    char c;
    io.get(c);
    io.seekp(4096);
    io.put(static_cast<char>(c ^ 0x40));
  }
  LoadStats s2;
  expect_same(good, load(f.dir.path(), cached(), &s2));
  EXPECT_NE(s2.cache_status.find("failed its checksum"), std::string::npos) << s2.cache_status;
  EXPECT_TRUE(s2.cache_written);
  LoadStats s3;
  expect_same(good, load(f.dir.path(), cached(), &s3));
  EXPECT_EQ(s3.cache_status, "valid");
  EXPECT_EQ(s3.converted, 0u);
  // A corrupted header or index.
  for (uint64_t at : {uint64_t{3}, uint64_t{20}, size - 10}) {
    {
      std::fstream io(f.cache(), std::ios::in | std::ios::out | std::ios::binary);
      io.seekp(static_cast<std::streamoff>(at));
      io.put('\x7f');
    }
    LoadStats s4;
    expect_same(good, load(f.dir.path(), cached(), &s4));
    EXPECT_NE(s4.cache_status.find("damaged"), std::string::npos) << at << ": " << s4.cache_status;
  }
}

TEST(Cache, KilledWriterLeavesNothingThatLooksValid) {
  Fixture f;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Die without warning in the middle of the first (cache-writing) load.
    ModelFolder folder(f.dir.path(), arch::families());
    WeightLoader loader(folder, cached());
    int seen = 0;
    loader.load([&](const HostTensor&, const PlannedTensor& p) {
      if (p.needs_conversion() && ++seen == 6) ::kill(::getpid(), SIGKILL);
    });
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(std::filesystem::exists(f.cache()));
  auto temps = temp_files(f.dir.path());
  ASSERT_EQ(temps.size(), 1u);
  // Even renamed into place, the half-written file is recognised as damaged.
  std::filesystem::copy_file(f.dir / temps[0], f.cache());
  LoadStats s;
  auto loaded = load(f.dir.path(), cached(), &s);
  EXPECT_NE(s.cache_status.find("damaged"), std::string::npos) << s.cache_status;
  EXPECT_TRUE(s.cache_written);
  EXPECT_TRUE(temp_files(f.dir.path()).empty());  // the dead writer's temp file was cleaned up
  LoadOptions off;
  off.cache = CachePolicy::Off;
  expect_same(load(f.dir.path(), off), loaded);
}

TEST(Cache, LocationPolicies) {
  Fixture f;
  EXPECT_EQ(weight_cache_path(f.dir.path(), CachePolicy::Auto), f.cache());  // writable folder
  EXPECT_TRUE(weight_cache_path(f.dir.path(), CachePolicy::Off).empty());
  auto in_cache_dir = weight_cache_path(f.dir.path(), CachePolicy::CacheDir);
  EXPECT_EQ(in_cache_dir.parent_path().parent_path(), cache_dir() / "models");
  EXPECT_EQ(in_cache_dir.filename(), kCacheFileName);
  LoadOptions o;
  o.cache = CachePolicy::CacheDir;
  LoadStats s;
  load(f.dir.path(), o, &s);
  EXPECT_TRUE(s.cache_written) << s.cache_error;
  EXPECT_EQ(s.cache_path, in_cache_dir);
  EXPECT_TRUE(std::filesystem::exists(in_cache_dir));
  EXPECT_FALSE(std::filesystem::exists(f.cache()));
  std::filesystem::remove_all(in_cache_dir.parent_path());
  // Off: nothing written anywhere.
  o.cache = CachePolicy::Off;
  load(f.dir.path(), o, &s);
  EXPECT_EQ(s.cache_status, "disabled");
  EXPECT_FALSE(std::filesystem::exists(f.cache()));
  // An unwritable location does not fail the load.
  o.cache_file = std::filesystem::path("/proc/vole-cannot-write-here") / kCacheFileName;
  o.cache = CachePolicy::ModelFolder;
  load(f.dir.path(), o, &s);
  EXPECT_FALSE(s.cache_written);
  EXPECT_FALSE(s.cache_error.empty());
}
