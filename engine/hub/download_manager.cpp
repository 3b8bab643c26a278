#include "hub/download_manager.h"

#include <algorithm>
#include <atomic>

#include "hub/download_lock.h"
#include "hub/fetcher.h"
#include "hub/plan.h"
#include "hub/repo_id.h"
#include "util/file.h"

namespace vole::hub {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
enum Stop : int { kRun = 0, kPause, kCancel, kFail, kShutdown };

bool finished(JobState s) { return s == JobState::Completed || s == JobState::Failed || s == JobState::Cancelled; }
}  // namespace

const char* job_state_name(JobState s) {
  switch (s) {
    case JobState::Queued: return "queued";
    case JobState::Planning: return "planning";
    case JobState::Downloading: return "downloading";
    case JobState::Paused: return "paused";
    case JobState::Completed: return "completed";
    case JobState::Failed: return "failed";
    case JobState::Cancelled: return "cancelled";
  }
  return "unknown";
}

struct DownloadManager::Job {
  JobInfo info;
  DownloadRequest request;
  std::optional<RepoPlan> plan;
  bool had_installed = false;  // the folder held a finished model when the plan was made
  Manifest manifest;           // what the folder holds, updated as files land
  std::vector<std::string> verified;  // per plan file
  std::atomic<int> stop{kRun};
  int running = 0;
  bool planning = false;               // a plan task is executing
  std::unique_ptr<DownloadLock> lock;  // held from planning until the job is finished
  Clock::time_point last_progress_event{};
  std::deque<std::pair<Clock::time_point, uint64_t>> samples;  // for the speed estimate
};

DownloadManager::DownloadManager(ManagerOptions options, EventCallback on_event)
    : options_(std::move(options)), on_event_(std::move(on_event)) {
  require(options_.max_parallel >= 1 && options_.max_parallel <= 16, "max_parallel must be 1..16");
  for (int i = 0; i < options_.max_parallel; ++i) workers_.emplace_back([this] { worker_main(); });
  dispatcher_ = std::thread([this] { dispatch_main(); });
}

DownloadManager::~DownloadManager() {
  {
    std::lock_guard lk(mu_);
    shutting_down_ = true;
    for (auto& [id, job] : jobs_)
      if (!job->info.settled()) job->stop = kShutdown;  // partials stay for the next run
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
  {
    std::lock_guard lk(mu_);
    dispatcher_stop_ = true;
  }
  events_cv_.notify_all();
  dispatcher_.join();  // delivers what is queued first
}

std::shared_ptr<DownloadManager::Job> DownloadManager::find(JobId id) const {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) fail_hub(Failure::NotFound, "no download job " + std::to_string(id));
  return it->second;
}

JobInfo DownloadManager::snapshot(const Job& job) const { return job.info; }

void DownloadManager::post(JobEvent event) {
  if (!on_event_) return;
  events_.push_back(std::move(event));  // under mu_, so the queue order is the order of the changes
  events_cv_.notify_one();
}

void DownloadManager::dispatch_main() {
  std::unique_lock lk(mu_);
  for (;;) {
    events_cv_.wait(lk, [&] { return dispatcher_stop_ || !events_.empty(); });
    if (events_.empty()) return;  // stopping and drained
    JobEvent e = std::move(events_.front());
    events_.pop_front();
    lk.unlock();
    try {
      on_event_(e);
    } catch (...) {
      // A throwing callback must not take the manager down; the event is simply delivered.
    }
    lk.lock();
  }
}

void DownloadManager::set_state(Job& job, JobState state) {
  job.info.state = state;
  if (finished(state)) job.lock.reset();  // another download of this folder may start
  if (state != JobState::Downloading) {
    job.info.bytes_per_second = 0;
    job.info.eta_seconds.reset();
  }
  post({JobEvent::Kind::State, snapshot(job)});
  settled_cv_.notify_all();
}

void DownloadManager::purge_queue(const Job& job) {
  std::erase_if(queue_, [&](const Task& t) { return t.job.get() == &job; });
}

void DownloadManager::enqueue_waiting_files(const std::shared_ptr<Job>& job) {
  // Generated files (a rewritten shard index) are written by finalize(), after every
  // shard they list has landed, so an installed model's folder is consistent throughout.
  for (size_t i = 0; i < job->info.files.size(); ++i)
    if (job->info.files[i].state == FileProgress::State::Waiting && job->info.files[i].kind != FileKind::Generated)
      queue_.push_back({job, static_cast<int>(i)});
  work_cv_.notify_all();
}

