// Issue 14.2 and 14.3: chat templates that run forever or take all memory. Each case
// ends with a clear error naming the template, within a time bound and (as a process)
// within an address-space limit; Stop (the cancel flag) ends a render at any moment.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "hostile/process.h"
#include "support/temp_dir.h"
#include "text/chat_template.h"
#include "text/jinja_template.h"
#include "util/error.h"

using namespace vole;
using namespace vole::test;
using vole::text::jinja::RenderLimits;
using vole::text::jinja::Template;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

const char* kRunaway = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";

struct Outcome {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
  double seconds = 0;
};

Outcome render_error(const std::string& source, const RenderLimits& limits = {}) {
  Template t(source, "hostile.jinja");
  auto start = Clock::now();
  Outcome o;
  try {
    t.render(nlohmann::ordered_json::object(), limits);
    o.message = "(rendered)";
  } catch (const Error& e) {
    o.code = e.code();
    o.message = e.what();
  }
  o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return o;
}

// A model folder whose only content is the template (vole template needs no weights).
fs::path template_model(const TempDir& dir, const std::string& source) {
  auto m = dir / "model";
  fs::create_directories(m);
  std::ofstream(m / "chat_template.jinja") << source;
  std::ofstream(dir / "messages.json") << R"([{"role": "user", "content": "hi"}])";
  return m;
}

ProcessLimits bounded(double seconds) {
  ProcessLimits l;
  l.timeout_seconds = seconds;
  // Far below what the unbounded templates took (3-6 GB), far above the budget (512 MiB).
  if (!under_asan()) l.address_space_bytes = size_t{2} << 30;
  return l;
}

}  // namespace

TEST(HostileTemplate, RunawayLoopStopsAtTheStepBudgetNamingTheTemplate) {
  RenderLimits limits;
  limits.max_steps = 1'000'000;                // the mechanism; the default is 10 M
  limits.max_time = std::chrono::minutes(10);  // the steps, not the clock, end it here
  Outcome o = render_error(kRunaway, limits);
  EXPECT_EQ(o.code, ErrorCode::InvalidFile);
  EXPECT_EQ(o.message,
            "hostile.jinja:1: the template did not finish within 1000000 steps (a loop that does not end?); "
            "rendering stopped");
  std::printf("[measured] runaway loop stopped after %.2f s\n", o.seconds);
  EXPECT_LT(o.seconds, under_asan() ? 120.0 : 30.0);
}

TEST(HostileTemplate, WallClockLimit) {
  RenderLimits limits;
  limits.max_steps = UINT64_MAX / 2;
  limits.max_time = std::chrono::milliseconds(200);
  Outcome o = render_error(kRunaway, limits);
  EXPECT_EQ(o.code, ErrorCode::InvalidFile);
  EXPECT_EQ(o.message,
            "hostile.jinja:1: the template did not finish within 0.2 s (a loop that does not end?); "
            "rendering stopped");
  EXPECT_LT(o.seconds, 1.0);
}

TEST(HostileTemplate, CancelStopsARenderWithinMilliseconds) {
  std::atomic<bool> cancel{false};
  RenderLimits limits;
  limits.max_steps = UINT64_MAX / 2;
  limits.max_time = std::chrono::hours(1);
  limits.cancel = &cancel;
  Clock::time_point pressed;
  std::thread stop([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pressed = Clock::now();
    cancel = true;
  });
  Outcome o = render_error(kRunaway, limits);
  auto after_press = std::chrono::duration<double>(Clock::now() - pressed).count();
  stop.join();
  EXPECT_EQ(o.code, ErrorCode::Cancelled);
  EXPECT_EQ(o.message, "hostile.jinja:1: rendering the template was cancelled");
  std::printf("[measured] cancel took effect %.4f s after it was set\n", after_press);
  EXPECT_LT(after_press, 0.25);
}

TEST(HostileTemplate, ChatTemplateRenderTakesTheCancelFlag) {
  text::ChatTemplate tpl(kRunaway);
  text::ChatOptions opts;
  std::atomic<bool> cancel{true};
  opts.limits.cancel = &cancel;
  try {
    tpl.render(nlohmann::ordered_json::array({{{"role", "user"}, {"content", "hi"}}}), opts);
    FAIL() << "rendered";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Cancelled);
  }
}

struct MemoryCase {
  const char* name;
  const char* source;
  const char* message;  // after "<template>:<line>: "; "*" stands for a size that depends on sizeof(Value)
};

// `want` with an optional "*" wildcard for one size.
void expect_message(const std::string& got, const std::string& want) {
  auto star = want.find('*');
  if (star == std::string::npos) {
    EXPECT_EQ(got, want);
    return;
  }
  std::string head = want.substr(0, star), tail = want.substr(star + 1);
  EXPECT_EQ(got.substr(0, head.size()), head) << got;
  ASSERT_GE(got.size(), head.size() + tail.size()) << got;
  EXPECT_EQ(got.substr(got.size() - tail.size()), tail) << got;
}

