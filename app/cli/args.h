#pragma once
// Minimal option parsing for the CLI: accessors consume the options they know, and
// finish() rejects anything left over, so a typo is an error rather than ignored.
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vole::cli {

// The one number parser of the CLI (options and lists such as --tokens): the whole text
// must be a decimal integer in [min, max]; `what` names it in the error.
int64_t parse_int(const std::string& text, const std::string& what, int64_t min, int64_t max);
double parse_double(const std::string& text, const std::string& what, double min, double max);

class Args {
 public:
  explicit Args(std::vector<std::string> tokens);

  // Value of an option given as "-m X", "--model X" or "--model=X"; nullopt if absent.
  std::optional<std::string> get(std::initializer_list<const char*> names);
  // Every value of a repeatable option, in order.
  std::vector<std::string> get_all(std::initializer_list<const char*> names);
  std::string get_or(std::initializer_list<const char*> names, const std::string& fallback);
  std::string require(std::initializer_list<const char*> names);  // error if absent
  // Numbers are checked, never wrapped: a value outside [min, max] (or not a number, or
  // too large for 64 bits) is an InvalidArgument that names the option and the range.
  int64_t get_int(std::initializer_list<const char*> names, int64_t fallback, int64_t min = INT64_MIN,
                  int64_t max = INT64_MAX);
  double get_double(std::initializer_list<const char*> names, double fallback, double min = -1e300, double max = 1e300);
  bool flag(const char* name);             // true if the bare flag is present
  // Whether an option is given (as "-m X" or "--model=X"), without consuming it.
  bool has(std::initializer_list<const char*> names) const;
  std::vector<std::string> positionals();  // remaining non-option tokens
  void finish();                           // throws if any option was not consumed

 private:
  std::vector<std::string> tokens_;
  std::vector<bool> used_;
};

}  // namespace vole::cli
