#include "args.h"

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

int64_t Args::get_int(std::initializer_list<const char*> names, int64_t fallback) {
  auto v = get(names);
  if (!v) return fallback;
  char* end = nullptr;
  long long x = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end)
    fail(ErrorCode::InvalidArgument, std::string(*names.begin()) + " expects an integer, got '" + *v + "'");
  return x;
}

double Args::get_double(std::initializer_list<const char*> names, double fallback) {
  auto v = get(names);
  if (!v) return fallback;
  char* end = nullptr;
  double x = std::strtod(v->c_str(), &end);
  if (v->empty() || *end)
    fail(ErrorCode::InvalidArgument, std::string(*names.begin()) + " expects a number, got '" + *v + "'");
  return x;
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
