// The secret store: the 0600 file where no keyring answers (created private from the
// start, values replaced and removed), the Hugging Face token migrated out of the plain
// settings file, and, when VOLE_EXPECT_KEYRING=1 (run under dbus-run-session with a
// headless gnome-keyring-daemon by tests/desktop/run_keyring_test.sh), the real desktop
// keyring through libsecret with nothing written to the file.
#include <sys/stat.h>

#include <QFile>
#include <cstdlib>

#include "app_settings.h"
#include "desktop_test.h"
#include "secret_store.h"
#include "support/temp_dir.h"
#include "util/error.h"

using namespace vole::desktop;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

std::string read(const fs::path& p) {
  QFile f(QString::fromStdString(p.string()));
  return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

bool keyring_expected() {
  const char* v = std::getenv("VOLE_EXPECT_KEYRING");
  return v && std::string(v) == "1";
}

}  // namespace

TEST(SecretStoreTest, FileFallbackIsPrivateAndKeepsValues) {
  if (keyring_expected()) GTEST_SKIP() << "the keyring run";
  setenv("VOLE_SECRET_STORE", "file", 1);
  vole::test::TempDir dir("vole-secrets");
  fs::path file = dir.path() / "cfg" / "vole-secrets.json";
  SecretStore store(QString::fromStdString(file.string()));
  EXPECT_EQ(store.backend(), SecretStore::Backend::File);
  EXPECT_TRUE(store.backendName().contains("private file"));
  EXPECT_FALSE(store.get("a"));

  ::umask(0022);  // a permissive umask must not matter
  store.set("a", "first");
  store.set("b", "second");
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(store.get("a").value_or(""), "first");
  store.set("a", "replaced");
  EXPECT_EQ(store.get("a").value_or(""), "replaced");
  store.set("a", "");  // removed
  EXPECT_FALSE(store.get("a"));
  EXPECT_EQ(store.get("b").value_or(""), "second");
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_FALSE(fs::exists(file.string() + ".tmp"));
  // Another instance (the next start) reads the same values.
  EXPECT_EQ(SecretStore(QString::fromStdString(file.string())).get("b").value_or(""), "second");

  // A file that cannot be written is an error, not a lost value in silence.
  SecretStore blocked(QString::fromStdString((dir.path() / "cfg" / "vole-secrets.json" / "x").string()));
  EXPECT_THROW(blocked.set("a", "v"), vole::Error);
}

TEST(SecretStoreTest, HubTokenMovesOutOfThePlainSettingsFile) {
  if (keyring_expected()) GTEST_SKIP() << "the keyring run";
  setenv("VOLE_SECRET_STORE", "file", 1);
  vole::test::TempDir dir("vole-secrets");
  QString ini = QString::fromStdString((dir.path() / "vole-desktop.ini").string());
  {
    AppSettings old(ini);
    old.setHfToken("hf_plainOldToken");  // as earlier versions kept it
  }
  ASSERT_NE(read(dir.path() / "vole-desktop.ini").find("hf_plainOldToken"), std::string::npos);

  SecretStore store(QString::fromStdString((dir.path() / "vole-secrets.json").string()));
  AppSettings settings(ini);
  settings.use_secret_store(&store);
  EXPECT_EQ(settings.hfToken(), "hf_plainOldToken");
  EXPECT_EQ(read(dir.path() / "vole-desktop.ini").find("hf_plainOldToken"), std::string::npos);
  EXPECT_EQ(store.get("hf-token").value_or(""), "hf_plainOldToken");

  settings.setHfToken("hf_newToken");
  EXPECT_EQ(store.get("hf-token").value_or(""), "hf_newToken");
  EXPECT_EQ(read(dir.path() / "vole-desktop.ini").find("hf_"), std::string::npos);
  // The next start reads it from the store.
  AppSettings again(ini);
  again.use_secret_store(&store);
  EXPECT_EQ(again.hfToken(), "hf_newToken");
}

TEST(SecretStoreTest, DesktopKeyringWhenOneRuns) {
  if (!keyring_expected()) GTEST_SKIP() << "needs a Secret Service (tests/desktop/run_keyring_test.sh)";
  unsetenv("VOLE_SECRET_STORE");
  vole::test::TempDir dir("vole-secrets");
  fs::path file = dir.path() / "vole-secrets.json";
  SecretStore store(QString::fromStdString(file.string()));
  ASSERT_EQ(store.backend(), SecretStore::Backend::Keyring) << store.keyringProblem().toStdString();
  EXPECT_EQ(store.backendName(), "the desktop keyring");
  store.set("remote-api-key", "s3cret-value");
  EXPECT_EQ(store.get("remote-api-key").value_or(""), "s3cret-value");
  EXPECT_EQ(SecretStore(QString::fromStdString(file.string())).get("remote-api-key").value_or(""), "s3cret-value");
  store.set("remote-api-key", "");
  EXPECT_FALSE(store.get("remote-api-key"));
  EXPECT_FALSE(fs::exists(file));  // nothing went to the fallback file
}
