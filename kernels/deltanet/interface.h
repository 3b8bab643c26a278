// Push constants and sizes of kernels/deltanet (see interface_common.h).
#ifndef VOLE_DELTANET_INTERFACE_H
#define VOLE_DELTANET_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// conv1d_silu.comp: tokens per invocation (TB); one token block per workgroup row.
const uint kConvTokensPerThread = 16u;
struct Conv1dSiluPush {
  uint t;
  uint c;
};
VOLE_PUSH_CONSTANTS(Conv1dSiluPush)

// gates.comp
struct DeltaNetGatesPush {
  uint n;   // T * Hv
  uint hv;
};
VOLE_PUSH_CONSTANTS(DeltaNetGatesPush)

// recurrent.comp
struct DeltaNetRecurrentPush {
  uint t;
  uint hk;
  uint hv;
  uint dv;
  float eps;
  float q_scale;  // dk^-1/2
};
VOLE_PUSH_CONSTANTS(DeltaNetRecurrentPush)

// chunk_prepare.comp
struct DeltaNetChunkPreparePush {
  uint t;
  uint hk;
  uint hv;
  float eps;
  float q_scale;  // dk^-1/2
};
VOLE_PUSH_CONSTANTS(DeltaNetChunkPreparePush)

// chunk_scan.comp
struct DeltaNetChunkScanPush {
  uint t;
  uint hk;
  uint hv;
};
VOLE_PUSH_CONSTANTS(DeltaNetChunkScanPush)

VOLE_INTERFACE_END
#endif
