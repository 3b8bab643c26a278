#include "remote/sse_parser.h"

#include "util/error.h"

namespace vole::remote {

void SseParser::feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event) {
  for (char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;  // the LF of a CRLF
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      line(on_event);
      continue;
    }
    if (line_.size() >= max_line_)
      fail(ErrorCode::InvalidArgument,
           "the server sent an event line longer than " + std::to_string(max_line_) + " bytes");
    line_ += c;
  }
}

void SseParser::line(const std::function<void(const SseEvent&)>& on_event) {
  std::string l = std::move(line_);
  line_.clear();
  if (l.empty()) {  // dispatch
    if (has_data_) on_event(current_);
    current_ = {};
    has_data_ = false;
    return;
  }
  if (l[0] == ':') return;  // comment
  size_t colon = l.find(':');
  std::string field = l.substr(0, colon);
  std::string value = colon == std::string::npos ? std::string() : l.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.erase(0, 1);
  if (field == "data") {
    if (has_data_) current_.data += '\n';
    current_.data += value;
    has_data_ = true;
    if (current_.data.size() > max_line_ * 4)
      fail(ErrorCode::InvalidArgument,
           "the server sent an event larger than " + std::to_string(max_line_ * 4) + " bytes");
  } else if (field == "event") {
    current_.event = value;
  }
}

}  // namespace vole::remote
