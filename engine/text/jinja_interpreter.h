#pragma once
// Walks the syntax tree and writes the output, with jinja2's runtime semantics under
// transformers' ImmutableSandboxedEnvironment: scoping (loop bodies and macros get
// their own scope, namespaces are shared), the loop object, macros, attribute lookup
// (Python attribute first, then item), undefined values, and sandbox refusals.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/jinja_ast.h"
#include "text/jinja_limits.h"
#include "text/jinja_value.h"

namespace vole::text::jinja {

struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value value);
};

class Interpreter {
 public:
  // `context` holds the render variables; `globals` the functions every template sees.
  Interpreter(const std::string& template_name, const Dict& context, const Dict& globals,
              const RenderLimits& limits = {});
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  std::string render(const Body& body);

  // Operations the builtins need.
  Value getattr(const Value& obj, const std::string& name);
  Value getitem(const Value& obj, const Value& key);
  Value call(const Value& callee, CallArgs& args);
  Value call_filter(const std::string& name, const Value& operand, CallArgs& args);
  bool call_test(const std::string& name, const Value& operand, CallArgs& args);
  // Python's iter(): a list's items, a dict's keys, a string's characters; undefined is empty.
  List iterate(const Value& v);

  Value invoke_macro(const MacroStmt& macro, const std::shared_ptr<Scope>& closure, CallArgs& args);
  // Objects that can take part in reference cycles (a macro's scope holds the macro; a
  // namespace can hold itself). The interpreter breaks their links when it finishes.
  void track(const std::shared_ptr<Object>& obj) { cyclic_.push_back(obj); }
  int line() const { return line_; }

 private:
  enum class Flow { Normal, Break, Continue };

  std::string name_;
  const Dict& context_;
  const Dict& globals_;
  std::shared_ptr<Scope> scope_;
  std::string* out_ = nullptr;
  int line_ = 0;
  int call_depth_ = 0;
  RenderLimits limits_;
  std::shared_ptr<MemoryMeter> meter_;
  uint64_t steps_ = 0, next_check_ = 0;
  std::chrono::steady_clock::time_point deadline_;

  // Counts one step; every few thousand, checks the step budget, the clock and the
  // cancel flag (cheap enough for the hot path, prompt enough for Stop).
  void tick() {
    if (++steps_ >= next_check_) check_limits();
  }
  void check_limits();
  std::vector<std::weak_ptr<Object>> cyclic_;

  Flow exec_body(const Body& body);
  Flow exec(const Stmt& s);
  void exec_if(const IfStmt& s, Flow& flow);
  Flow exec_for(const ForStmt& s);
  void exec_macro_def(const MacroStmt& s);
  std::string capture(const Body& body, const std::shared_ptr<Scope>& scope);
  void assign(const Target& target, const Value& value);

  Value eval(const Expr& e);
  Value lookup(const std::string& name);
  Value eval_getitem(const GetItemExpr& e);
  Value eval_call(const CallExpr& e);
  Value eval_compare(const CompareExpr& e);
  CallArgs eval_args(const Arguments& args);
  Value eval_filter(const FilterExpr& e, const Value* block_value);
  bool eval_test(const TestExpr& e);
};

}  // namespace vole::text::jinja
