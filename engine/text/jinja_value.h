#pragma once
// The values a Jinja template computes with, with the Python semantics jinja2 inherits:
// None vs undefined, bool as a kind of int, int vs float arithmetic, truthiness, str()
// and repr() spellings, ordered dicts, tuples, and markup ("safe") strings.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace vole::text::jinja {

class Value;
class Object;
class Interpreter;
struct Dict;
using List = std::vector<Value>;

enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Tuple, Dict, Object };

class Value {
 public:
  Value() = default;  // undefined, with no name attached
  Value(bool b) : kind_(Kind::Bool), i_(b) {}
  Value(int v) : kind_(Kind::Int), i_(v) {}
  Value(int64_t v) : kind_(Kind::Int), i_(v) {}
  Value(double v) : kind_(Kind::Float), f_(v) {}
  Value(std::string s);
  Value(const char* s) : Value(std::string(s)) {}

  // An undefined value remembers why it is undefined, for the error raised if it is used.
  static Value undefined(std::string why);
  static Value none();
  static Value markup(std::string s);  // a "safe" string (jinja2's Markup)
  static Value list(List items);
  static Value tuple(List items);
  static Value dict(Dict d);
  static Value object(std::shared_ptr<Object> obj);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }  // excludes bool
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_integral() const { return kind_ == Kind::Int || kind_ == Kind::Bool; }  // Python int incl. bool
  bool is_number() const { return is_integral() || is_float(); }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_markup() const { return kind_ == Kind::String && markup_; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const { return kind_ == Kind::Tuple; }
  bool is_sequence() const { return kind_ == Kind::List || kind_ == Kind::Tuple; }  // list or tuple
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_object() const { return kind_ == Kind::Object; }

  bool as_bool() const { return i_ != 0; }
  int64_t as_int() const { return i_; }  // Int or Bool
  double as_double() const { return kind_ == Kind::Float ? f_ : static_cast<double>(i_); }
  const std::string& str() const;  // String
  const List& items() const;       // List or Tuple
  const Dict& dict() const;
  Object* object() const;
  const std::shared_ptr<Object>& object_ptr() const;
  std::string undefined_reason() const;  // Undefined: the message jinja2's UndefinedError would carry

 private:
  Kind kind_ = Kind::Undefined;
  bool markup_ = false;
  union {
    int64_t i_ = 0;
    double f_;
  };
  std::variant<std::monostate, std::shared_ptr<const std::string>, std::shared_ptr<const List>,
               std::shared_ptr<const Dict>, std::shared_ptr<Object>>
      ref_;
};

// A Python dict: insertion-ordered, keys compared with Python ==.
struct Dict {
  std::vector<std::pair<Value, Value>> entries;

  const Value* find(const Value& key) const;
  const Value* find(const std::string& key) const;
  void set(Value key, Value value);  // replaces an existing key in place, or appends
  size_t size() const { return entries.size(); }
};

// Destroys the children of a container being freed without recursing once per level
// of nesting (Python's "trashcan"): a template can build a list nested 100000 deep, and
// freeing it must not overflow the stack. Leaves `children` empty.
void release_children(std::vector<Value>& children);
void release_children(std::vector<std::pair<Value, Value>>& children);

struct CallArgs {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kw;
};

// Anything that is not plain data: namespaces, the loop object, macros, functions and
// bound methods. Compared by identity.
class Object {
 public:
  virtual ~Object() = default;
  virtual std::string type_name() const = 0;  // Python's type name, used in messages
  virtual std::string repr() const = 0;
  // Attribute lookup; nullopt if the object has no such attribute.
  virtual std::optional<Value> getattr(const std::string& name) const;
  virtual bool callable() const { return false; }
  virtual Value call(Interpreter& in, CallArgs& args);
  // Python protocols: bool(), len(), iter() (which consumes a generator), and whether
  // the type has __getitem__ (jinja2's `sequence` test).
  virtual bool truthy() const { return true; }
  virtual std::optional<size_t> length() const { return std::nullopt; }
  virtual bool iterable() const { return false; }
  virtual List iterate();
  virtual bool has_getitem() const { return false; }
  // Drops references to other values (called when a render ends, to free cycles).
  virtual void break_cycles() {}
};

