// DownloadManager against a real HTTP server on loopback (FakeHub): whole-file downloads,
// verification, resume, retries, errors, pause/resume/cancel, quota and parallelism.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/hub_fixtures.h"
#include "util/file.h"
#include "hub/fetcher.h"
#include "hub/manifest.h"
#include "support/temp_dir.h"

using namespace vole;
using namespace vole::hub;
using namespace vole::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr auto kWait = 20s;  // generous upper bound; tests finish in milliseconds

struct Repo {
  std::string name = "acme/tiny-model";
  std::map<std::string, FakeFile> files;
};

// A small model repo: JSON configs (git objects), a text-only safetensors file (read
// header first, then fetched whole because every tensor is needed) and a big LFS file
// fetched whole without a header read (tokenizer.model), which the fault tests use;
// plus files that are not model files and must be skipped.
Repo small_repo(size_t big_size = 300'000) {
  std::mt19937_64 rng(7);
  Repo r;
  std::mt19937_64 trng(11);
  r.files["config.json"] = {R"({"model_type": "qwen3", "hidden_size": 64})", false};
  r.files["tokenizer.json"] = {std::string(R"({"model": {"vocab": {}}, "pad": ")") + std::string(5000, 'x') + "\"}", false};
  r.files["README.md"] = {"# tiny\n", false};
  std::vector<FixtureTensor> t = {random_tensor("model.embed_tokens.weight", "U8", {20'000}, trng),
                                  random_tensor("model.norm.weight", "F32", {16}, trng)};
  r.files["model.safetensors"] = {make_safetensors(t), true};
  r.files["tokenizer.model"] = {random_bytes(big_size, trng), true};
  r.files["pytorch_model.bin"] = {random_bytes(1000, rng), true};   // other format: skipped
  r.files["onnx/model.onnx"] = {random_bytes(1000, rng), true};     // sub-folder: skipped
  return r;
}

struct Events {
  std::mutex mu;
  std::vector<JobEvent> list;
  EventCallback callback() {
    return [this](const JobEvent& e) {
      std::lock_guard lk(mu);
      list.push_back(e);
    };
  }
  int count(JobEvent::Kind k) {
    std::lock_guard lk(mu);
    return static_cast<int>(std::count_if(list.begin(), list.end(), [&](auto& e) { return e.kind == k; }));
  }
};

// Waits until `pred` holds (polling), false on timeout.
template <class P>
bool eventually(P pred, std::chrono::milliseconds timeout = 10s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  auto s = fs::file_size(p, ec);
  return ec ? 0 : s;
}

}  // namespace

TEST(Download, CleanRepoWithVerificationAndNoTokenLeak) {
  FakeHub fake;
  Repo r = small_repo();
  std::string commit = fake.add_repo(r.name, r.files);
  fake.set_tree_page_size(2);  // exercise Link: rel="next" pagination
  TempDir tmp;
  Events events;
  DownloadManager m(test_options(fake, tmp.path(), "hf_secret"), events.callback());
  JobId id = m.start({.repo = r.name});
  JobInfo info = m.wait(id, kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_EQ(info.commit, commit);

  fs::path dir = tmp.path() / "acme--tiny-model";
  for (const char* f : {"config.json", "tokenizer.json", "README.md", "model.safetensors", "tokenizer.model"}) {
    ASSERT_TRUE(file_exists(dir / f)) << f;
    EXPECT_EQ(read_file(dir / f), r.files[f].content) << f;
    EXPECT_FALSE(file_exists(partial_path(dir / f)));
    EXPECT_FALSE(file_exists(sidecar_path(dir / f)));
  }
  EXPECT_FALSE(file_exists(dir / "pytorch_model.bin"));
  EXPECT_FALSE(file_exists(dir / "onnx"));
  EXPECT_EQ(fake.file_requests(r.name, "pytorch_model.bin"), 0);
  EXPECT_FALSE(file_exists(dir / kPendingName));

  auto manifest = read_manifest(dir);
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->commit, commit);
  EXPECT_EQ(manifest->features, FeatureSet::text());
  ASSERT_TRUE(manifest->find("tokenizer.model"));
  EXPECT_EQ(manifest->find("tokenizer.model")->verified, "sha256");
  ASSERT_TRUE(manifest->find("model.safetensors"));  // every tensor is text: fetched whole
  EXPECT_EQ(manifest->find("model.safetensors")->kind, FileKind::Whole);
  EXPECT_EQ(manifest->find("model.safetensors")->verified, "sha256");
  EXPECT_EQ(manifest->find("config.json")->verified, "git-sha1");
  EXPECT_EQ(manifest->full_bytes, manifest->local_bytes());  // text-only model: nothing to skip

  // The token went to the hub and never to the CDN the hub redirected to.
  EXPECT_GT(fake.hub_requests_with_auth(), 0);
  EXPECT_GT(fake.cdn_requests(), 0);
  EXPECT_EQ(fake.cdn_requests_with_auth(), 0);

  // Events arrive in order on the event thread, ending with Completed.
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lk(events.mu);
    return !events.list.empty() && events.list.back().job.state == JobState::Completed;
  }));
  EXPECT_GE(events.count(JobEvent::Kind::State), 4);  // queued, planning, downloading, completed
  std::lock_guard lk(events.mu);
  EXPECT_EQ(events.list.back().job.bytes_done, events.list.back().job.bytes_total);
  for (size_t i = 1; i < events.list.size(); ++i)
    EXPECT_GE(static_cast<int>(events.list[i].job.state), static_cast<int>(events.list[i - 1].job.state));
}

