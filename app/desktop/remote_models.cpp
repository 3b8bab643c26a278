#include "remote_models.h"

#include <QUrl>

#include "event_log.h"
#include "remote/openai_client.h"
#include "secret_store.h"

namespace vole::desktop {

namespace {
const QString kKeySecret = QStringLiteral("remote-api-key");
}

RemoteModels::RemoteModels(SecretStore* secrets, const QString& settings_file, QObject* parent)
    : QObject(parent), secrets_(secrets), settings_(settings_file, QSettings::IniFormat) {
  settings_.beginGroup("remote");
  base_url_ = settings_.value("url").toString();
  models_ = settings_.value("models").toStringList();
  notice_accepted_ = settings_.value("notice_accepted", false).toBool();
  try {
    api_key_ = secrets_->get(kKeySecret).value_or(QString());
  } catch (const std::exception& e) {
    error_ = QString::fromUtf8(e.what());
  }
}

RemoteModels::~RemoteModels() { join(); }

void RemoteModels::join() {
  if (fetch_.joinable()) fetch_.join();
}

QString RemoteModels::normalized_url(const QString& url) {
  QString u = url.trimmed();
  while (u.endsWith('/')) u.chop(1);
  QUrl parsed(u);
  if (parsed.isValid() && (parsed.path().isEmpty() || parsed.path() == "/")) u += "/v1";
  return u;
}

void RemoteModels::connectTo(const QString& base_url, const QString& api_key) {
  if (fetching_) return;
  QString url = normalized_url(base_url);
  QString key = api_key.trimmed();
  if (key.isEmpty() && url == base_url_) key = api_key_;
  remote::RemoteOptions options;
  options.base_url = url.toStdString();
  options.api_key = key.toStdString();
  options.connect_timeout = std::chrono::milliseconds(8000);
  options.stall_timeout = std::chrono::milliseconds(15000);
  try {
    remote::OpenAIClient check(options);  // refuses a bad scheme or a key over plain HTTP
  } catch (const std::exception& e) {
    error_ = QString::fromUtf8(e.what());
    Q_EMIT changed();
    return;
  }
  join();
  fetching_ = true;
  error_.clear();
  Q_EMIT changed();
  fetch_ = std::thread([this, options, url, key] {
    QStringList ids;
    QString problem;
    try {
      for (const auto& id : remote::OpenAIClient(options).list_models()) ids << QString::fromStdString(id);
      if (ids.isEmpty()) problem = tr("The server lists no models.");
    } catch (const std::exception& e) {
      problem = QString::fromUtf8(e.what());
    }
    // Back on the UI thread (the destructor joins this thread first, so `this` lives).
    QMetaObject::invokeMethod(
        this,
        [this, ids, problem, url, key] {
          fetching_ = false;
          error_ = problem;
          if (problem.isEmpty()) {
            try {
              secrets_->set(kKeySecret, key);
            } catch (const std::exception& e) {
              error_ = QString::fromUtf8(e.what());
            }
            base_url_ = url;
            api_key_ = key;
            models_ = ids;
            settings_.setValue("url", url);
            settings_.setValue("models", models_);
            settings_.sync();
            log_event("remote-models", {{"count", int(models_.size())}});
          } else {
            log_event("remote-models", {{"error", problem}});
          }
          Q_EMIT changed();
          if (problem.isEmpty()) Q_EMIT fetched();
        },
        Qt::QueuedConnection);
  });
}

void RemoteModels::forget() {
  join();
  try {
    secrets_->set(kKeySecret, {});
  } catch (const std::exception& e) {
    error_ = QString::fromUtf8(e.what());
  }
  base_url_.clear();
  api_key_.clear();
  models_.clear();
  settings_.remove("url");
  settings_.remove("models");
  settings_.sync();
  Q_EMIT changed();
}

void RemoteModels::acceptNotice() {
  notice_accepted_ = true;
  settings_.setValue("notice_accepted", true);
  settings_.sync();
  Q_EMIT changed();
}

std::optional<RemoteTarget> RemoteModels::target(const QString& id) const {
  if (!isRemoteId(id) || base_url_.isEmpty()) return std::nullopt;
  QString model = id.mid(int(QStringLiteral("remote:").size()));
  if (!models_.contains(model)) return std::nullopt;
  return RemoteTarget{base_url_, api_key_, model};
}

}  // namespace vole::desktop
