#pragma once
// The models the app can load: every folder with a config.json in the models
// directory (vole::data_dir()/models/<org>/<name>, where downloads go) plus the
// folders the user opened from elsewhere (remembered in the settings).
#include <QAbstractListModel>
#include <QStringList>
#include <filesystem>
#include <vector>

namespace vole::desktop {

struct InstalledModel {
  QString path;
  QString name;          // folder name
  QString org;           // parent folder inside the models directory; "" for opened folders
  QString architecture;  // config.json model_type
  qint64 bytes = 0;      // safetensors files
  bool opened = false;   // opened from elsewhere (can be forgotten, never deleted)
  bool present = true;   // an opened folder may have been moved or deleted since
};

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
    PresentRole
  };
  explicit InstalledModelsModel(QObject* parent = nullptr);

  void set_sources(std::filesystem::path models_dir, QStringList opened_folders);
  int count() const { return static_cast<int>(rows_.size()); }
  QString modelsDirectory() const { return QString::fromStdString(models_dir_.string()); }
  const std::vector<InstalledModel>& models() const { return rows_; }

  Q_INVOKABLE void refresh();
  Q_INVOKABLE int indexOfPath(const QString& path) const;
  Q_INVOKABLE QString pathAt(int row) const;
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
  std::vector<InstalledModel> rows_;
};

// "512 MB", "1.4 GB": sizes as people read them (decimal units, as disks are sold).
QString human_size(qint64 bytes);

}  // namespace vole::desktop
