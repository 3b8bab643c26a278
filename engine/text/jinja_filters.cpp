// jinja2's builtin filters and tests (jinja2/filters.py, jinja2/tests.py) with the
// behaviour of jinja2 3.1, plus transformers' tojson.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "text/jinja_builtins.h"
#include "text/jinja_format.h"
#include "text/jinja_interpreter.h"
#include "text/jinja_limits.h"
#include "text/jinja_ops.h"
#include "text/jinja_unicode.h"

namespace vole::text::jinja {

namespace {

// str(value) that keeps markup (jinja2's soft_str).
Value soft_str(const Value& v) { return v.is_markup() ? v : Value(py_str(v)); }
Value same_kind(const Value& like, std::string s) { return like.is_markup() ? Value::markup(std::move(s)) : Value(std::move(s)); }

Value generator(List items) {
  return Value::object(std::make_shared<IterableObject>(IterableObject::Flavor::Generator, std::move(items)));
}

std::optional<size_t> py_len(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return 0;
    case Kind::String: return count_code_points(v.str());
    case Kind::List: case Kind::Tuple: return v.items().size();
    case Kind::Dict: return v.dict().size();
    case Kind::Object: return v.object()->length();
    default: return std::nullopt;
  }
}

Value lower_if_string(const Value& v) { return v.is_string() ? Value(py_lower(v.str())) : v; }

// Sorts stably by key; `reverse` keeps equal elements in their original order, as
// Python's sorted(reverse=True) does.
void sort_by(List& items, const std::function<Value(const Value&)>& key, bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) keyed.emplace_back(key(item), item);
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& a, const auto& b) {
    return reverse ? py_lt(b.first, a.first) : py_lt(a.first, b.first);
  });
  for (size_t i = 0; i < items.size(); ++i) items[i] = keyed[i].second;
}

// ---- filters ------------------------------------------------------------------------------

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("abs", args, {});
  require_defined(v);
  if (v.is_integral()) return v.as_int() < 0 ? negate(v) : Value(v.as_int());
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  type_error("bad operand type for abs(): '" + type_name(v) + "'");
}

Value f_attr(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("attr", args, {"name"});
  std::string name = py_str(b.required(0));
  require_defined(v);
  if (auto a = python_attribute(v, name)) return *a;
  return Value::undefined(py_repr_string(type_name(v) + " object") + " has no attribute " + py_repr_string(name));
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("capitalize", args, {});
  return same_kind(v, py_capitalize(py_str(v)));
}

Value f_center(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("center", args, {"width"});
  CallArgs call;
  call.pos.push_back(b.get(0, Value(80)));
  return in.call(in.getattr(Value(py_str(v)), "center"), call);
}

Value f_length(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("length", args, {});
  auto n = py_len(v);
  if (!n) type_error("object of type '" + type_name(v) + "' has no len()");
  return Value(static_cast<int64_t>(*n));
}

Value f_default(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("default", args, {"default_value", "boolean"});
  if (v.is_undefined() || (truthy(b.get(1, Value(false))) && !truthy(v))) return b.get(0, Value(""));
  return v;
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("dictsort", args, {"case_sensitive", "by", "reverse"});
  require_defined(v);
  if (!v.is_dict()) type_error("dictsort requires a mapping");
  bool case_sensitive = truthy(b.get(0, Value(false)));
  std::string by = py_str(b.get(1, Value("key")));
  if (by != "key" && by != "value") type_error("You can only sort by either 'key' or 'value'");
  List items;
  for (auto& [k, val] : v.dict().entries) items.push_back(Value::tuple({k, val}));
  size_t pos = by == "key" ? 0 : 1;
  sort_by(items, [&](const Value& item) {
    const Value& x = item.items()[pos];
    return case_sensitive ? x : lower_if_string(x);
  }, truthy(b.get(2, Value(false))));
  return Value::list(std::move(items));
}

Value f_escape(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("escape", args, {});
  if (v.is_markup()) return v;
  return Value::markup(escape_html(py_str(v)));
}

Value f_first(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("first", args, {});
  List items = in.iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("last", args, {});
  if (v.is_object() && !v.object()->length()) type_error("'" + type_name(v) + "' object is not reversible");
  List items = in.iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_float(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("float", args, {"default"});
  require_defined(v);
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string()) {
    if (auto d = parse_py_float(v.str())) return Value(*d);
  }
  return b.get(0, Value(0.0));
}

