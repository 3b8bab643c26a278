#pragma once
// The app's preferences, persisted with QSettings as soon as they change
// (~/.config/vole/vole-desktop.ini; $XDG_CONFIG_HOME moves it).
#include <QObject>
#include <QSettings>
#include <QStringList>
#include <memory>

#include "sampling_values.h"

namespace vole::desktop {

class SecretStore;

class AppSettings : public QObject {
  Q_OBJECT
  Q_PROPERTY(QString systemPrompt READ systemPrompt WRITE setSystemPrompt NOTIFY systemPromptChanged)
  Q_PROPERTY(vole::desktop::SamplingValues* sampling READ sampling CONSTANT)
  Q_PROPERTY(int contextLength READ contextLength WRITE setContextLength NOTIFY contextLengthChanged)
  // "" = automatic (Vole picks the best device); else a device name from gpu::list_devices().
  Q_PROPERTY(QString device READ device WRITE setDevice NOTIFY deviceChanged)
  Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY themeChanged)  // "system" | "light" | "dark"
  // Where conversations and models live; "" = the default (vole::data_dir()). Takes effect at restart.
  Q_PROPERTY(QString dataFolder READ dataFolder WRITE setDataFolder NOTIFY dataFolderChanged)
  // Model folders the user opened from elsewhere on disk.
  Q_PROPERTY(QStringList modelFolders READ modelFolders NOTIFY modelFoldersChanged)
  // The model folder loaded last (loaded again at start).
  Q_PROPERTY(QString currentModel READ currentModel WRITE setCurrentModel NOTIFY currentModelChanged)
  Q_PROPERTY(QString settingsFile READ settingsFile CONSTANT)
  // Model downloads: the Hugging Face access token for gated or private repos (never
  // logged; stored in the settings file like every other setting), a hub URL override for
  // mirrors ("" = huggingface.co; VOLE_HUB_URL wins) and the storage quota for all of
  // Vole's models in bytes (0 = not chosen yet: the model manager proposes 80% of the
  // free space at first run).
  Q_PROPERTY(QString hfToken READ hfToken WRITE setHfToken NOTIFY hfTokenChanged)
  Q_PROPERTY(QString hubUrl READ hubUrl WRITE setHubUrl NOTIFY hubUrlChanged)
  Q_PROPERTY(qulonglong quotaBytes READ quotaBytes WRITE setQuotaBytes NOTIFY quotaBytesChanged)
  // The conversation open when Vole last closed (reopened at start); 0 = a new chat.
  Q_PROPERTY(qint64 lastConversation READ lastConversation WRITE setLastConversation NOTIFY lastConversationChanged)

 public:
  // `file` empty: the user's settings; otherwise an INI file (tests).
  explicit AppSettings(const QString& file = {}, QObject* parent = nullptr);

  QString systemPrompt() const { return system_prompt_; }
  SamplingValues* sampling() { return &sampling_; }
  const SamplingValues* sampling() const { return &sampling_; }
  int contextLength() const { return context_length_; }
  QString device() const { return device_; }
  QString theme() const { return theme_; }
  QString dataFolder() const { return data_folder_; }
  QStringList modelFolders() const { return model_folders_; }
  QString currentModel() const { return current_model_; }
  QString settingsFile() const { return settings_->fileName(); }
  qint64 lastConversation() const { return last_conversation_; }
  void setLastConversation(qint64 id);
  QString hfToken() const { return hf_token_; }
  QString hubUrl() const { return hub_url_; }
  qulonglong quotaBytes() const { return quota_bytes_; }
  void setHfToken(const QString& v);  // surrounding spaces (a careless paste) are dropped
  void setHubUrl(const QString& v);
  void setQuotaBytes(qulonglong v);
  // Keeps the Hugging Face token in `secrets` from now on; a token still in the plain
  // settings file is moved there (and removed from the file).
  void use_secret_store(SecretStore* secrets);

  void setSystemPrompt(const QString& v);
  void setContextLength(int v);
  void setDevice(const QString& v);
  void setTheme(const QString& v);
  void setDataFolder(const QString& v);
  void setCurrentModel(const QString& v);
  void addModelFolder(const QString& path);
  void removeModelFolder(const QString& path);

  static constexpr const char* kDefaultSystemPrompt = "You are a helpful assistant.";

 Q_SIGNALS:
  void systemPromptChanged();
  void contextLengthChanged();
  void deviceChanged();
  void themeChanged();
  void dataFolderChanged();
  void modelFoldersChanged();
  void currentModelChanged();
  void lastConversationChanged();
  void hfTokenChanged();
  void hubUrlChanged();
  void quotaBytesChanged();

 private:
  void save(const char* key, const QVariant& value);
  std::unique_ptr<QSettings> settings_;
  SecretStore* secrets_ = nullptr;
  QString system_prompt_;
  SamplingValues sampling_;
  int context_length_ = 4096;
  QString device_;
  QString theme_ = "system";
  QString data_folder_;
  QStringList model_folders_;
  QString current_model_;
  qint64 last_conversation_ = 0;
  QString hf_token_;
  QString hub_url_;
  qulonglong quota_bytes_ = 0;
};

}  // namespace vole::desktop
