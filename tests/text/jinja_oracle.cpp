#include "text/jinja_oracle.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "support/oracles.h"
#include "support/temp_dir.h"

namespace vole::test {

namespace {

const char* kPython = "/usr/bin/python3";  // Debian's, which has python3-jinja2

bool oracles_required() {
  const char* req = std::getenv("VOLE_REQUIRE_ORACLES");
  return req && std::string(req) == "1";
}

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

}  // namespace

std::optional<std::vector<OracleResult>> run_jinja_oracle(const std::vector<nlohmann::ordered_json>& cases) {
  if (!oracle_available(kPython)) return std::nullopt;
  TempDir dir("vole-jinja-oracle");
  {
    std::ofstream in(dir / "cases.json", std::ios::binary);
    in << nlohmann::ordered_json(cases).dump();
  }
  auto script = source_dir() / "tests" / "oracles" / "jinja_render.py";
  std::string cmd = std::string(kPython) + " " + quoted(script) + " < " + quoted(dir / "cases.json") + " > " +
                    quoted(dir / "results.json") + " 2> " + quoted(dir / "stderr.txt");
  int rc = std::system(cmd.c_str());
  std::stringstream out, err;
  out << std::ifstream(dir / "results.json").rdbuf();
  err << std::ifstream(dir / "stderr.txt").rdbuf();
  if (rc != 0) {
    bool missing = err.str().find("No module named 'jinja2'") != std::string::npos;
    if (missing && !oracles_required()) return std::nullopt;
    ADD_FAILURE() << "jinja2 oracle failed (rc " << rc << "): " << err.str();
    return std::nullopt;
  }
  auto results = nlohmann::json::parse(out.str());
  std::vector<OracleResult> parsed;
  for (auto& r : results) {
    OracleResult o;
    o.ok = r["ok"].get<bool>();
    if (o.ok) o.text = r["text"].get<std::string>();
    else o.error = r["error"].get<std::string>();
    parsed.push_back(std::move(o));
  }
  EXPECT_EQ(parsed.size(), cases.size());
  return parsed;
}

void expect_same(const std::string& label, const VoleResult& vole, const OracleResult& oracle) {
  if (oracle.ok) {
    if (!vole.ok) {
      ADD_FAILURE() << label << "\n  jinja2 rendered: " << nlohmann::json(oracle.text).dump() << "\n  Vole failed: " << vole.error;
      return;
    }
    if (vole.text != oracle.text)
      ADD_FAILURE() << label << "\n  jinja2: " << nlohmann::json(oracle.text).dump() << "\n  Vole:   " << nlohmann::json(vole.text).dump();
    return;
  }
  if (vole.ok) {
    ADD_FAILURE() << label << "\n  jinja2 failed: " << oracle.error << "\n  Vole rendered: " << nlohmann::json(vole.text).dump();
    return;
  }
  const std::string raised = "TemplateError: ";
  if (oracle.error.rfind(raised, 0) == 0) {
    EXPECT_TRUE(vole.raised_by_template) << label << ": jinja2 raised " << oracle.error << "\n  Vole failed with: " << vole.error;
    EXPECT_EQ(vole.error, oracle.error.substr(raised.size())) << label;
  } else {
    EXPECT_FALSE(vole.raised_by_template) << label << ": jinja2 failed with " << oracle.error << " but Vole reported a template raise: " << vole.error;
  }
}

}  // namespace vole::test