Value f_int(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("int", args, {"default", "base"});
  Value fallback = b.get(0, Value(0));
  require_defined(v);
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) {
    double d = v.as_double();
    if (std::isnan(d)) return fallback;
    if (std::isinf(d) || std::fabs(d) >= 9.2e18) unsupported("integer overflow (Vole's templates compute with 64-bit integers)");
    return Value(static_cast<int64_t>(d));
  }
  if (v.is_string()) {
    int64_t base = require_int(b.get(1, Value(10)), "base");
    if (base < 2 || base > 36) unsupported("int() base must be between 2 and 36");
    if (auto i = parse_py_int(v.str(), static_cast<int>(base))) return Value(*i);
    if (auto d = parse_py_float(v.str())) {
      if (std::isnan(*d)) return fallback;
      if (std::isinf(*d) || std::fabs(*d) >= 9.2e18) unsupported("integer overflow (Vole's templates compute with 64-bit integers)");
      return Value(static_cast<int64_t>(*d));
    }
  }
  return fallback;
}

Value f_format(Interpreter&, const Value& v, CallArgs& args) {
  if (!args.pos.empty() && !args.kw.empty()) type_error("can't handle positional and keyword arguments at the same time");
  if (!args.kw.empty()) {
    Dict d;
    for (auto& [k, val] : args.kw) d.set(Value(k), val);
    return percent_format(Value(py_str(v)), Value::dict(std::move(d)));
  }
  return percent_format(Value(py_str(v)), Value::tuple(args.pos));
}

Value f_indent(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("indent", args, {"width", "first", "blank"});
  Value width = b.get(0, Value(4));
  if (!width.is_string())
    check_size(static_cast<uint64_t>(std::max<int64_t>(0, require_int(width, "width"))), 1, "indent's width");
  std::string indention =
      width.is_string() ? width.str()
                        : std::string(static_cast<size_t>(std::max<int64_t>(0, require_int(width, "width"))), ' ');
  bool first = truthy(b.get(1, Value(false))), blank = truthy(b.get(2, Value(false)));
  std::string s = py_str(v) + "\n";  // jinja2 appends a newline so splitlines keeps a trailing empty line
  std::vector<std::string> lines = splitlines(s, false);
  check_size(s.size() + lines.size() * indention.size(), "indent's result");
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) rv += (i ? "\n" + indention : "") + lines[i];
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) rv += "\n" + (lines[i].empty() ? lines[i] : indention + lines[i]);
  }
  if (first) rv = indention + rv;
  return same_kind(v, rv);
}

Value f_items(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("items", args, {});
  if (v.is_undefined()) return generator({});
  if (!v.is_dict()) type_error("Can only get item pairs from a mapping.");
  List items;
  for (auto& [k, val] : v.dict().entries) items.push_back(Value::tuple({k, val}));
  return generator(std::move(items));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("join", args, {"d", "attribute"});
  std::string sep = py_str(b.get(0, Value("")));
  Value attribute = b.get(1, Value::none());
  std::string out;
  List items = in.iterate(v);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    check_size(out.size(), "join's result");
    out += py_str(attribute.is_none() ? items[i] : make_attrgetter_value(in, items[i], attribute, Value::none()));
  }
  return Value(std::move(out));
}

Value f_list(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("list", args, {});
  return Value::list(in.iterate(v));
}

Value f_lower(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("lower", args, {});
  return same_kind(v, py_lower(py_str(v)));
}

Value f_upper(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("upper", args, {});
  return same_kind(v, py_upper(py_str(v)));
}

Value f_map(Interpreter& in, const Value& v, CallArgs& args) {
  List items = in.iterate(v);
  List out;
  bool by_attribute = args.pos.empty() && std::any_of(args.kw.begin(), args.kw.end(), [](auto& kv) { return kv.first == "attribute"; });
  if (by_attribute) {
    ArgBinder b("map", args, {"attribute", "default"});
    Value fallback = b.get(1, Value::none());
    for (auto& item : items) out.push_back(make_attrgetter_value(in, item, b.required(0), fallback));
  } else {
    if (args.pos.empty()) type_error("map requires a filter argument");
    std::string name = py_str(args.pos[0]);
    CallArgs rest;
    rest.pos.assign(args.pos.begin() + 1, args.pos.end());
    rest.kw = args.kw;
    for (auto& item : items) {
      CallArgs a = rest;
      out.push_back(in.call_filter(name, item, a));
    }
  }
  return generator(std::move(out));
}

