#pragma once
// The Models page's controller: downloads (hub::DownloadManager, whose worker and event
// threads never touch Qt objects: every event is re-posted to the UI thread with a
// queued invocation), the catalog, the installed models, storage and the quota.
//
// Privacy: nothing here contacts the network until the user starts (or resumes) a
// download. The download manager is created on first use; its HTTP client, created by
// its workers for the first job, always verifies TLS (engine/hub/http.h has no switch to
// turn that off, and nothing here passes one). The access token goes only into the hub
// configuration, never into a log line, a notice or an error message.
//
// Settings: the token and the hub URL apply to downloads started after they change
// (the download manager is rebuilt once no download is running; a paused or failed one
// is resumed by the new manager from its partial files). The quota applies at once.
#include <QObject>
#include <QVariantList>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "app_settings.h"
#include "catalog_model.h"
#include "download_list_model.h"
#include "hub/download_manager.h"
#include "installed_models_model.h"

namespace vole::desktop {

class ModelManager : public QObject {
  Q_OBJECT
  Q_PROPERTY(vole::desktop::CatalogModel* catalog READ catalog CONSTANT)
  Q_PROPERTY(vole::desktop::DownloadListModel* downloads READ downloads CONSTANT)
  // Storage (refreshed after every change and by refreshStorage()).
  Q_PROPERTY(qulonglong usedBytes READ usedBytes NOTIFY storageChanged)  // everything under the models folder
  Q_PROPERTY(qulonglong freeBytes READ freeBytes NOTIFY storageChanged)  // free on that disk, for this user
  Q_PROPERTY(qulonglong diskBytes READ diskBytes NOTIFY storageChanged)
  Q_PROPERTY(qulonglong quotaBytes READ quotaBytes NOTIFY storageChanged)
  Q_PROPERTY(double quotaUse READ quotaUse NOTIFY storageChanged)  // used / quota (may exceed 1)
  // "3.1 MB of the 80 GB quota used · 79.9 GB left for downloads", or what being over means.
  Q_PROPERTY(QString storageSummary READ storageSummary NOTIFY storageChanged)
  // What the selective downloads did not fetch (the manifests' full minus local bytes).
  Q_PROPERTY(qulonglong savedBytes READ savedBytes NOTIFY storageChanged)
  // [{name, bytes, sizeText, share (of used), savedText, unfinished}] per folder, largest first.
  Q_PROPERTY(QVariantList storageEntries READ storageEntries NOTIFY storageChanged)
  Q_PROPERTY(QString modelsDir READ modelsDir CONSTANT)
  // The hub downloads come from, and whether VOLE_HUB_URL set it (the setting is then ignored).
  Q_PROPERTY(QString hubUrl READ hubUrl NOTIFY hubChanged)
  Q_PROPERTY(bool hubUrlFromEnvironment READ hubUrlFromEnvironment CONSTANT)
  Q_PROPERTY(bool hasToken READ hasToken NOTIFY hubChanged)

 public:
  ModelManager(AppSettings* settings, InstalledModelsModel* installed, std::filesystem::path models_dir,
               QObject* parent = nullptr);
  ~ModelManager() override;

  CatalogModel* catalog() { return &catalog_; }
  DownloadListModel* downloads() { return &downloads_; }
  qulonglong usedBytes() const { return used_; }
  qulonglong freeBytes() const { return free_; }
  qulonglong diskBytes() const { return disk_; }
  qulonglong quotaBytes() const { return settings_->quotaBytes(); }
  QVariantList storageEntries() const { return storage_entries_; }
  qulonglong savedBytes() const { return saved_; }
  double quotaUse() const;
  QString storageSummary() const;
  QString modelsDir() const;
  QString hubUrl() const;
  bool hubUrlFromEnvironment() const;
  bool hasToken() const { return !settings_->hfToken().isEmpty(); }

  // At app start (disk only, no network): proposes the default quota on the first run,
  // lists downloads an earlier run left unfinished, reads storage.
  void start();
  // Stops the downloads (partial files stay; the next start offers them). Blocks ~50 ms.
  void shutdown();

  // Each returns "" or why nothing started (one line for the user).
  // `input`: owner/name or a model page URL (hub::repo_id_from_input).
  Q_INVOKABLE QString download(const QString& input, bool vision);
  Q_INVOKABLE QString downloadCatalog(const QString& catalog_id, bool vision);
  // Adds the vision tower to a text-only download: fetches only the missing tensors.
  Q_INVOKABLE QString addVision(const QString& repo);
  Q_INVOKABLE void pause(int key);
  Q_INVOKABLE void resume(int key);
  Q_INVOKABLE void cancel(int key);   // a download from an earlier run: its partial files are deleted
  Q_INVOKABLE void dismiss(int key);  // removes a finished row from the list
  // Deletes an installed (downloaded) model; refused while a download for it is unfinished.
  Q_INVOKABLE QString deleteModel(const QString& repo);
  // Deletes partial files no download (running or offered for resuming) will use; returns
  // what was freed, for the user.
  Q_INVOKABLE QString cleanUp();
  Q_INVOKABLE void refreshStorage();
  // "" when `url` can be used as the hub URL setting ("" = huggingface.co), else why not.
  Q_INVOKABLE QString checkHubUrl(const QString& url) const;

  // Tests shorten timeouts and retries; applied whenever the download manager is built.
  void set_options_hook(std::function<void(hub::ManagerOptions&)> hook) { options_hook_ = std::move(hook); }
  hub::ManagerOptions manager_options() const;

 Q_SIGNALS:
  void storageChanged();
  void hubChanged();
  void notice(const QString& message);
  void modelDownloaded(const QString& path, const QString& name);
  void modelDeleted(const QString& path);

 private:
  hub::DownloadManager& manager();
  QString start_job(const hub::DownloadRequest& request);
  void on_event(uint64_t generation, const hub::JobEvent& event);
  void rebuild_manager_if_idle();
  void sync_status();
  QString name_for(const std::string& repo) const;

  AppSettings* settings_;
  InstalledModelsModel* installed_;
  std::filesystem::path models_dir_;
  CatalogModel catalog_;
  DownloadListModel downloads_;
  std::unique_ptr<hub::DownloadManager> manager_;
  uint64_t generation_ = 0;  // events of a replaced manager are ignored
  bool config_changed_ = false;
  std::function<void(hub::ManagerOptions&)> options_hook_;
  qulonglong used_ = 0, free_ = 0, disk_ = 0, saved_ = 0;
  QVariantList storage_entries_;
};

}  // namespace vole::desktop
