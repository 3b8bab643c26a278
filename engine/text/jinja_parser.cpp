#include "text/jinja_parser.h"

#include <set>

#include "util/error.h"

namespace vole::text::jinja {

namespace {

constexpr int kMaxDepth = 200;  // nesting of expressions and blocks; deeper is refused, not overflowed

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& name) : tokens_(std::move(tokens)), name_(name) {}

  Body parse_template() {
    Body body = subparse({});
    if (cur().type != Tok::Eof) fail_here("unexpected " + describe(cur()));
    return body;
  }

 private:
  std::vector<Token> tokens_;
  std::string name_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::vector<std::string> tag_stack_;
  std::vector<std::vector<std::string>> end_token_stack_;
  std::vector<std::set<std::string>*> name_sinks_;  // names referenced inside macros being parsed

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) p.fail_here("template nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
    }
    ~DepthGuard() { --p.depth_; }
  };

  const Token& cur() const { return tokens_[pos_]; }
  const Token& look() const { return tokens_[pos_ + 1 < tokens_.size() ? pos_ + 1 : pos_]; }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case Tok::Name: case Tok::Operator: return "'" + t.text + "'";
      case Tok::String: return "string";
      case Tok::Integer: return "integer";
      case Tok::Float: return "float";
      default: return token_description(t.type);
    }
  }

  [[noreturn]] void fail_at(int line, const std::string& message, ErrorCode code = ErrorCode::InvalidFile) const {
    std::string kind = code == ErrorCode::InvalidFile ? "syntax error: " : "";
    fail(code, name_ + ":" + std::to_string(line) + ": " + kind + message);
  }
  [[noreturn]] void fail_here(const std::string& message) const { fail_at(cur().line, message); }

  bool is_op(const char* op) const { return cur().type == Tok::Operator && cur().text == op; }
  bool is_name(const char* n) const { return cur().type == Tok::Name && cur().text == n; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }
  void expect_op(const char* op) {
    if (!skip_op(op)) fail_here("expected '" + std::string(op) + "', got " + describe(cur()));
  }
  const Token& expect_name() {
    if (cur().type != Tok::Name) fail_here("expected name, got " + describe(cur()));
    return next();
  }
  void expect_name(const char* n) {
    if (!skip_name(n)) fail_here("expected '" + std::string(n) + "', got " + describe(cur()));
  }
  void expect(Tok type) {
    if (cur().type != type) {
      if (cur().type == Tok::Eof) fail_eof();
      fail_here("expected " + std::string(token_description(type)) + ", got " + describe(cur()));
    }
    next();
  }

  bool at_end_token(const std::vector<std::string>& end_tokens) const {
    if (cur().type != Tok::Name) return false;
    for (auto& e : end_tokens)
      if (cur().text == e) return true;
    return false;
  }

  std::string looking_for() const {
    std::string out;
    if (!end_token_stack_.empty()) {
      out = " Jinja was looking for the following tags: ";
      const auto& e = end_token_stack_.back();
      for (size_t i = 0; i < e.size(); ++i) out += (i ? " or '" : "'") + e[i] + "'";
      out += ".";
    }
    if (!tag_stack_.empty()) out += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
    return out;
  }

  [[noreturn]] void fail_eof() const { fail_at(cur().line, "Unexpected end of template." + looking_for()); }

  // ---- statements ----

  Body subparse(const std::vector<std::string>& end_tokens) {
    DepthGuard guard(*this);
    Body body;
    bool has_end = !end_tokens.empty();
    if (has_end) end_token_stack_.push_back(end_tokens);
    while (cur().type != Tok::Eof) {
      const Token& t = cur();
      if (t.type == Tok::Data) {
        body.push_back(std::make_unique<TextStmt>(t.text, t.line));
        next();
      } else if (t.type == Tok::VariableBegin) {
        next();
        int line = cur().line;
        body.push_back(std::make_unique<OutputStmt>(parse_tuple(true, {}, false), line));
        expect(Tok::VariableEnd);
      } else if (t.type == Tok::BlockBegin) {
        next();
        if (has_end && at_end_token(end_tokens)) {
          end_token_stack_.pop_back();
          return body;
        }
        parse_statement(body);
        expect(Tok::BlockEnd);
      } else {
        fail_here("unexpected " + describe(t));
      }
    }
    if (has_end) end_token_stack_.pop_back();
    return body;
  }

  // Parses the body of a block up to one of `end_tokens`; consumes the end tag's name
  // when `drop_needle`.
  Body parse_statements(const std::vector<std::string>& end_tokens, bool drop_needle) {
    skip_op(":");
    expect(Tok::BlockEnd);
    Body body = subparse(end_tokens);
    if (cur().type == Tok::Eof) fail_eof();
    if (drop_needle) next();
    return body;
  }

  void parse_statement(Body& out) {
    const Token& t = cur();
    if (t.type != Tok::Name) fail_here("tag name expected");
    std::string tag = t.text;
    int line = t.line;
    static const std::set<std::string> kUnsupported = {"block", "extends", "include", "import", "from", "autoescape", "call"};
    if (kUnsupported.count(tag)) fail_at(line, "the '" + tag + "' tag is not supported in chat templates", ErrorCode::Unsupported);
    tag_stack_.push_back(tag);
    if (tag == "if") out.push_back(parse_if());
    else if (tag == "for") out.push_back(parse_for());
    else if (tag == "set") out.push_back(parse_set());
    else if (tag == "macro") out.push_back(parse_macro());
    else if (tag == "filter") out.push_back(parse_filter_block());
    else if (tag == "with") out.push_back(parse_with());
    else if (tag == "print") out.push_back(parse_print());
    else if (tag == "generation") out.push_back(parse_generation());
    else if (tag == "break" || tag == "continue") out.push_back(parse_loop_control());
    else {
      tag_stack_.pop_back();
      fail_unknown_tag(tag, line);
    }
    tag_stack_.pop_back();
  }

  [[noreturn]] void fail_unknown_tag(const std::string& tag, int line) const {
    std::string msg = "Encountered unknown tag '" + tag + "'.";
    for (auto& ends : end_token_stack_) {
      for (auto& e : ends) {
        if (e == tag) {
          msg = "Encountered unknown tag '" + tag + "'. You probably made a nesting mistake.";
          break;
        }
      }
    }
    fail_at(line, msg + looking_for());
  }

  StmtPtr parse_if() {
    auto node = std::make_unique<IfStmt>(next().line);
    while (true) {
      ExprPtr test = parse_tuple(false, {}, false);
      Body body = parse_statements({"elif", "else", "endif"}, false);
      node->branches.emplace_back(std::move(test), std::move(body));
      const Token& t = next();
      if (t.text == "elif") continue;
      if (t.text == "else") node->otherwise = parse_statements({"endif"}, true);
      break;
    }
    return node;
  }

  StmtPtr parse_for() {
    auto node = std::make_unique<ForStmt>(next().line);
    node->target = parse_assign_target(true, false, {"in"}, false);
    expect_name("in");
    node->iterable = parse_tuple(false, {"recursive"}, false);
    if (skip_name("if")) node->filter = parse_expression(true);
    if (is_name("recursive")) fail_at(cur().line, "recursive loops are not supported", ErrorCode::Unsupported);
    ++loop_depth_;
    node->body = parse_statements({"endfor", "else"}, false);
    --loop_depth_;
    if (next().text == "else") node->otherwise = parse_statements({"endfor"}, true);
    return node;
  }

  StmtPtr parse_set() {
    int line = next().line;
    Target target = parse_assign_target(true, false, {}, true);
    if (skip_op("=")) {
      auto node = std::make_unique<SetStmt>(line);
      node->target = std::move(target);
      node->value = parse_tuple(true, {}, false);
      return node;
    }
    auto node = std::make_unique<SetBlockStmt>(line);
    node->target = std::move(target);
    node->filter = parse_filter(nullptr, false);
    node->body = parse_statements({"endset"}, true);
    return node;
  }

  StmtPtr parse_macro() {
    auto node = std::make_unique<MacroStmt>(next().line);
    node->name = parse_assign_target(true, true, {}, false).name;
    expect_op("(");
    bool seen_default = false;
    while (!is_op(")")) {
      if (!node->params.empty()) expect_op(",");
      std::string param = parse_assign_target(true, true, {}, false).name;
      ExprPtr def;
      if (skip_op("=")) {
        def = parse_expression(true);
        seen_default = true;
      } else if (seen_default) {
        fail_here("non-default argument follows default argument");
      }
      node->params.emplace_back(std::move(param), std::move(def));
    }
    expect_op(")");
    std::set<std::string> names;
    name_sinks_.push_back(&names);
    int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;  // break/continue cannot reach a loop outside the macro
    node->body = parse_statements({"endmacro"}, true);
    loop_depth_ = saved_loop_depth;
    name_sinks_.pop_back();
    node->uses_varargs = names.count("varargs") > 0;
    node->uses_kwargs = names.count("kwargs") > 0;
    if (names.count("caller")) fail_at(node->line, "macros using 'caller' are not supported", ErrorCode::Unsupported);
    return node;
  }

  StmtPtr parse_filter_block() {
    auto node = std::make_unique<FilterBlockStmt>(next().line);
    node->filter = parse_filter(nullptr, true);
    node->body = parse_statements({"endfilter"}, true);
    return node;
  }

  StmtPtr parse_with() {
    auto node = std::make_unique<WithStmt>(next().line);
    while (cur().type != Tok::BlockEnd) {
      if (!node->assignments.empty()) expect_op(",");
      Target target = parse_assign_target(true, false, {}, false);
      expect_op("=");
      node->assignments.emplace_back(std::move(target), parse_expression(true));
    }
    node->body = parse_statements({"endwith"}, true);
    return node;
  }

  // {% print a, b %} outputs like {{ a, b }}: jinja2 prints each expression in turn.
  StmtPtr parse_print() {
    int line = next().line;
    auto node = std::make_unique<WithStmt>(line);
    do {
      node->body.push_back(std::make_unique<OutputStmt>(parse_expression(true), line));
    } while (skip_op(","));
    return node;
  }

  // transformers' {% generation %} marks assistant text for masks; for rendering it is
  // its body, rendered in its own scope (jinja2 runs it as a call block).
  StmtPtr parse_generation() {
    auto node = std::make_unique<WithStmt>(next().line);
    node->body = parse_statements({"endgeneration"}, true);
    return node;
  }

  StmtPtr parse_loop_control() {
    const Token& t = next();
    if (loop_depth_ == 0) fail_at(t.line, "'" + t.text + "' outside of a loop");
    return std::make_unique<LoopControlStmt>(t.text == "break" ? StmtKind::Break : StmtKind::Continue, t.line);
  }

  // ---- assignment targets ----

  static bool reserved_constant(const std::string& n) {
    return n == "true" || n == "false" || n == "none" || n == "True" || n == "False" || n == "None";
  }

  Target parse_assign_target(bool with_tuple, bool name_only, const std::vector<std::string>& extra_end,
                             bool with_namespace) {
    int line = cur().line;
    if (with_namespace && cur().type == Tok::Name && look().type == Tok::Operator && look().text == ".") {
      Target t;
      t.kind = Target::Kind::NamespaceAttr;
      t.name = next().text;
      next();  // the dot
      t.attr = expect_name().text;
      return t;
    }
    if (name_only) {
      std::string n = expect_name().text;
      if (reserved_constant(n)) fail_at(line, "can't assign to 'const'");
      Target t;
      t.name = n;
      return t;
    }
    ExprPtr e = with_tuple ? parse_tuple(true, extra_end, false, true) : parse_primary();
    return to_target(*e, line);
  }

  Target to_target(const Expr& e, int line) {
    Target t;
    if (e.kind == ExprKind::Name) {
      t.name = static_cast<const NameExpr&>(e).name;
      return t;
    }
    if (e.kind == ExprKind::Tuple) {
      t.kind = Target::Kind::Tuple;
      for (auto& item : static_cast<const SequenceExpr&>(e).items) t.items.push_back(to_target(*item, line));
      return t;
    }
    static const char* kNames[] = {"const", "name", "list", "tuple", "dict", "getattr", "getitem", "slice", "call",
                                   "filter", "test", "neg", "pos", "not", "binexpr", "and", "or", "concat",
                                   "compare", "condexpr"};
    fail_at(line, std::string("can't assign to '") + kNames[static_cast<int>(e.kind)] + "'");
  }

  // ---- expressions ----

  ExprPtr parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }

  ExprPtr parse_condexpr() {
    int line = cur().line;
    ExprPtr expr1 = parse_or();
    while (skip_name("if")) {
      auto node = std::make_unique<CondExpr>(line);
      node->test = parse_or();
      if (skip_name("else")) node->otherwise = parse_condexpr();
      node->then = std::move(expr1);
      expr1 = std::move(node);
      line = cur().line;
    }
    return expr1;
  }

  ExprPtr parse_or() {
    int line = cur().line;
    ExprPtr left = parse_and();
    while (skip_name("or")) {
      ExprPtr right = parse_and();
      left = std::make_unique<BinaryExpr>(ExprKind::Or, std::move(left), std::move(right), line);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_and() {
    int line = cur().line;
    ExprPtr left = parse_not();
    while (skip_name("and")) {
      ExprPtr right = parse_not();
      left = std::make_unique<BinaryExpr>(ExprKind::And, std::move(left), std::move(right), line);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_not() {
    DepthGuard guard(*this);
    if (is_name("not")) {
      int line = next().line;
      return std::make_unique<UnaryExpr>(ExprKind::Not, parse_not(), line);
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = cur().line;
    ExprPtr first = parse_math1();
    std::unique_ptr<CompareExpr> node;
    while (true) {
      CmpOp op;
      if (is_op("==")) op = CmpOp::Eq;
      else if (is_op("!=")) op = CmpOp::Ne;
      else if (is_op("<")) op = CmpOp::Lt;
      else if (is_op("<=")) op = CmpOp::Le;
      else if (is_op(">")) op = CmpOp::Gt;
      else if (is_op(">=")) op = CmpOp::Ge;
      else if (is_name("in")) op = CmpOp::In;
      else if (is_name("not") && look().type == Tok::Name && look().text == "in") {
        next();
        op = CmpOp::NotIn;
      } else break;
      next();
      if (!node) node = std::make_unique<CompareExpr>(std::move(first), line);
      node->rest.emplace_back(op, parse_math1());
    }
    if (node) return node;
    return first;
  }

  ExprPtr parse_math1() {
    int line = cur().line;
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      BinOp op = next().text == "+" ? BinOp::Add : BinOp::Sub;
      auto node = std::make_unique<BinaryExpr>(ExprKind::Binary, std::move(left), parse_concat(), line);
      node->op = op;
      left = std::move(node);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_concat() {
    int line = cur().line;
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto node = std::make_unique<ConcatExpr>(line);
    node->parts.push_back(std::move(first));
    while (skip_op("~")) node->parts.push_back(parse_math2());
    return node;
  }

  ExprPtr parse_math2() {
    int line = cur().line;
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const std::string& t = next().text;
      BinOp op = t == "*" ? BinOp::Mul : t == "/" ? BinOp::Div : t == "//" ? BinOp::FloorDiv : BinOp::Mod;
      auto node = std::make_unique<BinaryExpr>(ExprKind::Binary, std::move(left), parse_pow(), line);
      node->op = op;
      left = std::move(node);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_pow() {
    int line = cur().line;
    ExprPtr left = parse_unary(true);
    while (skip_op("**")) {
      auto node = std::make_unique<BinaryExpr>(ExprKind::Binary, std::move(left), parse_unary(true), line);
      node->op = BinOp::Pow;
      left = std::move(node);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    int line = cur().line;
    ExprPtr node;
    if (is_op("-")) {
      next();
      node = std::make_unique<UnaryExpr>(ExprKind::Neg, parse_unary(false), line);
    } else if (is_op("+")) {
      next();
      node = std::make_unique<UnaryExpr>(ExprKind::Pos, parse_unary(false), line);
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    DepthGuard guard(*this);
    const Token& t = cur();
    int line = t.line;
    switch (t.type) {
      case Tok::Name: {
        std::string n = next().text;
        if (n == "true" || n == "True") return std::make_unique<ConstExpr>(Value(true), line);
        if (n == "false" || n == "False") return std::make_unique<ConstExpr>(Value(false), line);
        if (n == "none" || n == "None") return std::make_unique<ConstExpr>(Value::none(), line);
        for (auto* sink : name_sinks_) sink->insert(n);
        return std::make_unique<NameExpr>(n, line);
      }
      case Tok::String: {
        std::string s = next().text;
        while (cur().type == Tok::String) s += next().text;
        return std::make_unique<ConstExpr>(Value(std::move(s)), line);
      }
      case Tok::Integer: return std::make_unique<ConstExpr>(Value(next().integer), line);
      case Tok::Float: return std::make_unique<ConstExpr>(Value(next().number), line);
      case Tok::Operator:
        if (t.text == "(") {
          next();
          ExprPtr e = parse_tuple(true, {}, true);
          expect_op(")");
          return e;
        }
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      case Tok::Eof: fail_eof();
      default: break;
    }
    fail_here("unexpected " + describe(t));
  }

  bool is_tuple_end(const std::vector<std::string>& extra_end) const {
    if (cur().type == Tok::VariableEnd || cur().type == Tok::BlockEnd || is_op(")")) return true;
    return at_end_token(extra_end);
  }

  // Comma-separated expressions; a single one without a trailing comma is not a tuple.
  ExprPtr parse_tuple(bool with_condexpr, const std::vector<std::string>& extra_end, bool explicit_parens,
                      bool simplified = false) {
    int line = cur().line;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      args.push_back(simplified ? parse_primary() : parse_expression(with_condexpr));
      if (is_op(",")) is_tuple = true;
      else break;
      line = cur().line;
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parens) {
        if (cur().type == Tok::Eof) fail_eof();
        fail_here("Expected an expression, got " + describe(cur()));
      }
    }
    auto node = std::make_unique<SequenceExpr>(ExprKind::Tuple, line);
    node->items = std::move(args);
    return node;
  }

  ExprPtr parse_list() {
    auto node = std::make_unique<SequenceExpr>(ExprKind::List, next().line);
    while (!is_op("]")) {
      if (!node->items.empty()) expect_op(",");
      if (is_op("]")) break;
      node->items.push_back(parse_expression(true));
    }
    expect_op("]");
    return node;
  }

  ExprPtr parse_dict() {
    auto node = std::make_unique<DictExpr>(next().line);
    while (!is_op("}")) {
      if (!node->items.empty()) expect_op(",");
      if (is_op("}")) break;
      ExprPtr key = parse_expression(true);
      expect_op(":");
      node->items.emplace_back(std::move(key), parse_expression(true));
    }
    expect_op("}");
    return node;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is_op(".") || is_op("[")) node = parse_subscript(std::move(node));
      else if (is_op("(")) node = parse_call(std::move(node));
      else return node;
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) node = parse_filter(std::move(node), false);
      else if (is_name("is")) node = parse_test(std::move(node));
      else if (is_op("(")) node = parse_call(std::move(node));
      else return node;
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& t = next();
    int line = t.line;
    if (t.text == ".") {
      const Token& attr = next();
      if (attr.type == Tok::Name) return std::make_unique<GetAttrExpr>(std::move(node), attr.text, line);
      if (attr.type != Tok::Integer) fail_at(attr.line, "expected name or number");
      return std::make_unique<GetItemExpr>(std::move(node), std::make_unique<ConstExpr>(Value(attr.integer), attr.line), line);
    }
    std::vector<ExprPtr> args;
    while (!is_op("]")) {
      if (!args.empty()) expect_op(",");
      args.push_back(parse_subscribed());
    }
    expect_op("]");
    if (args.size() == 1) return std::make_unique<GetItemExpr>(std::move(node), std::move(args[0]), line);
    auto tuple = std::make_unique<SequenceExpr>(ExprKind::Tuple, line);
    tuple->items = std::move(args);
    return std::make_unique<GetItemExpr>(std::move(node), std::move(tuple), line);
  }

  ExprPtr parse_subscribed() {
    int line = cur().line;
    auto slice = std::make_unique<SliceExpr>(line);
    if (is_op(":")) {
      next();
    } else {
      ExprPtr e = parse_expression(true);
      if (!is_op(":")) return e;
      next();
      slice->start = std::move(e);
    }
    if (!is_op(":") && !is_op("]") && !is_op(",")) slice->stop = parse_expression(true);
    if (skip_op(":")) {
      if (!is_op("]") && !is_op(",")) slice->step = parse_expression(true);
    }
    return slice;
  }

  Arguments parse_call_args() {
    int line = cur().line;
    expect_op("(");
    Arguments a;
    bool require_comma = false;
    auto ensure = [&](bool ok) {
      if (!ok) fail_at(line, "invalid syntax for function call expression");
    };
    while (!is_op(")")) {
      if (require_comma) {
        expect_op(",");
        if (is_op(")")) break;
      }
      if (is_op("*")) {
        ensure(!a.star && !a.star_star);
        next();
        a.star = parse_expression(true);
      } else if (is_op("**")) {
        ensure(!a.star_star);
        next();
        a.star_star = parse_expression(true);
      } else if (cur().type == Tok::Name && look().type == Tok::Operator && look().text == "=") {
        ensure(!a.star_star);
        std::string key = next().text;
        next();
        a.kw.emplace_back(std::move(key), parse_expression(true));
      } else {
        ensure(!a.star && !a.star_star && a.kw.empty());
        a.pos.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(")");
    return a;
  }

  ExprPtr parse_call(ExprPtr node) {
    int line = cur().line;
    auto call = std::make_unique<CallExpr>(std::move(node), line);
    call->args = parse_call_args();
    return call;
  }

  std::string dotted_name() {
    std::string n = expect_name().text;
    while (skip_op(".")) n += "." + expect_name().text;
    return n;
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
    while (is_op("|") || start_inline) {
      if (!start_inline) next();
      int line = cur().line;
      auto f = std::make_unique<FilterExpr>(std::move(node), dotted_name(), line);
      if (is_op("(")) f->args = parse_call_args();
      node = std::move(f);
      start_inline = false;
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    int line = next().line;  // 'is'
    bool negated = skip_name("not");
    auto t = std::make_unique<TestExpr>(std::move(node), dotted_name(), line);
    const Token& c = cur();
    bool arg_start = c.type == Tok::Name || c.type == Tok::String || c.type == Tok::Integer || c.type == Tok::Float ||
                     (c.type == Tok::Operator && (c.text == "(" || c.text == "[" || c.text == "{"));
    if (is_op("(")) {
      t->args = parse_call_args();
    } else if (arg_start && !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail_here("You cannot chain multiple tests with is");
      t->args.pos.push_back(parse_postfix(parse_primary()));
    }
    if (!negated) return t;
    return std::make_unique<UnaryExpr>(ExprKind::Not, std::move(t), line);
  }
};

}  // namespace

Body parse(std::vector<Token> tokens, const std::string& template_name) {
  return Parser(std::move(tokens), template_name).parse_template();
}

}  // namespace vole::text::jinja
