#include "text/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "text/jinja_limits.h"
#include "text/jinja_unicode.h"

namespace vole::text::jinja {

// ---- construction and access -----------------------------------------------------------

namespace {
// Strings this short are not metered: many of them can only be held by lists and dicts,
// which are metered per item.
constexpr size_t kMeteredString = 256;
}  // namespace

Value::Value(std::string s) : kind_(Kind::String) {
  const auto& meter = active_meter();
  if (!meter || s.size() < kMeteredString) {
    ref_ = std::make_shared<const std::string>(std::move(s));
    return;
  }
  size_t bytes = s.capacity();
  charge(*meter, bytes, "a string");
  ref_ = std::shared_ptr<const std::string>(new std::string(std::move(s)), [meter, bytes](const std::string* p) {
    refund(*meter, bytes);
    delete p;
  });
}

Value Value::undefined(std::string why) {
  Value v;
  v.ref_ = std::make_shared<const std::string>(std::move(why));
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}

Value Value::markup(std::string s) {
  Value v(std::move(s));
  v.markup_ = true;
  return v;
}

namespace {

struct Trash {
  int depth = 0;
  bool draining = false;
  std::vector<Value> pending;
};
thread_local Trash trash;
constexpr int kMaxFreeDepth = 64;

template <typename Fn>
void with_trash(Fn&& free_children) {
  ++trash.depth;
  free_children();
  --trash.depth;
  if (trash.depth == 0 && !trash.draining) {
    trash.draining = true;
    while (!trash.pending.empty()) {
      Value v = std::move(trash.pending.back());
      trash.pending.pop_back();
    }  // `v` is freed here, at depth 0, and may defer its own deep children
    trash.draining = false;
  }
}

}  // namespace

void release_children(std::vector<Value>& children) {
  if (trash.depth >= kMaxFreeDepth) {
    for (auto& c : children) trash.pending.push_back(std::move(c));
    children.clear();
    return;
  }
  with_trash([&] { children.clear(); });
}

void release_children(std::vector<std::pair<Value, Value>>& children) {
  if (trash.depth >= kMaxFreeDepth) {
    for (auto& [k, v] : children) {
      trash.pending.push_back(std::move(k));
      trash.pending.push_back(std::move(v));
    }
    children.clear();
    return;
  }
  with_trash([&] { children.clear(); });
}

Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::List;
  std::shared_ptr<MemoryMeter> meter = active_meter();
  size_t bytes = items.capacity() * sizeof(Value);
  if (meter) charge(*meter, bytes, "a list");
  v.ref_ = std::shared_ptr<const List>(new List(std::move(items)), [meter, bytes](const List* p) {
    release_children(*const_cast<List*>(p));
    delete p;
    if (meter) refund(*meter, bytes);
  });
  return v;
}

Value Value::tuple(List items) {
  Value v = list(std::move(items));
  v.kind_ = Kind::Tuple;
  return v;
}

Value Value::dict(Dict d) {
  Value v;
  v.kind_ = Kind::Dict;
  std::shared_ptr<MemoryMeter> meter = active_meter();
  size_t bytes = d.entries.capacity() * sizeof(d.entries[0]);
  if (meter) charge(*meter, bytes, "a dict");
  v.ref_ = std::shared_ptr<const Dict>(new Dict(std::move(d)), [meter, bytes](const Dict* p) {
    release_children(const_cast<Dict*>(p)->entries);
    delete p;
    if (meter) refund(*meter, bytes);
  });
  return v;
}

Value Value::object(std::shared_ptr<Object> obj) {
  Value v;
  v.kind_ = Kind::Object;
  v.ref_ = std::move(obj);
  return v;
}

const std::string& Value::str() const {
  if (kind_ != Kind::String) fail(ErrorCode::Internal, "jinja: str() of a " + type_name(*this));
  return *std::get<std::shared_ptr<const std::string>>(ref_);
}

const List& Value::items() const {
  if (!is_sequence()) fail(ErrorCode::Internal, "jinja: items() of a " + type_name(*this));
  return *std::get<std::shared_ptr<const List>>(ref_);
}

const Dict& Value::dict() const {
  if (kind_ != Kind::Dict) fail(ErrorCode::Internal, "jinja: dict() of a " + type_name(*this));
  return *std::get<std::shared_ptr<const Dict>>(ref_);
}

