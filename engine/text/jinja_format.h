#pragma once
// Python string formatting as templates reach it: `fmt % args` and the format filter
// (printf-style), and str.format() with the format-spec mini-language.
#include <string>

#include "text/jinja_value.h"

namespace vole::text::jinja {

// fmt % args: a tuple supplies positional values, a dict named ones (%(name)s).
Value percent_format(const Value& fmt, const Value& args);
// str.format(*args, **kwargs). `interp` resolves field attributes (`{0.name}`, `{0[key]}`).
std::string str_format(Interpreter& interp, const std::string& fmt, const CallArgs& args);
// format(value, spec) as str.format applies it to one field.
std::string format_value(const Value& v, const std::string& spec);

}  // namespace vole::text::jinja
