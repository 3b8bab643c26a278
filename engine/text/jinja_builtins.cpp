#include "text/jinja_builtins.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "text/jinja_interpreter.h"
#include "text/jinja_unicode.h"

namespace vole::text::jinja {

ArgBinder::ArgBinder(const std::string& function, const CallArgs& args, std::initializer_list<const char*> params,
                     bool extra_positional)
    : function_(function), params_(params), bound_(params.size()) {
  for (size_t i = 0; i < args.pos.size(); ++i) {
    if (i < params_.size()) bound_[i] = args.pos[i];
    else if (extra_positional) extra_.push_back(args.pos[i]);
    else
      type_error(function_ + "() takes at most " + std::to_string(params_.size()) + " argument(s) (" +
                 std::to_string(args.pos.size()) + " given)");
  }
  for (auto& [name, value] : args.kw) {
    size_t i = 0;
    while (i < params_.size() && name != params_[i]) ++i;
    if (i == params_.size()) type_error(function_ + "() got an unexpected keyword argument " + py_repr_string(name));
    if (bound_[i]) type_error(function_ + "() got multiple values for argument " + py_repr_string(name));
    bound_[i] = value;
  }
}

const Value& ArgBinder::required(size_t i) const {
  if (!has(i)) type_error(function_ + "() missing required argument " + py_repr_string(params_[i]));
  return *bound_[i];
}

int64_t require_int(const Value& v, const char* what) {
  if (!v.is_integral()) type_error(std::string(what) + " must be an integer, not " + type_name(v));
  return v.as_int();
}

std::string strip_chars(const std::string& s, const Value& chars, bool left, bool right) {
  std::u32string u = to_u32(s);
  std::u32string set;
  bool whitespace = chars.is_none() || chars.is_undefined();
  if (!whitespace) {
    if (!chars.is_string()) type_error("strip arg must be None or str");
    set = to_u32(chars.str());
  }
  auto strip_it = [&](char32_t c) { return whitespace ? py_isspace(c) : set.find(c) != std::u32string::npos; };
  size_t b = 0, e = u.size();
  if (left)
    while (b < e && strip_it(u[b])) ++b;
  if (right)
    while (e > b && strip_it(u[e - 1])) --e;
  return to_utf8(std::u32string_view(u).substr(b, e - b));
}

std::vector<std::string> splitlines(const std::string& s, bool keepends) {
  std::u32string u = to_u32(s);
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    char32_t c = u[i];
    bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
               c == 0x2028 || c == 0x2029;
    if (!brk) continue;
    size_t eol = i + 1;
    if (c == '\r' && i + 1 < u.size() && u[i + 1] == '\n') eol = i + 2;
    out.push_back(to_utf8(std::u32string_view(u).substr(start, (keepends ? eol : i) - start)));
    start = eol;
    i = eol - 1;
  }
  if (start < u.size()) out.push_back(to_utf8(std::u32string_view(u).substr(start)));
  return out;
}

Value make_attrgetter_value(Interpreter& in, const Value& item, const Value& attribute, const Value& fallback) {
  std::vector<Value> parts;
  if (attribute.is_string()) {
    const std::string& a = attribute.str();
    size_t start = 0;
    while (true) {
      size_t dot = a.find('.', start);
      std::string part = a.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      auto index = part.empty() ? std::nullopt : parse_py_int(part, 10);
      bool digits = part.find_first_not_of("0123456789") == std::string::npos;
      parts.push_back(digits && index ? Value(*index) : Value(part));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  } else {
    parts.push_back(attribute);
  }
  Value v = item;
  for (auto& part : parts) {
    v = in.getitem(v, part);
    if (!fallback.is_none() && !fallback.is_undefined() && v.is_undefined()) v = fallback;
  }
  return v;
}

// Digits with single underscores between them, in `base`; the value, or nullopt.
static std::optional<int64_t> parse_digits(std::string_view s, int base) {
  if (s.empty() || s.front() == '_' || s.back() == '_') return std::nullopt;
  std::string clean;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_') {
      if (s[i + 1] == '_') return std::nullopt;
      continue;
    }
    int d = (c >= '0' && c <= '9') ? c - '0' : ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ? (c | 0x20) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    clean += c;
  }
  errno = 0;
  unsigned long long v = std::strtoull(clean.c_str(), nullptr, base);
  if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX))
    unsupported("integer " + clean + " does not fit in 64 bits");
  return static_cast<int64_t>(v);
}

