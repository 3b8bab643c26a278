// Python methods of str, dict, list and tuple values, as templates call them
// (message.content.startswith(...), tool.get('x'), ...), and the sandbox's refusals.
#include <set>

#include "text/jinja_builtins.h"
#include "text/jinja_format.h"
#include "text/jinja_interpreter.h"
#include "text/jinja_limits.h"
#include "text/jinja_ops.h"
#include "text/jinja_unicode.h"

namespace vole::text::jinja {

namespace {

Value unsafe(const Value& obj, const std::string& name) {
  return Value::undefined("access to attribute " + py_repr_string(name) + " of " + py_repr_string(type_name(obj)) +
                          " object is unsafe.");
}

Value bind(const Value& self, const std::string& name, Value (*fn)(Interpreter&, const Value&, const std::string&, CallArgs&)) {
  return Value::object(std::make_shared<Function>(name, [self, name, fn](Interpreter& in, CallArgs& args) {
    return fn(in, self, name, args);
  }));
}

// ---- str ----------------------------------------------------------------------------------

const std::set<std::string>& str_method_names() {
  static const std::set<std::string> names = {
      "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format", "format_map",
      "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
      "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition",
      "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
      "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill"};
  return names;
}

// Resolves optional start/end arguments to a code-point range [b, e) of a string of n
// code points, with slice semantics.
std::pair<size_t, size_t> slice_range(const ArgBinder& b, size_t first, size_t n) {
  auto adjust = [&](size_t i, int64_t dflt) {
    Value v = b.get(i, Value::none());
    if (v.is_none()) return dflt;
    int64_t x = require_int(v, "slice index");
    if (x < 0) x = std::max<int64_t>(0, x + static_cast<int64_t>(n));
    return std::min<int64_t>(x, static_cast<int64_t>(n));
  };
  int64_t s = adjust(first, 0), e = adjust(first + 1, static_cast<int64_t>(n));
  return {static_cast<size_t>(s), static_cast<size_t>(std::max(s, e))};
}

const std::string& str_arg(const Value& v, const std::string& fn) {
  if (!v.is_string()) type_error(fn + "() argument must be str, not " + type_name(v));
  return v.str();
}

Value as_same_kind(const Value& self, std::string s) { return self.is_markup() ? Value::markup(std::move(s)) : Value(std::move(s)); }

// find/rfind/index/rindex/count over code points.
Value str_search(const std::string& name, const std::u32string& hay, const ArgBinder& b) {
  std::u32string needle = to_u32(str_arg(b.required(0), name));
  auto [s, e] = slice_range(b, 1, hay.size());
  std::u32string_view window = std::u32string_view(hay).substr(s, e - s);
  if (name == "count") {
    if (needle.empty()) return Value(static_cast<int64_t>(window.size() + 1));
    int64_t n = 0;
    for (size_t p = window.find(needle); p != std::u32string_view::npos; p = window.find(needle, p + needle.size())) ++n;
    return Value(n);
  }
  bool reverse = name == "rfind" || name == "rindex";
  size_t p = reverse ? window.rfind(needle) : window.find(needle);
  if (p == std::u32string_view::npos || (s > hay.size())) {
    if (name == "index" || name == "rindex") type_error("substring not found");
    return Value(-1);
  }
  return Value(static_cast<int64_t>(s + p));
}

List split_whitespace(const std::u32string& u, int64_t maxsplit, bool from_right) {
  List parts;
  if (!from_right) {
    size_t i = 0, n = u.size();
    while (true) {
      while (i < n && py_isspace(u[i])) ++i;
      if (i >= n) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) >= maxsplit) {
        parts.push_back(Value(to_utf8(std::u32string_view(u).substr(i))));
        break;
      }
      size_t j = i;
      while (j < n && !py_isspace(u[j])) ++j;
      parts.push_back(Value(to_utf8(std::u32string_view(u).substr(i, j - i))));
      i = j;
    }
    return parts;
  }
  int64_t i = static_cast<int64_t>(u.size()) - 1;
  while (true) {
    while (i >= 0 && py_isspace(u[static_cast<size_t>(i)])) --i;
    if (i < 0) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) >= maxsplit) {
      parts.insert(parts.begin(), Value(to_utf8(std::u32string_view(u).substr(0, static_cast<size_t>(i) + 1))));
      break;
    }
    int64_t j = i;
    while (j >= 0 && !py_isspace(u[static_cast<size_t>(j)])) --j;
    parts.insert(parts.begin(), Value(to_utf8(std::u32string_view(u).substr(static_cast<size_t>(j + 1), static_cast<size_t>(i - j)))));
    i = j;
  }
  return parts;
}

