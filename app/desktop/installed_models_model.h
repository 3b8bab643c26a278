#pragma once
// The models the app can load: the models directory (vole::data_dir()/models) as the
// model manager lays it out (<owner>--<name>/, with a vole-manifest.json once a download
// completed; unfinished downloads are not listed) or as people place folders by hand
// (<name>/ or <org>/<name>/ with a config.json), plus the folders the user opened from
// elsewhere (remembered in the settings).
#include <QAbstractListModel>
#include <QStringList>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "hub/catalog.h"
#include "hub/features.h"

namespace vole::desktop {

struct InstalledModel {
  QString path;
  QString name;                   // folder name
  QString org;                    // parent folder inside the models directory; "" for opened folders
  QString repo;                   // "owner/name" for a folder in the download layout, else ""
  QString architecture;           // config.json model_type
  qint64 bytes = 0;               // the folder's size on disk
  bool opened = false;            // opened from elsewhere (can be forgotten, never deleted)
  bool present = true;            // an opened folder may have been moved or deleted since
  bool downloaded = false;        // downloaded by Vole: a manifest says what it holds
  bool intact = true;             // every file the manifest lists is there with its size
  hub::FeatureSet features;       // downloaded models: the features fetched
  bool vision_available = false;  // the checkpoint has a vision tower (config.json vision_config)
  qint64 saved_bytes = 0;         // what a full download would have added (selective download)
  bool downloading = false;       // a download for its repo is unfinished (set by the model manager)
  // What it is for (installed_model_kind).
  hub::ModelKind kind = hub::ModelKind::Chat;
};

// What an installed model is for: the catalog's kind when its repo (or an old name of
// it) is in the catalog, else what its architecture can only be (Moonshine: speech to
// text), else chat. Kani-TTS and Qwen3-Embedding share their architecture with chat
// models, so the catalog decides for them.
hub::ModelKind installed_model_kind(const QString& repo, const QString& architecture,
                                    const hub::Catalog& catalog = hub::builtin_catalog());

class InstalledModelsModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count NOTIFY countChanged)
  Q_PROPERTY(QString modelsDirectory READ modelsDirectory NOTIFY countChanged)

 public:
  enum Role {
    PathRole = Qt::UserRole + 1,
    NameRole,
    DisplayNameRole,
    ArchitectureRole,
    SizeRole,
    OpenedRole,
    PresentRole,
    RepoRole,
    DiskBytesRole,  // qulonglong
    DownloadedRole,
    IntactRole,
    FeaturesTextRole,  // "Text and images", "Text only", "" (not downloaded by Vole: unknown)
    HasVisionRole,
    CanAddVisionRole,  // downloaded text-only and the checkpoint has a vision tower
    SavedBytesRole,    // qulonglong
    SavedTextRole,     // "235 MB saved by downloading text only"
    DeletableRole,     // a downloaded folder in the models directory (Delete); others can be forgotten
    DownloadingRole,
    KindRole,  // "chat", "speech-to-text", ...
    ChatRole,  // offered in the chat model picker
  };
  explicit InstalledModelsModel(QObject* parent = nullptr);

  void set_sources(std::filesystem::path models_dir, QStringList opened_folders);
  int count() const { return static_cast<int>(rows_.size()); }
  QString modelsDirectory() const { return QString::fromStdString(models_dir_.string()); }
  const std::vector<InstalledModel>& models() const { return rows_; }

  Q_INVOKABLE void refresh();
  Q_INVOKABLE int indexOfPath(const QString& path) const;
  Q_INVOKABLE QString pathAt(int row) const;
  const InstalledModel* find_repo(const std::string& repo) const;
  // The first intact installed model of a kind, preferring the catalog's default for it
  // ("" if none): where the speech model is found.
  QString pathOfKind(hub::ModelKind kind) const;
  // Marks the rows whose repo has an unfinished download (delete is refused meanwhile).
  void set_downloading(const std::set<std::string>& repos);
  // "" if `path` is a model folder Vole can load, else why not (one line for the user).
  Q_INVOKABLE static QString checkFolder(const QString& path);
  static InstalledModel describe(const std::filesystem::path& dir, bool opened);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 Q_SIGNALS:
  void countChanged();

 private:
  std::filesystem::path models_dir_;
  QStringList opened_;
  std::set<std::string> downloading_;
  std::vector<InstalledModel> rows_;
};

// "512 MB", "1.4 GB": sizes as people read them (decimal units, as disks are sold).
QString human_size(qint64 bytes);

// How a model folder is named in the app: its folder name, or "owner/name" for the
// download layout's "owner--name".
QString model_display_name(const QString& dir);

}  // namespace vole::desktop