Object* Value::object() const { return object_ptr().get(); }

const std::shared_ptr<Object>& Value::object_ptr() const {
  if (kind_ != Kind::Object) fail(ErrorCode::Internal, "jinja: object() of a " + type_name(*this));
  return std::get<std::shared_ptr<Object>>(ref_);
}

std::string Value::undefined_reason() const {
  if (auto p = std::get_if<std::shared_ptr<const std::string>>(&ref_); p && *p && !(*p)->empty()) return **p;
  return "value is undefined";
}

const Value* Dict::find(const Value& key) const {
  for (auto& [k, v] : entries)
    if (py_eq(k, key)) return &v;
  return nullptr;
}

const Value* Dict::find(const std::string& key) const {
  for (auto& [k, v] : entries)
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

void Dict::set(Value key, Value value) {
  for (auto& [k, v] : entries) {
    if (py_eq(k, key)) {
      v = std::move(value);
      return;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

std::optional<Value> Object::getattr(const std::string&) const { return std::nullopt; }

Value Object::call(Interpreter&, CallArgs&) { type_error("'" + type_name() + "' object is not callable"); }

List Object::iterate() { type_error("'" + type_name() + "' object is not iterable"); }

std::string IterableObject::type_name() const {
  switch (flavor_) {
    case Flavor::Generator: return "generator";
    case Flavor::ReverseIterator: return "list_reverseiterator";
    case Flavor::DictKeys: return "dict_keys";
    case Flavor::DictValues: return "dict_values";
    case Flavor::DictItems: return "dict_items";
  }
  return "iterator";
}

std::string IterableObject::repr() const {
  if (!is_view()) return "<" + type_name() + " object>";
  return type_name() + "(" + py_repr(Value::list(items_)) + ")";
}

std::optional<size_t> IterableObject::length() const {
  if (is_view()) return items_.size();
  return std::nullopt;
}

List IterableObject::iterate() {
  if (is_view()) return items_;
  List rest(items_.begin() + static_cast<std::ptrdiff_t>(consumed_), items_.end());
  consumed_ = items_.size();
  return rest;
}

std::string Namespace::repr() const {
  Value d = Value::dict(attrs);
  return "<Namespace " + py_repr(d) + ">";
}

std::optional<Value> Namespace::getattr(const std::string& name) const {
  if (const Value* v = attrs.find(name)) return *v;
  return std::nullopt;
}

void type_error(const std::string& message) { fail(ErrorCode::InvalidArgument, message); }
void undefined_error(const std::string& message) { fail(ErrorCode::InvalidArgument, message); }
void unsupported(const std::string& message) { fail(ErrorCode::Unsupported, message); }

namespace {
thread_local int recursion_depth = 0;
constexpr int kMaxRecursion = 900;  // Python's default limit is 1000 frames
}  // namespace

RecursionGuard::RecursionGuard() {
  if (++recursion_depth > kMaxRecursion) {
    --recursion_depth;
    type_error("maximum recursion depth exceeded (value nested too deeply)");
  }
}

RecursionGuard::~RecursionGuard() { --recursion_depth; }

void require_defined(const Value& v) {
  if (v.is_undefined()) undefined_error(v.undefined_reason());
}

// ---- Python semantics ---------------------------------------------------------------------

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: case Kind::None: return false;
    case Kind::Bool: case Kind::Int: return v.as_int() != 0;
    case Kind::Float: return v.as_double() != 0.0;
    case Kind::String: return !v.str().empty();
    case Kind::List: case Kind::Tuple: return !v.items().empty();
    case Kind::Dict: return v.dict().size() != 0;
    case Kind::Object: return v.object()->truthy();
  }
  return false;
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return v.is_markup() ? "Markup" : "str";
    case Kind::List: return "list";
    case Kind::Tuple: return "tuple";
    case Kind::Dict: return "dict";
    case Kind::Object: return v.object()->type_name();
  }
  return "object";
}

std::string py_float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, then Python's layout: exponent form when the decimal
  // exponent is < -4 or >= 16, otherwise fixed with at least one fractional digit.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  int exponent = std::stoi(sci.substr(e + 1));
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + ebuf;
  }
  int decpt = exponent + 1;  // digits before the decimal point
  int n = static_cast<int>(digits.size());
  if (decpt <= 0) return out + "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
  if (decpt >= n) return out + digits + std::string(static_cast<size_t>(decpt - n), '0') + ".0";
  return out + digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
}