// select/reject/selectattr/rejectattr share jinja2's prepare_select_or_reject.
Value select_or_reject(Interpreter& in, const Value& v, CallArgs& args, bool select, bool by_attribute) {
  size_t off = by_attribute ? 1 : 0;
  Value attribute;
  if (by_attribute) {
    if (args.pos.empty()) type_error("Missing parameter for attribute name");
    attribute = args.pos[0];
  }
  bool has_test = args.pos.size() > off;
  std::string test = has_test ? py_str(args.pos[off]) : "";
  CallArgs test_args;
  if (has_test) test_args.pos.assign(args.pos.begin() + static_cast<std::ptrdiff_t>(off + 1), args.pos.end());
  test_args.kw = args.kw;
  List out;
  for (auto& item : in.iterate(v)) {
    Value x = by_attribute ? make_attrgetter_value(in, item, attribute, Value::none()) : item;
    bool ok;
    if (has_test) {
      CallArgs a = test_args;
      ok = in.call_test(test, x, a);
    } else {
      ok = truthy(x);
    }
    if (ok == select) out.push_back(item);
  }
  return generator(std::move(out));
}

Value f_select(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, true, false); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& a) { return select_or_reject(in, v, a, false, true); }

Value min_or_max(Interpreter& in, const Value& v, CallArgs& args, bool want_max) {
  ArgBinder b(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
  bool case_sensitive = truthy(b.get(0, Value(false)));
  Value attribute = b.get(1, Value::none());
  List items = in.iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  auto key = [&](const Value& item) {
    Value k = attribute.is_none() ? item : make_attrgetter_value(in, item, attribute, Value::none());
    return case_sensitive ? k : lower_if_string(k);
  };
  size_t best = 0;
  Value best_key = key(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (want_max ? py_lt(best_key, k) : py_lt(k, best_key)) {
      best = i;
      best_key = k;
    }
  }
  return items[best];
}

Value f_max(Interpreter& in, const Value& v, CallArgs& a) { return min_or_max(in, v, a, true); }
Value f_min(Interpreter& in, const Value& v, CallArgs& a) { return min_or_max(in, v, a, false); }

Value f_replace(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("replace", args, {"old", "new", "count"});
  CallArgs call;
  call.pos = {Value(py_str(b.required(0))), Value(py_str(b.required(1)))};
  Value count = b.get(2, Value::none());
  if (!count.is_none()) call.pos.push_back(count);
  return in.call(in.getattr(Value(py_str(v)), "replace"), call);
}

Value f_reverse(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("reverse", args, {});
  if (v.is_string()) return *slice_sequence(v, Value::none(), Value::none(), Value(-1));
  bool reversible = v.is_undefined() || v.is_sequence() || v.is_dict() ||
                    (v.is_object() && v.object()->iterable() && v.object()->length());
  List items = in.iterate(v);
  std::reverse(items.begin(), items.end());
  if (!reversible) return Value::list(std::move(items));  // jinja2 falls back to a reversed list
  return Value::object(std::make_shared<IterableObject>(IterableObject::Flavor::ReverseIterator, std::move(items)));
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("round", args, {"precision", "method"});
  int64_t precision = require_int(b.get(0, Value(0)), "precision");
  std::string method = py_str(b.get(1, Value("common")));
  if (method != "common" && method != "ceil" && method != "floor") type_error("method must be common, ceil or floor");
  require_defined(v);
  if (!v.is_number()) type_error("type " + type_name(v) + " doesn't define __round__ method");
  double scale = std::pow(10.0, static_cast<double>(precision));
  if (method == "ceil") return Value(std::ceil(v.as_double() * scale) / scale);
  if (method == "floor") return Value(std::floor(v.as_double() * scale) / scale);
  if (v.is_integral()) {
    if (precision >= 0) return Value(v.as_int());
    double r = std::nearbyint(static_cast<double>(v.as_int()) / std::pow(10.0, static_cast<double>(-precision)));
    return Value(static_cast<int64_t>(r * std::pow(10.0, static_cast<double>(-precision))));
  }
  double d = v.as_double();
  if (!std::isfinite(d)) return Value(d);
  if (precision >= 0 && precision <= 300) {
    // Python rounds the exact binary value half-to-even; glibc's printf does the same.
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), d);
    return Value(std::strtod(buf, nullptr));
  }
  double p = std::pow(10.0, static_cast<double>(-precision));
  return Value(std::nearbyint(d / p) * p);
}

