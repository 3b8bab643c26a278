#include "memory/memory_test.h"

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace vole::memory::memtest {

std::function<int64_t()> stepping_clock(int64_t start_ms, int64_t step_ms) {
  auto t = std::make_shared<int64_t>(start_ms);
  return [t, step_ms] { return *t += step_ms; };
}

OpenOptions StoreTest::options() const {
  OpenOptions o;
  o.path = db_path();
  o.clock_ms = stepping_clock();
  return o;
}

std::unique_ptr<sqlite::Connection> raw_connection(const std::filesystem::path& path, bool read_only) {
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  auto conn = std::make_unique<sqlite::Connection>(path.string(), flags, path.string());
  sqlite3_busy_timeout(conn->handle(), 5000);
  return conn;
}

std::vector<std::string> schema_of(sqlite::Connection& conn) {
  std::vector<std::string> out;
  out.push_back("user_version " + std::to_string(conn.query_int64("PRAGMA user_version")));
  auto st = conn.prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name");
  while (st.step()) out.push_back(st.text(0) + " " + st.text(1) + " on " + st.text(2) + ": " + st.text(3));
  return out;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool running_as_root() { return ::geteuid() == 0; }

void open_permissions_to_all(const std::filesystem::path& dir) {
  using std::filesystem::perms;
  std::filesystem::permissions(dir, perms::owner_all | perms::group_read | perms::group_exec | perms::others_read |
                                        perms::others_exec);
}

ChildResult run_unprivileged(const std::function<int(std::string& message)>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    int code = 99;
    std::string message;
    if (running_as_root()) {
      passwd* nobody = ::getpwnam("nobody");
      if (!nobody || ::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) {
        message = "cannot switch to user nobody";
        (void)!::write(fds[1], message.data(), message.size());
        ::_exit(98);
      }
    }
    try {
      code = body(message);
    } catch (const std::exception& e) {
      message = std::string("exception: ") + e.what();
    }
    (void)!::write(fds[1], message.data(), message.size());
    ::_exit(code);  // no destructors, no gtest teardown in the child
  }
  ::close(fds[1]);
  ChildResult result;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) result.message.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace vole::memory::memtest