static void append_hex_escape(std::string& out, const char* prefix, unsigned value, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%0*x", prefix, width, value);
  out += buf;
}

std::string py_repr_string(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : to_u32(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      append_hex_escape(out, "\\x", c, 2);
    } else if (c < 0x7F || py_isprintable(c)) {
      append_utf8(out, c);
    } else if (c <= 0xFF) {
      append_hex_escape(out, "\\x", c, 2);
    } else if (c <= 0xFFFF) {
      append_hex_escape(out, "\\u", c, 4);
    } else {
      append_hex_escape(out, "\\U", c, 8);
    }
  }
  out += quote;
  return out;
}

std::string py_str(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return "";
    case Kind::None: return "None";
    case Kind::Bool: return v.as_bool() ? "True" : "False";
    case Kind::Int: return std::to_string(v.as_int());
    case Kind::Float: return py_float_repr(v.as_double());
    case Kind::String: return v.str();
    case Kind::Object: return v.object()->repr();
    default: return py_repr(v);
  }
}

std::string py_repr(const Value& v) {
  RecursionGuard guard;
  switch (v.kind()) {
    case Kind::Undefined: return "Undefined";
    case Kind::String: return v.is_markup() ? "Markup(" + py_repr_string(v.str()) + ")" : py_repr_string(v.str());
    case Kind::List: case Kind::Tuple: {
      const List& items = v.items();
      std::string out = v.is_list() ? "[" : "(";
      for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + py_repr(items[i]);
      if (v.is_tuple() && items.size() == 1) out += ",";
      return out + (v.is_list() ? "]" : ")");
    }
    case Kind::Dict: {
      std::string out = "{";
      bool first = true;
      for (auto& [k, val] : v.dict().entries) {
        out += (first ? "" : ", ") + py_repr(k) + ": " + py_repr(val);
        first = false;
      }
      return out + "}";
    }
    default: return py_str(v);
  }
}

// Exact comparison of a Python int with a float (both represented exactly as long double).
static int compare_int_float(int64_t i, double f) {
  long double li = static_cast<long double>(i), lf = static_cast<long double>(f);
  return li < lf ? -1 : li > lf ? 1 : 0;
}

bool py_eq(const Value& a, const Value& b) {
  RecursionGuard guard;
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_int() == b.as_int();
    if (a.is_float() && b.is_float()) return a.as_double() == b.as_double();
    double f = a.is_float() ? a.as_double() : b.as_double();
    int64_t i = a.is_float() ? b.as_int() : a.as_int();
    return !std::isnan(f) && compare_int_float(i, f) == 0;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Undefined: case Kind::None: return true;
    case Kind::String: return a.str() == b.str();
    case Kind::List: case Kind::Tuple: {
      const List &x = a.items(), &y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!py_eq(x[i], y[i])) return false;
      return true;
    }
    case Kind::Dict: {
      const Dict &x = a.dict(), &y = b.dict();
      if (x.size() != y.size()) return false;
      for (auto& [k, v] : x.entries) {
        const Value* other = y.find(k);
        if (!other || !py_eq(v, *other)) return false;
      }
      return true;
    }
    case Kind::Object: return a.object() == b.object();
    default: return false;
  }
}

