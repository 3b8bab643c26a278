#pragma once
// Runs tests/oracles/jinja_render.py (jinja2 set up as transformers renders chat
// templates) on a batch of cases in one Python process, and compares Vole's renders
// with it.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vole::test {

struct OracleResult {
  bool ok = false;
  std::string text;   // the render, when ok
  std::string error;  // "ExceptionType: message", when not
};

// One result per case (see jinja_render.py for the case format). nullopt when Python or
// jinja2 is missing; that fails the test when oracles are required (tests/run.sh).
std::optional<std::vector<OracleResult>> run_jinja_oracle(const std::vector<nlohmann::ordered_json>& cases);

// What Vole produced for a case: the text, or the error (and whether the template's own
// raise_exception produced it).
struct VoleResult {
  bool ok = false;
  std::string text;
  std::string error;
  bool raised_by_template = false;
};

// Expects identical behaviour: the same bytes, or both failing. A failure jinja2 reports
// as TemplateError (raise_exception) must be Vole's RaisedByTemplate with the same
// message. `label` names the case in failure messages.
void expect_same(const std::string& label, const VoleResult& vole, const OracleResult& oracle);

}  // namespace vole::test