TEST(Download, ProgressEventsAreThrottledAndCarrySpeedAndEta) {
  FakeHub fake;
  Repo r = small_repo(1'000'000);
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.throttle_bytes = 20'000, .throttle_interval = 10ms});  // ~2 MB/s
  TempDir tmp;
  Events events;
  auto opts = test_options(fake, tmp.path());
  opts.progress_interval = 50ms;
  DownloadManager m(opts, events.callback());
  auto t0 = std::chrono::steady_clock::now();
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  ASSERT_TRUE(eventually([&] { return events.count(JobEvent::Kind::State) >= 4; }));
  int progress = events.count(JobEvent::Kind::Progress);
  EXPECT_GE(progress, 3);
  EXPECT_LE(progress, static_cast<int>(secs / 0.05) + 2);  // at most one per interval
  std::lock_guard lk(events.mu);
  bool saw_speed = false;
  for (const auto& e : events.list) {
    if (e.kind != JobEvent::Kind::Progress || e.job.bytes_per_second <= 0) continue;
    saw_speed = true;
    EXPECT_GT(e.job.bytes_per_second, 0.3e6);
    EXPECT_LT(e.job.bytes_per_second, 20e6);
    ASSERT_TRUE(e.job.eta_seconds);
    EXPECT_GE(*e.job.eta_seconds, 0.0);
    EXPECT_LT(*e.job.eta_seconds, 10.0);
  }
  EXPECT_TRUE(saw_speed);
}

TEST(Download, DroppedConnectionResumesWithRange) {
  FakeHub fake;
  Repo r = small_repo(1'000'000);
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.drop_times = 2, .drop_after = 300'000});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  fs::path file = tmp.path() / "acme--tiny-model" / "tokenizer.model";
  EXPECT_EQ(read_file(file), r.files["tokenizer.model"].content);
  auto ranges = fake.ranges_seen(r.name, "tokenizer.model");
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0], "");
  EXPECT_EQ(ranges[1].substr(0, 13), "bytes=300000-");
  EXPECT_EQ(ranges[2].substr(0, 13), "bytes=600000-");
  // Nothing was fetched twice.
  EXPECT_EQ(fake.bytes_served(r.name, "tokenizer.model"), r.files["tokenizer.model"].content.size());
}

