#include "text/jinja_interpreter.h"

#include <algorithm>
#include <cstdio>

#include "text/jinja_builtins.h"
#include "text/jinja_ops.h"
#include "text/jinja_unicode.h"

namespace vole::text::jinja {

namespace {

constexpr int kMaxCallDepth = 200;
constexpr uint64_t kCheckEvery = 4096;  // steps between looks at the clock and the cancel flag

// jinja2's object_type_repr, for "'dict object' has no attribute 'x'".
std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  return type_name(v) + " object";
}

class MacroObject : public Object {
 public:
  MacroObject(const MacroStmt& node, std::shared_ptr<Scope> closure) : node_(node), closure_(std::move(closure)) {}
  std::string type_name() const override { return "Macro"; }
  std::string repr() const override { return "<Macro " + py_repr_string(node_.name) + ">"; }
  bool callable() const override { return true; }
  Value call(Interpreter& in, CallArgs& args) override {
    if (!closure_) type_error("macro " + py_repr_string(node_.name) + " called after its template finished");
    return in.invoke_macro(node_, closure_, args);
  }
  void break_cycles() override { closure_.reset(); }

 private:
  const MacroStmt& node_;
  std::shared_ptr<Scope> closure_;  // the scope it was defined in, which usually holds the macro itself
};

// The `loop` variable of a for loop (jinja2's LoopContext).
class LoopObject : public Object, public std::enable_shared_from_this<LoopObject> {
 public:
  explicit LoopObject(List items) : items_(std::move(items)) {}
  size_t index0 = 0;

  std::string type_name() const override { return "LoopContext"; }
  std::string repr() const override {
    return "<LoopContext " + std::to_string(index0 + 1) + "/" + std::to_string(items_.size()) + ">";
  }
  bool truthy() const override { return !items_.empty(); }
  std::optional<size_t> length() const override { return items_.size(); }

  std::optional<Value> getattr(const std::string& name) const override {
    int64_t n = static_cast<int64_t>(items_.size()), i = static_cast<int64_t>(index0);
    if (name == "index") return Value(i + 1);
    if (name == "index0") return Value(i);
    if (name == "revindex") return Value(n - i);
    if (name == "revindex0") return Value(n - i - 1);
    if (name == "first") return Value(i == 0);
    if (name == "last") return Value(i == n - 1);
    if (name == "length") return Value(n);
    if (name == "depth") return Value(1);
    if (name == "depth0") return Value(0);
    if (name == "previtem") return i > 0 ? items_[index0 - 1] : Value::undefined("there is no previous item");
    if (name == "nextitem") return i + 1 < n ? items_[index0 + 1] : Value::undefined("there is no next item");
    if (name == "cycle") {
      auto self = std::const_pointer_cast<LoopObject>(shared_from_this());
      return Value::object(std::make_shared<Function>("cycle", [self](Interpreter&, CallArgs& a) -> Value {
        if (!a.kw.empty()) type_error("cycle() takes no keyword arguments");
        if (a.pos.empty()) type_error("no items for cycling given");
        return a.pos[self->index0 % a.pos.size()];
      }));
    }
    if (name == "changed") {
      auto self = std::const_pointer_cast<LoopObject>(shared_from_this());
      return Value::object(std::make_shared<Function>("changed", [self](Interpreter&, CallArgs& a) -> Value {
        Value now = Value::tuple(a.pos);
        if (self->has_last_ && py_eq(self->last_changed_, now)) return Value(false);
        self->has_last_ = true;
        self->last_changed_ = now;
        return Value(true);
      }));
    }
    return std::nullopt;
  }

 private:
  List items_;
  bool has_last_ = false;
  Value last_changed_;
};

}  // namespace

const Value* Scope::find(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent.get())
    for (auto& [k, v] : s->vars)
      if (k == name) return &v;
  return nullptr;
}

void Scope::set(const std::string& name, Value value) {
  for (auto& [k, v] : vars) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  vars.emplace_back(name, std::move(value));
}

