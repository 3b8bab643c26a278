// libFuzzer harness for the chat-template interpreter (tests/fuzz/run_jinja.sh). The
// input is a template; it must parse and render, or fail with vole::Error, within the
// render limits (a short deadline and a small memory budget here, so a slow or greedy
// input shows up as a finding instead of a hang).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "text/jinja_template.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  vole::text::jinja::RenderLimits limits;
  limits.max_steps = 200'000;
  limits.max_time = std::chrono::milliseconds(500);
  limits.max_memory = size_t{32} << 20;
  try {
    vole::text::jinja::Template t(source, "fuzz.jinja");
    nlohmann::ordered_json vars = {
        {"messages", {{{"role", "system"}, {"content", "be brief"}}, {{"role", "user"}, {"content", "hi [1] {x}"}}}},
        {"tools", nullptr},
        {"add_generation_prompt", true},
        {"bos_token", "<s>"}};
    t.render(vars, limits);
  } catch (const vole::Error&) {
  }
  return 0;
}
