#include "installed_models_model.h"

#include <QLocale>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/model_folder.h"

namespace vole::desktop {

namespace fs = std::filesystem;

namespace {
QString qstr(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

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

InstalledModelsModel::InstalledModelsModel(QObject* parent) : QAbstractListModel(parent) {}

InstalledModel InstalledModelsModel::describe(const fs::path& dir, bool opened) {
  InstalledModel m;
  m.path = qstr(dir.string());
  m.name = qstr(dir.filename().string());
  m.opened = opened;
  std::error_code ec;
  m.present = has_config(dir);
  if (!m.present) return m;
  std::ifstream in(dir / "config.json");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_object()) {
    auto it = j.find("model_type");
    if (it != j.end() && it->is_string()) m.architecture = qstr(it->get<std::string>());
  }
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".safetensors") m.bytes += static_cast<qint64>(entry.file_size(ec));
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
  // <models>/<org>/<name>: two levels, as downloads are laid out; a model right in the
  // models directory (<models>/<name>) is accepted too.
  std::vector<fs::path> dirs;
  for (const auto& org : fs::directory_iterator(models_dir_, ec)) {
    if (!org.is_directory(ec)) continue;
    if (has_config(org.path())) {
      dirs.push_back(org.path());
      continue;
    }
    for (const auto& model : fs::directory_iterator(org.path(), ec))
      if (model.is_directory(ec) && has_config(model.path())) dirs.push_back(model.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    InstalledModel m = describe(d, false);
    m.org = qstr(d.parent_path() == models_dir_ ? std::string() : d.parent_path().filename().string());
    found.push_back(std::move(m));
  }
  for (const QString& folder : opened_) {
    fs::path p = folder.toStdString();
    bool listed = std::any_of(found.begin(), found.end(), [&](const auto& m) { return m.path == folder; });
    if (!listed) found.push_back(describe(p, true));
  }
  int old = count();
  beginResetModel();
  rows_ = std::move(found);
  endResetModel();
  if (old != count()) Q_EMIT countChanged();
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
    model::ModelFolder folder(dir);
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
      return m.org.isEmpty() ? m.name : m.org + "/" + m.name;
    case ArchitectureRole:
      return m.architecture;
    case SizeRole:
      return m.bytes > 0 ? human_size(m.bytes) : QString();
    case OpenedRole:
      return m.opened;
    case PresentRole:
      return m.present;
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
          {PresentRole, "present"}};
}

}  // namespace vole::desktop
