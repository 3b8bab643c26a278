#include "installed_models_model.h"

#include <QLocale>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "arch/families.h"
#include "hub/repo_id.h"
#include "hub/storage.h"
#include "model/model_folder.h"
#include "qt_strings.h"
#include "util/file.h"
#include "util/json.h"

namespace vole::desktop {

namespace fs = std::filesystem;

namespace {

bool has_config(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "config.json", ec);
}
}  // namespace

QString human_size(qint64 bytes) {
  if (bytes < 1000) return QObject::tr("%1 B").arg(bytes);
  const char* units[] = {"kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1000 && u < 3) {
    v /= 1000;
    ++u;
  }
  return QStringLiteral("%1 %2").arg(QLocale().toString(v, 'f', v < 10 ? 1 : 0), units[u]);
}

QString model_display_name(const QString& dir) {
  QString name = qstr(fs::path(dir.toStdString()).filename().string());
  if (auto repo = hub::repo_from_folder_name(name.toStdString())) return qstr(*repo);
  return name;
}

InstalledModelsModel::InstalledModelsModel(QObject* parent) : QAbstractListModel(parent) {}

InstalledModel InstalledModelsModel::describe(const fs::path& dir, bool opened) {
  InstalledModel m;
  m.path = qstr(dir.string());
  m.name = qstr(dir.filename().string());
  m.opened = opened;
  m.present = has_config(dir);
  if (!m.present) return m;
  std::string text;
  try {
    text = read_text_file(dir / "config.json");
  } catch (const std::exception&) {
  }
  auto j = parse_json_or_discarded(text);
  if (j.is_object()) {
    auto it = j.find("model_type");
    if (it != j.end() && it->is_string()) m.architecture = qstr(it->get<std::string>());
    auto vision = j.find("vision_config");
    m.vision_available = vision != j.end() && vision->is_object();
  }
  m.bytes = static_cast<qint64>(hub::size_on_disk(dir));
  return m;
}

void InstalledModelsModel::set_sources(fs::path models_dir, QStringList opened_folders) {
  models_dir_ = std::move(models_dir);
  opened_ = std::move(opened_folders);
  refresh();
}

void InstalledModelsModel::refresh() {
  std::vector<InstalledModel> found;
  std::error_code ec;
  // Folders right in the models directory: downloads (<owner>--<name>, judged by their
  // manifest; unfinished ones are skipped) and folders placed there by hand.
  std::set<fs::path> listed;
  for (const auto& hub_model : hub::list_installed(models_dir_)) {
    InstalledModel m = describe(hub_model.dir, false);
    if (!m.present) continue;
    if (hub::repo_from_folder_name(hub_model.dir.filename().string())) m.repo = qstr(hub_model.repo);
    m.intact = hub_model.intact;
    if (hub_model.manifest) {
      m.downloaded = true;
      m.features = hub_model.manifest->features;
      m.saved_bytes = static_cast<qint64>(hub_model.manifest->saved_bytes());
    }
    listed.insert(hub_model.dir);
    found.push_back(std::move(m));
  }
  // <models>/<org>/<name>: two levels, as people arrange folders by hand.
  for (const auto& org : fs::directory_iterator(models_dir_, ec)) {
    if (!org.is_directory(ec) || listed.count(org.path()) || has_config(org.path())) continue;
    if (fs::exists(org.path() / hub::kPendingName, ec)) continue;  // an unfinished download
    for (const auto& model : fs::directory_iterator(org.path(), ec)) {
      if (!model.is_directory(ec) || !has_config(model.path())) continue;
      InstalledModel m = describe(model.path(), false);
      m.org = qstr(org.path().filename().string());
      found.push_back(std::move(m));
    }
  }
  auto shown = [](const InstalledModel& m) {
    return m.repo.isEmpty() ? (m.org.isEmpty() ? m.name : m.org + "/" + m.name) : m.repo;
  };
  std::sort(found.begin(), found.end(), [&](const auto& a, const auto& b) { return shown(a) < shown(b); });
  for (const QString& folder : opened_) {
    fs::path p = folder.toStdString();
    bool listed_already = std::any_of(found.begin(), found.end(), [&](const auto& m) { return m.path == folder; });
    if (!listed_already) found.push_back(describe(p, true));
  }
  for (auto& m : found) {
    m.downloading = m.repo.isEmpty() ? false : downloading_.count(m.repo.toStdString()) > 0;
    // A folder placed by hand as <org>/<name> is judged by that name too.
    m.kind = installed_model_kind(m.repo.isEmpty() && !m.org.isEmpty() ? m.org + "/" + m.name : m.repo, m.architecture);
  }
  int old = count();
  beginResetModel();
  rows_ = std::move(found);
  endResetModel();
  if (old != count()) Q_EMIT countChanged();
}

hub::ModelKind installed_model_kind(const QString& repo, const QString& architecture, const hub::Catalog& catalog) {
  if (!repo.isEmpty())
    if (const auto* entry = catalog.find_repo(repo.toStdString())) return entry->kind;
  if (architecture.startsWith(QLatin1String("moonshine"))) return hub::ModelKind::SpeechToText;
  return hub::ModelKind::Chat;
}

