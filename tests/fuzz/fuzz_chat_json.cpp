// libFuzzer harness for a JSON entry point (tests/fuzz/run_jinja.sh): bytes as a
// `vole template --messages` file or request body, parsed with the bounded parser and
// rendered through a chat template that walks every message, tool and content part.
// Anything but a rendered prompt or vole::Error (a crash, a stack overflow on deep
// nesting, a hang) is a finding.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "text/chat_template.h"
#include "util/error.h"
#include "util/json.h"

namespace {
const char* kTemplate =
    "{%- for m in messages -%}<|{{ m.role }}|>"
    "{%- if m.content is string %}{{ m.content }}{% else %}{% for p in m.content %}{{ p.text | default('') }}"
    "{{ p | tojson }}{% endfor %}{% endif -%}"
    "{%- for c in m.tool_calls | default([]) %}{{ c.function.name }}{{ c.function.arguments | tojson }}{% endfor -%}"
    "{%- endfor -%}{%- if tools %}{% for t in tools %}{{ t | tojson(indent=2) }}{% endfor %}{% endif -%}";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const vole::text::ChatTemplate tpl(kTemplate);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    nlohmann::ordered_json conv = vole::parse_ordered_json_text(text, "fuzz.json");
    vole::text::ChatOptions opts;
    opts.limits.max_time = std::chrono::milliseconds(500);
    opts.limits.max_memory = size_t{32} << 20;
    nlohmann::ordered_json messages = conv;
    if (conv.is_object()) {
      messages = conv.value("messages", nlohmann::ordered_json::array());
      if (conv.contains("tools")) opts.tools = conv["tools"];
    }
    tpl.render(messages, opts);
  } catch (const vole::Error&) {
  }
  return 0;
}