std::optional<int64_t> parse_py_int(const std::string& text, int base) {
  std::string s = strip_chars(text, Value::none(), true, true);
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::string_view rest(s.c_str() + i, s.size() - i);
  if (base == 16 || base == 8 || base == 2) {
    char p = base == 16 ? 'x' : base == 8 ? 'o' : 'b';
    if (rest.size() > 2 && rest[0] == '0' && (rest[1] | 0x20) == p) rest.remove_prefix(rest[2] == '_' ? 3 : 2);
  }
  auto v = parse_digits(rest, base);
  if (!v) return std::nullopt;
  return negative ? -*v : *v;
}

std::optional<double> parse_py_float(const std::string& text) {
  std::string s = strip_chars(text, Value::none(), true, true);
  std::string lower = py_lower(s);
  size_t i = (!lower.empty() && (lower[0] == '+' || lower[0] == '-')) ? 1 : 0;
  std::string body = lower.substr(i);
  bool negative = i && lower[0] == '-';
  if (body == "inf" || body == "infinity") return negative ? -HUGE_VAL : HUGE_VAL;
  if (body == "nan") return negative ? -NAN : NAN;
  // digits [. digits] [e [+-] digits], underscores only between digits
  std::string clean;
  size_t k = 0;
  auto digits = [&](bool required) {
    size_t start = k;
    while (k < body.size() && ((body[k] >= '0' && body[k] <= '9') || body[k] == '_')) {
      if (body[k] == '_' && (k == start || k + 1 >= body.size() || body[k + 1] < '0' || body[k + 1] > '9')) return false;
      if (body[k] != '_') clean += body[k];
      ++k;
    }
    return !required || k > start;
  };
  size_t before = clean.size();
  if (!digits(false)) return std::nullopt;
  bool int_digits = clean.size() > before;
  if (k < body.size() && body[k] == '.') {
    clean += body[k++];
    size_t f = clean.size();
    if (!digits(false)) return std::nullopt;
    if (!int_digits && clean.size() == f) return std::nullopt;
  } else if (!int_digits) {
    return std::nullopt;
  }
  if (k < body.size() && body[k] == 'e') {
    clean += body[k++];
    if (k < body.size() && (body[k] == '+' || body[k] == '-')) clean += body[k++];
    if (!digits(true)) return std::nullopt;
  }
  if (k != body.size()) return std::nullopt;
  double v = std::strtod(clean.c_str(), nullptr);
  return negative ? -v : v;
}

// ---- globals ----------------------------------------------------------------------------------

