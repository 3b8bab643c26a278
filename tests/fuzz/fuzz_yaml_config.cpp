// libFuzzer harness for the YAML reader behind a NeMo archive's model_config.yaml (the
// codec's config; tests/fuzz/run_yaml.sh builds and runs it with clang). Any input must
// be accepted or refused with vole::Error; what is accepted stays within the depth bound
// and converts back to JSON text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/yaml_json.h"
#include "util/error.h"

namespace {
constexpr int kMaxDepth = 8;

int depth_of(const vole::model::json& j) {
  int deepest = 0;
  if (j.is_structured())
    for (const auto& v : j) deepest = std::max(deepest, depth_of(v) + 1);
  return deepest;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto j = vole::model::parse_yaml(text, "fuzz.yaml", kMaxDepth);
    if (depth_of(j) > kMaxDepth + 1) __builtin_trap();
    (void)j.dump(-1, ' ', false, vole::model::json::error_handler_t::replace);
  } catch (const vole::Error&) {
  }
  return 0;
}
