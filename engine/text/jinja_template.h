#pragma once
// A Jinja template as transformers renders chat templates: jinja2's
// ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks, the loopcontrols
// extension, transformers' tojson filter and its globals (raise_exception,
// strftime_now). Parsed once, rendered many times; rendering does not modify it.
//
//   vole::text::jinja::Template t(source, "chat_template.jinja");
//   std::string out = t.render(nlohmann::ordered_json{{"messages", msgs}});
//
// Errors are vole::Error naming the template and line: InvalidFile for syntax errors and
// unknown filters/tests, Unsupported for jinja2 features Vole leaves out, InvalidArgument
// for runtime errors (type errors, undefined values used), InvalidFile for a template
// past its RenderLimits (steps, time, memory), Cancelled when the render was cancelled. A template's own
// raise_exception(msg) throws RaisedByTemplate whose what() is msg verbatim.
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "text/jinja_ast.h"
#include "text/jinja_limits.h"
#include "text/jinja_value.h"

namespace vole::text::jinja {

class Template {
 public:
  explicit Template(std::string_view source, std::string name = "template");

  // `limits` bound the render (steps, time, memory) and let another thread cancel it:
  // a runaway template fails with InvalidFile naming it, a cancel with Cancelled.
  std::string render(const Dict& variables, const RenderLimits& limits = {}) const;
  // `variables` must be a JSON object; its keys become template variables.
  std::string render(const nlohmann::ordered_json& variables, const RenderLimits& limits = {}) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::shared_ptr<const Body> body_;
};

}  // namespace vole::text::jinja
