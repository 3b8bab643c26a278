#pragma once
// Where Vole keeps secrets (remote API keys, the Hugging Face token, the local API
// key): the desktop keyring through libsecret (the Secret Service: GNOME Keyring,
// KWallet, KeePassXC) when one answers on the session bus, otherwise a file only the user
// can read (0600) beside the settings. Which one is in use is reported (`backend`) so
// the Settings page can say so. Values are never logged.
#include <QString>
#include <optional>

namespace vole::desktop {

class SecretStore {
 public:
  enum class Backend { Keyring, File };

  // `fallback_file`: the 0600 file used when no keyring is reachable. VOLE_SECRET_STORE=file
  // forces the file (tests, or a keyring the user does not want used).
  explicit SecretStore(QString fallback_file);

  Backend backend() const { return backend_; }
  QString backendName() const;  // "the desktop keyring" / "a private file (path)"
  // Why the keyring is not used ("" when it is).
  QString keyringProblem() const { return keyring_problem_; }

  std::optional<QString> get(const QString& name) const;
  // An empty value removes the secret. Throws vole::Error (Io) when it cannot be kept.
  void set(const QString& name, const QString& value);

 private:
  std::optional<QString> file_get(const QString& name) const;
  void file_set(const QString& name, const QString& value);

  Backend backend_ = Backend::File;
  QString file_;
  QString keyring_problem_;
};

}  // namespace vole::desktop