// What jinja2's filters (map, select, items...) and dict methods (items, keys, values)
// return: generators, which are always true, have no len() and run once, and dict
// views, which have a len() and print as dict_items([...]).
class IterableObject : public Object {
 public:
  enum class Flavor { Generator, ReverseIterator, DictKeys, DictValues, DictItems };
  IterableObject(Flavor flavor, List items) : flavor_(flavor), items_(std::move(items)) {}
  ~IterableObject() override { release_children(items_); }
  std::string type_name() const override;
  std::string repr() const override;
  bool truthy() const override { return is_view() ? !items_.empty() : true; }
  std::optional<size_t> length() const override;
  bool iterable() const override { return true; }
  List iterate() override;
  bool is_view() const { return flavor_ >= Flavor::DictKeys; }

 private:
  Flavor flavor_;
  List items_;
  size_t consumed_ = 0;  // generators are exhausted by iteration
};

// jinja2's namespace(): the one mutable object templates can assign attributes on.
class Namespace : public Object {
 public:
  ~Namespace() override { release_children(attrs.entries); }
  void break_cycles() override { release_children(attrs.entries); }
  Dict attrs;
  std::string type_name() const override { return "Namespace"; }
  std::string repr() const override;
  std::optional<Value> getattr(const std::string& name) const override;
};

// A callable implemented in C++: globals, bound methods.
class Function : public Object {
 public:
  using Fn = std::function<Value(Interpreter&, CallArgs&)>;
  Function(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string type_name() const override { return "builtin_function_or_method"; }
  std::string repr() const override { return "<built-in function " + name_ + ">"; }
  bool callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override { return fn_(in, args); }

 private:
  std::string name_;
  Fn fn_;
};

// A template's own raise_exception(message): the input is one the template rejects
// (e.g. a system message that is not first). what() is the template's message verbatim.
class RaisedByTemplate : public Error {
 public:
  explicit RaisedByTemplate(const std::string& message) : Error(ErrorCode::InvalidArgument, message) {}
};

// Errors raised while evaluating; the template adds its name and the line.
[[noreturn]] void type_error(const std::string& message);        // jinja2 TypeError/ValueError
[[noreturn]] void undefined_error(const std::string& message);   // jinja2 UndefinedError
[[noreturn]] void unsupported(const std::string& message);       // valid jinja2 that Vole does not implement

// Python semantics.
bool truthy(const Value& v);
std::string type_name(const Value& v);  // "str", "int", "dict", ... (Python's names)
std::string py_str(const Value& v);     // str(v); undefined is ""
std::string py_repr(const Value& v);
std::string py_repr_string(const std::string& s);
std::string py_float_repr(double d);
bool py_eq(const Value& a, const Value& b);
// a < b; a TypeError when Python cannot order the two.
bool py_lt(const Value& a, const Value& b);
bool is_hashable(const Value& v);
// Counts nesting in recursive operations (repr, ==, <, JSON conversion) and fails past
// Python's own recursion limit instead of overflowing the stack.
class RecursionGuard {
 public:
  RecursionGuard();
  ~RecursionGuard();
  RecursionGuard(const RecursionGuard&) = delete;
  RecursionGuard& operator=(const RecursionGuard&) = delete;
};

// Throws jinja2's UndefinedError if `v` is undefined (for operations undefined cannot do).
void require_defined(const Value& v);

// JSON in and out. Objects keep their key order (parse with nlohmann::ordered_json).
Value from_json(const nlohmann::ordered_json& j);
Value from_json(const nlohmann::json& j);

// Python's json.dumps as transformers' tojson filter calls it.
struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // nullopt: one line
  std::optional<std::string> item_separator;
  std::optional<std::string> key_separator;
  bool sort_keys = false;
};
std::string json_dumps(const Value& v, const JsonDumpOptions& opts = {});

}  // namespace vole::text::jinja