JobId DownloadManager::start(const DownloadRequest& request) {
  validate_repo_id(request.repo);
  validate_revision(request.revision);
  JobId id;
  {
    std::lock_guard lk(mu_);
    if (shutting_down_) fail_hub(Failure::Cancelled, "the download manager is shutting down");
    for (auto& [other_id, other] : jobs_) {
      if (other->request.repo != request.repo || finished(other->info.state)) continue;
      if (other->request.features == request.features && other->request.revision == request.revision)
        return other_id;
      fail_hub(Failure::InvalidInput, request.repo + " is already downloading (job " + std::to_string(other_id) +
                                          "): wait for it to finish or cancel it first");
    }
    auto job = std::make_shared<Job>();
    id = next_id_++;
    job->request = request;
    job->info.id = id;
    job->info.repo = request.repo;
    job->info.revision = request.revision;
    job->info.features = request.features;
    job->info.model_dir = model_dir_for(options_.models_dir, request.repo);
    jobs_[id] = job;
    set_state(*job, JobState::Queued);
    queue_.push_back({job, -1});
    work_cv_.notify_all();
  }
  return id;
}

void DownloadManager::pause(JobId id) {
  std::lock_guard lk(mu_);
  auto job = find(id);
  JobState s = job->info.state;
  if (s != JobState::Queued && s != JobState::Planning && s != JobState::Downloading) return;
  job->stop = kPause;
  purge_queue(*job);
  set_state(*job, JobState::Paused);
}

void DownloadManager::resume(JobId id) {
  std::lock_guard lk(mu_);
  auto job = find(id);
  JobState s = job->info.state;
  if (s != JobState::Paused && s != JobState::Failed) return;
  // A failed job is planned again (the failure may have been in planning, or a file was
  // discarded); its other transfers stop within ~50 ms of the failure.
  if (s == JobState::Failed && job->running > 0)
    fail_hub(Failure::InvalidInput, "job " + std::to_string(id) + " is still stopping; try again in a moment");
  job->stop = kRun;
  job->info.failure = Failure::None;
  job->info.error.clear();
  if (s == JobState::Failed) job->plan.reset();
  if (job->plan) {
    set_state(*job, JobState::Downloading);
    enqueue_waiting_files(job);
  } else {
    set_state(*job, JobState::Queued);
    if (!job->planning) queue_.push_back({job, -1});  // a running plan task carries on by itself
    work_cv_.notify_all();
  }
}

void DownloadManager::cancel(JobId id) {
  std::lock_guard lk(mu_);
  auto job = find(id);
  if (job->info.state == JobState::Completed || job->info.state == JobState::Cancelled) return;
  job->stop = kCancel;
  purge_queue(*job);
  if (job->running == 0) cleanup_cancelled(*job);  // else the last task to stop does it
}

void DownloadManager::cleanup_cancelled(Job& job) {
  remove_unfinished_download(job.info.model_dir, job.plan.has_value());
  set_state(job, JobState::Cancelled);
}

void DownloadManager::forget(JobId id) {
  std::lock_guard lk(mu_);
  auto job = find(id);
  if (!finished(job->info.state)) fail_hub(Failure::InvalidInput, "job " + std::to_string(id) + " is not finished");
  jobs_.erase(id);
}

std::vector<JobInfo> DownloadManager::jobs() const {
  std::lock_guard lk(mu_);
  std::vector<JobInfo> out;
  for (auto& [id, job] : jobs_) out.push_back(snapshot(*job));
  return out;
}

JobInfo DownloadManager::job(JobId id) const {
  std::lock_guard lk(mu_);
  return snapshot(*find(id));
}

JobInfo DownloadManager::wait(JobId id, std::chrono::milliseconds timeout) const {
  std::unique_lock lk(mu_);
  auto job = find(id);
  settled_cv_.wait_for(lk, timeout, [&] { return job->info.settled() && job->running == 0; });
  return snapshot(*job);
}

void DownloadManager::set_quota(std::optional<uint64_t> bytes) {
  std::lock_guard lk(mu_);
  options_.quota_bytes = bytes;
}

