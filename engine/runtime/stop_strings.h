#pragma once
// Stops generation at user-given strings without ever showing part of one: text that
// could still be the start of a stop string is held back until it can be decided.
#include <string>
#include <string_view>
#include <vector>

namespace vole::runtime {

class StopStringFilter {
 public:
  explicit StopStringFilter(std::vector<std::string> stops);

  // Feeds streamed text; returns the text that is now safe to show. After a stop
  // string is seen, stopped() is true and the text from it onwards is never returned.
  std::string push(std::string_view text);
  // End of generation: releases held-back text (it was not a stop string after all).
  std::string flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace vole::runtime
