#include "args.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "util/error.h"

namespace vole::cli {

Args::Args(std::vector<std::string> tokens) : tokens_(std::move(tokens)), used_(tokens_.size(), false) {}

std::optional<std::string> Args::get(std::initializer_list<const char*> names) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (used_[i]) continue;
    for (const char* name : names) {
      std::string n = name;
      const std::string& t = tokens_[i];
      if (t == n) {
        if (i + 1 >= tokens_.size()) fail(ErrorCode::InvalidArgument, "option " + n + " needs a value");
        used_[i] = used_[i + 1] = true;
        return tokens_[i + 1];
      }
      if (t.size() > n.size() + 1 && t.compare(0, n.size(), n) == 0 && t[n.size()] == '=') {
        used_[i] = true;
        return t.substr(n.size() + 1);
      }
    }
  }
  return std::nullopt;
}

bool Args::has(std::initializer_list<const char*> names) const {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (used_[i]) continue;
    for (const char* name : names) {
      const std::string n = name, &t = tokens_[i];
      if (t == n || (t.size() > n.size() && t.compare(0, n.size(), n) == 0 && t[n.size()] == '=')) return true;
    }
  }
  return false;
}

std::vector<std::string> Args::get_all(std::initializer_list<const char*> names) {
  std::vector<std::string> all;
  while (auto v = get(names)) all.push_back(std::move(*v));
  return all;
}

std::string Args::get_or(std::initializer_list<const char*> names, const std::string& fallback) {
  auto v = get(names);
  return v ? *v : fallback;
}

std::string Args::require(std::initializer_list<const char*> names) {
  auto v = get(names);
  if (!v) fail(ErrorCode::InvalidArgument, std::string("missing required option ") + *names.begin());
  return *v;
}

namespace {
std::string range_text(int64_t min, int64_t max) {
  if (min == INT64_MIN && max == INT64_MAX) return "an integer";
  if (max == INT64_MAX) return "an integer >= " + std::to_string(min);
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}
std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

int64_t parse_int(const std::string& text, const std::string& what, int64_t min, int64_t max) {
  int64_t x = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x, 10);
  bool whole = !text.empty() && end == text.data() + text.size();
  if (!whole || ec != std::errc() || x < min || x > max)  // out of 64-bit range included
    fail(ErrorCode::InvalidArgument, what + " expects " + range_text(min, max) + ", got '" + text + "'");
  return x;
}

double parse_double(const std::string& text, const std::string& what, double min, double max) {
  double x = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
  bool whole = !text.empty() && end == text.data() + text.size();
  if (!whole || ec != std::errc() || !std::isfinite(x) || x < min || x > max) {
    std::string range =
        min <= -1e300 && max >= 1e300 ? "a number" : "a number from " + number_text(min) + " to " + number_text(max);
    fail(ErrorCode::InvalidArgument, what + " expects " + range + ", got '" + text + "'");
  }
  return x;
}

int64_t Args::get_int(std::initializer_list<const char*> names, int64_t fallback, int64_t min, int64_t max) {
  auto v = get(names);
  return v ? parse_int(*v, *names.begin(), min, max) : fallback;
}

double Args::get_double(std::initializer_list<const char*> names, double fallback, double min, double max) {
  auto v = get(names);
  return v ? parse_double(*v, *names.begin(), min, max) : fallback;
}

bool Args::flag(const char* name) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (!used_[i] && tokens_[i] == name) {
      used_[i] = true;
      return true;
    }
  }
  return false;
}

std::vector<std::string> Args::positionals() {
  std::vector<std::string> out;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (!used_[i] && (tokens_[i].empty() || tokens_[i][0] != '-')) {
      used_[i] = true;
      out.push_back(tokens_[i]);
    }
  }
  return out;
}

void Args::finish() {
  for (size_t i = 0; i < tokens_.size(); ++i)
    if (!used_[i]) fail(ErrorCode::InvalidArgument, "unknown argument '" + tokens_[i] + "'");
}

}  // namespace vole::cli
