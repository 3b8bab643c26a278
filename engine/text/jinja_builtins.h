#pragma once
// The builtins of transformers' jinja2 environment: filters (jinja2's plus its tojson),
// tests, globals (range, namespace, dict, joiner, raise_exception, strftime_now) and the
// Python methods templates call on str, dict and list values.
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "text/jinja_value.h"

namespace vole::text::jinja {

using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);
using TestFn = bool (*)(Interpreter&, const Value&, CallArgs&);

// nullptr if the name is not implemented; is_jinja2_* tells "unknown" from "not supported".
FilterFn find_filter(const std::string& name);
TestFn find_test(const std::string& name);
bool is_jinja2_filter(const std::string& name);
bool is_jinja2_test(const std::string& name);

// The globals every template sees.
const Dict& builtin_globals();

// Python attribute lookup on a value (str/dict/list methods, object attributes); nullopt
// if Python has no such attribute. A method the sandbox forbids (list.append...) comes
// back as an undefined value that refuses to be called.
std::optional<Value> python_attribute(const Value& obj, const std::string& name);

// Binds call arguments to a builtin's parameters the way Python does (positional, then
// keyword), with errors naming the function.
class ArgBinder {
 public:
  ArgBinder(const std::string& function, const CallArgs& args, std::initializer_list<const char*> params,
            bool extra_positional = false);
  bool has(size_t i) const { return i < bound_.size() && bound_[i].has_value(); }
  const Value& required(size_t i) const;
  Value get(size_t i, Value fallback) const { return has(i) ? *bound_[i] : fallback; }
  const std::vector<Value>& extra() const { return extra_; }  // positional beyond params

 private:
  std::string function_;
  std::vector<const char*> params_;
  std::vector<std::optional<Value>> bound_;
  std::vector<Value> extra_;
};

// Helpers shared by filters and methods.
std::string strip_chars(const std::string& s, const Value& chars, bool left, bool right);  // str.strip
std::vector<std::string> splitlines(const std::string& s, bool keepends);
// jinja2's make_attrgetter: item.a.b (or item[0] for integer parts); `fallback` replaces
// undefined results when it is not None.
Value make_attrgetter_value(Interpreter& in, const Value& item, const Value& attribute, const Value& fallback);
// Python's float(str) and int(str, base); nullopt where Python raises ValueError.
std::optional<double> parse_py_float(const std::string& s);
std::optional<int64_t> parse_py_int(const std::string& s, int base);
int64_t require_int(const Value& v, const char* what);  // an int (or bool) argument

}  // namespace vole::text::jinja
