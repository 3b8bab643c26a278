#pragma once
// Builds the syntax tree from tokens with jinja2's grammar and operator precedence
// (jinja2/parser.py), including its quirks: left-associative **, `~` binding tighter
// than + and -, tests taking one bare argument, and `for ... if ...` loop filters.
#include <string>
#include <vector>

#include "text/jinja_ast.h"
#include "text/jinja_lexer.h"

namespace vole::text::jinja {

// Throws vole::Error naming `template_name` and the line: InvalidFile for syntax errors,
// Unsupported for valid jinja2 tags Vole does not implement (extends, include, call...).
Body parse(std::vector<Token> tokens, const std::string& template_name);

}  // namespace vole::text::jinja
