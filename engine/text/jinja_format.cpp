#include "text/jinja_format.h"

#include <cmath>
#include <cstdio>

#include "text/jinja_builtins.h"
#include "text/jinja_interpreter.h"
#include "text/jinja_unicode.h"

namespace vole::text::jinja {

namespace {

std::string pad(const std::string& body, size_t width, char align, const std::string& fill) {
  size_t len = count_code_points(body);
  if (len >= width) return body;
  size_t n = width - len;
  auto repeat = [&](size_t k) {
    std::string s;
    for (size_t i = 0; i < k; ++i) s += fill;
    return s;
  };
  if (align == '<') return body + repeat(n);
  if (align == '^') return repeat(n / 2) + body + repeat(n - n / 2);
  return repeat(n) + body;
}

std::string truncate_code_points(const std::string& s, int64_t precision) {
  if (precision < 0) return s;
  std::u32string u = to_u32(s);
  if (u.size() <= static_cast<size_t>(precision)) return s;
  return to_utf8(std::u32string_view(u).substr(0, static_cast<size_t>(precision)));
}

std::string digits_in_base(uint64_t v, int base, bool upper) {
  if (v == 0) return "0";
  const char* chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  while (v) {
    out.insert(out.begin(), chars[v % static_cast<uint64_t>(base)]);
    v /= static_cast<uint64_t>(base);
  }
  return out;
}

uint64_t magnitude(int64_t v) { return v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v); }

std::string c_format_double(char type, double v, int precision, bool alternate) {
  char spec[16];
  std::snprintf(spec, sizeof spec, "%%%s.%d%c", alternate ? "#" : "", precision, type);
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, spec, v);
  if (n < 0) type_error("could not format a number");
  if (static_cast<size_t>(n) < sizeof buf) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(big.data(), big.size(), spec, v);
  big.resize(static_cast<size_t>(n));
  return big;
}

int64_t to_int_for_format(const Value& v, char type) {
  if (v.is_integral()) return v.as_int();
  if (v.is_float() && (type == 'd' || type == 'i' || type == 'u')) {
    double d = v.as_double();
    if (std::isnan(d)) type_error("cannot convert float NaN to integer");
    if (std::isinf(d) || std::fabs(d) >= 9.2e18) unsupported("integer overflow (Vole's templates compute with 64-bit integers)");
    return static_cast<int64_t>(d);
  }
  if (type == 'd' || type == 'i' || type == 'u') type_error(std::string("%") + type + " format: a real number is required, not " + type_name(v));
  type_error(std::string("%") + type + " format: an integer is required, not " + type_name(v));
}

