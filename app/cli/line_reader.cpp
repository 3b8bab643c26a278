#include "cli/line_reader.h"

#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "util/error.h"

namespace vole::cli {

namespace {

// What restore_terminal_now puts back (set while a terminal line is being read).
termios g_saved_settings{};
std::atomic<int> g_saved_fd{-1};

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

void too_long() {
  fail(ErrorCode::InvalidArgument,
       "an input line is longer than " + std::to_string(kMaxLineBytes >> 20) + " MiB; send it as a file instead");
}

void write_all(int fd, const std::string& s) {
  for (size_t done = 0; done < s.size();) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // echo is best effort: the line itself is still read whole
    done += static_cast<size_t>(n);
  }
}

// Restores the settings when the line is done, also when reading it throws.
struct TerminalMode {
  int fd;
  termios saved;
  ~TerminalMode() {
    ::tcsetattr(fd, TCSANOW, &saved);
    g_saved_fd.store(-1);
  }
};

}  // namespace

void restore_terminal_now() {
  int fd = g_saved_fd.load();
  if (fd >= 0) ::tcsetattr(fd, TCSANOW, &g_saved_settings);
}

bool LineReader::fill() {
  if (pos_ == pending_.size()) pending_.clear(), pos_ = 0;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }
}

std::optional<std::string> LineReader::read_line() {
  termios settings{};
  if (::isatty(fd_) && ::tcgetattr(fd_, &settings) == 0) return read_terminal_line();
  return read_plain_line();
}

std::optional<std::string> LineReader::read_plain_line() {
  std::string line;
  for (;;) {
    size_t nl = pending_.find('\n', pos_);
    size_t end = nl == std::string::npos ? pending_.size() : nl;
    if (line.size() + (end - pos_) > kMaxLineBytes) too_long();
    line.append(pending_, pos_, end - pos_);
    pos_ = nl == std::string::npos ? pending_.size() : nl + 1;
    if (nl != std::string::npos) return line;
    if (!fill()) return line.empty() ? std::nullopt : std::optional<std::string>(line);
  }
}

std::optional<std::string> LineReader::read_terminal_line() {
  termios saved{};
  ::tcgetattr(fd_, &saved);
  termios raw = saved;
  raw.c_lflag &= ~(ICANON | ECHO);  // signals (Ctrl+C) and CR -> NL stay as they were
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  g_saved_settings = saved;
  g_saved_fd.store(fd_);
  TerminalMode restore{fd_, saved};
  ::tcsetattr(fd_, TCSANOW, &raw);  // TCSANOW: keep what was typed ahead

  const unsigned char erase = saved.c_cc[VERASE], kill = saved.c_cc[VKILL], eof = saved.c_cc[VEOF];
  std::string line, echo;
  for (;;) {
    if (pos_ == pending_.size()) {
      write_all(fd_, echo);
      echo.clear();
      if (!fill()) return line.empty() ? std::nullopt : std::optional<std::string>(line);
    }
    const unsigned char c = static_cast<unsigned char>(pending_[pos_++]);
    if (c == '\n' || c == '\r') {
      write_all(fd_, echo + "\n");
      return line;
    }
    if (c == eof && eof != _POSIX_VDISABLE) {
      if (line.empty()) {
        write_all(fd_, echo);
        return std::nullopt;
      }
      continue;
    }
    if ((c == erase && erase != _POSIX_VDISABLE) || c == 0x7F || c == '\b') {
      if (line.empty()) continue;
      while (!line.empty() && is_continuation(static_cast<unsigned char>(line.back()))) line.pop_back();
      if (!line.empty()) line.pop_back();
      echo += "\b \b";
      continue;
    }
    if (c == kill && kill != _POSIX_VDISABLE) {
      for (unsigned char b : line)
        if (!is_continuation(b)) echo += "\b \b";
      line.clear();
      continue;
    }
    if (line.size() == kMaxLineBytes) too_long();
    line += static_cast<char>(c);
    echo += static_cast<char>(c);
  }
}

}  // namespace vole::cli
