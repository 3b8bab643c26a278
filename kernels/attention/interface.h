// Push constants and sizes of kernels/attention (see interface_common.h).
#ifndef VOLE_ATTENTION_INTERFACE_H
#define VOLE_ATTENTION_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// store_kv.comp: f32 k/v rows into the f16 caches at a position read on the GPU.
struct StoreKvPush {
  uint pairs;      // T * Hkv * D / 2
  uint row_pairs;  // Hkv * D / 2
  uint capacity;   // cache rows
};
VOLE_PUSH_CONSTANTS(StoreKvPush)

// decode.comp: workgroup size = cache rows per tile.
const uint kDecodeWorkgroup = 128u;
struct AttentionDecodePush {
  uint capacity;
  uint hkv;
  uint splits;
  uint min_chunk;
  float scale;
};
VOLE_PUSH_CONSTANTS(AttentionDecodePush)

// decode_merge.comp
struct AttentionDecodeMergePush {
  uint capacity;
  uint splits;
  uint min_chunk;
  uint groups;  // R2 of decode.comp: partials per split
  uint d;
};
VOLE_PUSH_CONSTANTS(AttentionDecodeMergePush)

// prefill.comp
struct AttentionPrefillPush {
  uint t;      // queries
  uint h;      // query heads
  uint hkv;    // kv heads
  uint nkeys;  // keys available (rows of k/v)
  uint past;   // position of query 0
  uint causal;
  float scale;
  uint radius;  // PACKED: keys within this distance of the query only (0: no window)
  uint ahead;   // PACKED, radius > 0: keys at most this far after the query (radius: symmetric)
};
VOLE_PUSH_CONSTANTS(AttentionPrefillPush)

VOLE_INTERFACE_END
#endif
