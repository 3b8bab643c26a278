#include "text/jinja_lexer.h"

#include <cstdlib>

#include "text/jinja_unicode.h"
#include "util/error.h"

namespace vole::text::jinja {

const char* token_description(Tok type) {
  switch (type) {
    case Tok::Data: return "template data";
    case Tok::VariableBegin: return "begin of print statement";
    case Tok::VariableEnd: return "end of print statement";
    case Tok::BlockBegin: return "begin of statement block";
    case Tok::BlockEnd: return "end of statement block";
    case Tok::Name: return "name";
    case Tok::String: return "string";
    case Tok::Integer: return "integer";
    case Tok::Float: return "float";
    case Tok::Operator: return "operator";
    case Tok::Eof: return "end of template";
  }
  return "token";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Python's unicode-escape decoding of a string literal's body, after jinja2 first turns
// every non-ASCII character into its backslash escape (so they survive unchanged, unless
// a stray backslash precedes them, exactly as in jinja2).
std::string decode_string_literal(std::string_view body, const std::string& where) {
  std::string ascii;
  for (char32_t c : to_u32(body)) {
    if (c < 0x80) {
      ascii += static_cast<char>(c);
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, c <= 0xFF ? "\\x%02x" : c <= 0xFFFF ? "\\u%04x" : "\\U%08x", static_cast<unsigned>(c));
      ascii += buf;
    }
  }
  std::string out;
  auto hex_escape = [&](size_t& i, int digits, const char* kind) {
    if (i + static_cast<size_t>(digits) > ascii.size()) fail(ErrorCode::InvalidFile, where + "truncated " + kind + " escape in string");
    char32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      char c = ascii[i + static_cast<size_t>(k)];
      int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) fail(ErrorCode::InvalidFile, where + "truncated " + kind + " escape in string");
      v = v * 16 + static_cast<char32_t>(d);
    }
    i += static_cast<size_t>(digits);
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
      fail(ErrorCode::InvalidFile, where + "string escape is not a valid character");
    append_utf8(out, v);
  };
  for (size_t i = 0; i < ascii.size();) {
    char c = ascii[i++];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i >= ascii.size()) fail(ErrorCode::InvalidFile, where + "string ends with a backslash");
    char e = ascii[i++];
    switch (e) {
      case '\n': break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': hex_escape(i, 2, "\\xXX"); break;
      case 'u': hex_escape(i, 4, "\\uXXXX"); break;
      case 'U': hex_escape(i, 8, "\\UXXXXXXXX"); break;
      case 'N': fail(ErrorCode::Unsupported, where + "\\N{...} escapes in strings are not supported");
      default:
        if (e >= '0' && e <= '7') {
          unsigned v = static_cast<unsigned>(e - '0');
          for (int k = 0; k < 2 && i < ascii.size() && ascii[i] >= '0' && ascii[i] <= '7'; ++k) v = v * 8 + static_cast<unsigned>(ascii[i++] - '0');
          append_utf8(out, v);
        } else {
          out += '\\';  // Python keeps unknown escapes as written
          out += e;
        }
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view source, const std::string& name) : name_(name) {
    // jinja2 normalises every newline to \n and drops one trailing newline.
    src_.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        src_ += '\n';
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        src_ += source[i];
      }
    }
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();
  }

  std::vector<Token> run() {
    if (!valid_utf8(src_)) fail(ErrorCode::InvalidFile, name_ + ": template is not valid UTF-8");
    while (pos_ < src_.size()) {
      size_t tag = find_tag(pos_);
      if (tag == std::string::npos) {
        emit_data(src_.substr(pos_), pos_);
        pos_ = src_.size();
        break;
      }
      lex_tag(tag);
    }
    tokens_.push_back(Token{Tok::Eof, "", 0, 0, line_at(src_.size())});
    return std::move(tokens_);
  }

 private:
  std::string name_;
  std::string src_;
  size_t pos_ = 0;
  bool line_starting_ = true;  // the previous match ended with a newline
  std::vector<Token> tokens_;
  size_t line_pos_ = 0;
  int line_ = 1;

  int line_at(size_t pos) {
    if (pos < line_pos_) {
      line_pos_ = 0;
      line_ = 1;
    }
    for (; line_pos_ < pos; ++line_pos_) line_ += src_[line_pos_] == '\n';
    return line_;
  }

  [[noreturn]] void error(size_t pos, const std::string& message) {
    fail(ErrorCode::InvalidFile, name_ + ":" + std::to_string(line_at(pos)) + ": syntax error: " + message);
  }

  bool starts(size_t pos, std::string_view s) const { return src_.compare(pos, s.size(), s) == 0; }

  size_t find_tag(size_t from) const {
    for (size_t p = src_.find('{', from); p != std::string::npos; p = src_.find('{', p + 1)) {
      if (p + 1 < src_.size() && (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#')) return p;
    }
    return std::string::npos;
  }

  // Whitespace as Python's re \s matches it, starting at `pos`; returns the end.
  size_t skip_space(size_t pos) const {
    while (pos < src_.size()) {
      unsigned char c = static_cast<unsigned char>(src_[pos]);
      if (c < 0x80) {
        if (!is_ascii_space(static_cast<char>(c)) && !(c >= 0x1C && c <= 0x1F)) break;
        ++pos;
        continue;
      }
      size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      std::u32string cp = to_u32(std::string_view(src_).substr(pos, len));
      if (cp.size() != 1 || !py_isspace(cp[0])) break;
      pos += len;
    }
    return pos;
  }

  bool all_space(std::string_view s) const {
    for (char32_t c : to_u32(s))
      if (!py_isspace(c)) return false;
    return !s.empty();
  }

  static std::string rstrip(std::string_view s) {
    std::u32string u = to_u32(s);
    while (!u.empty() && py_isspace(u.back())) u.pop_back();
    return to_utf8(u);
  }

  void emit_data(std::string text, size_t at) {
    if (!text.empty()) tokens_.push_back(Token{Tok::Data, std::move(text), 0, 0, line_at(at)});
  }

  // Text before a tag, with the tag's whitespace control: '-' strips all whitespace before
  // it; otherwise lstrip_blocks removes the tag's own indentation (block and comment tags).
  void emit_text_before(size_t start, size_t end, char sign, bool is_variable) {
    std::string text = src_.substr(start, end - start);
    if (sign == '-') {
      text = rstrip(text);
    } else if (sign != '+' && !is_variable) {
      size_t l_pos = text.rfind('\n');
      l_pos = l_pos == std::string::npos ? 0 : l_pos + 1;
      if ((l_pos > 0 || line_starting_) && all_space(std::string_view(text).substr(l_pos))) text.resize(l_pos);
    }
    emit_data(std::move(text), start);
  }

  // The end of a block-style closing delimiter at `pos` ("+%}", "-%}\s*" or "%}\n?" for
  // delim "%}"), or npos if there is none.
  size_t block_close_end(size_t pos, std::string_view delim) const {
    if (src_[pos] == '+' && starts(pos + 1, delim)) return pos + 1 + delim.size();
    if (src_[pos] == '-' && starts(pos + 1, delim)) return skip_space(pos + 1 + delim.size());
    if (starts(pos, delim)) {
      size_t end = pos + delim.size();
      return end < src_.size() && src_[end] == '\n' ? end + 1 : end;  // trim_blocks
    }
    return std::string::npos;
  }

  void set_line_starting(size_t match_end) { line_starting_ = match_end > 0 && src_[match_end - 1] == '\n'; }

  // `{% raw %}`: the begin tag matched as a whole (no newline trimming after it).
  size_t raw_begin_end(size_t tag) const {
    size_t p = tag + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    p = skip_space(p);
    if (!starts(p, "raw")) return std::string::npos;
    p = skip_space(p + 3);
    if (starts(p, "-%}")) return skip_space(p + 3);
    if (starts(p, "%}")) return p + 2;
    return std::string::npos;
  }

  void lex_tag(size_t tag) {
    char kind = src_[tag + 1];
    char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+') ? src_[tag + 2] : '\0';
    size_t after = tag + 2 + (sign ? 1 : 0);
    if (kind == '%') {
      if (size_t raw_end = raw_begin_end(tag); raw_end != std::string::npos) {
        emit_text_before(pos_, tag, sign, false);
        set_line_starting(raw_end);
        lex_raw(raw_end);
        return;
      }
    }
    emit_text_before(pos_, tag, sign, kind == '{');
    line_starting_ = false;  // the match ended with the tag's opening delimiter
    if (kind == '#') {
      lex_comment(after);
    } else {
      tokens_.push_back(Token{kind == '{' ? Tok::VariableBegin : Tok::BlockBegin, "", 0, 0, line_at(tag)});
      lex_inside(after, kind == '{' ? "}}" : "%}");
    }
  }

  void lex_comment(size_t from) {
    for (size_t q = from; q < src_.size(); ++q) {
      size_t end = std::string::npos;
      if (src_[q] == '+' && starts(q + 1, "#}")) end = q + 3;
      else if (src_[q] == '-' && starts(q + 1, "#}")) end = skip_space(q + 3);
      else if (starts(q, "#}")) end = q + 2 < src_.size() && src_[q + 2] == '\n' ? q + 3 : q + 2;
      if (end != std::string::npos) {
        set_line_starting(end);
        pos_ = end;
        return;
      }
    }
    error(from, "Missing end of comment tag");
  }

  void lex_raw(size_t from) {
    for (size_t q = src_.find("{%", from); q != std::string::npos; q = src_.find("{%", q + 1)) {
      size_t p = q + 2;
      char sign = p < src_.size() && (src_[p] == '-' || src_[p] == '+') ? src_[p] : '\0';
      if (sign) ++p;
      p = skip_space(p);
      if (!starts(p, "endraw")) continue;
      p = skip_space(p + 6);
      size_t end = p < src_.size() ? block_close_end(p, "%}") : std::string::npos;
      if (end == std::string::npos) continue;
      emit_text_before(from, q, sign, false);
      set_line_starting(end);
      pos_ = end;
      return;
    }
    error(from, "Missing end of raw directive");
  }

  void lex_inside(size_t p, std::string_view close) {
    std::vector<char> balance;
    Tok end_type = close == "}}" ? Tok::VariableEnd : Tok::BlockEnd;
    while (true) {
      if (p >= src_.size()) error(p, "unexpected end of template, expected '" + std::string(close) + "'");
      if (balance.empty()) {
        size_t end = std::string::npos;
        if (end_type == Tok::BlockEnd) {
          end = block_close_end(p, close);
        } else if (src_[p] == '-' && starts(p + 1, close)) {
          end = skip_space(p + 3);
        } else if (starts(p, close)) {
          end = p + 2;
        }
        if (end != std::string::npos) {
          tokens_.push_back(Token{end_type, "", 0, 0, line_at(p)});
          set_line_starting(end);
          pos_ = end;
          return;
        }
      }
      char c = src_[p];
      if (is_ascii_space(c)) {
        ++p;
      } else if (is_digit(c)) {
        p = lex_number(p);
      } else if (is_name_start(c)) {
        size_t e = p;
        while (e < src_.size() && is_name_char(src_[e])) ++e;
        tokens_.push_back(Token{Tok::Name, src_.substr(p, e - p), 0, 0, line_at(p)});
        p = e;
      } else if (c == '\'' || c == '"') {
        p = lex_string(p);
      } else {
        p = lex_operator(p, balance);
      }
    }
  }

  // Digits with single underscores between them ((\d+_)*\d+); returns the end or `p`.
  size_t digit_group(size_t p) const {
    size_t e = p;
    while (true) {
      size_t d = e;
      while (d < src_.size() && is_digit(src_[d])) ++d;
      if (d == e) return e == p ? p : e - 1;  // ended on an underscore: give it back
      e = d;
      if (e < src_.size() && src_[e] == '_') ++e;
      else return e;
    }
  }

  size_t exponent(size_t p) const {
    if (p >= src_.size() || (src_[p] != 'e' && src_[p] != 'E')) return std::string::npos;
    size_t q = p + 1;
    if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
    size_t e = digit_group(q);
    return e == q ? std::string::npos : e;
  }

  static std::string without_underscores(std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != '_') out += c;
    return out;
  }

  size_t lex_number(size_t p) {
    int line = line_at(p);
    bool after_dot = p > 0 && src_[p - 1] == '.';
    size_t int_end = digit_group(p);
    if (!after_dot) {
      size_t end = std::string::npos;
      if (int_end < src_.size() && src_[int_end] == '.') {
        size_t frac_end = digit_group(int_end + 1);
        if (frac_end != int_end + 1) {
          size_t exp_end = exponent(frac_end);
          end = exp_end != std::string::npos ? exp_end : frac_end;
        }
      }
      if (end == std::string::npos) end = exponent(int_end);
      if (end != std::string::npos) {
        std::string text = without_underscores(std::string_view(src_).substr(p, end - p));
        tokens_.push_back(Token{Tok::Float, text, 0, std::strtod(text.c_str(), nullptr), line});
        return end;
      }
    }
    // Integers: 0b/0o/0x prefixes, a decimal without leading zeros, or zeros.
    size_t e = p;
    int base = 10;
    if (src_[p] == '0' && p + 1 < src_.size() && std::string_view("bBoOxX").find(src_[p + 1]) != std::string_view::npos) {
      char k = static_cast<char>(src_[p + 1] | 0x20);
      base = k == 'b' ? 2 : k == 'o' ? 8 : 16;
      auto ok = [&](char c) {
        int d = is_digit(c) ? c - '0' : ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') ? (c | 0x20) - 'a' + 10 : 99;
        return d < base;
      };
      size_t q = p + 2;
      while (q < src_.size()) {
        size_t r = q < src_.size() && src_[q] == '_' ? q + 1 : q;
        if (r < src_.size() && ok(src_[r])) q = r + 1;
        else break;
      }
      if (q == p + 2) {
        base = 10;
        e = p + 1;  // just "0"
      } else {
        e = q;
      }
    } else if (src_[p] == '0') {
      e = p + 1;
      while (e < src_.size()) {
        size_t r = src_[e] == '_' ? e + 1 : e;
        if (r < src_.size() && src_[r] == '0') e = r + 1;
        else break;
      }
    } else {
      e = int_end;
    }
    std::string digits = without_underscores(std::string_view(src_).substr(p, e - p));
    if (base != 10) digits = digits.substr(2);
    errno = 0;
    char* stop = nullptr;
    unsigned long long v = std::strtoull(digits.c_str(), &stop, base);
    if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX))
      fail(ErrorCode::Unsupported, name_ + ":" + std::to_string(line) + ": integer literal does not fit in 64 bits");
    tokens_.push_back(Token{Tok::Integer, digits, static_cast<int64_t>(v), 0, line});
    return e;
  }

  size_t lex_string(size_t p) {
    char quote = src_[p];
    size_t q = p + 1;
    while (q < src_.size() && src_[q] != quote) q += src_[q] == '\\' ? 2 : 1;
    if (q >= src_.size()) error(p, "unexpected char " + std::string(1, quote) + " (unterminated string)");
    int line = line_at(p);
    std::string where = name_ + ":" + std::to_string(line) + ": ";
    tokens_.push_back(Token{Tok::String, decode_string_literal(std::string_view(src_).substr(p + 1, q - p - 1), where), 0, 0, line});
    return q + 1;
  }

  size_t lex_operator(size_t p, std::vector<char>& balance) {
    static const char* const two[] = {"//", "**", "==", "!=", ">=", "<="};
    std::string op;
    for (const char* t : two)
      if (starts(p, t)) op = t;
    if (op.empty()) {
      char c = src_[p];
      if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos) {
        std::string shown = static_cast<unsigned char>(c) < 0x80 ? std::string(1, c) : "non-ASCII character";
        error(p, "unexpected char '" + shown + "'");
      }
      op = std::string(1, c);
    }
    char c = op[0];
    if (op.size() == 1 && (c == '(' || c == '[' || c == '{')) {
      balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (op.size() == 1 && (c == ')' || c == ']' || c == '}')) {
      if (balance.empty()) error(p, "unexpected '" + op + "'");
      if (balance.back() != c) error(p, "unexpected '" + op + "', expected '" + std::string(1, balance.back()) + "'");
      balance.pop_back();
    }
    tokens_.push_back(Token{Tok::Operator, op, 0, 0, line_at(p)});
    return p + op.size();
  }
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const std::string& template_name) {
  return Lexer(source, template_name).run();
}

}  // namespace vole::text::jinja