TEST(Download, NewManagerResumesPartialAfterRestart) {
  FakeHub fake;
  Repo r = small_repo(1'000'000);
  fake.add_repo(r.name, r.files);
  const std::string& weights = r.files["tokenizer.model"].content;
  fake.set_fault(r.name, "tokenizer.model", {.drop_times = 1000, .drop_after = 400'000});
  TempDir tmp;
  fs::path file = tmp.path() / "acme--tiny-model" / "tokenizer.model";
  {
    auto opts = test_options(fake, tmp.path());
    opts.retry.max_attempts = 1;  // give up at the first drop, as if the network went away
    DownloadManager first(opts);
    JobInfo info = first.wait(first.start({.repo = r.name}), kWait);
    ASSERT_EQ(info.state, JobState::Failed);
    EXPECT_EQ(info.failure, Failure::Network) << info.error;
  }  // the app quits
  EXPECT_EQ(file_size_or_zero(partial_path(file)), 400'000u);
  EXPECT_TRUE(file_exists(sidecar_path(file)));
  EXPECT_FALSE(file_exists(file));
  auto pending = list_pending(tmp.path());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].repo, r.name);

  fake.clear_fault(r.name, "tokenizer.model");
  DownloadManager second(test_options(fake, tmp.path()));
  JobInfo info = second.wait(second.start({.repo = pending[0].repo, .revision = pending[0].revision}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_EQ(read_file(file), weights);
  auto ranges = fake.ranges_seen(r.name, "tokenizer.model");
  EXPECT_EQ(ranges.back(), "bytes=400000-" + std::to_string(weights.size() - 1));
  EXPECT_EQ(fake.bytes_served(r.name, "tokenizer.model"), weights.size());
  EXPECT_TRUE(list_pending(tmp.path()).empty());
}

TEST(Download, ResumingAFailedJobContinuesItsPartial) {
  FakeHub fake;
  Repo r = small_repo(1'000'000);
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.drop_times = 1000, .drop_after = 350'000});
  TempDir tmp;
  auto opts = test_options(fake, tmp.path());
  opts.retry.max_attempts = 1;  // give up at the first drop
  DownloadManager m(opts);
  JobId id = m.start({.repo = r.name});
  JobInfo failed = m.wait(id, kWait);
  ASSERT_EQ(failed.state, JobState::Failed);
  EXPECT_EQ(failed.failure, Failure::Network);
  EXPECT_NE(failed.error.find("tokenizer.model"), std::string::npos) << failed.error;
  fake.clear_fault(r.name, "tokenizer.model");
  m.resume(id);  // the user retries: planned again, the 350 kB already here are kept
  JobInfo done = m.wait(id, kWait);
  ASSERT_EQ(done.state, JobState::Completed) << done.error;
  EXPECT_EQ(done.failure, Failure::None);
  EXPECT_EQ(read_file(tmp.path() / "acme--tiny-model" / "tokenizer.model"), r.files["tokenizer.model"].content);
  EXPECT_EQ(fake.ranges_seen(r.name, "tokenizer.model").back().substr(0, 13), "bytes=350000-");
  EXPECT_EQ(fake.bytes_served(r.name, "tokenizer.model"), r.files["tokenizer.model"].content.size());
}

TEST(Download, ChangedEtagDiscardsThePartialAndRestartsCleanly) {
  FakeHub fake;
  Repo r = small_repo(1'000'000);
  r.files["tokenizer.model"].lfs = false;  // served by the hub itself, ETag = git blob id
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.drop_times = 1000, .drop_after = 300'000});
  TempDir tmp;
  fs::path file = tmp.path() / "acme--tiny-model" / "tokenizer.model";
  {
    auto opts = test_options(fake, tmp.path());
    opts.retry.max_attempts = 1;
    DownloadManager first(opts);
    ASSERT_EQ(first.wait(first.start({.repo = r.name}), kWait).state, JobState::Failed);
  }
  ASSERT_EQ(file_size_or_zero(partial_path(file)), 300'000u);
  // The server now identifies the object differently: the kept bytes cannot be trusted.
  fake.set_fault(r.name, "tokenizer.model", {.etag = "another-object"});
  DownloadManager second(test_options(fake, tmp.path()));
  JobInfo info = second.wait(second.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_EQ(read_file(file), r.files["tokenizer.model"].content);
  auto ranges = fake.ranges_seen(r.name, "tokenizer.model");
  ASSERT_GE(ranges.size(), 3u);
  EXPECT_EQ(ranges[ranges.size() - 2].substr(0, 13), "bytes=300000-");  // resume attempt, ETag differs
  EXPECT_EQ(ranges.back(), "");                                        // then the whole file again
  EXPECT_EQ(info.bytes_done, info.bytes_total);
}

TEST(Download, ShutdownMidTransferKeepsPartialForTheNextRun) {
  FakeHub fake;
  Repo r = small_repo(400'000);
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.throttle_bytes = 8192, .throttle_interval = 5ms});
  TempDir tmp;
  fs::path file = tmp.path() / "acme--tiny-model" / "tokenizer.model";
  {
    DownloadManager first(test_options(fake, tmp.path()));
    first.start({.repo = r.name});
    ASSERT_TRUE(eventually([&] { return file_size_or_zero(partial_path(file)) > 50'000; }));
  }
  uint64_t kept = file_size_or_zero(partial_path(file));
  EXPECT_GT(kept, 50'000u);
  fake.clear_fault(r.name, "tokenizer.model");
  DownloadManager second(test_options(fake, tmp.path()));
  JobInfo info = second.wait(second.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_EQ(read_file(file), r.files["tokenizer.model"].content);
  EXPECT_EQ(fake.ranges_seen(r.name, "tokenizer.model").back().substr(0, 6 + std::to_string(kept).size() + 1),
            "bytes=" + std::to_string(kept) + "-");
}

TEST(Download, ServerIgnoringRangeRestartsCleanly) {
  FakeHub fake;
  Repo r = small_repo(800'000);
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.drop_times = 1, .drop_after = 250'000, .ignore_range = true});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  const std::string& weights = r.files["tokenizer.model"].content;
  EXPECT_EQ(read_file(tmp.path() / "acme--tiny-model" / "tokenizer.model"), weights);
  auto ranges = fake.ranges_seen(r.name, "tokenizer.model");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[1].substr(0, 13), "bytes=250000-");  // asked to resume, got the whole file (200)
  EXPECT_EQ(fake.bytes_served(r.name, "tokenizer.model"), 250'000 + weights.size());
  EXPECT_EQ(info.bytes_done, info.bytes_total);  // the discarded 250 kB were taken back out of the progress
}

TEST(Download, WrongSizeIsNeverPromoted) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.serve_instead = r.files["tokenizer.model"].content + "extra"});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Failed);
  EXPECT_EQ(info.failure, Failure::Integrity);
  EXPECT_NE(info.error.find("wrong size"), std::string::npos) << info.error;
  fs::path file = tmp.path() / "acme--tiny-model" / "tokenizer.model";
  EXPECT_FALSE(file_exists(file));
  EXPECT_FALSE(file_exists(partial_path(file)));
  EXPECT_FALSE(file_exists(tmp.path() / "acme--tiny-model" / kManifestName));
}

TEST(Download, WrongHashIsNeverPromotedAndPartialDeleted) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  std::string corrupt = r.files["tokenizer.model"].content;
  corrupt[corrupt.size() / 2] ^= 0x40;
  fake.set_fault(r.name, "tokenizer.model", {.serve_instead = corrupt});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Failed);
  EXPECT_EQ(info.failure, Failure::Integrity);
  EXPECT_NE(info.error.find("SHA-256"), std::string::npos) << info.error;
  fs::path file = tmp.path() / "acme--tiny-model" / "tokenizer.model";
  EXPECT_FALSE(file_exists(file));
  EXPECT_FALSE(file_exists(partial_path(file)));
  EXPECT_FALSE(file_exists(sidecar_path(file)));
}

TEST(Download, HubServingAnotherCommitIsCaught) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.commit = std::string(40, 'e')});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Failed);
  EXPECT_EQ(info.failure, Failure::Integrity);
  EXPECT_NE(info.error.find("served commit eeee"), std::string::npos) << info.error;
  EXPECT_FALSE(file_exists(tmp.path() / "acme--tiny-model" / "tokenizer.model"));

  // The hub redirecting an LFS file to another object than the listed one.
  fake.set_fault(r.name, "tokenizer.model", {.etag = std::string(64, 'f')});
  JobInfo other = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(other.state, JobState::Failed);
  EXPECT_EQ(other.failure, Failure::Integrity);
  EXPECT_NE(other.error.find("links object ffff"), std::string::npos) << other.error;
}

