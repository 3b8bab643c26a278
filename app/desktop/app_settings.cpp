#include "app_settings.h"

#include <algorithm>

#include "secret_store.h"

namespace vole::desktop {

namespace {
const QString kHfTokenSecret = QStringLiteral("hf-token");
}

AppSettings::AppSettings(const QString& file, QObject* parent)
    : QObject(parent),
      settings_(file.isEmpty()
                    ? std::make_unique<QSettings>(QSettings::IniFormat, QSettings::UserScope, "vole", "vole-desktop")
                    : std::make_unique<QSettings>(file, QSettings::IniFormat)) {
  QSettings& s = *settings_;
  system_prompt_ = s.value("chat/systemPrompt", kDefaultSystemPrompt).toString();
  context_length_ = std::clamp(s.value("engine/contextLength", 4096).toInt(), 512, 262144);
  device_ = s.value("engine/device", "").toString();
  theme_ = s.value("appearance/theme", "system").toString();
  if (theme_ != "light" && theme_ != "dark") theme_ = "system";
  data_folder_ = s.value("storage/dataFolder", "").toString();
  model_folders_ = s.value("models/folders").toStringList();
  current_model_ = s.value("models/current", "").toString();
  last_conversation_ = s.value("chat/lastConversation", 0).toLongLong();
  hf_token_ = s.value("hub/token", "").toString().trimmed();
  hub_url_ = s.value("hub/url", "").toString().trimmed();
  quota_bytes_ = s.value("storage/quotaBytes", 0).toULongLong();
  // [sampling] temperature=0.7, top_p=0.8, ...: one key per field, easy to edit by hand.
  nlohmann::json sampling = nlohmann::json::object();
  s.beginGroup("sampling");
  for (const QString& key : s.childKeys()) {
    bool ok = false;
    double v = s.value(key).toDouble(&ok);
    if (ok) sampling[key.toStdString()] = v;
  }
  s.endGroup();
  sampling_.from_json(sampling);
  connect(&sampling_, &SamplingValues::changed, this, [this] {
    const nlohmann::json values = sampling_.to_json();
    for (const auto& [key, value] : values.items())
      settings_->setValue(QString::fromStdString("sampling/" + key), value.get<double>());
    settings_->sync();
  });
}

void AppSettings::save(const char* key, const QVariant& value) {
  settings_->setValue(key, value);
  settings_->sync();
}

void AppSettings::setSystemPrompt(const QString& v) {
  if (v == system_prompt_) return;
  system_prompt_ = v;
  save("chat/systemPrompt", v);
  Q_EMIT systemPromptChanged();
}

void AppSettings::setContextLength(int v) {
  v = std::clamp(v, 512, 262144);
  if (v == context_length_) return;
  context_length_ = v;
  save("engine/contextLength", v);
  Q_EMIT contextLengthChanged();
}

void AppSettings::setDevice(const QString& v) {
  if (v == device_) return;
  device_ = v;
  save("engine/device", v);
  Q_EMIT deviceChanged();
}

void AppSettings::setTheme(const QString& v) {
  QString t = v == "light" || v == "dark" ? v : "system";
  if (t == theme_) return;
  theme_ = t;
  save("appearance/theme", t);
  Q_EMIT themeChanged();
}

void AppSettings::setDataFolder(const QString& v) {
  if (v == data_folder_) return;
  data_folder_ = v;
  save("storage/dataFolder", v);
  Q_EMIT dataFolderChanged();
}

void AppSettings::setCurrentModel(const QString& v) {
  if (v == current_model_) return;
  current_model_ = v;
  save("models/current", v);
  Q_EMIT currentModelChanged();
}

void AppSettings::addModelFolder(const QString& path) {
  if (model_folders_.contains(path)) return;
  model_folders_.append(path);
  save("models/folders", model_folders_);
  Q_EMIT modelFoldersChanged();
}

void AppSettings::removeModelFolder(const QString& path) {
  if (!model_folders_.removeAll(path)) return;
  save("models/folders", model_folders_);
  Q_EMIT modelFoldersChanged();
}

}  // namespace vole::desktop

namespace vole::desktop {

void AppSettings::setLastConversation(qint64 id) {
  if (id == last_conversation_) return;
  last_conversation_ = id;
  save("chat/lastConversation", id);
  Q_EMIT lastConversationChanged();
}

}  // namespace vole::desktop

namespace vole::desktop {

void AppSettings::setHfToken(const QString& v) {
  QString t = v.trimmed();
  if (t == hf_token_) return;
  hf_token_ = t;
  if (secrets_) {
    try {
      secrets_->set(kHfTokenSecret, t);
    } catch (const std::exception&) {
      save("hub/token", t);  // never lost: the plain file until the secret store works again
    }
  } else {
    save("hub/token", t);
  }
  Q_EMIT hfTokenChanged();
}

void AppSettings::setHubUrl(const QString& v) {
  QString u = v.trimmed();
  if (u == hub_url_) return;
  hub_url_ = u;
  save("hub/url", u);
  Q_EMIT hubUrlChanged();
}

void AppSettings::setQuotaBytes(qulonglong v) {
  if (v == quota_bytes_) return;
  quota_bytes_ = v;
  save("storage/quotaBytes", v);
  Q_EMIT quotaBytesChanged();
}

}  // namespace vole::desktop

namespace vole::desktop {

void AppSettings::use_secret_store(SecretStore* secrets) {
  secrets_ = secrets;
  QString plain = settings_->value("hub/token", "").toString().trimmed();
  try {
    if (auto kept = secrets_->get(kHfTokenSecret)) hf_token_ = kept->trimmed();
    if (!plain.isEmpty()) {
      if (hf_token_.isEmpty()) hf_token_ = plain;
      secrets_->set(kHfTokenSecret, hf_token_);
      settings_->remove("hub/token");  // migrated: no longer in the plain file
      settings_->sync();
    }
  } catch (const std::exception&) {
    // The secret store failed: the token stays where it was and keeps working.
  }
  Q_EMIT hfTokenChanged();
}

}  // namespace vole::desktop
