#pragma once
// Splits template source into tokens exactly as jinja2's lexer does under transformers'
// settings (trim_blocks, lstrip_blocks, no trailing newline kept): text between tags
// becomes Data with whitespace control already applied, tag contents become typed tokens.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vole::text::jinja {

enum class Tok { Data, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, Eof };

struct Token {
  Tok type = Tok::Eof;
  std::string text;  // Data/Name/Operator text, String's decoded value
  int64_t integer = 0;
  double number = 0;
  int line = 1;
};

// Throws vole::Error (InvalidFile) naming `template_name` and the line on malformed input.
std::vector<Token> tokenize(std::string_view source, const std::string& template_name);

const char* token_description(Tok type);

}  // namespace vole::text::jinja