Value f_safe(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("safe", args, {});
  return Value::markup(py_str(v));
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("sort", args, {"reverse", "case_sensitive", "attribute"});
  bool reverse = truthy(b.get(0, Value(false))), case_sensitive = truthy(b.get(1, Value(false)));
  Value attribute = b.get(2, Value::none());
  std::vector<Value> parts;  // "a,b" sorts by several attributes
  if (attribute.is_string()) {
    const std::string& a = attribute.str();
    for (size_t start = 0;;) {
      size_t comma = a.find(',', start);
      parts.push_back(Value(a.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (!attribute.is_none()) {
    parts.push_back(attribute);
  }
  List items = in.iterate(v);
  sort_by(items, [&](const Value& item) {
    auto one = [&](const Value& x) { return case_sensitive ? x : lower_if_string(x); };
    if (parts.empty()) return one(item);
    List keys;
    for (auto& p : parts) keys.push_back(one(make_attrgetter_value(in, item, p, Value::none())));
    return parts.size() == 1 ? keys[0] : Value::list(std::move(keys));
  }, reverse);
  return Value::list(std::move(items));
}

Value f_string(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("string", args, {});
  return soft_str(v);
}

Value f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("sum", args, {"attribute", "start"});
  Value attribute = b.get(0, Value::none());
  Value total = b.get(1, Value(0));
  if (total.is_string()) type_error("sum() can't sum strings [use ''.join(seq) instead]");
  for (auto& item : in.iterate(v)) {
    Value x = attribute.is_none() ? item : make_attrgetter_value(in, item, attribute, Value::none());
    total = binary_op(BinOp::Add, total, x);
  }
  return total;
}

Value f_title(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("title", args, {});
  // jinja2 splits on runs of [-\s({\[<] and capitalises the first character of each piece.
  std::u32string u = to_u32(py_str(v));
  auto is_sep = [](char32_t c) { return c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || py_isspace(c); };
  std::string out;
  size_t i = 0;
  while (i < u.size()) {
    size_t j = i;
    bool sep = is_sep(u[i]);
    while (j < u.size() && is_sep(u[j]) == sep) ++j;
    std::u32string_view piece = std::u32string_view(u).substr(i, j - i);
    if (sep) {
      out += to_utf8(piece);
    } else {
      out += py_upper(to_utf8(piece.substr(0, 1))) + py_lower(to_utf8(piece.substr(1)));
    }
    i = j;
  }
  return same_kind(v, out);
}

// Words as Python's re \w+ finds them: runs of alphanumerics and underscores.
Value f_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("wordcount", args, {});
  int64_t words = 0;
  bool in_word = false;
  for (char32_t c : to_u32(py_str(v))) {
    bool w = c == '_' || py_isalpha(c) || py_isdecimal(c) || py_isdigit(c) || py_isnumeric(c);
    if (w && !in_word) ++words;
    in_word = w;
  }
  return Value(words);
}

// transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
Value f_tojson(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("tojson", args, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.ensure_ascii = truthy(b.get(0, Value(false)));
  Value indent = b.get(1, Value::none());
  if (indent.is_string()) {
    o.indent = indent.str();
  } else if (indent.is_integral()) {
    check_size(static_cast<uint64_t>(std::max<int64_t>(0, indent.as_int())), 1, "tojson's indent");
    o.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, indent.as_int())), ' ');
  } else if (!indent.is_none()) {
    type_error("indent must be an int or a string");
  }
  Value seps = b.get(2, Value::none());
  if (!seps.is_none()) {
    if (!seps.is_sequence() || seps.items().size() != 2 || !seps.items()[0].is_string() || !seps.items()[1].is_string())
      type_error("separators must be a (item_separator, key_separator) pair of strings");
    o.item_separator = seps.items()[0].str();
    o.key_separator = seps.items()[1].str();
  }
  o.sort_keys = truthy(b.get(3, Value(false)));
  return Value(json_dumps(v, o));
}

