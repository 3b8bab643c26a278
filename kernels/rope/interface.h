// Push constants and limits of kernels/rope (see interface_common.h).
#ifndef VOLE_ROPE_INTERFACE_H
#define VOLE_ROPE_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// Frequency slots: specialisation constants 0..127 of rope.comp (rotary_dims <= 256).
const uint kRopeMaxFrequencies = 128u;

// rope.comp
struct RopePush {
  uint tokens;
  uint heads;
  uint head_dim;
  uint half_rot;  // rotary_dims / 2 frequency slots (<= kRopeMaxFrequencies)
  uint tail;      // pass-through dims copied per head
  uint mrope;     // 1: positions are [3, tokens] (t, h, w) rows
  uint sec_h;     // M-RoPE sections of the h and w rows
  uint sec_w;
  uint interleaved;  // 1: pairs (2j, 2j + 1) instead of (j, j + half_rot)
};
VOLE_PUSH_CONSTANTS(RopePush)

VOLE_INTERFACE_END
#endif
