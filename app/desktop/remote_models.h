#pragma once
// The Models page's Remote source: one OpenAI-compatible server (vLLM, llama.cpp,
// Ollama, LM Studio, a cloud endpoint, another Vole) given by its base URL and an
// optional API key; its models come from /v1/models (fetched on a thread of its own) and
// appear in the model picker as "remote:<id>". Text sent to them leaves this computer:
// the picker shows a notice once before the first use (`noticeAccepted`). The URL and
// the model list live in the settings file's [remote] group, the key in the SecretStore.
#include <QObject>
#include <QSettings>
#include <QStringList>
#include <optional>
#include <thread>

#include "remote_reply.h"

namespace vole::desktop {

class SecretStore;

class RemoteModels : public QObject {
  Q_OBJECT
  Q_PROPERTY(QString baseUrl READ baseUrl NOTIFY changed)
  Q_PROPERTY(bool hasKey READ hasKey NOTIFY changed)
  Q_PROPERTY(QStringList models READ models NOTIFY changed)
  Q_PROPERTY(bool fetching READ fetching NOTIFY changed)
  Q_PROPERTY(QString error READ error NOTIFY changed)
  Q_PROPERTY(bool noticeAccepted READ noticeAccepted NOTIFY changed)

 public:
  RemoteModels(SecretStore* secrets, const QString& settings_file, QObject* parent = nullptr);
  ~RemoteModels() override;  // waits for a fetch in flight (bounded by its timeouts)

  QString baseUrl() const { return base_url_; }
  bool hasKey() const { return !api_key_.isEmpty(); }
  QStringList models() const { return models_; }
  bool fetching() const { return fetching_; }
  QString error() const { return error_; }
  bool noticeAccepted() const { return notice_accepted_; }

  // Checks the address (http or https; a key only over https or to this computer) and
  // fetches the model list; on success the source is saved and `fetched` is emitted.
  // An empty key keeps the saved one when the address is the same.
  Q_INVOKABLE void connectTo(const QString& base_url, const QString& api_key);
  Q_INVOKABLE void refresh() { connectTo(base_url_, {}); }
  Q_INVOKABLE void forget();  // removes the source, its key and its models
  Q_INVOKABLE void acceptNotice();

  static bool isRemoteId(const QString& id) { return id.startsWith(QStringLiteral("remote:")); }
  static QString id_for(const QString& model) { return QStringLiteral("remote:") + model; }
  Q_INVOKABLE QString idFor(const QString& model) const { return id_for(model); }  // for QML
  // The target a picker id stands for; nullopt if it names no model of the source.
  std::optional<RemoteTarget> target(const QString& id) const;
  // "http://host:8080" -> "http://host:8080/v1"; other paths are kept; trailing '/' dropped.
  static QString normalized_url(const QString& url);

 Q_SIGNALS:
  void changed();
  void fetched();

 private:
  void join();

  SecretStore* secrets_;
  QSettings settings_;
  QString base_url_, api_key_, error_;
  QStringList models_;
  bool fetching_ = false;
  bool notice_accepted_ = false;
  std::thread fetch_;
};

}  // namespace vole::desktop