std::string ascii_repr(const Value& v) {
  std::string r = py_repr(v), out;
  for (char32_t c : to_u32(r)) {
    char buf[16];
    if (c < 0x80) out += static_cast<char>(c);
    else {
      std::snprintf(buf, sizeof buf, c <= 0xFF ? "\\x%02x" : c <= 0xFFFF ? "\\u%04x" : "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    }
  }
  return out;
}

}  // namespace

Value percent_format(const Value& fmt_value, const Value& args) {
  const std::string& fmt = fmt_value.str();
  List single;
  const List* positional;
  bool tuple_args = args.is_tuple();
  if (tuple_args) {
    positional = &args.items();
  } else {
    single.push_back(args);
    positional = &single;
  }
  bool mapping = args.is_dict() || args.is_list();  // CPython: any mapping-like non-tuple non-str
  size_t next_arg = 0;
  auto next_value = [&]() -> const Value& {
    if (next_arg >= positional->size()) type_error("not enough arguments for format string");
    return (*positional)[next_arg++];
  };
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (++i >= fmt.size()) type_error("incomplete format");
    const Value* keyed = nullptr;
    if (fmt[i] == '(') {
      size_t depth = 1, start = ++i;
      while (i < fmt.size() && depth) {
        if (fmt[i] == '(') ++depth;
        else if (fmt[i] == ')') --depth;
        ++i;
      }
      if (depth) type_error("incomplete format key");
      if (!args.is_dict()) type_error("format requires a mapping");
      std::string key = fmt.substr(start, i - 1 - start);
      keyed = args.dict().find(key);
      if (!keyed) type_error("KeyError: " + py_repr_string(key));
    }
    bool left = false, zero = false, plus = false, space = false, alternate = false;
    for (; i < fmt.size(); ++i) {
      char f = fmt[i];
      if (f == '-') left = true;
      else if (f == '0') zero = true;
      else if (f == '+') plus = true;
      else if (f == ' ') space = true;
      else if (f == '#') alternate = true;
      else break;
    }
    auto read_number = [&](int64_t dflt) -> int64_t {
      if (i < fmt.size() && fmt[i] == '*') {
        ++i;
        const Value& w = next_value();
        if (!w.is_integral()) type_error("* wants int");
        return w.as_int();
      }
      if (i >= fmt.size() || fmt[i] < '0' || fmt[i] > '9') return dflt;
      int64_t n = 0;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        n = n * 10 + (fmt[i++] - '0');
        if (n > 100000) unsupported("format width too large");
      }
      return n;
    };
    int64_t width = read_number(-1);
    if (width < 0 && width != -1) {
      left = true;
      width = -width;
    }
    int64_t precision = -1;
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      precision = read_number(0);
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) type_error("incomplete format");
    char type = fmt[i];
    if (type == '%') {
      out += '%';
      continue;
    }
    const Value& v = keyed ? *keyed : next_value();
    std::string body;
    bool numeric = false;
    std::string sign, prefix;
    switch (type) {
      case 's': body = truncate_code_points(py_str(v), precision); break;
      case 'r': body = truncate_code_points(py_repr(v), precision); break;
      case 'a': body = truncate_code_points(ascii_repr(v), precision); break;
      case 'c':
        if (v.is_integral()) {
          if (v.as_int() < 0 || v.as_int() > 0x10FFFF) type_error("%c arg not in range(0x110000)");
          append_utf8(body, static_cast<char32_t>(v.as_int()));
        } else if (v.is_string() && count_code_points(v.str()) == 1) {
          body = v.str();
        } else {
          type_error("%c requires int or char");
        }
        break;
      case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
        int64_t n = to_int_for_format(v, type);
        int base = type == 'x' || type == 'X' ? 16 : type == 'o' ? 8 : 10;
        body = digits_in_base(magnitude(n), base, type == 'X');
        if (precision >= 0 && body.size() < static_cast<size_t>(precision)) body.insert(0, static_cast<size_t>(precision) - body.size(), '0');
        sign = n < 0 ? "-" : plus ? "+" : space ? " " : "";
        if (alternate && base != 10) prefix = type == 'x' ? "0x" : type == 'X' ? "0X" : "0o";
        numeric = true;
        break;
      }
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
        if (!v.is_number()) type_error("must be real number, not " + type_name(v));
        double d = v.as_double();
        body = c_format_double(type, std::fabs(d), precision < 0 ? 6 : static_cast<int>(precision), alternate);
        sign = std::signbit(d) && !std::isnan(d) ? "-" : plus ? "+" : space ? " " : "";
        numeric = true;
        break;
      }
      default: type_error(std::string("unsupported format character '") + type + "'");
    }
    size_t w = width < 0 ? 0 : static_cast<size_t>(width);
    if (numeric) {
      std::string head = sign + prefix;
      size_t len = head.size() + body.size();
      if (len < w) {
        if (left) body += std::string(w - len, ' ');
        else if (zero) body.insert(0, w - len, '0');
        else head.insert(0, w - len, ' ');
      }
      out += head + body;
    } else {
      out += pad(body, w, left ? '<' : '>', " ");
    }
  }
  bool unused_single = !tuple_args && next_arg == 0;
  bool unused_tuple = tuple_args && next_arg < positional->size();
  if ((unused_single || unused_tuple) && !mapping) type_error("not all arguments converted during string formatting");
  return Value(std::move(out));
}

