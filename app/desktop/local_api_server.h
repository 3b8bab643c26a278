#pragma once
// Settings -> "Serve the local API": the app's loaded chat model behind the
// OpenAI-compatible API (engine/server), off by default. The server shares the model
// with the app's own chats through the engine worker's ModelAccess (one generation at a
// time, each user with its own sequence), so both can be used at once; while no model is
// loaded requests get 503, and loading another model serves it under its own name.
// Persisted in the settings file's [local_api] group; the API key in the secret store
// when one is given (see secret_store.h).
#include <QObject>
#include <QSettings>
#include <memory>

namespace vole::server {
class ApiServer;
class ModelAccess;
}  // namespace vole::server

namespace vole::desktop {

class EngineController;
class SecretStore;

class LocalApiServer : public QObject {
  Q_OBJECT
  Q_PROPERTY(bool enabled READ enabled WRITE setEnabled NOTIFY configChanged)
  Q_PROPERTY(QString host READ host WRITE setHost NOTIFY configChanged)
  Q_PROPERTY(int port READ port WRITE setPort NOTIFY configChanged)
  Q_PROPERTY(QString apiKey READ apiKey WRITE setApiKey NOTIFY configChanged)
  Q_PROPERTY(bool running READ running NOTIFY statusChanged)
  Q_PROPERTY(QString address READ address NOTIFY statusChanged)  // "http://127.0.0.1:8080/v1" while running
  Q_PROPERTY(QString servedModel READ servedModel NOTIFY statusChanged)
  Q_PROPERTY(QString error READ error NOTIFY statusChanged)  // why it is not running ("" when fine)

 public:
  LocalApiServer(EngineController* engine, std::shared_ptr<server::ModelAccess> access, SecretStore* secrets,
                 const QString& settings_file, QObject* parent = nullptr);
  ~LocalApiServer() override;

  bool enabled() const { return enabled_; }
  QString host() const { return host_; }
  int port() const { return port_; }
  QString apiKey() const { return api_key_; }
  bool running() const { return server_ != nullptr; }
  QString address() const;
  QString servedModel() const { return served_model_; }
  QString error() const { return error_; }

  void setEnabled(bool on);
  void setHost(const QString& host);
  void setPort(int port);  // 0: any free port (tests)
  void setApiKey(const QString& key);
  Q_INVOKABLE void copyAddress() const;

  // Starts the server if the settings say so (at app start, once the engine exists).
  void start();
  void stop();  // cancels what the API is generating; the app's chats are untouched

 Q_SIGNALS:
  void configChanged();
  void statusChanged();

 private:
  void save();
  void restart();  // applies the settings: stops, then starts if enabled

  EngineController* engine_;
  std::shared_ptr<server::ModelAccess> access_;
  SecretStore* secrets_;
  QSettings settings_;
  bool enabled_ = false;
  QString host_ = "127.0.0.1";
  int port_ = 8080;
  QString api_key_;
  std::unique_ptr<server::ApiServer> server_;
  int bound_port_ = 0;
  QString served_model_, error_;
};

}  // namespace vole::desktop