Value f_trim(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder b("trim", args, {"chars"});
  return same_kind(v, strip_chars(py_str(v), b.get(0, Value::none()), true, true));
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder b("unique", args, {"case_sensitive", "attribute"});
  bool case_sensitive = truthy(b.get(0, Value(false)));
  Value attribute = b.get(1, Value::none());
  List seen, out;
  for (auto& item : in.iterate(v)) {
    Value k = attribute.is_none() ? item : make_attrgetter_value(in, item, attribute, Value::none());
    if (!case_sensitive) k = lower_if_string(k);
    if (!is_hashable(k)) type_error("unhashable type: '" + type_name(k) + "'");
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return py_eq(s, k); })) continue;
    seen.push_back(k);
    out.push_back(item);
  }
  return generator(std::move(out));
}

// ---- tests --------------------------------------------------------------------------------

Value test_arg(CallArgs& args, const char* test, const char* param) {
  ArgBinder b(test, args, {param});
  return b.required(0);
}

void no_args(CallArgs& args, const char* test) { ArgBinder b(test, args, {}); }

bool t_defined(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "defined"), !v.is_undefined(); }
bool t_undefined(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "undefined"), v.is_undefined(); }
bool t_none(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "none"), v.is_none(); }
bool t_boolean(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "boolean"), v.is_bool(); }
bool t_true(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "true"), v.is_bool() && v.as_bool(); }
bool t_false(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "false"), v.is_bool() && !v.as_bool(); }
bool t_integer(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "integer"), v.is_int(); }
bool t_float(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "float"), v.is_float(); }
bool t_number(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "number"), v.is_number(); }
bool t_string(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "string"), v.is_string(); }
bool t_mapping(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "mapping"), v.is_dict(); }
bool t_escaped(Interpreter&, const Value& v, CallArgs& a) { return no_args(a, "escaped"), v.is_markup(); }

bool t_iterable(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "iterable");
  return v.is_undefined() || v.is_string() || v.is_sequence() || v.is_dict() || (v.is_object() && v.object()->iterable());
}

// len() and __getitem__ both exist: str, list, tuple, dict, and (quirk) undefined.
bool t_sequence(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "sequence");
  return v.is_undefined() || v.is_string() || v.is_sequence() || v.is_dict() ||
         (v.is_object() && v.object()->length() && v.object()->has_getitem());
}

bool t_callable(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "callable");
  return v.is_undefined() || (v.is_object() && v.object()->callable());  // undefined defines __call__
}

bool t_sameas(Interpreter&, const Value& v, CallArgs& a) {
  Value other = test_arg(a, "sameas", "other");
  if (v.is_none() || v.is_bool()) return v.kind() == other.kind() && (v.is_none() || v.as_bool() == other.as_bool());
  if (v.is_int() && other.is_int()) return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
  if (v.is_object() && other.is_object()) return v.object() == other.object();
  return false;
}

bool t_in(Interpreter&, const Value& v, CallArgs& a) { return contains(test_arg(a, "in", "seq"), v); }
bool t_eq(Interpreter&, const Value& v, CallArgs& a) { return py_eq(v, test_arg(a, "eq", "b")); }
bool t_ne(Interpreter&, const Value& v, CallArgs& a) { return !py_eq(v, test_arg(a, "ne", "b")); }
bool t_lt(Interpreter&, const Value& v, CallArgs& a) { return py_lt(v, test_arg(a, "lt", "b")); }
bool t_gt(Interpreter&, const Value& v, CallArgs& a) { return py_lt(test_arg(a, "gt", "b"), v); }
bool t_le(Interpreter&, const Value& v, CallArgs& a) {
  Value b = test_arg(a, "le", "b");
  return py_lt(v, b) || py_eq(v, b);
}
bool t_ge(Interpreter&, const Value& v, CallArgs& a) {
  Value b = test_arg(a, "ge", "b");
  return py_lt(b, v) || py_eq(v, b);
}