bool py_lt(const Value& a, const Value& b) {
  RecursionGuard guard;
  require_defined(a);
  require_defined(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_int() < b.as_int();
    if (a.is_float() && b.is_float()) return a.as_double() < b.as_double();
    if (std::isnan(a.as_double()) || std::isnan(b.as_double())) return false;
    if (a.is_float()) return compare_int_float(b.as_int(), a.as_double()) > 0;
    return compare_int_float(a.as_int(), b.as_double()) < 0;
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();  // UTF-8 order is code point order
  if (a.kind() == b.kind() && a.is_sequence()) {
    const List &x = a.items(), &y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i)
      if (!py_eq(x[i], y[i])) return py_lt(x[i], y[i]);
    return x.size() < y.size();
  }
  type_error("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

bool is_hashable(const Value& v) {
  RecursionGuard guard;
  if (v.is_list() || v.is_dict()) return false;
  if (v.is_tuple()) {
    for (auto& item : v.items())
      if (!is_hashable(item)) return false;
  }
  return true;
}

// ---- JSON ---------------------------------------------------------------------------------

template <typename Json>
static Value value_from_json(const Json& j) {
  RecursionGuard guard;
  switch (j.type()) {
    case nlohmann::json::value_t::null: return Value::none();
    case nlohmann::json::value_t::boolean: return Value(j.template get<bool>());
    case nlohmann::json::value_t::number_integer: return Value(j.template get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      uint64_t u = j.template get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) unsupported("integer " + std::to_string(u) + " does not fit in 64 bits");
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::json::value_t::number_float: return Value(j.template get<double>());
    case nlohmann::json::value_t::string: return Value(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      List items;
      items.reserve(j.size());
      for (auto& e : j) items.push_back(value_from_json(e));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Dict d;
      d.entries.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) d.entries.emplace_back(Value(it.key()), value_from_json(it.value()));
      return Value::dict(std::move(d));
    }
    default: unsupported("JSON value of this type (binary) cannot be used in a template");
  }
}

Value from_json(const nlohmann::ordered_json& j) { return value_from_json(j); }
Value from_json(const nlohmann::json& j) { return value_from_json(j); }

static void json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (char32_t c : to_u32(s)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || (ensure_ascii && c > 0x7E)) {
          if (c > 0xFFFF) {
            char32_t v = c - 0x10000;
            append_hex_escape(out, "\\u", 0xD800 | (v >> 10), 4);
            append_hex_escape(out, "\\u", 0xDC00 | (v & 0x3FF), 4);
          } else {
            append_hex_escape(out, "\\u", c, 4);
          }
        } else {
          append_utf8(out, c);
        }
    }
  }
  out += '"';
}

static std::string json_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return py_float_repr(d);
}

static std::string json_key(const Value& k) {
  switch (k.kind()) {
    case Kind::String: return k.str();
    case Kind::Float: return json_float(k.as_double());
    case Kind::Bool: return k.as_bool() ? "true" : "false";
    case Kind::Int: return std::to_string(k.as_int());
    case Kind::None: return "null";
    default: type_error("keys must be str, int, float, bool or None, not " + type_name(k));
  }
}

namespace {
struct JsonWriter {
  const JsonDumpOptions& opts;
  std::string item_sep, key_sep;
  std::string out;
  int depth = 0;

  void newline(int level) {
    check_size(out.size() + 1 + static_cast<size_t>(level) * opts.indent->size(), "tojson's output");
    out += '\n';
    for (int i = 0; i < level; ++i) out += *opts.indent;
  }

  void write(const Value& v) {
    if (++depth > 512) type_error("tojson: value nested too deeply");
    switch (v.kind()) {
      case Kind::None: out += "null"; break;
      case Kind::Bool: out += v.as_bool() ? "true" : "false"; break;
      case Kind::Int: out += std::to_string(v.as_int()); break;
      case Kind::Float: out += json_float(v.as_double()); break;
      case Kind::String: json_string(out, v.str(), opts.ensure_ascii); break;
      case Kind::List: case Kind::Tuple: write_array(v.items()); break;
      case Kind::Dict: write_object(v.dict()); break;
      default: type_error("Object of type " + type_name(v) + " is not JSON serializable");
    }
    --depth;
  }

  void write_array(const List& items) {
    if (items.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += item_sep;
      if (opts.indent) newline(depth);
      write(items[i]);
    }
    if (opts.indent) newline(depth - 1);
    out += ']';
  }

  void write_object(const Dict& d) {
    if (d.size() == 0) {
      out += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (auto& e : d.entries) entries.push_back(&e);
    if (opts.sort_keys)
      std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return py_lt(a->first, b->first); });
    out += '{';
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) out += item_sep;
      if (opts.indent) newline(depth);
      json_string(out, json_key(entries[i]->first), opts.ensure_ascii);
      out += key_sep;
      write(entries[i]->second);
    }
    if (opts.indent) newline(depth - 1);
    out += '}';
  }
};
}  // namespace

std::string json_dumps(const Value& v, const JsonDumpOptions& opts) {
  JsonWriter w{opts, opts.item_separator.value_or(opts.indent ? "," : ", "), opts.key_separator.value_or(": "), {}};
  w.write(v);
  return std::move(w.out);
}

}  // namespace vole::text::jinja
