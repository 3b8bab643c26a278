#include "util/paths.h"

#include <cstdlib>

namespace vole {

namespace {
std::filesystem::path resolve(const char* override_var, const char* xdg_var, const char* home_suffix) {
  if (const char* v = std::getenv(override_var); v && *v) return v;
  if (const char* v = std::getenv(xdg_var); v && *v) return std::filesystem::path(v) / "vole";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/tmp") / home_suffix / "vole";
}
}  // namespace

std::filesystem::path data_dir() { return resolve("VOLE_DATA_DIR", "XDG_DATA_HOME", ".local/share"); }
std::filesystem::path cache_dir() { return resolve("VOLE_CACHE_DIR", "XDG_CACHE_HOME", ".cache"); }

}  // namespace vole
