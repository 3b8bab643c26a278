#pragma once
// Server-sent events (the WHATWG "text/event-stream" format) from bytes as they arrive:
// lines end in CRLF, LF or CR; "data:" lines of one event are joined by newlines;
// comments (":...") and fields other than data and event are skipped; an event ends at
// a blank line. A line longer than max_line bytes is an error (a hostile or broken
// server cannot make us buffer without bound).
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace vole::remote {

struct SseEvent {
  std::string event;  // "" for the default "message"
  std::string data;
};

class SseParser {
 public:
  explicit SseParser(size_t max_line = 4u << 20) : max_line_(max_line) {}
  // Feeds bytes; calls on_event for every complete event. Throws InvalidArgument for a
  // line over the limit.
  void feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event);
  // True when bytes of an unfinished event are held (the stream ended mid-event).
  bool pending() const { return !line_.empty() || has_data_; }

 private:
  void line(const std::function<void(const SseEvent&)>& on_event);

  size_t max_line_;
  std::string line_;
  bool after_cr_ = false;
  SseEvent current_;
  bool has_data_ = false;
};

}  // namespace vole::remote
