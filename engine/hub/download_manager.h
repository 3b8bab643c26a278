#pragma once
// The model manager's download engine, driven by the app: start a repo download with
// a feature set, pause / resume / cancel it from any thread, list jobs with progress,
// and receive events. Thread-safe; owns a pool of worker threads (max_parallel) that
// run planning and file transfers from one queue, so at most max_parallel files (and
// HTTP connections) are in flight across all jobs.
//
// Semantics:
//  - One job per model folder at a time: starting the same repo again returns the
//    unfinished job's id, as it is (a paused job stays paused until resume()); a
//    different revision or feature set is refused until that job ends.
//  - A folder that already has a model keeps its commit: enabling a feature later
//    fetches only what is missing and merges it in (see plan.h).
//  - Before any byte is written the job checks free disk space and the quota.
//  - pause: transfers stop within ~50 ms; partial files stay for resume.
//  - cancel: transfers stop within ~50 ms; partial files and sidecars are deleted, and a
//    folder that held no finished model is removed. An installed model being extended
//    stays as it was.
//  - failure (after retries): partials stay, so resume() continues where it stopped;
//    the error names what failed (Failure tells the UI what to offer: token, space...).
//  - shutdown (destructor): like pause; a new manager resumes from the partials when
//    the app starts the same download again (list_pending() finds them).
// Events are delivered in order on the manager's own event thread, never under its lock:
// a callback may call back into the manager, and a slow one does not stall transfers
// (a Qt front end re-posts them to its GUI thread). Exceptions from it are ignored.
// Progress events are throttled to one per progress_interval per job. The callback must
// stay valid until the manager is destroyed (the destructor delivers what is queued).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hub/failure.h"
#include "hub/features.h"
#include "hub/hub_client.h"
#include "hub/manifest.h"
#include "hub/storage.h"

namespace vole::hub {

using JobId = uint64_t;

enum class JobState { Queued, Planning, Downloading, Paused, Completed, Failed, Cancelled };
const char* job_state_name(JobState state);

struct FileProgress {
  enum class State { Waiting, Active, Done, Kept };  // Kept: already installed, nothing to fetch
  std::string path;
  FileKind kind = FileKind::Whole;
  State state = State::Waiting;
  uint64_t bytes_done = 0;   // network bytes
  uint64_t bytes_total = 0;
  uint64_t local_size = 0;
};

struct JobInfo {
  JobId id = 0;
  std::string repo;
  std::string revision;
  std::string commit;  // once planned
  FeatureSet features;
  std::filesystem::path model_dir;
  JobState state = JobState::Queued;
  Failure failure = Failure::None;
  std::string error;
  uint64_t bytes_done = 0;   // network bytes, including those a resumed partial already had
  uint64_t bytes_total = 0;  // network bytes this job fetches
  uint64_t full_bytes = 0;   // a full download of the repo's model files
  uint64_t local_bytes = 0;  // the model's files on disk once done
  double bytes_per_second = 0;
  std::optional<double> eta_seconds;
  std::vector<FileProgress> files;

  bool settled() const {
    return state == JobState::Paused || state == JobState::Completed || state == JobState::Failed ||
           state == JobState::Cancelled;
  }
};

struct JobEvent {
  enum class Kind { State, Progress };
  Kind kind = Kind::State;
  JobInfo job;
};
using EventCallback = std::function<void(const JobEvent&)>;

struct DownloadRequest {
  std::string repo;
  std::string revision = "main";
  FeatureSet features;
};

struct ManagerOptions {
  std::filesystem::path models_dir = default_models_dir();
  HubConfig hub = HubConfig::from_environment();
  RetryPolicy retry;
  int max_parallel = 3;
  std::chrono::milliseconds progress_interval{250};
  std::optional<uint64_t> quota_bytes;  // the user's quota for all of Vole's models; nullopt = disk only
  // Model families, to tell which tensors an optional feature (vision, ...) needs
  // (arch::families()); null: downloads take every tensor.
  const model::FamilyTable* families = nullptr;
};

class DownloadManager {
 public:
  explicit DownloadManager(ManagerOptions options, EventCallback on_event = {});
  ~DownloadManager();
  DownloadManager(const DownloadManager&) = delete;
  DownloadManager& operator=(const DownloadManager&) = delete;

  // Validates the repo id and revision (HubError InvalidInput) and queues the job.
  JobId start(const DownloadRequest& request);
  void pause(JobId id);   // Queued/Planning/Downloading -> Paused
  void resume(JobId id);  // Paused or Failed -> continues (a failed job is planned again)
  void cancel(JobId id);  // any unfinished job -> Cancelled
  void forget(JobId id);  // drops a settled job from jobs()

  std::vector<JobInfo> jobs() const;
  JobInfo job(JobId id) const;  // HubError NotFound for unknown ids
  // Blocks until the job is settled (Paused, Completed, Failed, Cancelled) or the timeout passes.
  JobInfo wait(JobId id, std::chrono::milliseconds timeout) const;

  void set_quota(std::optional<uint64_t> bytes);
  const std::filesystem::path& models_dir() const { return options_.models_dir; }
  bool busy(const std::string& repo) const;  // a job for it is queued, running or paused

  // Deletes an installed model; refuses (InvalidInput) while a job for it is busy.
  void delete_model(const std::string& repo);
  // Drops an unfinished download no job of this manager is running (one an earlier run
  // left, see list_pending): its partial files, and its folder unless that holds an
  // installed model. Refuses (InvalidInput) while a job for it is busy.
  void discard(const std::string& repo);
  // Removes leftover partial files of folders no job is working on, except those in `keep`
  // (unfinished downloads the app still offers to resume).
  CleanupReport cleanup_orphans(const std::set<std::filesystem::path>& keep = {});

 private:
  struct Job;
  struct Task {
    std::shared_ptr<Job> job;
    int file = -1;  // -1: plan the job
  };
  void worker_main();
  void run_plan(const std::shared_ptr<Job>& job, HubClient& hub);
  void run_file(const std::shared_ptr<Job>& job, int file, HubClient& hub);
  void end_task(const std::shared_ptr<Job>& job, int file, std::exception_ptr error);
  void on_bytes(const std::shared_ptr<Job>& job, int file, int64_t delta);
  // Helpers below run with mu_ held.
  void require_idle(const std::string& repo, const std::string& action) const;
  void set_state(Job& job, JobState state);
  void fail_job(Job& job, const std::exception& e);
  void finalize(Job& job);
  void cleanup_cancelled(Job& job);
  void post(JobEvent event);
  void purge_queue(const Job& job);
  void enqueue_waiting_files(const std::shared_ptr<Job>& job);
  std::shared_ptr<Job> find(JobId id) const;
  JobInfo snapshot(const Job& job) const;
  void dispatch_main();

  ManagerOptions options_;
  EventCallback on_event_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  mutable std::condition_variable settled_cv_;
  std::deque<Task> queue_;
  std::map<JobId, std::shared_ptr<Job>> jobs_;
  JobId next_id_ = 1;
  bool shutting_down_ = false;
  std::vector<std::thread> workers_;
  std::deque<JobEvent> events_;
  std::condition_variable events_cv_;
  bool dispatcher_stop_ = false;
  std::thread dispatcher_;
};

}  // namespace vole::hub
