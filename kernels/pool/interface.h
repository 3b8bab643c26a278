// Push constants and op codes of kernels/pool (see interface_common.h).
#ifndef VOLE_POOL_INTERFACE_H
#define VOLE_POOL_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// pool.comp: one vector per packed sequence from its rows.
const uint kPoolMean = 0u;  // mean of the sequence's rows
const uint kPoolLast = 1u;  // its last row
struct PoolPush {
  uint sequences;
  uint cols;
  uint mode;
};
VOLE_PUSH_CONSTANTS(PoolPush)

VOLE_INTERFACE_END
#endif
