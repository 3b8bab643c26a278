#pragma once
// The models Vole offers (hub::builtin_catalog(), assets/catalog.json) as a list for the
// Models page: what each is, its download sizes (full and text-only), licence, features,
// the model card's recommended sampling, and whether it is installed or downloading (set
// by the ModelManager, which knows both).
#include <QAbstractListModel>
#include <QStringList>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hub/catalog.h"

namespace vole::desktop {

// What the app knows about a repo besides the catalog: on disk, and with which features.
struct RepoStatus {
  bool installed = false;
  hub::FeatureSet features;  // of the installed model
  bool downloading = false;  // a download for it is unfinished (queued, running, paused or failed)
  QString path;              // the installed folder
};

class CatalogModel : public QAbstractListModel {
  Q_OBJECT
  Q_PROPERTY(int count READ count CONSTANT)

 public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    DisplayNameRole,
    RepoRole,
    FormatRole,
    ArchitectureRole,
    LicenceRole,
    DescriptionRole,
    SizeFullRole,      // qulonglong bytes
    SizeTextOnlyRole,  // qulonglong bytes
    SizeFullTextRole,  // "1.7 GB"
    SizeTextOnlyTextRole,
    HasVisionRole,     // the checkpoint has a vision tower
    FeaturesTextRole,  // "Text and images" / "Text"
    SamplingTextRole,  // "temperature 0.7 · top-p 0.8 · top-k 20"
    ThinkingTextRole,  // "" or the thinking-mode recommendation, with whether it thinks by default
    RecommendedRole,   // the catalog's default model of its kind
    InstalledRole,
    InstalledVisionRole,
    DownloadingRole,
    InstalledPathRole,
    KindRole,      // "chat", "speech-to-text", "text-to-speech", "embedding"
    KindTextRole,  // "Chat", "Speech to text", ...
    ChatRole,      // a chat model (can be used in the chat)
  };

  explicit CatalogModel(const hub::Catalog& catalog = hub::builtin_catalog(), QObject* parent = nullptr);

  int count() const { return static_cast<int>(entries_.size()); }
  const hub::CatalogEntry* entry(const QString& id) const;
  const hub::CatalogEntry* entry_for_repo(const std::string& repo) const;
  // Replaces the installed/downloading state of every row (repos not in `status`: neither).
  void set_status(const std::map<std::string, RepoStatus>& status);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QHash<int, QByteArray> roleNames() const override;

 private:
  std::vector<hub::CatalogEntry> entries_;
  std::set<std::string> recommended_ids_;  // the catalog's suggestion for each kind
  std::vector<RepoStatus> status_;  // per row
};

// How the app names a model kind ("Speech to text").
QString model_kind_text(hub::ModelKind kind);

// "temperature 1.0 · top-p 0.95 · top-k 20 · presence penalty 1.5" (fields at their
// neutral value are left out).
QString sampling_text(const hub::SamplingPreset& preset);

}  // namespace vole::desktop