bool t_odd(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "odd");
  return py_eq(binary_op(BinOp::Mod, v, Value(2)), Value(1));
}
bool t_even(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "even");
  return py_eq(binary_op(BinOp::Mod, v, Value(2)), Value(0));
}
bool t_divisibleby(Interpreter&, const Value& v, CallArgs& a) {
  return py_eq(binary_op(BinOp::Mod, v, test_arg(a, "divisibleby", "num")), Value(0));
}
bool t_lower(Interpreter& in, const Value& v, CallArgs& a) {
  no_args(a, "lower");
  CallArgs none;
  return truthy(in.call(in.getattr(Value(py_str(v)), "islower"), none));
}
bool t_upper(Interpreter& in, const Value& v, CallArgs& a) {
  no_args(a, "upper");
  CallArgs none;
  return truthy(in.call(in.getattr(Value(py_str(v)), "isupper"), none));
}
bool t_filter(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "filter");
  return v.is_string() && is_jinja2_filter(v.str());
}
bool t_test(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test");
  return v.is_string() && is_jinja2_test(v.str());
}

const std::map<std::string, FilterFn>& filters() {
  static const std::map<std::string, FilterFn> table = {
      {"abs", f_abs}, {"attr", f_attr}, {"capitalize", f_capitalize}, {"center", f_center}, {"count", f_length},
      {"d", f_default}, {"default", f_default}, {"dictsort", f_dictsort}, {"e", f_escape}, {"escape", f_escape},
      {"first", f_first}, {"float", f_float}, {"format", f_format}, {"indent", f_indent}, {"int", f_int},
      {"items", f_items}, {"join", f_join}, {"last", f_last}, {"length", f_length}, {"list", f_list},
      {"lower", f_lower}, {"map", f_map}, {"max", f_max}, {"min", f_min}, {"reject", f_reject},
      {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse}, {"round", f_round},
      {"safe", f_safe}, {"select", f_select}, {"selectattr", f_selectattr}, {"sort", f_sort}, {"string", f_string},
      {"sum", f_sum}, {"title", f_title}, {"tojson", f_tojson}, {"trim", f_trim}, {"unique", f_unique},
      {"upper", f_upper}, {"wordcount", f_wordcount}};
  return table;
}

const std::map<std::string, TestFn>& tests() {
  static const std::map<std::string, TestFn> table = {
      {"boolean", t_boolean}, {"callable", t_callable}, {"defined", t_defined}, {"divisibleby", t_divisibleby},
      {"eq", t_eq}, {"equalto", t_eq}, {"==", t_eq}, {"escaped", t_escaped}, {"even", t_even}, {"false", t_false},
      {"filter", t_filter}, {"float", t_float}, {"ge", t_ge}, {">=", t_ge}, {"gt", t_gt}, {"greaterthan", t_gt},
      {">", t_gt}, {"in", t_in}, {"integer", t_integer}, {"iterable", t_iterable}, {"le", t_le}, {"<=", t_le},
      {"lower", t_lower}, {"lt", t_lt}, {"lessthan", t_lt}, {"<", t_lt}, {"mapping", t_mapping}, {"ne", t_ne},
      {"!=", t_ne}, {"none", t_none}, {"number", t_number}, {"odd", t_odd}, {"sameas", t_sameas},
      {"sequence", t_sequence}, {"string", t_string}, {"test", t_test}, {"true", t_true}, {"undefined", t_undefined},
      {"upper", t_upper}};
  return table;
}

}  // namespace

FilterFn find_filter(const std::string& name) {
  auto it = filters().find(name);
  return it == filters().end() ? nullptr : it->second;
}

TestFn find_test(const std::string& name) {
  auto it = tests().find(name);
  return it == tests().end() ? nullptr : it->second;
}

bool is_jinja2_filter(const std::string& name) {
  static const std::set<std::string> all = {
      "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
      "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "items", "join", "last",
      "length", "list", "lower", "map", "max", "min", "pprint", "random", "reject", "rejectattr", "replace", "reverse",
      "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "tojson", "trim",
      "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr"};
  return all.count(name) > 0;
}

bool is_jinja2_test(const std::string& name) { return tests().count(name) > 0; }

}  // namespace vole::text::jinja
