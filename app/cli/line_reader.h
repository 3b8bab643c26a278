#pragma once
// The lines `vole chat` reads. A terminal in its normal (canonical) mode keeps at most
// 4095 bytes of a line and silently drops the rest of a longer paste, so when the input
// is a terminal each line is read with canonical mode off and Vole edits it itself: echo,
// the terminal's erase character (one UTF-8 character), its kill character (the whole
// line), and its EOF character on an empty line. Pipes and files are read as they are.
// Either way a line may be up to kMaxLineBytes long.
#include <cstddef>
#include <optional>
#include <string>

namespace vole::cli {

inline constexpr size_t kMaxLineBytes = size_t{64} << 20;

class LineReader {
 public:
  explicit LineReader(int fd = 0) : fd_(fd) {}
  // The next line without its newline; nullopt at the end of the input. A line longer
  // than kMaxLineBytes is an error (InvalidArgument), not an endless read.
  std::optional<std::string> read_line();

 private:
  std::optional<std::string> read_plain_line();
  std::optional<std::string> read_terminal_line();
  bool fill();  // more bytes into pending_; false at the end of the input

  int fd_;
  std::string pending_;  // read but not yet returned (the rest of a pasted block)
  size_t pos_ = 0;
};

// Puts back the terminal settings a read_line in progress changed. Async-signal-safe: for
// a SIGINT handler that ends the process while a line is being read.
void restore_terminal_now();

}  // namespace vole::cli
