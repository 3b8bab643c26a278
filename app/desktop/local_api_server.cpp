#include "local_api_server.h"

#include <QClipboard>
#include <QGuiApplication>

#include "engine_controller.h"
#include "event_log.h"
#include "secret_store.h"
#include "server/api_server.h"
#include "server/model_access.h"
#include "util/error.h"

namespace vole::desktop {

namespace {
const QString kKeySecret = QStringLiteral("local-api-key");
}

LocalApiServer::LocalApiServer(EngineController* engine, std::shared_ptr<server::ModelAccess> access,
                               SecretStore* secrets, const QString& settings_file, QObject* parent)
    : QObject(parent),
      engine_(engine),
      access_(std::move(access)),
      secrets_(secrets),
      settings_(settings_file, QSettings::IniFormat) {
  settings_.beginGroup("local_api");
  enabled_ = settings_.value("enabled", false).toBool();
  host_ = settings_.value("host", host_).toString();
  port_ = settings_.value("port", port_).toInt();
  try {
    api_key_ = secrets_->get(kKeySecret).value_or(QString());
  } catch (const std::exception& e) {
    error_ = QString::fromUtf8(e.what());
  }
  // Another local model loaded: served under its own name (clients read it from
  // /v1/models). A remote model is not served: requests get 503 meanwhile.
  connect(engine_, &EngineController::loaded, this, [this] {
    if (running() && !engine_->remote() && engine_->modelName() != served_model_) restart();
  });
}

LocalApiServer::~LocalApiServer() { stop(); }

QString LocalApiServer::address() const {
  if (!server_) return {};
  QString host = host_.contains(':') ? "[" + host_ + "]" : host_;  // an IPv6 literal
  return QString("http://%1:%2/v1").arg(host).arg(bound_port_);
}

void LocalApiServer::save() {
  settings_.setValue("enabled", enabled_);
  settings_.setValue("host", host_);
  settings_.setValue("port", port_);
  settings_.sync();
  Q_EMIT configChanged();
}

void LocalApiServer::setEnabled(bool on) {
  if (on == enabled_) return;
  enabled_ = on;
  save();
  restart();
}

void LocalApiServer::setHost(const QString& host) {
  QString h = host.trimmed();
  if (h.isEmpty() || h == host_) return;
  host_ = h;
  save();
  if (enabled_) restart();
}

void LocalApiServer::setPort(int port) {
  if (port == port_ || port < 0 || port > 65535) return;
  port_ = port;
  save();
  if (enabled_) restart();
}

void LocalApiServer::setApiKey(const QString& key) {
  QString k = key.trimmed();
  if (k == api_key_) return;
  try {
    secrets_->set(kKeySecret, k);
  } catch (const std::exception& e) {
    error_ = QString::fromUtf8(e.what());  // the key applies to this session only
    Q_EMIT statusChanged();
  }
  api_key_ = k;
  save();
  if (enabled_) restart();
}

void LocalApiServer::copyAddress() const {
  if (auto* clipboard = QGuiApplication::clipboard(); clipboard && running()) clipboard->setText(address());
}

void LocalApiServer::start() {
  if (!enabled_ || server_) return;
  server::ServerOptions options;
  options.host = host_.toStdString();
  options.port = port_;
  options.api_key = api_key_.toStdString();
  QString name = engine_->modelName().isEmpty() || engine_->remote() ? QStringLiteral("vole") : engine_->modelName();
  try {
    auto server = std::make_unique<server::ApiServer>(options);
    server->add_model(name.toStdString(), access_);
    bound_port_ = server->start();
    server_ = std::move(server);
    served_model_ = name;
    error_.clear();
    log_event("local-api", {{"state", "running"}, {"address", address()}, {"model", name}});
  } catch (const std::exception& e) {
    error_ = QString::fromUtf8(e.what());
    log_event("local-api", {{"state", "failed"}, {"error", error_}});
  }
  Q_EMIT statusChanged();
}

void LocalApiServer::stop() {
  if (!server_) return;
  server_->stop();
  server_.reset();
  served_model_.clear();
  log_event("local-api", {{"state", "stopped"}});
  Q_EMIT statusChanged();
}

void LocalApiServer::restart() {
  stop();
  error_.clear();
  if (enabled_)
    start();
  else
    Q_EMIT statusChanged();
}

}  // namespace vole::desktop