bool DownloadManager::busy(const std::string& repo) const {
  std::lock_guard lk(mu_);
  for (auto& [id, job] : jobs_)
    if (job->request.repo == repo && (!finished(job->info.state) || job->running > 0)) return true;
  return false;
}

void DownloadManager::require_idle(const std::string& repo, const std::string& action) const {
  for (auto& [id, job] : jobs_)
    if (job->request.repo == repo && (!finished(job->info.state) || job->running > 0))
      fail_hub(Failure::InvalidInput, repo + " is downloading (job " + std::to_string(id) + "): cancel the download " +
                                          action);
}

void DownloadManager::delete_model(const std::string& repo) {
  validate_repo_id(repo);
  std::lock_guard lk(mu_);  // held throughout, so no job for it can start meanwhile
  require_idle(repo, "before deleting the model");
  delete_model_files(options_.models_dir, repo);
}

void DownloadManager::discard(const std::string& repo) {
  validate_repo_id(repo);
  std::lock_guard lk(mu_);
  require_idle(repo, "instead");
  remove_unfinished_download(model_dir_for(options_.models_dir, repo), false);
}

CleanupReport DownloadManager::cleanup_orphans(const std::set<fs::path>& keep) {
  std::lock_guard lk(mu_);
  std::set<fs::path> busy_dirs = keep;
  for (auto& [id, job] : jobs_)
    if (!finished(job->info.state) || job->running > 0) busy_dirs.insert(job->info.model_dir);
  return remove_orphaned_partials(options_.models_dir, busy_dirs);
}

