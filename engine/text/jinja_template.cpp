#include "text/jinja_template.h"

#include <new>
#include <stdexcept>

#include "text/jinja_builtins.h"
#include "text/jinja_interpreter.h"
#include "text/jinja_lexer.h"
#include "text/jinja_parser.h"

namespace vole::text::jinja {

Template::Template(std::string_view source, std::string name)
    : name_(std::move(name)), body_(std::make_shared<Body>(parse(tokenize(source, name_), name_))) {}

std::string Template::render(const Dict& variables, const RenderLimits& limits) const {
  Interpreter interp(name_, variables, builtin_globals(), limits);
  try {
    return interp.render(*body_);
  } catch (const RaisedByTemplate&) {
    throw;
  } catch (const Error& e) {
    fail(e.code(), name_ + ":" + std::to_string(interp.line()) + ": " + e.what());
  } catch (const std::bad_alloc&) {
    fail(ErrorCode::OutOfMemory, name_ + ":" + std::to_string(interp.line()) +
                                     ": the template needed more memory than this computer could give it");
  } catch (const std::length_error& e) {
    fail(ErrorCode::InvalidFile,
         name_ + ":" + std::to_string(interp.line()) + ": a value too large to build (" + e.what() + ")");
  } catch (const std::exception& e) {
    fail(ErrorCode::Internal, name_ + ":" + std::to_string(interp.line()) + ": " + e.what());
  }
}

std::string Template::render(const nlohmann::ordered_json& variables, const RenderLimits& limits) const {
  require(variables.is_object(), name_ + ": template variables must be a JSON object");
  Value v = from_json(variables);
  return render(v.dict(), limits);
}

}  // namespace vole::text::jinja