class HostileTemplateMemory : public ::testing::TestWithParam<MemoryCase> {};

TEST_P(HostileTemplateMemory, EndsWithAClearErrorWithinTheBudget) {
  const MemoryCase& c = GetParam();
  Outcome o = render_error(c.source);
  EXPECT_EQ(o.code, ErrorCode::InvalidFile) << o.message;
  expect_message(o.message, std::string("hostile.jinja:1: ") + c.message);
  EXPECT_LT(o.seconds, 30.0);
}

class HostileTemplateMemoryCli : public ::testing::TestWithParam<MemoryCase> {};

// The same as a user runs it, under an address-space limit the old code blew through.
TEST_P(HostileTemplateMemoryCli, EndsWithAClearErrorUnderAnAddressSpaceLimit) {
  const MemoryCase& c = GetParam();
  TempDir dir("vole-hostile-tpl");
  auto model = template_model(dir, c.source);
  auto r = run_vole({"template", "-m", model.string(), "--messages", (dir / "messages.json").string()}, bounded(60));
  std::printf("[measured] %s: exit %d after %.2f s\n", c.name, r.exit_code, r.seconds);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  expect_message(r.err, "vole template: invalid file: " + (model / "chat_template.jinja").string() + ":1: " + c.message +
                            "\n");
}

const auto kMemoryCases = ::testing::Values(
        MemoryCase{"StringDoubling",
                   "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
                   "adding two strings would need 512 MiB, more than the template memory budget of 512 MiB"},
        MemoryCase{"ListDoubling",
                   "{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
                   "adding two lists would need *, more than the template memory budget of 512 MiB"},
        MemoryCase{"TojsonIndent", "{{ [[1]] | tojson(indent=10**9) }}",
                   "tojson's indent would need 954 MiB, more than the template memory budget of 512 MiB"},
        MemoryCase{"CenterHuge", "{{ 'x'.center(10**12) }}",
                   "padding a string to the given width would need 3.6 TiB, more than the template memory budget of "
                   "512 MiB"},
        MemoryCase{"StringRepeat", "{{ 'ab' * 10**15 }}",
                   "repeating a string would need 1.8 PiB, more than the template memory budget of 512 MiB"});
const auto kCaseName = [](const auto& info) { return std::string(info.param.name); };
INSTANTIATE_TEST_SUITE_P(Cases, HostileTemplateMemory, kMemoryCases, kCaseName);
INSTANTIATE_TEST_SUITE_P(Cases, HostileTemplateMemoryCli, kMemoryCases, kCaseName);

TEST(HostileTemplateCli, RunawayTemplate) {
  TempDir dir("vole-hostile-tpl");
  auto model = template_model(dir, kRunaway);
  auto r = run_vole({"template", "-m", model.string(), "--messages", (dir / "messages.json").string()}, bounded(60));
  std::printf("[measured] vole template on a runaway template: exit %d after %.2f s\n", r.exit_code, r.seconds);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1);
  // The step budget or the 10 s deadline, whichever comes first on this machine.
  std::string head = "vole template: invalid file: " + (model / "chat_template.jinja").string() +
                     ":1: the template did not finish within ";
  std::string tail = " (a loop that does not end?); rendering stopped\n";
  EXPECT_EQ(r.err.substr(0, head.size()), head) << r.err;
  ASSERT_GE(r.err.size(), tail.size());
  EXPECT_EQ(r.err.substr(r.err.size() - tail.size()), tail) << r.err;
  EXPECT_TRUE(r.err.find("10000000 steps") != std::string::npos || r.err.find("10 s") != std::string::npos) << r.err;
  EXPECT_LT(r.seconds, 30.0);
}

TEST(HostileTemplate, RealTemplatesStayFarFromTheBudgets) {
  // A long conversation through a template shaped like the published ones (loops,
  // namespaces, string building) renders well inside the default limits.
  std::string source =
      "{%- set ns = namespace(text='') -%}{%- for m in messages -%}"
      "{%- set ns.text = ns.text + '<|im_start|>' + m.role + '\\n' + m.content | trim + '<|im_end|>\\n' -%}"
      "{%- endfor -%}{{ ns.text }}{%- if add_generation_prompt %}<|im_start|>assistant\\n{% endif -%}";
  text::ChatTemplate tpl(source);
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (int i = 0; i < 2000; ++i)
    messages.push_back({{"role", i % 2 ? "assistant" : "user"}, {"content", std::string(200, 'a' + i % 26)}});
  auto start = Clock::now();
  std::string out = tpl.render(messages);
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("[measured] 2000 messages, %zu bytes rendered in %.3f s\n", out.size(), s);
  EXPECT_GT(out.size(), 2000u * 200);
}