void DownloadManager::worker_main() {
  std::unique_ptr<HubClient> hub;
  for (;;) {
    Task task;
      {
      std::unique_lock lk(mu_);
      work_cv_.wait(lk, [&] { return shutting_down_ || !queue_.empty(); });
      if (shutting_down_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      Job& job = *task.job;
      if (job.stop != kRun) continue;
      job.running++;
      if (task.file < 0) {
        job.planning = true;
        set_state(job, JobState::Planning);
      }
      else job.info.files[task.file].state = FileProgress::State::Active;
    }
    std::exception_ptr error;
    try {
      if (!hub) hub = std::make_unique<HubClient>(options_.hub, options_.retry);
      if (task.file < 0) run_plan(task.job, *hub);
      else run_file(task.job, task.file, *hub);
    } catch (...) {
      error = std::current_exception();
    }
    end_task(task.job, task.file, error);
  }
}

void DownloadManager::run_plan(const std::shared_ptr<Job>& job, HubClient& hub) {
  const DownloadRequest& req = job->request;
  const fs::path dir = job->info.model_dir;
  StopFn stop = [job] { return job->stop.load() != kRun; };
  bool locked = false;
  {
    std::lock_guard lk(mu_);
    locked = job->lock != nullptr;  // a resumed job keeps its lock
  }
  if (!locked) {
    auto lock = std::make_unique<DownloadLock>(dir, req.repo);
    std::lock_guard lk(mu_);
    job->lock = std::move(lock);
  }

  std::optional<Manifest> installed;
  try {
    installed = read_manifest(dir);
  } catch (const HubError&) {
    installed.reset();  // unreadable: download afresh over it
  }
  if (installed && installed->repo != req.repo) installed.reset();
  PlanInputs in{.repo = req.repo, .revision = req.revision, .features = req.features, .model_dir = dir};
  in.families = options_.families;
  if (installed) {
    if (req.revision != installed->revision && req.revision != installed->commit)
      fail_hub(Failure::InvalidInput, req.repo + " is installed at revision '" + installed->revision +
                                          "': delete it to download revision '" + req.revision + "'");
    in.pinned_commit = installed->commit;
    in.features = req.features | installed->features;
    in.installed = &*installed;
  } else if (auto pending = read_pending(dir); pending && pending->repo == req.repo &&
                                               pending->revision == req.revision) {
    in.pinned_commit = pending->commit;  // resume the commit the interrupted download was fetching
  }

  RepoPlan plan = plan_download(hub, in, stop);

  // Space: what still has to be written, against free disk and the quota.
  uint64_t needed = 0;
  for (const auto& f : plan.files) {
    if (!f.needs_download) continue;
    std::error_code ec;
    uint64_t have = fs::file_size(partial_path(dir / f.remote.path), ec);
    needed += f.local_size - std::min(ec ? 0 : have, f.local_size);
  }
  std::optional<uint64_t> quota;
  {
    std::lock_guard lk(mu_);
    quota = options_.quota_bytes;
  }
  check_space(req.repo, needed, disk_space(options_.models_dir).free, quota, size_on_disk(options_.models_dir));

  // Never download into a folder Vole did not create: promoting files would overwrite the
  // user's, and cancelling would remove them.
  std::error_code dir_ec;
  if (fs::exists(dir, dir_ec) && !fs::is_empty(dir, dir_ec) && !fs::exists(dir / kManifestName, dir_ec) &&
      !fs::exists(dir / kPendingName, dir_ec))
    fail_hub(Failure::InvalidInput, "the folder " + dir.string() +
                                        " already exists and was not made by Vole's downloader; move it away, or "
                                        "open it as a local model folder instead");
  fs::create_directories(dir);
  write_pending(dir, {req.repo, req.revision, plan.commit, plan.features});

  {
    std::lock_guard lk(mu_);
    if (job->stop != kRun) fail_hub(Failure::Cancelled, "stopped while planning");
    job->had_installed = installed.has_value();
    job->manifest = installed ? *installed : Manifest{};
    job->verified.assign(plan.files.size(), "");
    job->info.commit = plan.commit;
    job->info.features = plan.features;
    job->info.full_bytes = plan.full_bytes;
    job->info.local_bytes = plan.local_bytes();
    job->info.files.clear();
    job->info.bytes_done = 0;
    job->info.bytes_total = plan.network_bytes();
    for (const auto& f : plan.files) {
      FileProgress p;
      p.path = f.remote.path;
      p.kind = f.kind;
      p.local_size = f.local_size;
      p.bytes_total = f.needs_download ? f.network_bytes() : 0;
      p.state = f.needs_download ? FileProgress::State::Waiting : FileProgress::State::Kept;
      job->info.files.push_back(p);
    }
    job->plan = std::move(plan);
    job->samples.clear();
    set_state(*job, JobState::Downloading);
    enqueue_waiting_files(job);
  }
}

void DownloadManager::run_file(const std::shared_ptr<Job>& job, int file, HubClient& hub) {
  const FilePlan* plan;
  std::string commit;
  {
    std::lock_guard lk(mu_);
    plan = &job->plan->files[file];
    commit = job->plan->commit;
  }
  FetchCallbacks cb;
  cb.stop = [job] { return job->stop.load() != kRun; };
  cb.on_progress = [this, job, file](int64_t delta) { on_bytes(job, file, delta); };
  std::string verified = fetch_file(hub, job->request.repo, commit, *plan, job->info.model_dir, cb);
  std::lock_guard lk(mu_);
  job->verified[file] = verified;
}

void DownloadManager::on_bytes(const std::shared_ptr<Job>& job, int file, int64_t delta) {
  {
    std::lock_guard lk(mu_);
    JobInfo& info = job->info;
    auto add = [](uint64_t& v, int64_t d) { v = d < 0 && static_cast<uint64_t>(-d) > v ? 0 : v + d; };
    add(info.files[file].bytes_done, delta);
    add(info.bytes_done, delta);
    auto now = Clock::now();
    if (job->samples.empty() || now - job->samples.back().first >= std::chrono::milliseconds(100))
      job->samples.emplace_back(now, info.bytes_done);
    while (job->samples.size() > 2 && now - job->samples.front().first > std::chrono::seconds(5))
      job->samples.pop_front();
    if (job->samples.size() >= 2) {
      auto& [t0, b0] = job->samples.front();
      auto& [t1, b1] = job->samples.back();
      double secs = std::chrono::duration<double>(t1 - t0).count();
      if (secs >= 0.2 && b1 >= b0) {
        info.bytes_per_second = static_cast<double>(b1 - b0) / secs;
        if (info.bytes_per_second > 0 && info.bytes_total >= info.bytes_done)
          info.eta_seconds = static_cast<double>(info.bytes_total - info.bytes_done) / info.bytes_per_second;
      }
    }
    if (now - job->last_progress_event >= options_.progress_interval) {
      job->last_progress_event = now;
      post({JobEvent::Kind::Progress, snapshot(*job)});
    }
  }
}

void DownloadManager::fail_job(Job& job, const std::exception& e) {
  job.stop = kFail;
  purge_queue(job);
  job.info.failure = failure_of(e);
  job.info.error = e.what();
  set_state(job, JobState::Failed);
}

void DownloadManager::end_task(const std::shared_ptr<Job>& job, int file, std::exception_ptr error) {
  {
    std::lock_guard lk(mu_);
    Job& j = *job;
    j.running--;
    if (file < 0) j.planning = false;
    bool stopped = false;
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        stopped = failure_of(e) == Failure::Cancelled && j.stop != kRun;
        if (!stopped && j.stop == kRun) fail_job(j, e);
        else if (!stopped && j.stop == kPause) fail_job(j, e);  // failed while pausing: report it
      } catch (...) {
        if (j.stop == kRun) fail_job(j, std::runtime_error("unknown error"));
      }
      if (file >= 0 && j.info.files[file].state == FileProgress::State::Active)
        j.info.files[file].state = FileProgress::State::Waiting;
      // Paused and resumed before this task noticed: it goes back in the queue.
      if (stopped && j.stop == kRun && !shutting_down_) {
        if (file >= 0) queue_.push_back({job, file});
        else queue_.push_back({job, -1});
        work_cv_.notify_all();
      }
    } else if (file >= 0) {
      j.info.files[file].state = FileProgress::State::Done;
      const FilePlan& fp = j.plan->files[file];
      // Keep the folder's manifest true to its files while extending an installed model.
      ManifestFile entry{fp.remote.path, fp.kind, fp.remote.size, fp.local_size, fp.remote.sha256,
                         fp.remote.git_oid, j.verified[file], fp.tensors, fp.remote_tensor_count,
                         fp.remote_header_sha256};
      if (fp.kind != FileKind::Subset) entry.tensors.clear();
      std::erase_if(j.manifest.files, [&](const ManifestFile& m) { return m.path == entry.path; });
      j.manifest.files.push_back(entry);
      if (j.had_installed) {
        try {
          write_manifest(j.info.model_dir, j.manifest);
        } catch (const std::exception& e) {
          if (j.stop == kRun) fail_job(j, e);
        }
      }
    }
    bool all_done = j.plan && std::all_of(j.info.files.begin(), j.info.files.end(), [](const FileProgress& f) {
                      return f.state == FileProgress::State::Done || f.state == FileProgress::State::Kept ||
                             f.kind == FileKind::Generated;
                    });
    if (all_done && j.running == 0 && j.stop != kCancel && j.stop != kFail && !finished(j.info.state)) {
      try {
        finalize(j);
      } catch (const std::exception& e) {
        fail_job(j, e);
      }
    }
    if (j.stop == kCancel && j.running == 0 && j.info.state != JobState::Cancelled) cleanup_cancelled(j);
    settled_cv_.notify_all();
  }
}