Interpreter::Interpreter(const std::string& template_name, const Dict& context, const Dict& globals,
                         const RenderLimits& limits)
    : name_(template_name),
      context_(context),
      globals_(globals),
      scope_(std::make_shared<Scope>()),
      limits_(limits),
      meter_(std::make_shared<MemoryMeter>(limits.max_memory)) {}

void Interpreter::check_limits() {
  if (steps_ > limits_.max_steps)
    fail(ErrorCode::InvalidFile, "the template did not finish within " + std::to_string(limits_.max_steps) +
                                     " steps (a loop that does not end?); rendering stopped");
  if (limits_.cancel && limits_.cancel->load(std::memory_order_relaxed))
    fail(ErrorCode::Cancelled, "rendering the template was cancelled");
  if (std::chrono::steady_clock::now() > deadline_) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%g", static_cast<double>(limits_.max_time.count()) / 1000.0);
    fail(ErrorCode::InvalidFile, std::string("the template did not finish within ") + secs +
                                     " s (a loop that does not end?); rendering stopped");
  }
  next_check_ = std::min(steps_ + kCheckEvery, limits_.max_steps + 1);
}

Interpreter::~Interpreter() {
  for (auto& weak : cyclic_)
    if (auto obj = weak.lock()) obj->break_cycles();
}

std::string Interpreter::render(const Body& body) {
  MeterScope metered(meter_);
  deadline_ = std::chrono::steady_clock::now() + limits_.max_time;
  steps_ = 0;
  check_limits();  // cancelled before it started
  std::string out;
  out_ = &out;
  exec_body(body);
  out_ = nullptr;
  return out;
}

// ---- statements -----------------------------------------------------------------------------

