// Push constants of kernels/core (see interface_common.h).
#ifndef VOLE_CORE_INTERFACE_H
#define VOLE_CORE_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// copy.comp
struct CopyPush {
  uint n;  // 16-byte vectors to copy
};
VOLE_PUSH_CONSTANTS(CopyPush)

VOLE_INTERFACE_END
#endif
