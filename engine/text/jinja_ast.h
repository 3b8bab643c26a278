#pragma once
// The syntax tree the parser builds and the interpreter walks. Nodes carry the source
// line for error messages. Node kinds mirror jinja2's (jinja2/nodes.py) where they exist.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/jinja_value.h"

namespace vole::text::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind {
  Const, Name, List, Tuple, Dict, GetAttr, GetItem, Slice, Call, Filter, Test,
  Neg, Pos, Not, Binary, And, Or, Concat, Compare, CondExpr
};

enum class BinOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow };
enum class CmpOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct Expr {
  ExprKind kind;
  int line;
  Expr(ExprKind k, int l) : kind(k), line(l) {}
  virtual ~Expr() = default;
};

// Call arguments as written: f(a, b, key=c, *rest, **more).
struct Arguments {
  std::vector<ExprPtr> pos;
  std::vector<std::pair<std::string, ExprPtr>> kw;
  ExprPtr star;       // *args
  ExprPtr star_star;  // **kwargs
};

struct ConstExpr : Expr {
  Value value;
  ConstExpr(Value v, int l) : Expr(ExprKind::Const, l), value(std::move(v)) {}
};

struct NameExpr : Expr {
  std::string name;
  NameExpr(std::string n, int l) : Expr(ExprKind::Name, l), name(std::move(n)) {}
};

struct SequenceExpr : Expr {  // List or Tuple literal
  std::vector<ExprPtr> items;
  SequenceExpr(ExprKind k, int l) : Expr(k, l) {}
};

struct DictExpr : Expr {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
  explicit DictExpr(int l) : Expr(ExprKind::Dict, l) {}
};

struct GetAttrExpr : Expr {  // obj.attr
  ExprPtr object;
  std::string attr;
  GetAttrExpr(ExprPtr o, std::string a, int l) : Expr(ExprKind::GetAttr, l), object(std::move(o)), attr(std::move(a)) {}
};

struct GetItemExpr : Expr {  // obj[index]; index may be a SliceExpr
  ExprPtr object, index;
  GetItemExpr(ExprPtr o, ExprPtr i, int l) : Expr(ExprKind::GetItem, l), object(std::move(o)), index(std::move(i)) {}
};

struct SliceExpr : Expr {  // start:stop:step, each optional
  ExprPtr start, stop, step;
  explicit SliceExpr(int l) : Expr(ExprKind::Slice, l) {}
};

struct CallExpr : Expr {
  ExprPtr callee;
  Arguments args;
  CallExpr(ExprPtr c, int l) : Expr(ExprKind::Call, l), callee(std::move(c)) {}
};

// value|name(args). `operand` is null for the filters of {% filter %} and block {% set %},
// which apply to the rendered body.
struct FilterExpr : Expr {
  ExprPtr operand;
  std::string name;
  Arguments args;
  FilterExpr(ExprPtr o, std::string n, int l) : Expr(ExprKind::Filter, l), operand(std::move(o)), name(std::move(n)) {}
};

struct TestExpr : Expr {  // value is [not] name(args)
  ExprPtr operand;
  std::string name;
  Arguments args;  // `is not` wraps the test in a Not node
  TestExpr(ExprPtr o, std::string n, int l) : Expr(ExprKind::Test, l), operand(std::move(o)), name(std::move(n)) {}
};

struct UnaryExpr : Expr {  // Neg, Pos, Not
  ExprPtr operand;
  UnaryExpr(ExprKind k, ExprPtr o, int l) : Expr(k, l), operand(std::move(o)) {}
};

struct BinaryExpr : Expr {  // Binary (with op), And, Or
  BinOp op = BinOp::Add;
  ExprPtr lhs, rhs;
  BinaryExpr(ExprKind k, ExprPtr a, ExprPtr b, int l) : Expr(k, l), lhs(std::move(a)), rhs(std::move(b)) {}
};

struct ConcatExpr : Expr {  // a ~ b ~ c
  std::vector<ExprPtr> parts;
  explicit ConcatExpr(int l) : Expr(ExprKind::Concat, l) {}
};

struct CompareExpr : Expr {  // a < b <= c ...
  ExprPtr first;
  std::vector<std::pair<CmpOp, ExprPtr>> rest;
  CompareExpr(ExprPtr f, int l) : Expr(ExprKind::Compare, l), first(std::move(f)) {}
};

struct CondExpr : Expr {  // then if test else otherwise (otherwise may be null)
  ExprPtr test, then, otherwise;
  explicit CondExpr(int l) : Expr(ExprKind::CondExpr, l) {}
};

// Where a set/for/with stores values: a name, a (nested) tuple of targets, or ns.attr.
struct Target {
  enum class Kind { Name, Tuple, NamespaceAttr } kind = Kind::Name;
  std::string name;
  std::string attr;  // NamespaceAttr
  std::vector<Target> items;  // Tuple
};

enum class StmtKind { Text, Output, If, For, Set, SetBlock, Macro, FilterBlock, With, Break, Continue };

struct Stmt {
  StmtKind kind;
  int line;
  Stmt(StmtKind k, int l) : kind(k), line(l) {}
  virtual ~Stmt() = default;
};

struct TextStmt : Stmt {
  std::string text;
  TextStmt(std::string t, int l) : Stmt(StmtKind::Text, l), text(std::move(t)) {}
};

struct OutputStmt : Stmt {  // {{ expr }}
  ExprPtr expr;
  OutputStmt(ExprPtr e, int l) : Stmt(StmtKind::Output, l), expr(std::move(e)) {}
};

struct IfStmt : Stmt {
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, elif...
  Body otherwise;
  explicit IfStmt(int l) : Stmt(StmtKind::If, l) {}
};

struct ForStmt : Stmt {
  Target target;
  ExprPtr iterable;
  ExprPtr filter;  // for x in xs if cond
  Body body, otherwise;
  explicit ForStmt(int l) : Stmt(StmtKind::For, l) {}
};

struct SetStmt : Stmt {
  Target target;
  ExprPtr value;
  explicit SetStmt(int l) : Stmt(StmtKind::Set, l) {}
};

struct SetBlockStmt : Stmt {  // {% set x | filters %}body{% endset %}
  Target target;
  ExprPtr filter;  // FilterExpr chain ending in a null operand, or null
  Body body;
  explicit SetBlockStmt(int l) : Stmt(StmtKind::SetBlock, l) {}
};

struct MacroStmt : Stmt {
  std::string name;
  std::vector<std::pair<std::string, ExprPtr>> params;  // default may be null
  Body body;
  bool uses_varargs = false, uses_kwargs = false;
  explicit MacroStmt(int l) : Stmt(StmtKind::Macro, l) {}
};

struct FilterBlockStmt : Stmt {
  ExprPtr filter;
  Body body;
  explicit FilterBlockStmt(int l) : Stmt(StmtKind::FilterBlock, l) {}
};

struct WithStmt : Stmt {
  std::vector<std::pair<Target, ExprPtr>> assignments;
  Body body;
  explicit WithStmt(int l) : Stmt(StmtKind::With, l) {}
};

struct LoopControlStmt : Stmt {  // Break or Continue
  LoopControlStmt(StmtKind k, int l) : Stmt(k, l) {}
};

}  // namespace vole::text::jinja