QString InstalledModelsModel::pathOfKind(hub::ModelKind kind) const {
  const hub::CatalogEntry* preferred = hub::builtin_catalog().default_for(kind);
  const InstalledModel* found = nullptr;
  for (const auto& m : rows_) {
    if (m.kind != kind || !m.present || !m.intact) continue;
    if (preferred && hub::builtin_catalog().find_repo(m.repo.toStdString()) == preferred) return m.path;
    if (!found) found = &m;
  }
  return found ? found->path : QString();
}

const InstalledModel* InstalledModelsModel::find_repo(const std::string& repo) const {
  for (const auto& m : rows_)
    if (!m.repo.isEmpty() && m.repo.toStdString() == repo) return &m;
  return nullptr;
}

void InstalledModelsModel::set_downloading(const std::set<std::string>& repos) {
  downloading_ = repos;
  for (size_t i = 0; i < rows_.size(); ++i) {
    bool now = !rows_[i].repo.isEmpty() && repos.count(rows_[i].repo.toStdString()) > 0;
    if (now == rows_[i].downloading) continue;
    rows_[i].downloading = now;
    QModelIndex at = index(static_cast<int>(i));
    Q_EMIT dataChanged(at, at, {DownloadingRole, DeletableRole});
  }
}

int InstalledModelsModel::indexOfPath(const QString& path) const {
  for (size_t i = 0; i < rows_.size(); ++i)
    if (rows_[i].path == path) return static_cast<int>(i);
  return -1;
}

QString InstalledModelsModel::pathAt(int row) const { return row >= 0 && row < count() ? rows_[row].path : QString(); }

QString InstalledModelsModel::checkFolder(const QString& path) {
  fs::path dir = path.toStdString();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return tr("%1 is not a folder.").arg(path);
  if (!has_config(dir))
    return tr("%1 has no config.json. Choose the folder of a Hugging Face model "
              "(config.json, tokenizer.json and *.safetensors files).")
        .arg(path);
  try {
    model::ModelFolder folder(dir, arch::families());
    if (!folder.tokenizer_json()) return tr("%1 has no tokenizer.json, which Vole needs to chat.").arg(path);
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

int InstalledModelsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : count(); }

QVariant InstalledModelsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const auto& m = rows_[index.row()];
  switch (role) {
    case PathRole:
      return m.path;
    case NameRole:
      return m.name;
    case Qt::DisplayRole:
    case DisplayNameRole:
      if (!m.repo.isEmpty()) return m.repo;
      return m.org.isEmpty() ? m.name : m.org + "/" + m.name;
    case ArchitectureRole:
      return m.architecture;
    case SizeRole:
      return m.bytes > 0 ? human_size(m.bytes) : QString();
    case OpenedRole:
      return m.opened;
    case PresentRole:
      return m.present;
    case RepoRole:
      return m.repo;
    case DiskBytesRole:
      return QVariant::fromValue<qulonglong>(static_cast<qulonglong>(m.bytes));
    case DownloadedRole:
      return m.downloaded;
    case IntactRole:
      return m.intact;
    case FeaturesTextRole:
      if (!m.downloaded) return QString();
      return m.features.has(hub::kVisionFeature) ? tr("Text and images") : tr("Text only");
    case HasVisionRole:
      return m.downloaded && m.features.has(hub::kVisionFeature);
    case CanAddVisionRole:
      return m.downloaded && !m.features.has(hub::kVisionFeature) && m.vision_available;
    case SavedBytesRole:
      return QVariant::fromValue<qulonglong>(static_cast<qulonglong>(m.saved_bytes));
    case SavedTextRole:
      if (m.saved_bytes <= 0) return QString();
      return m.features.has(hub::kVisionFeature)
                 ? tr("%1 saved by skipping unused tensors").arg(human_size(m.saved_bytes))
                 : tr("%1 saved by downloading text only").arg(human_size(m.saved_bytes));
    case DeletableRole:
      return m.downloaded && !m.repo.isEmpty() && !m.downloading;
    case DownloadingRole:
      return m.downloading;
    case KindRole:
      return QString::fromLatin1(hub::model_kind_name(m.kind));
    case ChatRole:
      return m.kind == hub::ModelKind::Chat;
  }
  return {};
}

QHash<int, QByteArray> InstalledModelsModel::roleNames() const {
  return {{PathRole, "path"},
          {NameRole, "name"},
          {DisplayNameRole, "displayName"},
          {ArchitectureRole, "architecture"},
          {SizeRole, "sizeText"},
          {OpenedRole, "opened"},
          {PresentRole, "present"},
          {RepoRole, "repo"},
          {DiskBytesRole, "diskBytes"},
          {DownloadedRole, "downloaded"},
          {IntactRole, "intact"},
          {FeaturesTextRole, "featuresText"},
          {HasVisionRole, "hasVision"},
          {CanAddVisionRole, "canAddVision"},
          {SavedBytesRole, "savedBytes"},
          {SavedTextRole, "savedText"},
          {DeletableRole, "deletable"},
          {DownloadingRole, "downloading"},
          {KindRole, "kind"},
          {ChatRole, "chatModel"}};
}

}  // namespace vole::desktop
