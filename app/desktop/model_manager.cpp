#include "model_manager.h"

#include <algorithm>
#include <cstdlib>

#include "arch/families.h"
#include "event_log.h"
#include "hub/catalog.h"
#include "hub/http.h"
#include "hub/repo_id.h"
#include "hub/storage.h"
#include "qt_strings.h"

namespace vole::desktop {

namespace fs = std::filesystem;

namespace {

const char* env_hub_url() {
  const char* url = std::getenv("VOLE_HUB_URL");
  return url && *url ? url : nullptr;
}
}  // namespace

ModelManager::ModelManager(AppSettings* settings, InstalledModelsModel* installed, fs::path models_dir, QObject* parent)
    : QObject(parent), settings_(settings), installed_(installed), models_dir_(std::move(models_dir)) {
  connect(settings_, &AppSettings::quotaBytesChanged, this, [this] {
    if (manager_) manager_->set_quota(manager_options().quota_bytes);
    Q_EMIT storageChanged();
  });
  auto hub_settings_changed = [this] {
    config_changed_ = true;
    rebuild_manager_if_idle();
    Q_EMIT hubChanged();
  };
  connect(settings_, &AppSettings::hfTokenChanged, this, hub_settings_changed);
  connect(settings_, &AppSettings::hubUrlChanged, this, hub_settings_changed);
}

ModelManager::~ModelManager() { shutdown(); }

QString ModelManager::modelsDir() const { return qstr(models_dir_.string()); }

bool ModelManager::hubUrlFromEnvironment() const { return env_hub_url() != nullptr; }

QString ModelManager::hubUrl() const { return qstr(manager_options().hub.base_url); }

hub::ManagerOptions ModelManager::manager_options() const {
  hub::ManagerOptions o;
  o.models_dir = models_dir_;
  o.families = &arch::families();
  o.hub = hub::HubConfig::from_environment(settings_->hfToken().toStdString());  // VOLE_HUB_URL, HF_TOKEN
  const QString url = settings_->hubUrl();
  if (!env_hub_url() && !url.isEmpty() && checkHubUrl(url).isEmpty()) o.hub.base_url = url.toStdString();
  if (settings_->quotaBytes() > 0) o.quota_bytes = settings_->quotaBytes();
  if (options_hook_) options_hook_(o);
  return o;
}

hub::DownloadManager& ModelManager::manager() {
  if (!manager_) {
    // Events arrive on the manager's own thread: copy them into a queued call on the UI
    // thread. `generation` drops events of a manager that has been replaced meanwhile.
    // (The manager, and with it its event thread, ends before this object does; events
    // still queued for a destroyed receiver are dropped by Qt.)
    const uint64_t generation = ++generation_;
    manager_ = std::make_unique<hub::DownloadManager>(manager_options(), [this, generation](const hub::JobEvent& e) {
      QMetaObject::invokeMethod(
          this, [this, generation, e] { on_event(generation, e); }, Qt::QueuedConnection);
    });
  }
  return *manager_;
}

void ModelManager::start() {
  try {
    if (settings_->quotaBytes() == 0) settings_->setQuotaBytes(hub::default_quota(models_dir_));
  } catch (const std::exception&) {
    // The free space cannot be read (folder on an unusual file system): no quota is proposed.
  }
  for (const auto& pending : hub::list_pending(models_dir_)) {
    downloads_.add_unfinished(pending, name_for(pending.repo));
    log_event("download-unfinished", {{"repo", qstr(pending.repo)}, {"features", qstr(pending.features.to_string())}});
  }
  refreshStorage();
  sync_status();
}

void ModelManager::shutdown() {
  if (!manager_) return;
  manager_.reset();  // pauses what runs: partial files stay and are offered at the next start
  ++generation_;
}

QString ModelManager::name_for(const std::string& repo) const {
  if (const auto* e = catalog_.entry_for_repo(repo)) return qstr(e->display_name);
  return qstr(repo);
}

QString ModelManager::checkHubUrl(const QString& url) const {
  QString u = url.trimmed();
  if (u.isEmpty()) return {};
  // TLS is how Vole knows the files come from the hub it names: no plain-HTTP mirrors.
  if (!u.startsWith("https://", Qt::CaseInsensitive) || hub::url_origin(u.toStdString()).empty())
    return tr(
        "Use an https:// address (for example https://hf-mirror.example.com): Vole downloads only over "
        "verified TLS.");
  if (u.contains('?') || u.contains('#')) return tr("The hub address cannot have a query or fragment.");
  return {};
}

QString ModelManager::download(const QString& input, bool vision) {
  std::string repo;
  try {
    repo = hub::repo_id_from_input(input.toStdString());
  } catch (const std::exception& e) {
    return qstr(e.what());
  }
  std::string revision = "main";
  if (const auto* entry = catalog_.entry_for_repo(repo)) {
    repo = entry->repo;  // an old name of the repo (an organisation renamed) becomes its current one
    revision = entry->revision;
  }
  return start_job({repo, revision, vision ? hub::FeatureSet::text_and_vision() : hub::FeatureSet::text()});
}

QString ModelManager::downloadCatalog(const QString& catalog_id, bool vision) {
  const auto* entry = catalog_.entry(catalog_id);
  if (!entry) return tr("%1 is not in Vole's catalog.").arg(catalog_id);
  hub::FeatureSet features = vision && entry->features.has(hub::kVisionFeature) ? hub::FeatureSet::text_and_vision()
                                                                                 : hub::FeatureSet::text();
  return start_job({entry->repo, entry->revision, features});
}

QString ModelManager::addVision(const QString& repo) {
  std::optional<hub::Manifest> manifest;
  try {
    manifest = hub::read_manifest(hub::model_dir_for(models_dir_, repo.toStdString()));
  } catch (const std::exception& e) {
    return qstr(e.what());
  }
  if (!manifest) return tr("%1 was not downloaded by Vole, so Vole cannot tell what it is missing.").arg(repo);
  // The installed revision: the manager keeps the folder's commit and fetches only what is missing.
  return start_job({manifest->repo, manifest->revision, manifest->features.with(hub::kVisionFeature)});
}

QString ModelManager::start_job(const hub::DownloadRequest& request) {
  rebuild_manager_if_idle();  // a new token or hub URL applies from here
  hub::JobId id = 0;
  try {
    id = manager().start(request);
  } catch (const std::exception& e) {
    return qstr(e.what());
  }
  downloads_.attach(id, request, name_for(request.repo));
  log_event("download-started", {{"job", static_cast<qulonglong>(id)},
                                 {"repo", qstr(request.repo)},
                                 {"features", qstr(request.features.to_string())}});
  sync_status();
  return {};
}

void ModelManager::pause(int key) {
  const DownloadRow* row = downloads_.find_key(key);
  if (!row || !row->job || !manager_) return;
  try {
    manager_->pause(*row->job);
  } catch (const std::exception& e) {
    Q_EMIT notice(qstr(e.what()));
  }
}

void ModelManager::resume(int key) {
  rebuild_manager_if_idle();  // e.g. a token added after "gated": the retry uses it
  const DownloadRow* row = downloads_.find_key(key);
  if (!row) return;
  if (!row->job) {
    const hub::DownloadRequest request = row->request;  // start_job updates the row
    QString problem = start_job(request);
    if (!problem.isEmpty()) Q_EMIT notice(problem);
    return;
  }
  try {
    manager().resume(*row->job);
  } catch (const std::exception& e) {
    Q_EMIT notice(qstr(e.what()));
  }
}

void ModelManager::cancel(int key) {
  const DownloadRow* row = downloads_.find_key(key);
  if (!row) return;
  try {
    if (row->job) {
      manager().cancel(*row->job);  // the Cancelled event updates the row
      return;
    }
    manager().discard(row->request.repo);
  } catch (const std::exception& e) {
    Q_EMIT notice(qstr(e.what()));
    return;
  }
  log_event("download-discarded", {{"repo", qstr(row->request.repo)}});
  downloads_.remove(key);
  refreshStorage();
  sync_status();
}

void ModelManager::dismiss(int key) {
  const DownloadRow* row = downloads_.find_key(key);
  if (!row) return;
  auto s = row->info.state;
  if (s != hub::JobState::Completed && s != hub::JobState::Cancelled) return;
  if (row->job && manager_) {
    try {
      manager_->forget(*row->job);
    } catch (const std::exception&) {
      // Already gone from the manager: only the row remains to be removed.
    }
  }
  downloads_.remove(key);
}

QString ModelManager::deleteModel(const QString& repo) {
  const std::string r = repo.toStdString();
  if (downloads_.unfinished_repos().count(r))
    return tr("%1 has an unfinished download: cancel it before deleting the model.").arg(name_for(r));
  const QString path = qstr(hub::model_dir_for(models_dir_, r).string());
  try {
    manager().delete_model(r);
  } catch (const std::exception& e) {
    return qstr(e.what());
  }
  log_event("model-deleted", {{"repo", repo}});
  Q_EMIT modelDeleted(path);
  installed_->refresh();
  refreshStorage();
  sync_status();
  return {};
}

QString ModelManager::cleanUp() {
  // Unfinished downloads still in the list (running, paused, failed or from an earlier
  // run) keep their partial files: resuming them continues where they stopped.
  std::set<fs::path> keep;
  for (const auto& repo : downloads_.unfinished_repos()) keep.insert(hub::model_dir_for(models_dir_, repo));
  hub::CleanupReport report;
  try {
    report = manager().cleanup_orphans(keep);
  } catch (const std::exception& e) {
    return qstr(e.what());
  }
  log_event("cleanup", {{"files", static_cast<int>(report.removed.size())},
                        {"bytes", static_cast<qulonglong>(report.bytes_freed)}});
  refreshStorage();
  if (report.removed.empty()) return tr("Nothing to clean up: no leftover partial files.");
  return tr("Removed %n leftover file(s), freed %1.", nullptr, static_cast<int>(report.removed.size()))
      .arg(human_size(static_cast<qint64>(report.bytes_freed)));
}

void ModelManager::refreshStorage() {
  hub::StorageReport report;
  try {
    report = hub::storage_report(models_dir_);
  } catch (const std::exception&) {
    report = {};  // the free space cannot be read: shown as unknown (0)
  }
  used_ = report.used_bytes;
  free_ = report.disk.free;
  disk_ = report.disk.total;
  std::sort(report.per_model.begin(), report.per_model.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  storage_entries_.clear();
  saved_ = 0;
  for (const auto& [folder, bytes] : report.per_model) {
    std::error_code ec;
    const fs::path dir = models_dir_ / folder;
    bool unfinished = fs::exists(dir / hub::kPendingName, ec);
    uint64_t saved = 0;
    try {
      if (auto manifest = hub::read_manifest(dir)) saved = manifest->saved_bytes();
    } catch (const std::exception&) {
      // A damaged manifest: the Installed list says so; here it only counts its bytes.
    }
    saved_ += saved;
    storage_entries_.append(QVariantMap{
        {"name", qstr(hub::repo_from_folder_name(folder).value_or(folder))},
        {"bytes", QVariant::fromValue<qulonglong>(bytes)},
        {"sizeText", human_size(static_cast<qint64>(bytes))},
        {"share", used_ ? static_cast<double>(bytes) / static_cast<double>(used_) : 0.0},
        {"savedText", saved ? tr("%1 not downloaded").arg(human_size(static_cast<qint64>(saved))) : QString()},
        {"unfinished", unfinished}});
  }
  Q_EMIT storageChanged();
}

double ModelManager::quotaUse() const {
  const qulonglong quota = quotaBytes();
  return quota ? static_cast<double>(used_) / static_cast<double>(quota) : 0.0;
}

QString ModelManager::storageSummary() const {
  const qulonglong quota = quotaBytes();
  auto size = [](qulonglong b) { return human_size(static_cast<qint64>(b)); };
  if (quota == 0) return tr("%1 used · %2 free on this disk").arg(size(used_), size(free_));
  if (used_ > quota)
    return tr("%1 used, %2 over the %3 quota: new downloads are refused until you delete a model or raise the quota.")
        .arg(size(used_), size(used_ - quota), size(quota));
  const qulonglong room = std::min<qulonglong>(quota - used_, free_);
  return tr("%1 of the %2 quota used · %3 left for downloads").arg(size(used_), size(quota), size(room));
}

void ModelManager::on_event(uint64_t generation, const hub::JobEvent& event) {
  if (generation != generation_) return;
  const hub::JobInfo& j = event.job;
  // Every job gets its row when it starts (start_job runs before any of its events is
  // delivered), so an unknown job is one whose row was dismissed: nothing to show.
  if (!downloads_.apply(j)) return;
  const QString repo = qstr(j.repo);
  if (event.kind == hub::JobEvent::Kind::Progress) {
    log_event("download-progress", {{"job", static_cast<qulonglong>(j.id)},
                                    {"repo", repo},
                                    {"done", static_cast<qulonglong>(j.bytes_done)},
                                    {"total", static_cast<qulonglong>(j.bytes_total)},
                                    {"speed", static_cast<qulonglong>(j.bytes_per_second)},
                                    {"eta", j.eta_seconds ? QString::number(*j.eta_seconds, 'f', 1) : QString("-")}});
    return;
  }
  QList<QPair<QString, QVariant>> fields{{"job", static_cast<qulonglong>(j.id)},
                                         {"repo", repo},
                                         {"state", QString::fromLatin1(hub::job_state_name(j.state))}};
  if (j.state == hub::JobState::Failed) {
    fields.append({"failure", QString::fromLatin1(hub::failure_name(j.failure))});
    fields.append({"error", qstr(j.error)});
  }
  if (j.state == hub::JobState::Completed) {
    fields.append({"local", static_cast<qulonglong>(j.local_bytes)});
    fields.append({"full", static_cast<qulonglong>(j.full_bytes)});
  }
  log_event("download", fields);
  if (j.state == hub::JobState::Completed) {
    installed_->refresh();
    const QString name = name_for(j.repo);
    Q_EMIT modelDownloaded(qstr(j.model_dir.string()), name);
  }
  if (j.settled()) refreshStorage();
  sync_status();
  rebuild_manager_if_idle();
}

void ModelManager::rebuild_manager_if_idle() {
  if (!config_changed_) return;
  if (manager_) {
    if (downloads_.activeCount() > 0) return;  // applied once the running downloads settle
    downloads_.detach_all();  // paused / failed rows resume in the new manager, from their partial files
    manager_.reset();
  }
  config_changed_ = false;
}

void ModelManager::sync_status() {
  std::set<std::string> unfinished = downloads_.unfinished_repos();
  std::map<std::string, RepoStatus> status;
  for (const auto& m : installed_->models())
    if (!m.repo.isEmpty()) status[m.repo.toStdString()] = {true, m.features, false, m.path};
  for (const auto& repo : unfinished) status[repo].downloading = true;
  catalog_.set_status(status);
  installed_->set_downloading(unfinished);
}

}  // namespace vole::desktop