Interpreter::Flow Interpreter::exec_body(const Body& body) {
  for (auto& s : body) {
    Flow f = exec(*s);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& s) {
  tick();
  line_ = s.line;
  switch (s.kind) {
    case StmtKind::Text:
      *out_ += static_cast<const TextStmt&>(s).text;
      break;
    case StmtKind::Output: {
      Value v = eval(*static_cast<const OutputStmt&>(s).expr);
      *out_ += py_str(v);
      break;
    }
    case StmtKind::If: {
      Flow flow = Flow::Normal;
      exec_if(static_cast<const IfStmt&>(s), flow);
      return flow;
    }
    case StmtKind::For: return exec_for(static_cast<const ForStmt&>(s));
    case StmtKind::Set: {
      auto& set = static_cast<const SetStmt&>(s);
      assign(set.target, eval(*set.value));
      break;
    }
    case StmtKind::SetBlock: {
      auto& set = static_cast<const SetBlockStmt&>(s);
      Value v(capture(set.body, std::make_shared<Scope>(Scope{scope_, {}})));
      if (set.filter) v = eval_filter(static_cast<const FilterExpr&>(*set.filter), &v);
      assign(set.target, v);
      break;
    }
    case StmtKind::Macro: exec_macro_def(static_cast<const MacroStmt&>(s)); break;
    case StmtKind::FilterBlock: {
      auto& fb = static_cast<const FilterBlockStmt&>(s);
      Value v(capture(fb.body, std::make_shared<Scope>(Scope{scope_, {}})));
      *out_ += py_str(eval_filter(static_cast<const FilterExpr&>(*fb.filter), &v));
      break;
    }
    case StmtKind::With: {
      auto& w = static_cast<const WithStmt&>(s);
      std::vector<Value> values;
      for (auto& [target, expr] : w.assignments) values.push_back(eval(*expr));
      auto saved = scope_;
      scope_ = std::make_shared<Scope>(Scope{saved, {}});
      for (size_t i = 0; i < values.size(); ++i) assign(w.assignments[i].first, values[i]);
      Flow f = exec_body(w.body);
      scope_ = saved;
      return f;
    }
    case StmtKind::Break: return Flow::Break;
    case StmtKind::Continue: return Flow::Continue;
  }
  check_size(out_->size(), "the rendered text");
  return Flow::Normal;
}

void Interpreter::exec_if(const IfStmt& s, Flow& flow) {
  for (auto& [test, body] : s.branches) {
    if (truthy(eval(*test))) {
      flow = exec_body(body);
      return;
    }
  }
  flow = exec_body(s.otherwise);
}

Interpreter::Flow Interpreter::exec_for(const ForStmt& s) {
  List items = iterate(eval(*s.iterable));
  auto outer = scope_;
  if (s.filter) {
    List kept;
    for (auto& item : items) {
      tick();
      scope_ = std::make_shared<Scope>(Scope{outer, {}});
      assign(s.target, item);
      if (truthy(eval(*s.filter))) kept.push_back(item);
    }
    scope_ = outer;
    items = std::move(kept);
  }
  size_t n = items.size();
  auto loop = std::make_shared<LoopObject>(items);
  Value loop_value = Value::object(loop);
  for (size_t i = 0; i < n; ++i) {
    tick();                                              // an empty loop body still costs a step
    scope_ = std::make_shared<Scope>(Scope{outer, {}});  // each iteration starts from the outer scope
    loop->index0 = i;
    scope_->set("loop", loop_value);
    try {
      assign(s.target, items[i]);
      Flow f = exec_body(s.body);
      if (f == Flow::Break) break;
    } catch (...) {
      scope_ = outer;
      throw;
    }
  }
  scope_ = outer;
  if (n == 0 && !s.otherwise.empty()) {
    scope_ = std::make_shared<Scope>(Scope{outer, {}});
    Flow f = exec_body(s.otherwise);
    scope_ = outer;
    return f;
  }
  return Flow::Normal;
}

void Interpreter::exec_macro_def(const MacroStmt& s) {
  auto macro = std::make_shared<MacroObject>(s, scope_);
  track(macro);
  scope_->set(s.name, Value::object(std::move(macro)));
}

std::string Interpreter::capture(const Body& body, const std::shared_ptr<Scope>& scope) {
  std::string buf;
  std::string* saved_out = out_;
  auto saved_scope = scope_;
  out_ = &buf;
  scope_ = scope;
  try {
    exec_body(body);
  } catch (...) {
    out_ = saved_out;
    scope_ = saved_scope;
    throw;
  }
  out_ = saved_out;
  scope_ = saved_scope;
  return buf;
}

void Interpreter::assign(const Target& target, const Value& value) {
  switch (target.kind) {
    case Target::Kind::Name: scope_->set(target.name, value); return;
    case Target::Kind::Tuple: {
      List items = iterate(value);
      size_t want = target.items.size();
      if (items.size() > want) type_error("too many values to unpack (expected " + std::to_string(want) + ")");
      if (items.size() < want)
        type_error("not enough values to unpack (expected " + std::to_string(want) + ", got " + std::to_string(items.size()) + ")");
      for (size_t i = 0; i < want; ++i) assign(target.items[i], items[i]);
      return;
    }
    case Target::Kind::NamespaceAttr: {
      Value ns = lookup(target.name);
      auto* obj = ns.is_object() ? dynamic_cast<Namespace*>(ns.object()) : nullptr;
      if (!obj) type_error("cannot assign attribute on non-namespace object");
      obj->attrs.set(Value(target.attr), value);
      return;
    }
  }
}

Value Interpreter::invoke_macro(const MacroStmt& macro, const std::shared_ptr<Scope>& closure, CallArgs& args) {
  if (call_depth_ >= kMaxCallDepth) unsupported("macro calls nested deeper than " + std::to_string(kMaxCallDepth));
  size_t n = macro.params.size();
  // Bind like jinja2's Macro.__call__: positional first; keywords only fill the rest.
  auto scope = std::make_shared<Scope>(Scope{closure, {}});
  std::vector<std::optional<Value>> bound(n);
  for (size_t i = 0; i < n && i < args.pos.size(); ++i) bound[i] = args.pos[i];
  std::vector<std::pair<std::string, Value>> kwargs = args.kw;
  if (args.pos.size() < n) {
    for (size_t i = args.pos.size(); i < n; ++i) {
      for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
        if (it->first == macro.params[i].first) {
          bound[i] = it->second;
          kwargs.erase(it);
          break;
        }
      }
    }
  }
  if (!macro.uses_kwargs && !kwargs.empty())
    type_error("macro " + py_repr_string(macro.name) + " takes no keyword argument " + py_repr_string(kwargs[0].first));
  if (!macro.uses_varargs && args.pos.size() > n)
    type_error("macro " + py_repr_string(macro.name) + " takes not more than " + std::to_string(n) + " argument(s)");

  ++call_depth_;
  auto saved_scope = scope_;
  std::string* saved_out = out_;
  int saved_line = line_;
  std::string buf;
  try {
    scope_ = scope;
    for (size_t i = 0; i < n; ++i) {
      const auto& [name, def] = macro.params[i];
      Value v;
      if (bound[i]) v = *bound[i];
      else if (def) v = eval(*def);
      else v = Value::undefined("parameter " + py_repr_string(name) + " was not provided");
      scope->set(name, v);
    }
    if (macro.uses_varargs) {
      List extra;
      for (size_t i = n; i < args.pos.size(); ++i) extra.push_back(args.pos[i]);
      scope->set("varargs", Value::tuple(std::move(extra)));
    }
    if (macro.uses_kwargs) {
      Dict d;
      for (auto& [k, v] : kwargs) d.set(Value(k), v);
      scope->set("kwargs", Value::dict(std::move(d)));
    }
    out_ = &buf;
    exec_body(macro.body);
  } catch (...) {
    --call_depth_;
    scope_ = saved_scope;
    out_ = saved_out;
    throw;
  }
  --call_depth_;
  scope_ = saved_scope;
  out_ = saved_out;
  line_ = saved_line;
  return Value(std::move(buf));
}