std::string format_value(const Value& v, const std::string& spec) {
  if (spec.empty()) return py_str(v);
  // [[fill]align][sign][z][#][0][width][grouping][.precision][type]
  std::u32string s = to_u32(spec);
  size_t i = 0;
  std::string fill = " ";
  char align = 0;
  auto is_align = [](char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (s.size() >= 2 && is_align(s[1])) {
    fill.clear();
    append_utf8(fill, s[0]);
    align = static_cast<char>(s[1]);
    i = 2;
  } else if (!s.empty() && is_align(s[0])) {
    align = static_cast<char>(s[0]);
    i = 1;
  }
  char sign = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sign = static_cast<char>(s[i++]);
  bool no_neg_zero = false, alternate = false;
  if (i < s.size() && s[i] == 'z') no_neg_zero = (++i, true);
  if (i < s.size() && s[i] == '#') alternate = (++i, true);
  if (i < s.size() && s[i] == '0') {
    if (!align) {
      fill = "0";
      align = '=';
    }
    ++i;
  }
  size_t width = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    width = width * 10 + (s[i++] - '0');
    if (width > 100000) unsupported("format width too large");
  }
  char grouping = 0;
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) grouping = static_cast<char>(s[i++]);
  int64_t precision = -1;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || s[i] < '0' || s[i] > '9') type_error("Format specifier missing precision");
    precision = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') precision = precision * 10 + (s[i++] - '0');
  }
  char type = 0;
  if (i < s.size()) type = static_cast<char>(s[i++]);
  if (i != s.size()) type_error("Invalid format specifier '" + spec + "' for object of type '" + type_name(v) + "'");

  if (v.is_string()) {
    if (type && type != 's') type_error(std::string("Unknown format code '") + type + "' for object of type 'str'");
    if (sign) type_error("Sign not allowed in string format specifier");
    if (align == '=') type_error("'=' alignment not allowed in string format specifier");
    return pad(truncate_code_points(v.str(), precision), width, align ? align : '<', fill);
  }
  if (!v.is_number()) type_error("unsupported format string passed to " + type_name(v) + ".__format__");

  std::string digits, prefix;
  bool negative = false;
  bool as_float = v.is_float() || (type && std::string("eEfFgG%").find(type) != std::string::npos);
  if (!as_float) {
    if (type && std::string("bcdoxXn").find(type) == std::string::npos)
      type_error(std::string("Unknown format code '") + type + "' for object of type 'int'");
    int64_t n = v.as_int();
    if (type == 'c') {
      std::string ch;
      append_utf8(ch, static_cast<char32_t>(n));
      return pad(ch, width, align ? align : '>', fill);
    }
    int base = type == 'b' ? 2 : type == 'o' ? 8 : (type == 'x' || type == 'X') ? 16 : 10;
    negative = n < 0;
    digits = digits_in_base(magnitude(n), base, type == 'X');
    if (alternate && base != 10) prefix = base == 2 ? "0b" : base == 8 ? "0o" : type == 'X' ? "0X" : "0x";
    if (grouping) {
      size_t group = base == 10 ? 3 : 4;
      std::string g;
      for (size_t k = 0; k < digits.size(); ++k) {
        if (k && (digits.size() - k) % group == 0) g += grouping;
        g += digits[k];
      }
      digits = g;
    }
  } else {
    if (type && std::string("eEfFgGn%").find(type) == std::string::npos)
      type_error(std::string("Unknown format code '") + type + "' for object of type 'float'");
    double d = v.as_double();
    negative = std::signbit(d) && !std::isnan(d) && !(no_neg_zero && d == 0.0);
    double a = std::fabs(d);
    if (!type) {
      if (precision < 0) {
        digits = py_float_repr(a);
      } else {
        digits = c_format_double('g', a, precision == 0 ? 1 : static_cast<int>(precision), alternate);
        if (digits.find_first_of(".eEn") == std::string::npos && std::isfinite(a)) digits += ".0";
      }
    } else if (type == '%') {
      digits = c_format_double('f', a * 100, precision < 0 ? 6 : static_cast<int>(precision), alternate) + "%";
    } else {
      digits = c_format_double(type == 'n' ? 'g' : type, a, precision < 0 ? 6 : static_cast<int>(precision), alternate);
    }
    if (grouping) {
      size_t dot = digits.find_first_of(".eE%");
      std::string int_part = digits.substr(0, dot), rest = dot == std::string::npos ? "" : digits.substr(dot);
      std::string g;
      for (size_t k = 0; k < int_part.size(); ++k) {
        if (k && (int_part.size() - k) % 3 == 0) g += grouping;
        g += int_part[k];
      }
      digits = g + rest;
    }
  }
  std::string sign_text = negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
  if (align == '=') {
    std::string head = sign_text + prefix;
    size_t len = head.size() + digits.size();
    std::string fillers;
    for (size_t k = len; k < width; ++k) fillers += fill;
    return head + fillers + digits;
  }
  return pad(sign_text + prefix + digits, width, align ? align : '>', fill);
}

