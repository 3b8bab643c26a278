#pragma once
// Python's operators on template values: arithmetic with int/float promotion and
// overflow checks, sequence repetition and concatenation, markup-escaping `+`,
// membership (`in`), indexing and slicing by code point.
#include <optional>

#include "text/jinja_ast.h"
#include "text/jinja_value.h"

namespace vole::text::jinja {

Value binary_op(BinOp op, const Value& a, const Value& b);
Value negate(const Value& v);
Value unary_plus(const Value& v);
bool contains(const Value& container, const Value& item);  // item in container

// container[index] for list, tuple and str; nullopt where Python raises IndexError/TypeError.
std::optional<Value> index_sequence(const Value& seq, const Value& index);
// container[start:stop:step]; nullopt where Python raises (bad bounds, unsliceable value).
std::optional<Value> slice_sequence(const Value& seq, const Value& start, const Value& stop, const Value& step);

// markupsafe.escape: & < > ' " as HTML entities.
std::string escape_html(const std::string& s);

}  // namespace vole::text::jinja