namespace {

Value make_function(const char* name, Function::Fn fn) { return Value::object(std::make_shared<Function>(name, std::move(fn))); }

// Python's dict(*args, **kwargs), shared by dict() and namespace().
Dict build_dict(Interpreter& in, const CallArgs& args, const char* fn) {
  if (args.pos.size() > 1) type_error(std::string(fn) + " expected at most 1 argument, got " + std::to_string(args.pos.size()));
  Dict d;
  if (!args.pos.empty()) {
    const Value& src = args.pos[0];
    if (src.is_dict()) {
      d = src.dict();
    } else {
      for (auto& pair : in.iterate(src)) {
        List kv = in.iterate(pair);
        if (kv.size() != 2) type_error("dictionary update sequence element has length " + std::to_string(kv.size()) + "; 2 is required");
        if (!is_hashable(kv[0])) type_error("unhashable type: '" + type_name(kv[0]) + "'");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : args.kw) d.set(Value(k), v);
  return d;
}

Value range_global(Interpreter&, CallArgs& args) {
  if (!args.kw.empty()) type_error("range() takes no keyword arguments");
  if (args.pos.empty() || args.pos.size() > 3) type_error("range expected 1 to 3 arguments, got " + std::to_string(args.pos.size()));
  int64_t start = 0, stop, step = 1;
  if (args.pos.size() == 1) {
    stop = require_int(args.pos[0], "range() argument");
  } else {
    start = require_int(args.pos[0], "range() argument");
    stop = require_int(args.pos[1], "range() argument");
    if (args.pos.size() == 3) step = require_int(args.pos[2], "range() argument");
  }
  if (step == 0) type_error("range() arg 3 must not be zero");
  // The sandbox refuses ranges longer than 100000 items (jinja2's MAX_RANGE).
  long double count = step > 0 ? (static_cast<long double>(stop) - start) / step : (static_cast<long double>(start) - stop) / -step;
  if (count > 100000) type_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  List items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) items.push_back(Value(i));
  return Value::list(std::move(items));
}

// datetime.now().strftime(format): C strftime, except the directives Python's datetime
// handles itself for a naive local time (%f microseconds; %z and %Z are empty).
Value strftime_now(Interpreter&, CallArgs& args) {
  ArgBinder b("strftime_now", args, {"format"});
  const Value& f = b.required(0);
  if (!f.is_string()) type_error("strftime() argument 1 must be str, not " + type_name(f));
  struct timespec now_ts {};
  clock_gettime(CLOCK_REALTIME, &now_ts);
  std::tm local{};
  localtime_r(&now_ts.tv_sec, &local);
  std::string fmt;
  const std::string& in = f.str();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 1 < in.size()) {
      char d = in[i + 1];
      if (d == 'f') {
        char us[32];
        std::snprintf(us, sizeof us, "%06ld", static_cast<long>(now_ts.tv_nsec / 1000));
        fmt += us;
      } else if (d != 'z' && d != 'Z') {
        fmt += in.substr(i, 2);
      }
      ++i;
    } else {
      fmt += in[i];
    }
  }
  if (fmt.empty()) return Value("");
  std::string buf(256 + fmt.size() * 8, '\0');
  size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &local);
  buf.resize(n);
  return Value(buf);
}

Dict make_globals() {
  Dict g;
  g.set(Value("range"), make_function("range", range_global));
  g.set(Value("dict"), make_function("dict", [](Interpreter& in, CallArgs& a) { return Value::dict(build_dict(in, a, "dict")); }));
  g.set(Value("namespace"), make_function("namespace", [](Interpreter& in, CallArgs& a) {
    auto ns = std::make_shared<Namespace>();
    ns->attrs = build_dict(in, a, "namespace");
    in.track(ns);
    return Value::object(ns);
  }));
  g.set(Value("joiner"), make_function("joiner", [](Interpreter&, CallArgs& a) {
    ArgBinder b("joiner", a, {"sep"});
    std::string sep = py_str(b.get(0, Value(", ")));
    auto used = std::make_shared<bool>(false);
    return make_function("joiner", [sep, used](Interpreter&, CallArgs&) {
      if (!*used) {
        *used = true;
        return Value("");
      }
      return Value(sep);
    });
  }));
  g.set(Value("cycler"), make_function("cycler", [](Interpreter&, CallArgs&) -> Value { unsupported("cycler() is not supported"); }));
  g.set(Value("lipsum"), make_function("lipsum", [](Interpreter&, CallArgs&) -> Value { unsupported("lipsum() is not supported"); }));
  g.set(Value("raise_exception"), make_function("raise_exception", [](Interpreter&, CallArgs& a) -> Value {
    ArgBinder b("raise_exception", a, {"message"});
    throw RaisedByTemplate(py_str(b.required(0)));
  }));
  g.set(Value("strftime_now"), make_function("strftime_now", strftime_now));
  return g;
}

}  // namespace

const Dict& builtin_globals() {
  static const Dict globals = make_globals();
  return globals;
}

}  // namespace vole::text::jinja