TEST(Download, WrongGitBlobIdOfSmallFileIsCaught) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "config.json", {.serve_instead = std::string(r.files["config.json"].content.size(), ' ')});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Failed);
  EXPECT_NE(info.error.find("git blob id"), std::string::npos) << info.error;
  EXPECT_FALSE(file_exists(tmp.path() / "acme--tiny-model" / "config.json"));
}

TEST(Download, MissingRepoAndMissingFileAreClearErrors) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "config.json", {.fail_times = 100, .fail_status = 404, .error_code = "EntryNotFound"});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo missing = m.wait(m.start({.repo = "acme/no-such-model"}), kWait);
  ASSERT_EQ(missing.state, JobState::Failed);
  EXPECT_EQ(missing.failure, Failure::NotFound);
  EXPECT_NE(missing.error.find("repository not found"), std::string::npos) << missing.error;
  EXPECT_FALSE(file_exists(tmp.path() / "acme--no-such-model"));

  JobInfo file = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(file.state, JobState::Failed);
  EXPECT_EQ(file.failure, Failure::NotFound);
  EXPECT_NE(file.error.find("config.json"), std::string::npos) << file.error;
  EXPECT_EQ(fake.file_requests(r.name, "config.json"), 1);  // 404 is not retried
}

TEST(Download, GatedRepoAsksForTokenAndWorksWithOne) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  fake.set_gated(r.name, "hf_good");
  TempDir tmp;
  {
    DownloadManager m(test_options(fake, tmp.path()));
    JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
    ASSERT_EQ(info.state, JobState::Failed);
    EXPECT_EQ(info.failure, Failure::Gated);
    EXPECT_NE(info.error.find("gated"), std::string::npos) << info.error;
    EXPECT_NE(info.error.find("add a Hugging Face token"), std::string::npos) << info.error;
  }
  {
    DownloadManager m(test_options(fake, tmp.path(), "hf_wrong"));
    JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
    ASSERT_EQ(info.state, JobState::Failed);
    EXPECT_EQ(info.failure, Failure::Gated);
    EXPECT_NE(info.error.find("has no access"), std::string::npos) << info.error;
  }
  DownloadManager m(test_options(fake, tmp.path(), "hf_good"));
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_EQ(fake.cdn_requests_with_auth(), 0);
}