std::string str_format(Interpreter& interp, const std::string& fmt, const CallArgs& args) {
  std::string out;
  int auto_index = 0;
  bool manual = false, automatic = false;
  auto field_value = [&](const std::string& field) -> Value {
    size_t end = field.find_first_of(".[");
    std::string head = field.substr(0, end);
    Value v;
    if (head.empty()) {
      if (manual) type_error("cannot switch from manual field specification to automatic field numbering");
      automatic = true;
      size_t idx = static_cast<size_t>(auto_index++);
      if (idx >= args.pos.size()) type_error("Replacement index " + std::to_string(idx) + " out of range for positional args tuple");
      v = args.pos[idx];
    } else if (head.find_first_not_of("0123456789") == std::string::npos) {
      if (automatic) type_error("cannot switch from automatic field numbering to manual field specification");
      manual = true;
      auto parsed = parse_py_int(head, 10);
      size_t idx = static_cast<size_t>(parsed.value_or(0));
      if (idx >= args.pos.size()) type_error("Replacement index " + head + " out of range for positional args tuple");
      v = args.pos[idx];
    } else {
      const Value* found = nullptr;
      for (auto& [k, kv] : args.kw)
        if (k == head) found = &kv;
      if (!found) type_error("KeyError: " + py_repr_string(head));
      v = *found;
    }
    size_t p = end;
    while (p != std::string::npos && p < field.size()) {
      if (field[p] == '.') {
        size_t q = field.find_first_of(".[", p + 1);
        v = interp.getattr(v, field.substr(p + 1, q == std::string::npos ? std::string::npos : q - p - 1));
        p = q;
      } else {
        size_t q = field.find(']', p);
        if (q == std::string::npos) type_error("Missing ']' in format string");
        std::string key = field.substr(p + 1, q - p - 1);
        bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
        v = interp.getitem(v, numeric ? Value(parse_py_int(key, 10).value_or(0)) : Value(key));
        p = q + 1;
      }
    }
    return v;
  };
  std::function<std::string(const std::string&, int)> render = [&](const std::string& text, int depth) {
    if (depth > 2) type_error("Max string recursion exceeded");
    std::string result;
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c == '}') {
        if (i + 1 < text.size() && text[i + 1] == '}') {
          result += '}';
          ++i;
          continue;
        }
        type_error("Single '}' encountered in format string");
      }
      if (c != '{') {
        result += c;
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '{') {
        result += '{';
        ++i;
        continue;
      }
      size_t depth_braces = 1, j = i + 1;
      while (j < text.size() && depth_braces) {
        if (text[j] == '{') ++depth_braces;
        else if (text[j] == '}') --depth_braces;
        if (depth_braces) ++j;
      }
      if (depth_braces) type_error("expected '}' before end of string");
      std::string inner = text.substr(i + 1, j - i - 1);
      size_t bracket = 0, split = std::string::npos;
      for (size_t k = 0; k < inner.size(); ++k) {
        if (inner[k] == '[') ++bracket;
        else if (inner[k] == ']' && bracket) --bracket;
        else if (!bracket && (inner[k] == '!' || inner[k] == ':')) {
          split = k;
          break;
        }
      }
      std::string field = inner.substr(0, split);
      char conversion = 0;
      std::string spec;
      if (split != std::string::npos) {
        size_t k = split;
        if (inner[k] == '!') {
          if (k + 1 >= inner.size()) type_error("end of string while looking for conversion specifier");
          conversion = inner[k + 1];
          k += 2;
          if (k < inner.size() && inner[k] != ':') type_error("expected ':' after conversion specifier");
        }
        if (k < inner.size()) spec = render(inner.substr(k + 1), depth + 1);
      }
      Value v = field_value(field);
      if (conversion == 'r') v = Value(py_repr(v));
      else if (conversion == 's') v = Value(py_str(v));
      else if (conversion == 'a') v = Value(ascii_repr(v));
      else if (conversion) type_error(std::string("Unknown conversion specifier ") + conversion);
      result += format_value(v, spec);
      i = j;
    }
    return result;
  };
  out = render(fmt, 0);
  return out;
}

}  // namespace vole::text::jinja
