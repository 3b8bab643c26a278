// Push constants of kernels/linear (see interface_common.h).
#ifndef VOLE_LINEAR_INTERFACE_H
#define VOLE_LINEAR_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// matvec.comp: one dispatch per weight shard.
struct MatvecPush {
  uint rows;         // rows in this shard
  uint blocks;       // 16-byte blocks per row (cols / W_BLOCK)
  uint group_shift;  // Q4: log2(group size)
  uint y_offset;     // index in a row of y of this shard's first row
  uint y_stride;     // elements per row of y
  uint tokens;       // T
  uint accumulate;   // 1: y += result
  uint grid_x;       // workgroups along x (the grid may be 2-D for very tall matrices)
};
VOLE_PUSH_CONSTANTS(MatvecPush)

// matmul.comp: one dispatch per weight shard.
struct MatmulPush {
  uint tokens;       // T
  uint rows;         // rows in this shard
  uint cols;         // K
  uint group_shift;  // Q4: log2(group size)
  uint y_stride;     // elements per row of y (all rows of the whole weight)
  uint y_offset;     // column of y where this shard's rows start
  uint accumulate;   // 1: y += result
};
VOLE_PUSH_CONSTANTS(MatmulPush)

// embedding.comp: one dispatch per table shard.
struct EmbeddingPush {
  uint tokens;        // T
  uint cols;          // D
  uint row_begin;     // first table row held by this shard
  uint rows;          // rows in this shard
  uint table_rows;    // rows in the whole table
  uint group_shift;   // Q4: log2(group size)
  uint zero_invalid;  // 1: this dispatch writes the zero rows of out-of-range ids
};
VOLE_PUSH_CONSTANTS(EmbeddingPush)

VOLE_INTERFACE_END
#endif
