// Issue 14.2 and 14.8, what reaches the model from a prompt: Stop/Ctrl+C during the
// tokenisation of a huge prompt ends it promptly, and a line pasted into `vole chat` on a
// terminal is read whole even past the terminal's 4095-byte canonical limit (a real pty).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "cli/line_reader.h"
#include "text/tokenizer_fixture.h"
#include "util/error.h"

using namespace vole;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// `megabytes` of distinct lowercase words, so the per-word cache does not make it quick.
std::string many_words(size_t megabytes) {
  std::string text;
  text.reserve(megabytes << 20);
  for (uint64_t i = 0; text.size() < (megabytes << 20); ++i) {
    for (uint64_t v = i + 26 * 26; v; v /= 26) text += static_cast<char>('a' + v % 26);
    text += ' ';
  }
  return text;
}

// Encodes `text` on another thread, raises the stop flag after 100 ms and returns how long
// the encode took to end after that, with its error.
std::pair<double, std::string> stop_encode(const text::Tokenizer& tok, const std::string& text) {
  std::atomic<bool> cancel{false};
  auto encoding = std::async(std::launch::async, [&]() -> std::string {
    try {
      tok.encode(text, {.add_special_tokens = false, .cancel = &cancel});
      return "finished before Stop";
    } catch (const Error& e) {
      return std::string(error_code_name(e.code())) + ": " + e.what();
    }
  });
  if (encoding.wait_for(100ms) == std::future_status::ready) return {0.0, encoding.get()};
  auto pressed = Clock::now();
  cancel = true;
  std::string outcome = encoding.get();
  return {std::chrono::duration<double>(Clock::now() - pressed).count(), outcome};
}

}  // namespace

TEST(HostileTokenize, StopEndsAByteLevelEncodePromptly) {
  auto tok = test::make_tokenizer({});
  auto [took, outcome] = stop_encode(tok, many_words(64));
  std::printf("[measured] Stop while tokenising 64 MiB (byte-level): ended %.3f s after Stop\n", took);
  EXPECT_EQ(outcome, "cancelled: tokenising the prompt was cancelled");
  EXPECT_LT(took, 0.5);  // 0.11 s measured: what is left of the normalizer's one pass
}

TEST(HostileTokenize, StopEndsASentencePieceSentencePromptly) {
  auto tok = test::make_sentencepiece({});  // no pre-tokenizer: the whole text is one piece
  auto [took, outcome] = stop_encode(tok, many_words(16));
  std::printf("[measured] Stop while tokenising 16 MiB (SentencePiece): ended %.3f s after Stop\n", took);
  EXPECT_EQ(outcome, "cancelled: tokenising the prompt was cancelled");
  // The normalizer runs over the whole text in one pass before the first check (32 MiB:
  // 0.64 s of an 8 s encode); after it, Stop lands within 256 words.
  EXPECT_LT(took, 1.0);
}

TEST(HostileTokenize, AStopBeforehandEncodesNothing) {
  auto tok = test::make_tokenizer({});
  std::atomic<bool> cancel{true};
  EXPECT_THROW(tok.encode("hello", {.cancel = &cancel}), Error);
  cancel = false;
  EXPECT_EQ(tok.encode("hello", {.cancel = &cancel}), tok.encode("hello"));
}

namespace {

// A pseudo-terminal: the master side plays the user's terminal, the slave side is the
// `vole chat` stdin (canonical mode and echo on, as a shell leaves it).
struct Pty {
  int master = -1, slave = -1;
  Pty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return;
    slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  }
  ~Pty() {
    if (slave >= 0) ::close(slave);
    if (master >= 0) ::close(master);
  }
  bool canonical() const {
    termios t{};
    ::tcgetattr(slave, &t);
    return (t.c_lflag & ICANON) != 0;
  }
  // Waits until the reader has taken the terminal out of canonical mode (it waits at the prompt).
  bool wait_raw() const {
    for (auto end = Clock::now() + 5s; Clock::now() < end; std::this_thread::sleep_for(1ms))
      if (!canonical()) return true;
    return false;
  }
  void type(const std::string& s) const {
    for (size_t done = 0; done < s.size();) {
      ssize_t n = ::write(master, s.data() + done, s.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<size_t>(n);
    }
  }
  // What the terminal shows (the echo), read until `bytes` arrived or a second passed.
  std::string screen(size_t bytes) const {
    std::string out;
    char buf[4096];
    pollfd p{master, POLLIN, 0};
    while (out.size() < bytes && ::poll(&p, 1, 1000) > 0) {
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
};

}  // namespace

TEST(HostileTerminal, APastedLineLongerThanTheCanonicalLimitArrivesWhole) {
  Pty pty;
  ASSERT_GE(pty.slave, 0);
  ASSERT_TRUE(pty.canonical());
  cli::LineReader reader(pty.slave);
  auto line = std::async(std::launch::async, [&] { return reader.read_line(); });
  ASSERT_TRUE(pty.wait_raw());
  std::string pasted;
  for (int i = 0; pasted.size() < 20000; ++i) pasted += "word" + std::to_string(i) + " ";
  std::thread typist([&] { pty.type(pasted + "\r"); });  // Enter sends CR; the tty makes it NL
  std::string shown = pty.screen(pasted.size() + 2);     // drained so the echo never blocks
  typist.join();
  auto got = line.get();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), pasted.size());
  EXPECT_EQ(*got, pasted);
  EXPECT_EQ(shown, pasted + "\r\n");  // echoed as typed (the tty turns NL into CR NL)
  EXPECT_TRUE(pty.canonical()) << "the terminal's settings were not restored";
}

TEST(HostileTerminal, EditingKeysAndEndOfInput) {
  Pty pty;
  ASSERT_GE(pty.slave, 0);
  cli::LineReader reader(pty.slave);
  // Erase (DEL) takes one UTF-8 character; kill (Ctrl+U) the whole line; two lines in
  // one paste come one at a time; Ctrl+D on an empty line ends the input.
  auto first = std::async(std::launch::async, [&] { return reader.read_line(); });
  ASSERT_TRUE(pty.wait_raw());
  pty.type(
      "caf\xC3\xA9\x7F"
      "e\rgone\x15kept\r\x04");
  EXPECT_EQ(first.get(), std::optional<std::string>("cafe"));
  EXPECT_EQ(reader.read_line(), std::optional<std::string>("kept"));
  EXPECT_EQ(reader.read_line(), std::nullopt);
  EXPECT_TRUE(pty.canonical());
}

TEST(HostileTerminal, PipedLinesOfAnyLengthAndAnEndlessOneIsRefused) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string big(100000, 'x');
  std::thread writer([&] {
    std::string all = big + "\nshort\nlast without newline";
    for (size_t done = 0; done < all.size();)
      done += static_cast<size_t>(std::max<ssize_t>(0, ::write(fds[1], all.data() + done, all.size() - done)));
    ::close(fds[1]);
  });
  cli::LineReader reader(fds[0]);
  EXPECT_EQ(reader.read_line(), std::optional<std::string>(big));
  EXPECT_EQ(reader.read_line(), std::optional<std::string>("short"));
  EXPECT_EQ(reader.read_line(), std::optional<std::string>("last without newline"));
  EXPECT_EQ(reader.read_line(), std::nullopt);
  writer.join();
  ::close(fds[0]);

  int zero = ::open("/dev/zero", O_RDONLY);
  ASSERT_GE(zero, 0);
  cli::LineReader endless(zero);
  try {
    endless.read_line();
    ADD_FAILURE() << "an endless line was read";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "an input line is longer than 64 MiB; send it as a file instead");
  }
  ::close(zero);
}