List split_on(const std::string& s, const std::string& sep, int64_t maxsplit, bool from_right) {
  if (sep.empty()) type_error("empty separator");
  List parts;
  if (!from_right) {
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
      size_t p = s.find(sep, start);
      if (p == std::string::npos) break;
      parts.push_back(Value(s.substr(start, p - start)));
      start = p + sep.size();
    }
    parts.push_back(Value(s.substr(start)));
    return parts;
  }
  size_t end = s.size();
  int64_t splits = 0;
  while (maxsplit < 0 || splits < maxsplit) {
    if (end < sep.size()) break;
    size_t p = s.rfind(sep, end - sep.size());
    if (p == std::string::npos) break;
    parts.insert(parts.begin(), Value(s.substr(p + sep.size(), end - p - sep.size())));
    end = p;
    ++splits;
  }
  parts.insert(parts.begin(), Value(s.substr(0, end)));
  return parts;
}

std::string replace_all(const std::string& s, const std::string& old, const std::string& repl, int64_t count) {
  if (old.empty()) {
    // Python inserts `repl` before every character and at the end.
    std::u32string u = to_u32(s);
    std::string out;
    int64_t done = 0;
    for (size_t i = 0; i <= u.size(); ++i) {
      if (count < 0 || done < count) {
        out += repl;
        check_size(out.size(), "replace's result");
        ++done;
      }
      if (i < u.size()) append_utf8(out, u[i]);
    }
    return out;
  }
  std::string out;
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t p = s.find(old, start);
    if (p == std::string::npos) break;
    out.append(s, start, p - start);
    out += repl;
    check_size(out.size(), "replace's result");
    start = p + old.size();
    ++done;
  }
  out.append(s, start, std::string::npos);
  return out;
}

std::string justify(const std::u32string& u, int64_t width, const Value& fill_v, char how) {
  std::u32string fill = U" ";
  if (!fill_v.is_undefined() && !fill_v.is_none()) {
    fill = to_u32(str_arg(fill_v, "fill"));
    if (fill.size() != 1) type_error("The fill character must be exactly one character long");
  }
  if (width <= static_cast<int64_t>(u.size())) return to_utf8(u);
  check_size(static_cast<uint64_t>(width), sizeof(char32_t), "padding a string to the given width");
  size_t marg = static_cast<size_t>(width) - u.size();
  size_t left = how == '<' ? 0 : how == '>' ? marg : marg / 2 + (marg & static_cast<size_t>(width) & 1);
  return to_utf8(std::u32string(left, fill[0]) + u + std::u32string(marg - left, fill[0]));
}

template <typename Pred>
bool all_chars(const std::u32string& u, Pred pred) {
  if (u.empty()) return false;
  for (char32_t c : u)
    if (!pred(c)) return false;
  return true;
}

