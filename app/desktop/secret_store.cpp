#include "secret_store.h"

#include <fcntl.h>
#include <libsecret/secret.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdlib>
#include <string>

#include "util/error.h"

namespace vole::desktop {

namespace {

const SecretSchema* vole_schema() {
  static const SecretSchema schema = {
      "org.vole.Secret",
      SECRET_SCHEMA_NONE,
      {{"name", SECRET_SCHEMA_ATTRIBUTE_STRING}, {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
      0,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      nullptr};
  return &schema;
}

QString take_message(GError* error) {
  QString m = error ? QString::fromUtf8(error->message) : QStringLiteral("unknown error");
  if (error) g_error_free(error);
  return m;
}

// A session bus must exist before libsecret is asked: without one, D-Bus would try to
// launch a bus of its own (X11 autolaunch), which is not ours to start.
bool session_bus_known() {
  if (const char* a = std::getenv("DBUS_SESSION_BUS_ADDRESS"); a && *a) return true;
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return runtime && QFileInfo(QString::fromUtf8(runtime) + "/bus").exists();
}

}  // namespace

SecretStore::SecretStore(QString fallback_file) : file_(std::move(fallback_file)) {
  const char* forced = std::getenv("VOLE_SECRET_STORE");
  if (forced && std::string(forced) == "file") {
    keyring_problem_ = QStringLiteral("VOLE_SECRET_STORE=file");
    return;
  }
  if (!session_bus_known()) {
    keyring_problem_ = QStringLiteral("no desktop session bus");
    return;
  }
  // Reaching the service (and, where it is activatable, starting it) proves it answers;
  // a lookup then shows the default collection can be used.
  GError* error = nullptr;
  SecretService* service =
      secret_service_get_sync(static_cast<SecretServiceFlags>(SECRET_SERVICE_OPEN_SESSION), nullptr, &error);
  if (!service) {
    keyring_problem_ = take_message(error);
    return;
  }
  g_object_unref(service);
  gchar* probe = secret_password_lookup_sync(vole_schema(), nullptr, &error, "name", "probe", nullptr);
  if (error) {
    keyring_problem_ = take_message(error);
    return;
  }
  secret_password_free(probe);
  backend_ = Backend::Keyring;
}

QString SecretStore::backendName() const {
  return backend_ == Backend::Keyring ? QStringLiteral("the desktop keyring")
                                      : QStringLiteral("a private file (%1)").arg(file_);
}

std::optional<QString> SecretStore::get(const QString& name) const {
  if (backend_ == Backend::File) return file_get(name);
  GError* error = nullptr;
  QByteArray key = name.toUtf8();
  gchar* value = secret_password_lookup_sync(vole_schema(), nullptr, &error, "name", key.constData(), nullptr);
  if (error) fail(ErrorCode::Io, "cannot read from the desktop keyring: " + take_message(error).toStdString());
  if (!value) return std::nullopt;
  QString out = QString::fromUtf8(value);
  secret_password_free(value);
  return out;
}

void SecretStore::set(const QString& name, const QString& value) {
  if (backend_ == Backend::File) return file_set(name, value);
  GError* error = nullptr;
  QByteArray key = name.toUtf8();
  if (value.isEmpty()) {
    secret_password_clear_sync(vole_schema(), nullptr, &error, "name", key.constData(), nullptr);
  } else {
    QByteArray label = ("Vole: " + name).toUtf8(), secret = value.toUtf8();
    secret_password_store_sync(vole_schema(), SECRET_COLLECTION_DEFAULT, label.constData(), secret.constData(), nullptr,
                               &error, "name", key.constData(), nullptr);
  }
  if (error) fail(ErrorCode::Io, "cannot write to the desktop keyring: " + take_message(error).toStdString());
}

std::optional<QString> SecretStore::file_get(const QString& name) const {
  QFile f(file_);
  if (!f.open(QIODevice::ReadOnly)) return std::nullopt;
  auto doc = QJsonDocument::fromJson(f.read(1 << 20));
  auto v = doc.object().value(name);
  return v.isString() ? std::optional<QString>(v.toString()) : std::nullopt;
}

void SecretStore::file_set(const QString& name, const QString& value) {
  QJsonObject all;
  if (QFile f(file_); f.open(QIODevice::ReadOnly)) all = QJsonDocument::fromJson(f.read(1 << 20)).object();
  if (value.isEmpty())
    all.remove(name);
  else
    all[name] = value;
  QByteArray bytes = QJsonDocument(all).toJson(QJsonDocument::Compact);
  // Created 0600 from the start (never readable by others, even for a moment), then
  // renamed over the old file.
  QDir().mkpath(QFileInfo(file_).absolutePath());
  QByteArray path = QFile::encodeName(file_), temp = path + ".tmp";
  int fd = ::open(temp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail(ErrorCode::Io, "cannot write " + temp.toStdString());
  ::fchmod(fd, 0600);  // an old temp file keeps its mode otherwise
  bool ok = ::write(fd, bytes.constData(), bytes.size()) == bytes.size() && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.constData(), path.constData()) != 0) {
    ::unlink(temp.constData());
    fail(ErrorCode::Io, "cannot write " + path.toStdString());
  }
}

}  // namespace vole::desktop