TEST(Download, ServerErrorsAreRetriedWithBackoff) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  fake.set_api_fault({.fail_times = 1, .fail_status = 503});
  fake.set_fault(r.name, "tokenizer.model", {.fail_times = 2, .fail_status = 500});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_EQ(fake.file_requests(r.name, "tokenizer.model"), 3);
  EXPECT_EQ(read_file(tmp.path() / "acme--tiny-model" / "tokenizer.model"), r.files["tokenizer.model"].content);

  // Persistent 500s: the job fails after max_attempts with the status in the message.
  fake.set_fault(r.name, "tokenizer.model", {.fail_times = 100, .fail_status = 500});
  TempDir tmp2;
  DownloadManager m2(test_options(fake, tmp2.path()));
  JobInfo failed = m2.wait(m2.start({.repo = r.name}), kWait);
  ASSERT_EQ(failed.state, JobState::Failed);
  EXPECT_EQ(failed.failure, Failure::Network);
  EXPECT_NE(failed.error.find("HTTP 500"), std::string::npos) << failed.error;
}

TEST(Download, CancelOfSlowTransferIsPromptAndRemovesPartials) {
  FakeHub fake;
  Repo r = small_repo(2'000'000);
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.throttle_bytes = 4096, .throttle_interval = 10ms});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobId id = m.start({.repo = r.name});
  fs::path dir = tmp.path() / "acme--tiny-model";
  ASSERT_TRUE(eventually([&] { return file_size_or_zero(partial_path(dir / "tokenizer.model")) > 20'000; }));
  auto t0 = std::chrono::steady_clock::now();
  m.cancel(id);
  JobInfo info = m.wait(id, kWait);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(info.state, JobState::Cancelled);
  EXPECT_LT(took, 500ms);
  EXPECT_FALSE(file_exists(dir));  // a fresh download leaves nothing behind
}

TEST(Download, PauseKeepsPartialAndResumeContinuesWithRange) {
  FakeHub fake;
  Repo r = small_repo(1'000'000);
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.throttle_bytes = 8192, .throttle_interval = 5ms});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobId id = m.start({.repo = r.name});
  fs::path file = tmp.path() / "acme--tiny-model" / "tokenizer.model";
  ASSERT_TRUE(eventually([&] { return file_size_or_zero(partial_path(file)) > 30'000; }));
  m.pause(id);
  JobInfo paused = m.wait(id, kWait);
  ASSERT_EQ(paused.state, JobState::Paused);
  uint64_t at_pause = file_size_or_zero(partial_path(file));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(file_size_or_zero(partial_path(file)), at_pause);  // really stopped
  EXPECT_GT(at_pause, 30'000u);

  fake.clear_fault(r.name, "tokenizer.model");
  m.resume(id);
  JobInfo done = m.wait(id, kWait);
  ASSERT_EQ(done.state, JobState::Completed) << done.error;
  EXPECT_EQ(read_file(file), r.files["tokenizer.model"].content);
  EXPECT_EQ(fake.ranges_seen(r.name, "tokenizer.model").back().substr(0, 6 + std::to_string(at_pause).size() + 1),
            "bytes=" + std::to_string(at_pause) + "-");
}

TEST(Download, QuotaRefusesBeforeAnyByteIsWritten) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  TempDir tmp;
  auto opts = test_options(fake, tmp.path());
  opts.quota_bytes = 10'000;
  DownloadManager m(opts);
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Failed);
  EXPECT_EQ(info.failure, Failure::NoSpace);
  EXPECT_NE(info.error.find("quota 10.0 kB"), std::string::npos) << info.error;
  EXPECT_NE(info.error.find("needs 325.3 kB"), std::string::npos) << info.error;
  EXPECT_NE(info.error.find("free on disk"), std::string::npos) << info.error;
  EXPECT_FALSE(file_exists(tmp.path() / "acme--tiny-model"));
  // Planning read model.safetensors' header (two small ranges, kept in memory); no
  // file was transferred.
  EXPECT_EQ(fake.bytes_served(r.name, "tokenizer.model"), 0u);
  EXPECT_EQ(fake.bytes_served(r.name, "config.json"), 0u);
  EXPECT_EQ(fake.ranges_seen(r.name, "model.safetensors").size(), 2u);

  m.set_quota(100'000'000);  // raised by the user: the same download now goes through
  JobInfo ok = m.wait(m.start({.repo = r.name}), kWait);
  EXPECT_EQ(ok.state, JobState::Completed) << ok.error;
}

TEST(Download, NeverWritesIntoAFolderVoleDidNotMake) {
  FakeHub fake;
  Repo r = small_repo();
  fake.add_repo(r.name, r.files);
  TempDir tmp;
  auto opts = test_options(fake, tmp.path());
  // The user keeps their own files in a folder that happens to have the model's name.
  fs::path dir = tmp.path() / "acme--tiny-model";
  fs::create_directories(dir);
  write_file_atomic(dir / "model.safetensors", std::string("my own weights"));
  DownloadManager m(opts);
  JobId id = m.start({.repo = r.name});
  JobInfo info = m.wait(id, kWait);
  ASSERT_EQ(info.state, JobState::Failed);
  EXPECT_NE(info.error.find("not made by Vole"), std::string::npos) << info.error;
  EXPECT_EQ(read_text_file(dir / "model.safetensors"), "my own weights");
  m.cancel(id);  // cancelling the failed job must not remove the folder either
  EXPECT_EQ(read_text_file(dir / "model.safetensors"), "my own weights");
}

TEST(Download, ParallelTransfersAreBounded) {
  FakeHub fake;
  std::mt19937_64 rng(3);
  Repo r;
  r.name = "acme/many-files";
  for (int i = 0; i < 9; ++i) {
    std::string name = "part" + std::to_string(i) + ".json";
    r.files[name] = {"{\"x\": \"" + std::string(2000 + i, 'a') + "\"}", i % 2 == 0};
    fake.set_fault(r.name, name, {.delay = 60ms});
  }
  fake.add_repo(r.name, r.files);
  TempDir tmp;
  auto opts = test_options(fake, tmp.path());
  opts.max_parallel = 3;
  DownloadManager m(opts);
  JobInfo info = m.wait(m.start({.repo = r.name}), kWait);
  ASSERT_EQ(info.state, JobState::Completed) << info.error;
  EXPECT_LE(fake.max_in_flight(), 3);
  EXPECT_GE(fake.max_in_flight(), 2);  // and they do overlap
}

TEST(Download, StartingTheSameRepoTwiceReturnsTheRunningJob) {
  FakeHub fake;
  Repo r = small_repo(1'000'000);
  fake.add_repo(r.name, r.files);
  fake.set_fault(r.name, "tokenizer.model", {.throttle_bytes = 65536, .throttle_interval = 5ms});
  TempDir tmp;
  DownloadManager m(test_options(fake, tmp.path()));
  JobId a = m.start({.repo = r.name});
  EXPECT_EQ(m.start({.repo = r.name}), a);
  EXPECT_THROW(m.start({.repo = r.name, .features = FeatureSet::text_and_vision()}), HubError);
  EXPECT_THROW(m.start({.repo = "not a repo"}), HubError);
  EXPECT_THROW(m.delete_model(r.name), HubError);  // refused while downloading
  EXPECT_EQ(m.wait(a, kWait).state, JobState::Completed);
  m.delete_model(r.name);
  EXPECT_FALSE(file_exists(tmp.path() / "acme--tiny-model"));
}