// ---- expressions ----------------------------------------------------------------------------

Value Interpreter::lookup(const std::string& name) {
  if (const Value* v = scope_->find(name)) return *v;
  if (const Value* v = context_.find(name)) return *v;
  if (const Value* v = globals_.find(name)) return *v;
  return Value::undefined(py_repr_string(name) + " is undefined");
}

Value Interpreter::eval(const Expr& e) {
  tick();
  line_ = e.line;
  switch (e.kind) {
    case ExprKind::Const: return static_cast<const ConstExpr&>(e).value;
    case ExprKind::Name: return lookup(static_cast<const NameExpr&>(e).name);
    case ExprKind::List: case ExprKind::Tuple: {
      List items;
      for (auto& item : static_cast<const SequenceExpr&>(e).items) items.push_back(eval(*item));
      return e.kind == ExprKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case ExprKind::Dict: {
      Dict d;
      for (auto& [k, v] : static_cast<const DictExpr&>(e).items) {
        Value key = eval(*k);
        if (!is_hashable(key)) type_error("unhashable type: '" + type_name(key) + "'");
        d.set(std::move(key), eval(*v));
      }
      return Value::dict(std::move(d));
    }
    case ExprKind::GetAttr: {
      auto& g = static_cast<const GetAttrExpr&>(e);
      return getattr(eval(*g.object), g.attr);
    }
    case ExprKind::GetItem: return eval_getitem(static_cast<const GetItemExpr&>(e));
    case ExprKind::Slice: type_error("a slice is only valid inside [...]");
    case ExprKind::Call: return eval_call(static_cast<const CallExpr&>(e));
    case ExprKind::Filter: return eval_filter(static_cast<const FilterExpr&>(e), nullptr);
    case ExprKind::Test: return Value(eval_test(static_cast<const TestExpr&>(e)));
    case ExprKind::Neg: return negate(eval(*static_cast<const UnaryExpr&>(e).operand));
    case ExprKind::Pos: return unary_plus(eval(*static_cast<const UnaryExpr&>(e).operand));
    case ExprKind::Not: return Value(!truthy(eval(*static_cast<const UnaryExpr&>(e).operand)));
    case ExprKind::Binary: {
      auto& b = static_cast<const BinaryExpr&>(e);
      Value lhs = eval(*b.lhs);
      Value rhs = eval(*b.rhs);
      line_ = e.line;
      return binary_op(b.op, lhs, rhs);
    }
    case ExprKind::And: {
      auto& b = static_cast<const BinaryExpr&>(e);
      Value lhs = eval(*b.lhs);
      return truthy(lhs) ? eval(*b.rhs) : lhs;
    }
    case ExprKind::Or: {
      auto& b = static_cast<const BinaryExpr&>(e);
      Value lhs = eval(*b.lhs);
      return truthy(lhs) ? lhs : eval(*b.rhs);
    }
    case ExprKind::Concat: {
      std::string s;
      for (auto& part : static_cast<const ConcatExpr&>(e).parts) {
        s += py_str(eval(*part));
        check_size(s.size(), "joining strings with ~");
      }
      return Value(std::move(s));
    }
    case ExprKind::Compare: return eval_compare(static_cast<const CompareExpr&>(e));
    case ExprKind::CondExpr: {
      auto& c = static_cast<const CondExpr&>(e);
      if (truthy(eval(*c.test))) return eval(*c.then);
      if (c.otherwise) return eval(*c.otherwise);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  type_error("unknown expression");
}

Value Interpreter::eval_getitem(const GetItemExpr& e) {
  Value obj = eval(*e.object);
  if (e.index->kind == ExprKind::Slice) {
    auto& s = static_cast<const SliceExpr&>(*e.index);
    Value start = s.start ? eval(*s.start) : Value::none();
    Value stop = s.stop ? eval(*s.stop) : Value::none();
    Value step = s.step ? eval(*s.step) : Value::none();
    line_ = e.line;
    // jinja2 compiles slices to a plain Python subscript (no sandbox getitem), so
    // failures raise instead of giving undefined.
    require_defined(obj);
    if (auto r = slice_sequence(obj, start, stop, step)) return *r;
    if (obj.is_string() || obj.is_sequence()) type_error("slice indices must be integers or None or have an __index__ method");
    if (obj.is_dict()) type_error("unhashable type: 'slice'");
    type_error(py_repr_string(type_name(obj)) + " object is not subscriptable");
  }
  Value key = eval(*e.index);
  line_ = e.line;
  return getitem(obj, key);
}

Value Interpreter::getattr(const Value& obj, const std::string& name) {
  require_defined(obj);
  if (auto attr = python_attribute(obj, name)) return *attr;
  if (obj.is_dict()) {
    if (const Value* v = obj.dict().find(name)) return *v;
  }
  return Value::undefined(py_repr_string(object_type_repr(obj)) + " has no attribute " + py_repr_string(name));
}

Value Interpreter::getitem(const Value& obj, const Value& key) {
  require_defined(obj);
  if (obj.is_dict()) {
    if (is_hashable(key)) {
      if (const Value* v = obj.dict().find(key)) return *v;
    }
  } else if (auto item = index_sequence(obj, key)) {
    return *item;
  }
  if (key.is_string()) {
    if (auto attr = python_attribute(obj, key.str())) return *attr;
    return Value::undefined(py_repr_string(object_type_repr(obj)) + " has no attribute " + py_repr_string(key.str()));
  }
  return Value::undefined(py_repr_string(object_type_repr(obj)) + " has no element " + py_repr(key));
}

CallArgs Interpreter::eval_args(const Arguments& a) {
  CallArgs args;
  for (auto& p : a.pos) args.pos.push_back(eval(*p));
  if (a.star) {
    for (auto& v : iterate(eval(*a.star))) args.pos.push_back(v);
  }
  for (auto& [k, v] : a.kw) args.kw.emplace_back(k, eval(*v));
  if (a.star_star) {
    Value d = eval(*a.star_star);
    if (!d.is_dict()) type_error("argument after ** must be a mapping, not " + type_name(d));
    for (auto& [k, v] : d.dict().entries) {
      if (!k.is_string()) type_error("keywords must be strings");
      for (auto& [existing, unused] : args.kw)
        if (existing == k.str()) type_error("got multiple values for keyword argument " + py_repr_string(existing));
      args.kw.emplace_back(k.str(), v);
    }
  }
  return args;
}

Value Interpreter::eval_call(const CallExpr& e) {
  Value callee = eval(*e.callee);
  CallArgs args = eval_args(e.args);
  line_ = e.line;
  return call(callee, args);
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  require_defined(callee);
  if (!callee.is_object() || !callee.object()->callable()) type_error(py_repr_string(type_name(callee)) + " object is not callable");
  return callee.object()->call(*this, args);
}

Value Interpreter::eval_filter(const FilterExpr& e, const Value* block_value) {
  Value operand;
  // A {% filter %} or block-set chain ends in a null operand: the rendered body.
  if (e.operand && block_value && e.operand->kind == ExprKind::Filter)
    operand = eval_filter(static_cast<const FilterExpr&>(*e.operand), block_value);
  else if (e.operand) operand = eval(*e.operand);
  else if (block_value) operand = *block_value;
  CallArgs args = eval_args(e.args);
  line_ = e.line;
  return call_filter(e.name, operand, args);
}

Value Interpreter::call_filter(const std::string& name, const Value& operand, CallArgs& args) {
  FilterFn fn = find_filter(name);
  if (!fn) {
    if (is_jinja2_filter(name)) unsupported("the '" + name + "' filter is not supported");
    fail(ErrorCode::InvalidFile, "No filter named " + py_repr_string(name) + ".");
  }
  return fn(*this, operand, args);
}

bool Interpreter::eval_test(const TestExpr& e) {
  Value operand = eval(*e.operand);
  CallArgs args = eval_args(e.args);
  line_ = e.line;
  return call_test(e.name, operand, args);
}

bool Interpreter::call_test(const std::string& name, const Value& operand, CallArgs& args) {
  TestFn fn = find_test(name);
  if (!fn) {
    if (is_jinja2_test(name)) unsupported("the '" + name + "' test is not supported");
    fail(ErrorCode::InvalidFile, "No test named " + py_repr_string(name) + ".");
  }
  return fn(*this, operand, args);
}

Value Interpreter::eval_compare(const CompareExpr& e) {
  Value left = eval(*e.first);
  for (auto& [op, expr] : e.rest) {
    Value right = eval(*expr);
    line_ = e.line;
    bool ok = false;
    switch (op) {
      case CmpOp::Eq: ok = py_eq(left, right); break;
      case CmpOp::Ne: ok = !py_eq(left, right); break;
      case CmpOp::Lt: ok = py_lt(left, right); break;
      case CmpOp::Le: ok = py_lt(left, right) || py_eq(left, right); break;
      case CmpOp::Gt: ok = py_lt(right, left); break;
      case CmpOp::Ge: ok = py_lt(right, left) || py_eq(left, right); break;
      case CmpOp::In: ok = contains(right, left); break;
      case CmpOp::NotIn: ok = !contains(right, left); break;
    }
    if (!ok) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

List Interpreter::iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::Undefined: return {};
    case Kind::String: {
      check_size(v.str().size(), sizeof(Value), "iterating over a string's characters");
      List chars;
      for (char32_t c : to_u32(v.str())) {
        std::string s;
        append_utf8(s, c);
        chars.push_back(v.is_markup() ? Value::markup(std::move(s)) : Value(std::move(s)));
      }
      return chars;
    }
    case Kind::List: case Kind::Tuple: return v.items();
    case Kind::Dict: {
      List keys;
      for (auto& [k, unused] : v.dict().entries) keys.push_back(k);
      return keys;
    }
    case Kind::Object:
      if (v.object()->iterable()) return v.object()->iterate();
      [[fallthrough]];
    default: type_error(py_repr_string(type_name(v)) + " object is not iterable");
  }
}

}  // namespace vole::text::jinja
