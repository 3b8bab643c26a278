// Push constants and limits of kernels/rope (see interface_common.h).
#ifndef VOLE_ROPE_INTERFACE_H
#define VOLE_ROPE_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// Frequency slots: specialisation constants 0..127 of rope.comp (rotary_dims <= 256).
const uint kRopeMaxFrequencies = 128u;

// rope.comp position layouts (RopePush::mrope).
const uint kRopePlain = 0u;
const uint kRopeMrope = 1u;   // interleaved M-RoPE (Qwen3.5 text)
const uint kRopeVision = 2u;  // 2-D: slots [0, sec_h) take the row, [sec_h, half) the column (ViTs)
struct RopePush {
  uint tokens;
  uint heads;
  uint head_dim;
  uint half_rot;  // rotary_dims / 2 frequency slots (<= kRopeMaxFrequencies)
  uint tail;      // pass-through dims copied per head
  uint mrope;     // kRopePlain, kRopeMrope: [3, tokens] (t, h, w) rows, kRopeVision: [2, tokens] (row, col)
  uint sec_h;     // M-RoPE sections of the h and w rows; kRopeVision: the first slot that turns with the column
  uint sec_w;
  uint interleaved;  // 1: pairs (2j, 2j + 1) instead of (j, j + half_rot)
};
VOLE_PUSH_CONSTANTS(RopePush)

VOLE_INTERFACE_END
#endif
