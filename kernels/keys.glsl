// Order-preserving keys for f32 values, and the candidate order of argmax/top-k/sampling:
// larger value first, ties to the lower index.
#ifndef VOLE_KEYS_GLSL
#define VOLE_KEYS_GLSL

const uint kNoIndex = 0xffffffffu;

// Unsigned order of keys == float order of values. NaN counts as -inf and -0 as +0, so
// every value has a key >= 0x007fffff and 0 is free to mean "no candidate".
uint order_key(float v) {
  uint u = floatBitsToUint(v);
  if ((u & 0x7fffffffu) > 0x7f800000u) u = 0xff800000u;  // NaN -> -inf
  if ((u & 0x7fffffffu) == 0u) u = 0u;                   // -0 -> +0
  return (u & 0x80000000u) != 0u ? ~u : (u | 0x80000000u);
}

float key_value(uint k) { return uintBitsToFloat((k & 0x80000000u) != 0u ? (k & 0x7fffffffu) : ~k); }

// Candidates as (key, index): a beats b if its key is larger, or equal with a smaller index.
bool pair_better(uvec2 a, uvec2 b) { return a.x > b.x || (a.x == b.x && a.y < b.y); }

#endif