Value str_method(Interpreter& in, const Value& self, const std::string& name, CallArgs& args) {
  const std::string& s = self.str();
  if (name == "format") return as_same_kind(self, str_format(in, s, args));
  if (name == "format_map") {
    ArgBinder b(name, args, {"mapping"});
    const Value& m = b.required(0);
    if (!m.is_dict()) type_error("format_map() argument must be a mapping");
    CallArgs named;
    for (auto& [k, v] : m.dict().entries) named.kw.emplace_back(py_str(k), v);
    return as_same_kind(self, str_format(in, s, named));
  }
  if (name == "startswith" || name == "endswith") {
    ArgBinder b(name, args, {"prefix", "start", "end"});
    std::u32string u = to_u32(s);
    auto [st, en] = slice_range(b, 1, u.size());
    std::u32string_view window = std::u32string_view(u).substr(st, en - st);
    const Value& arg = b.required(0);
    List candidates = arg.is_tuple() ? arg.items() : List{arg};
    for (auto& c : candidates) {
      if (!c.is_string())
        type_error(name + " first arg must be str or a tuple of str, not " + type_name(c));
      std::u32string p = to_u32(c.str());
      bool hit = name == "startswith" ? window.substr(0, p.size()) == p
                                      : window.size() >= p.size() && window.substr(window.size() - p.size()) == p;
      if (hit && (st <= u.size())) return Value(true);
    }
    return Value(false);
  }
  if (name == "split" || name == "rsplit") {
    ArgBinder b(name, args, {"sep", "maxsplit"});
    Value sep = b.get(0, Value::none());
    int64_t maxsplit = require_int(b.get(1, Value(-1)), "maxsplit");
    List parts = sep.is_none() ? split_whitespace(to_u32(s), maxsplit, name == "rsplit")
                               : split_on(s, str_arg(sep, name), maxsplit, name == "rsplit");
    if (self.is_markup())
      for (auto& p : parts) p = Value::markup(p.str());
    return Value::list(std::move(parts));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    ArgBinder b(name, args, {"chars"});
    return as_same_kind(self, strip_chars(s, b.get(0, Value::none()), name != "rstrip", name != "lstrip"));
  }
  if (name == "replace") {
    ArgBinder b(name, args, {"old", "new", "count"});
    int64_t count = require_int(b.get(2, Value(-1)), "count");
    return as_same_kind(self, replace_all(s, str_arg(b.required(0), name), str_arg(b.required(1), name), count));
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" || name == "swapcase" ||
      name == "casefold") {
    ArgBinder b(name, args, {});
    if (name == "upper") return as_same_kind(self, py_upper(s));
    if (name == "lower" || name == "casefold") return as_same_kind(self, py_lower(s));
    if (name == "title") return as_same_kind(self, py_title(s));
    if (name == "capitalize") return as_same_kind(self, py_capitalize(s));
    return as_same_kind(self, py_swapcase(s));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    ArgBinder b(name, args, {"sub", "start", "end"});
    return str_search(name, to_u32(s), b);
  }
  if (name == "splitlines") {
    ArgBinder b(name, args, {"keepends"});
    List out;
    for (auto& line : splitlines(s, truthy(b.get(0, Value(false))))) out.push_back(as_same_kind(self, line));
    return Value::list(std::move(out));
  }
  if (name == "join") {
    ArgBinder b(name, args, {"iterable"});
    std::string out;
    List items = in.iterate(b.required(0));
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string())
        type_error("sequence item " + std::to_string(i) + ": expected str instance, " + type_name(items[i]) + " found");
      if (i) out += s;
      check_size(out.size() + items[i].str().size(), "join's result");
      out += items[i].is_markup() || !self.is_markup() ? items[i].str() : escape_html(items[i].str());
    }
    return as_same_kind(self, out);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    ArgBinder b(name, args, {"width", "fillchar"});
    char how = name == "center" ? '^' : name == "ljust" ? '<' : '>';
    return as_same_kind(self, justify(to_u32(s), require_int(b.required(0), "width"), b.get(1, Value::none()), how));
  }
  if (name == "zfill") {
    ArgBinder b(name, args, {"width"});
    std::u32string u = to_u32(s);
    int64_t width = require_int(b.required(0), "width");
    if (width <= static_cast<int64_t>(u.size())) return self;
    check_size(static_cast<uint64_t>(width), sizeof(char32_t), "zfill to the given width");
    size_t fill = static_cast<size_t>(width) - u.size();
    size_t at = !u.empty() && (u[0] == '+' || u[0] == '-') ? 1 : 0;
    u.insert(at, fill, U'0');
    return as_same_kind(self, to_utf8(u));
  }
  if (name == "partition" || name == "rpartition") {
    ArgBinder b(name, args, {"sep"});
    const std::string& sep = str_arg(b.required(0), name);
    if (sep.empty()) type_error("empty separator");
    size_t p = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (p == std::string::npos) {
      return name == "partition" ? Value::tuple({as_same_kind(self, s), as_same_kind(self, ""), as_same_kind(self, "")})
                                 : Value::tuple({as_same_kind(self, ""), as_same_kind(self, ""), as_same_kind(self, s)});
    }
    return Value::tuple({as_same_kind(self, s.substr(0, p)), as_same_kind(self, sep), as_same_kind(self, s.substr(p + sep.size()))});
  }
  if (name == "removeprefix" || name == "removesuffix") {
    ArgBinder b(name, args, {"affix"});
    const std::string& a = str_arg(b.required(0), name);
    if (name == "removeprefix") return as_same_kind(self, s.compare(0, a.size(), a) == 0 ? s.substr(a.size()) : s);
    bool ends = s.size() >= a.size() && s.compare(s.size() - a.size(), a.size(), a) == 0;
    return as_same_kind(self, ends ? s.substr(0, s.size() - a.size()) : s);
  }
  if (name == "expandtabs") {
    ArgBinder b(name, args, {"tabsize"});
    int64_t tab = require_int(b.get(0, Value(8)), "tabsize");
    std::u32string out;
    size_t col = 0;
    for (char32_t c : to_u32(s)) {
      if (c == '\t') {
        if (tab > 0) {
          size_t n = static_cast<size_t>(tab) - col % static_cast<size_t>(tab);
          out.append(n, U' ');
          col += n;
        }
      } else {
        out.push_back(c);
        col = (c == '\n' || c == '\r') ? 0 : col + 1;
      }
    }
    return as_same_kind(self, to_utf8(out));
  }
  if (name.rfind("is", 0) == 0) {
    ArgBinder b(name, args, {});
    std::u32string u = to_u32(s);
    if (name == "isalpha") return Value(all_chars(u, py_isalpha));
    if (name == "isdecimal") return Value(all_chars(u, py_isdecimal));
    if (name == "isdigit") return Value(all_chars(u, py_isdigit));
    if (name == "isnumeric") return Value(all_chars(u, py_isnumeric));
    if (name == "isalnum")
      return Value(all_chars(u, [](char32_t c) { return py_isalpha(c) || py_isdecimal(c) || py_isdigit(c) || py_isnumeric(c); }));
    if (name == "isspace") return Value(all_chars(u, py_isspace));
    if (name == "isascii") return Value(u.empty() || all_chars(u, [](char32_t c) { return c < 0x80; }));
    if (name == "isprintable") return Value(u.empty() || all_chars(u, py_isprintable));
    if (name == "islower" || name == "isupper") {
      bool want_lower = name == "islower", cased = false;
      for (char32_t c : u) {
        bool lower = py_islower_char(c), upper = py_isupper_char(c);
        if ((want_lower ? upper : lower) || py_istitle_char(c)) return Value(false);
        if (want_lower ? lower : upper) cased = true;
      }
      return Value(cased);
    }
    if (name == "istitle") return Value(!u.empty() && py_title(s) == s && py_lower(s) != py_upper(s));
    if (name == "isidentifier") {
      bool ok = !u.empty() && (u[0] == '_' || py_isalpha(u[0]));
      for (char32_t c : u) ok = ok && (c == '_' || py_isalpha(c) || py_isdigit(c));
      return Value(ok);
    }
  }
  unsupported("the str method '" + name + "' is not supported");
}

