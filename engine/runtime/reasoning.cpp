#include "runtime/reasoning.h"

#include <algorithm>

namespace vole::runtime {

ReasoningSplitter::ReasoningSplitter(bool starts_in_reasoning, std::string open_tag, std::string close_tag)
    : in_reasoning_(starts_in_reasoning), open_(std::move(open_tag)), close_(std::move(close_tag)) {}

void ReasoningSplitter::emit(Delta& d, std::string_view text) const {
  (in_reasoning_ ? d.reasoning : d.content).append(text);
}

ReasoningSplitter::Delta ReasoningSplitter::push(std::string_view text) {
  Delta d;
  pending_.append(text);
  for (;;) {
    const std::string& tag = in_reasoning_ ? close_ : open_;
    size_t at = pending_.find(tag);
    if (at == std::string::npos) break;
    emit(d, std::string_view(pending_).substr(0, at));
    pending_.erase(0, at + tag.size());
    in_reasoning_ = !in_reasoning_;
  }
  // Keep back a tail that might be the start of the tag we are waiting for.
  const std::string& tag = in_reasoning_ ? close_ : open_;
  size_t hold = 0;
  for (size_t len = std::min(tag.size() - 1, pending_.size()); len > 0; --len)
    if (pending_.compare(pending_.size() - len, len, tag, 0, len) == 0) {
      hold = len;
      break;
    }
  emit(d, std::string_view(pending_).substr(0, pending_.size() - hold));
  pending_.erase(0, pending_.size() - hold);
  // Models put blank lines right after </think>; they are not part of the answer.
  if (!in_reasoning_ && !seen_content_) {
    size_t start = d.content.find_first_not_of("\r\n");
    d.content.erase(0, start == std::string::npos ? d.content.size() : start);
    if (!d.content.empty()) seen_content_ = true;
  }
  return d;
}

ReasoningSplitter::Delta ReasoningSplitter::flush() {
  Delta d;
  emit(d, pending_);
  pending_.clear();
  return d;
}

bool ReasoningSplitter::prompt_opens_reasoning(std::string_view prompt, std::string_view open_tag,
                                               std::string_view close_tag) {
  size_t open = prompt.rfind(open_tag);
  if (open == std::string_view::npos) return false;
  size_t close = prompt.rfind(close_tag);
  return close == std::string_view::npos || close < open;
}

}  // namespace vole::runtime
