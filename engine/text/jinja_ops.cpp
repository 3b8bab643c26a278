#include "text/jinja_ops.h"

#include <cmath>

#include "text/jinja_format.h"
#include "text/jinja_limits.h"
#include "text/jinja_unicode.h"

namespace vole::text::jinja {

namespace {

[[noreturn]] void operand_error(const char* op, const Value& a, const Value& b) {
  type_error(std::string("unsupported operand type(s) for ") + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

[[noreturn]] void overflow() { unsupported("integer overflow (Vole's templates compute with 64-bit integers)"); }

// Runs a __builtin_*_overflow operation and returns its result, or fails on overflow.
template <typename Op>
int64_t checked(Op op, int64_t a, int64_t b) {
  int64_t r;
  if (op(a, b, &r)) overflow();
  return r;
}
constexpr auto kAdd = [](int64_t a, int64_t b, int64_t* r) { return __builtin_add_overflow(a, b, r); };
constexpr auto kSub = [](int64_t a, int64_t b, int64_t* r) { return __builtin_sub_overflow(a, b, r); };
constexpr auto kMul = [](int64_t a, int64_t b, int64_t* r) { return __builtin_mul_overflow(a, b, r); };

int64_t floor_div(int64_t a, int64_t b) {
  if (b == -1 && a == INT64_MIN) overflow();
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t floor_mod(int64_t a, int64_t b) {
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

double float_mod(double vx, double wx) {
  double mod = std::fmod(vx, wx);
  if (mod != 0.0) {
    if ((wx < 0) != (mod < 0)) mod += wx;
  } else {
    mod = std::copysign(0.0, wx);
  }
  return mod;
}

double float_floor_div(double vx, double wx) {
  double mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0.0 && ((wx < 0) != (mod < 0))) div -= 1.0;
  if (div == 0.0) return std::copysign(0.0, vx / wx);
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

Value repeat(const Value& seq, int64_t n) {
  if (n <= 0) return seq.is_string() ? (seq.is_markup() ? Value::markup("") : Value("")) : seq.is_tuple() ? Value::tuple({}) : Value::list({});
  if (seq.is_string()) {
    const std::string& s = seq.str();
    check_size(static_cast<uint64_t>(n), s.size(), "repeating a string");
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return seq.is_markup() ? Value::markup(std::move(out)) : Value(std::move(out));
  }
  const List& items = seq.items();
  check_size(static_cast<uint64_t>(n), items.size() * sizeof(Value), "repeating a list");
  List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Value add(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) return Value(checked(kAdd, a.as_int(), b.as_int()));
  if (a.is_number() && b.is_number()) return Value(a.as_double() + b.as_double());
  if (a.is_string() && b.is_string()) {
    // Markup + str escapes the plain side (both orders: Markup defines __add__ and __radd__).
    if (a.is_markup() || b.is_markup()) {
      std::string l = a.is_markup() ? a.str() : escape_html(a.str());
      std::string r = b.is_markup() ? b.str() : escape_html(b.str());
      return Value::markup(l + r);
    }
    check_size(a.str().size() + b.str().size(), "adding two strings");
    return Value(a.str() + b.str());
  }
  if (a.kind() == b.kind() && a.is_sequence()) {
    check_size(a.items().size() + b.items().size(), sizeof(Value), "adding two lists");
    List out = a.items();
    out.insert(out.end(), b.items().begin(), b.items().end());
    return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  if (a.is_string() && !b.is_string()) type_error("can only concatenate str (not \"" + type_name(b) + "\") to str");
  if (a.is_list() && !b.is_list()) type_error("can only concatenate list (not \"" + type_name(b) + "\") to list");
  operand_error("+", a, b);
}

Value power(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) {
    int64_t base = a.as_int(), e = b.as_int();
    if (e < 0) {
      if (base == 0) type_error("0.0 cannot be raised to a negative power");
      return Value(std::pow(static_cast<double>(base), static_cast<double>(e)));
    }
    int64_t r = 1;
    while (e > 0) {
      if (e & 1) r = checked(kMul, r, base);
      e >>= 1;
      if (e) base = checked(kMul, base, base);
    }
    return Value(r);
  }
  if (a.is_number() && b.is_number()) {
    double x = a.as_double(), y = b.as_double();
    if (x == 0.0 && y < 0) type_error("0.0 cannot be raised to a negative power");
    if (x < 0 && y != std::floor(y)) unsupported("a negative number raised to a fractional power is complex");
    return Value(std::pow(x, y));
  }
  operand_error("** or pow()", a, b);
}

}  // namespace

std::string escape_html(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&#39;"; break;
      case '"': out += "&#34;"; break;
      default: out += c;
    }
  }
  return out;
}

Value binary_op(BinOp op, const Value& a, const Value& b) {
  require_defined(a);
  require_defined(b);
  switch (op) {
    case BinOp::Add: return add(a, b);
    case BinOp::Sub:
      if (a.is_integral() && b.is_integral()) return Value(checked(kSub, a.as_int(), b.as_int()));
      if (a.is_number() && b.is_number()) return Value(a.as_double() - b.as_double());
      operand_error("-", a, b);
    case BinOp::Mul:
      if (a.is_integral() && b.is_integral()) return Value(checked(kMul, a.as_int(), b.as_int()));
      if (a.is_number() && b.is_number()) return Value(a.as_double() * b.as_double());
      if ((a.is_string() || a.is_sequence()) && b.is_integral()) return repeat(a, b.as_int());
      if (a.is_integral() && (b.is_string() || b.is_sequence())) return repeat(b, a.as_int());
      operand_error("*", a, b);
    case BinOp::Div:
      if (a.is_number() && b.is_number()) {
        if (b.as_double() == 0.0) type_error(b.is_float() ? "float division by zero" : "division by zero");
        return Value(a.as_double() / b.as_double());
      }
      operand_error("/", a, b);
    case BinOp::FloorDiv:
      if (a.is_integral() && b.is_integral()) {
        if (b.as_int() == 0) type_error("integer division or modulo by zero");
        return Value(floor_div(a.as_int(), b.as_int()));
      }
      if (a.is_number() && b.is_number()) {
        if (b.as_double() == 0.0) type_error("float floor division by zero");
        return Value(float_floor_div(a.as_double(), b.as_double()));
      }
      operand_error("//", a, b);
    case BinOp::Mod:
      if (a.is_string()) return percent_format(a, b);
      if (a.is_integral() && b.is_integral()) {
        if (b.as_int() == 0) type_error("integer division or modulo by zero");
        return Value(floor_mod(a.as_int(), b.as_int()));
      }
      if (a.is_number() && b.is_number()) {
        if (b.as_double() == 0.0) type_error("float modulo");
        return Value(float_mod(a.as_double(), b.as_double()));
      }
      operand_error("%", a, b);
    case BinOp::Pow: return power(a, b);
  }
  operand_error("?", a, b);
}

Value negate(const Value& v) {
  require_defined(v);
  if (v.is_integral()) {
    if (v.as_int() == INT64_MIN) overflow();
    return Value(-v.as_int());
  }
  if (v.is_float()) return Value(-v.as_double());
  type_error("bad operand type for unary -: '" + type_name(v) + "'");
}

Value unary_plus(const Value& v) {
  require_defined(v);
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) return v;
  type_error("bad operand type for unary +: '" + type_name(v) + "'");
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::Undefined: return false;
    case Kind::String:
      if (!item.is_string()) type_error("'in <string>' requires string as left operand, not " + type_name(item));
      return container.str().find(item.str()) != std::string::npos;
    case Kind::List: case Kind::Tuple:
      for (auto& x : container.items())
        if (py_eq(x, item)) return true;
      return false;
    case Kind::Dict:
      if (!is_hashable(item)) type_error("unhashable type: '" + type_name(item) + "'");
      return container.dict().find(item) != nullptr;
    case Kind::Object:
      if (container.object()->iterable()) {
        for (auto& x : container.object()->iterate())
          if (py_eq(x, item)) return true;
        return false;
      }
      [[fallthrough]];
    default: type_error("argument of type '" + type_name(container) + "' is not iterable");
  }
}

std::optional<Value> index_sequence(const Value& seq, const Value& index) {
  if (!index.is_integral()) return std::nullopt;
  int64_t i = index.as_int();
  if (seq.is_string()) {
    std::u32string u = to_u32(seq.str());
    int64_t n = static_cast<int64_t>(u.size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) return std::nullopt;
    return Value(to_utf8(std::u32string_view(u).substr(static_cast<size_t>(i), 1)));
  }
  if (!seq.is_sequence()) return std::nullopt;
  const List& items = seq.items();
  int64_t n = static_cast<int64_t>(items.size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) return std::nullopt;
  return items[static_cast<size_t>(i)];
}

std::optional<Value> slice_sequence(const Value& seq, const Value& start_v, const Value& stop_v, const Value& step_v) {
  auto bound = [](const Value& v, std::optional<int64_t>& out) {
    if (v.is_none()) return true;
    if (!v.is_integral()) return false;
    out = v.as_int();
    return true;
  };
  std::optional<int64_t> start, stop, step_opt;
  if (!bound(start_v, start) || !bound(stop_v, stop) || !bound(step_v, step_opt)) return std::nullopt;
  int64_t step = step_opt.value_or(1);
  if (step == 0) type_error("slice step cannot be zero");
  if (!seq.is_string() && !seq.is_sequence()) return std::nullopt;
  std::u32string u;
  int64_t n;
  if (seq.is_string()) {
    u = to_u32(seq.str());
    n = static_cast<int64_t>(u.size());
  } else {
    n = static_cast<int64_t>(seq.items().size());
  }
  // CPython's PySlice_AdjustIndices.
  auto adjust = [&](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= n) {
      x = step < 0 ? n - 1 : n;
    }
    return x;
  };
  int64_t lo = adjust(start, step < 0 ? n - 1 : 0);
  int64_t hi = adjust(stop, step < 0 ? -1 : n);
  std::vector<size_t> picks;
  // Step without overflowing: stop once the next index would pass the bound.
  if (step > 0) {
    for (int64_t i = lo; i < hi; i += step) {
      picks.push_back(static_cast<size_t>(i));
      if (hi - i <= step) break;
    }
  } else {
    for (int64_t i = lo; i > hi; i += step) {
      picks.push_back(static_cast<size_t>(i));
      if (i - hi <= -step) break;
    }
  }
  if (seq.is_string()) {
    std::u32string out;
    for (size_t i : picks) out.push_back(u[i]);
    return seq.is_markup() ? Value::markup(to_utf8(out)) : Value(to_utf8(out));
  }
  List out;
  for (size_t i : picks) out.push_back(seq.items()[i]);
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

}  // namespace vole::text::jinja