// ---- dict, list, tuple --------------------------------------------------------------------

Value dict_method(Interpreter&, const Value& self, const std::string& name, CallArgs& args) {
  const Dict& d = self.dict();
  if (name == "get") {
    ArgBinder b("get", args, {"key", "default"});
    const Value& key = b.required(0);
    if (!is_hashable(key)) type_error("unhashable type: '" + type_name(key) + "'");
    const Value* v = d.find(key);
    return v ? *v : b.get(1, Value::none());
  }
  ArgBinder b(name, args, {});
  if (name == "copy") return self;
  List items;
  for (auto& [k, v] : d.entries) {
    if (name == "keys") items.push_back(k);
    else if (name == "values") items.push_back(v);
    else items.push_back(Value::tuple({k, v}));
  }
  auto flavor = name == "keys" ? IterableObject::Flavor::DictKeys
                : name == "values" ? IterableObject::Flavor::DictValues
                                   : IterableObject::Flavor::DictItems;
  return Value::object(std::make_shared<IterableObject>(flavor, std::move(items)));
}

Value sequence_method(Interpreter&, const Value& self, const std::string& name, CallArgs& args) {
  const List& items = self.items();
  if (name == "copy") {
    ArgBinder b(name, args, {});
    return self;
  }
  if (name == "count") {
    ArgBinder b(name, args, {"value"});
    int64_t n = 0;
    for (auto& x : items) n += py_eq(x, b.required(0));
    return Value(n);
  }
  ArgBinder b(name, args, {"value", "start", "stop"});
  auto [s, e] = slice_range(b, 1, items.size());
  for (size_t i = s; i < e; ++i)
    if (py_eq(items[i], b.required(0))) return Value(static_cast<int64_t>(i));
  type_error(py_repr(b.required(0)) + " is not in " + type_name(self));
}

}  // namespace

std::optional<Value> python_attribute(const Value& obj, const std::string& name) {
  // Every Python object has dunder attributes; the sandbox refuses them all.
  if (name.size() > 4 && name.rfind("__", 0) == 0 && name.compare(name.size() - 2, 2, "__") == 0) return unsafe(obj, name);
  switch (obj.kind()) {
    case Kind::String:
      if (str_method_names().count(name)) return bind(obj, name, str_method);
      return std::nullopt;
    case Kind::Dict:
      if (name == "get" || name == "items" || name == "keys" || name == "values" || name == "copy") return bind(obj, name, dict_method);
      if (name == "pop" || name == "popitem" || name == "setdefault" || name == "update" || name == "clear") return unsafe(obj, name);
      return std::nullopt;
    case Kind::List:
      if (name == "index" || name == "count" || name == "copy") return bind(obj, name, sequence_method);
      if (name == "append" || name == "extend" || name == "insert" || name == "pop" || name == "remove" ||
          name == "reverse" || name == "sort" || name == "clear")
        return unsafe(obj, name);
      return std::nullopt;
    case Kind::Tuple:
      if (name == "index" || name == "count") return bind(obj, name, sequence_method);
      return std::nullopt;
    case Kind::Object:
      return obj.object()->getattr(name);
    default:
      return std::nullopt;
  }
}

}  // namespace vole::text::jinja