void DownloadManager::finalize(Job& j) {
  const RepoPlan& plan = *j.plan;
  Manifest m = j.manifest;
  std::vector<ManifestFile> files;
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const FilePlan& fp = plan.files[i];
    if (fp.kind == FileKind::Generated && fp.needs_download) {
      write_file_atomic(j.info.model_dir / fp.remote.path, fp.inline_data);
      j.info.files[i].state = FileProgress::State::Done;
    }
    const ManifestFile* have = m.find(fp.remote.path);
    if (have && fp.kind != FileKind::Generated) {
      files.push_back(*have);
      continue;
    }
    ManifestFile e{fp.remote.path, fp.kind, fp.remote.size, fp.local_size, fp.remote.sha256,
                   fp.remote.git_oid, fp.kind == FileKind::Generated ? "generated" : "kept", {},
                   fp.remote_tensor_count, fp.remote_header_sha256};
    if (fp.kind == FileKind::Subset) e.tensors = fp.tensors;
    files.push_back(std::move(e));
  }
  m.files = std::move(files);
  m.repo = plan.repo;
  m.revision = plan.revision;
  m.commit = plan.commit;
  m.features = plan.features;
  m.full_bytes = plan.full_bytes;
  m.downloaded_bytes += plan.network_bytes();
  m.updated_at = utc_now_iso8601();
  write_manifest(j.info.model_dir, m);
  remove_pending(j.info.model_dir);
  j.manifest = m;
  j.info.local_bytes = m.local_bytes();
  set_state(j, JobState::Completed);
}

}  // namespace vole::hub
