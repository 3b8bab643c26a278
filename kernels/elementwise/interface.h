// Push constants and op codes of kernels/elementwise (see interface_common.h).
#ifndef VOLE_ELEMENTWISE_INTERFACE_H
#define VOLE_ELEMENTWISE_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// binary.comp: out = a (op) b over n elements.
const uint kBinaryAdd = 0u;
const uint kBinaryMul = 1u;
const uint kBinarySwiglu = 2u;       // silu(a) * b
const uint kBinarySigmoidGate = 3u;  // a * sigmoid(b)
const uint kBinaryAddBias = 4u;      // a [n / cols, cols] + b [cols] on every row
struct BinaryPush {
  uint n;
  uint op;
  uint cols;  // kBinaryAddBias: length of b (a row of a)
};
VOLE_PUSH_CONSTANTS(BinaryPush)

// unary.comp: out = f(x) over n elements.
const uint kUnarySilu = 0u;
const uint kUnarySigmoid = 1u;
const uint kUnaryGeluTanh = 2u;
const uint kUnaryGeluErf = 3u;
const uint kUnarySoftplus = 4u;
const uint kUnaryScale = 6u;  // x * alpha (not a ops::Unary: it takes a constant)
const uint kUnaryTanh = 5u;
struct UnaryPush {
  uint n;
  uint op;
  float alpha;  // kUnaryScale
};
VOLE_PUSH_CONSTANTS(UnaryPush)

// copy_columns.comp: columns [col_begin, +cols) of src [rows, src_cols] go to columns
// [dst_col_begin, +cols) of out [rows, dst_cols].
struct CopyColumnsPush {
  uint rows;
  uint src_cols;
  uint col_begin;
  uint cols;
  uint dst_cols;
  uint dst_col_begin;
};
VOLE_PUSH_CONSTANTS(CopyColumnsPush)

// mix_rows.comp: out [rows, cols] (+)= sum of 4 weighted rows of table [table_rows, cols].
struct MixRowsPush {
  uint rows;
  uint cols;
  uint table_rows;
  uint accumulate;  // 1: add into out
};
VOLE_PUSH_CONSTANTS(MixRowsPush)

VOLE_INTERFACE_END
#endif
