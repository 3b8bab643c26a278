// The k best candidates of a set of elements, found by one 256-invocation workgroup and
// left sorted (best first, keys.glsl order) in top_key / top_idx; slots past the count
// hold key 0 (no candidate). Used by the per-chunk pass and the merge pass of top-k.
//
// The includer defines, before including:
//   uint sel_size()          number of elements
//   uint sel_key(uint j)     order key of element j (0: not a candidate)
//   uint sel_index(uint j)   its token index (ties go to the lower one)
//
// Method: radix select finds the k-th best key in at most three histogram rounds (11, 11
// and 10 bits) over the elements, stopping early once a whole bin is in. If more
// elements share that exact key than places are left, a second radix select over
// ~index among them picks the lowest indices. The k winners are then gathered (in any
// order) and sorted by a bitonic network. Cost: a few reads of the elements, no global
// sort, no limit on the number of elements; about 12 KiB of shared memory (Vulkan
// guarantees 16).
#ifndef VOLE_SELECT_GLSL
#define VOLE_SELECT_GLSL

#include "keys.glsl"
#include "sampling/interface.h"

const uint kSlots = kSelectSlots;  // == workgroup size == ops::kMaxCandidates

shared uint top_key[kSlots];
shared uint top_idx[kSlots];
shared uint sel_hist[2048];
shared uint sel_scan[kSlots];
shared uvec4 sel_found;  // (digit, places left in its bin, bin count, found)
shared uint sel_fill;

// Exclusive prefix sum over the workgroup's invocations (Hillis-Steele in shared memory).
uint wg_exclusive_scan(uint v) {
  uint t = gl_LocalInvocationIndex;
  sel_scan[t] = v;
  barrier();
  for (uint off = 1u; off < kSlots; off <<= 1u) {
    uint add = t >= off ? sel_scan[t - off] : 0u;
    barrier();
    sel_scan[t] += add;
    barrier();
  }
  uint inclusive = sel_scan[t];
  barrier();
  return inclusive - v;
}

// The key a selection round ranks: the element's own key, or (second stage) ~index for
// the elements tied at `tie_key`, so that lower indices rank higher.
uint stage_key(uint j, bool by_index, uint tie_key) {
  uint k = sel_key(j);
  if (!by_index) return k;
  return (k != 0u && k == tie_key) ? ~sel_index(j) : 0u;
}

// Radix select of the `need` best keys. Returns (prefix, mask, left, ties): elements
// whose masked key is above prefix are in, plus `left` of the `ties` elements whose
// masked key equals prefix (all of them when left == ties, which always holds unless
// the whole key is tied). Fewer than `need` candidates: everything is in.
uvec4 radix_select(bool by_index, uint tie_key, uint need) {
  uint t = gl_LocalInvocationIndex;
  uint n = sel_size();
  uint prefix = 0u, mask = 0u;
  for (uint round = 0u; round < 3u; ++round) {
    uint bits = round == 2u ? 10u : 11u;
    uint shift = round == 0u ? 21u : (round == 1u ? 10u : 0u);
    uint bins = 1u << bits;
    for (uint b = t; b < bins; b += kSlots) sel_hist[b] = 0u;
    if (t == 0u) sel_found = uvec4(0u);
    barrier();
    for (uint j = t; j < n; j += kSlots) {
      uint key = stage_key(j, by_index, tie_key);
      if (key != 0u && (key & mask) == prefix) atomicAdd(sel_hist[(key >> shift) & (bins - 1u)], 1u);
    }
    barrier();
    // Invocation t owns `per` consecutive bins counted down from the top; the scan says
    // how many elements rank above its run, so exactly one run holds the need-th one.
    uint per = bins / kSlots;
    uint top = bins - 1u - t * per;
    uint run = 0u;
    for (uint q = 0u; q < per; ++q) run += sel_hist[top - q];
    uint above = wg_exclusive_scan(run);
    if (above < need && above + run >= need) {
      uint acc = above;
      for (uint q = 0u; q < per; ++q) {
        uint h = sel_hist[top - q];
        if (acc + h >= need) {
          sel_found = uvec4(top - q, need - acc, h, 1u);
          break;
        }
        acc += h;
      }
    }
    barrier();
    uvec4 found = sel_found;
    barrier();  // everyone has read it before the next round resets it
    if (found.w == 0u) return uvec4(0u);  // fewer candidates than need (first round only)
    prefix |= found.x << shift;
    mask |= (bins - 1u) << shift;
    need = found.y;
    if (found.y == found.z || round == 2u) return uvec4(prefix, mask, found.y, found.z);
  }
  return uvec4(0u);  // not reached
}

// Selects and sorts the k (<= kSlots) best elements; returns how many there are.
uint select_top(uint k) {
  uint t = gl_LocalInvocationIndex;
  uvec4 a = radix_select(false, 0u, k);
  bool by_index = a.z != a.w;
  uvec4 b = by_index ? radix_select(true, a.x, a.z) : uvec4(0u);

  top_key[t] = 0u;
  top_idx[t] = kNoIndex;
  if (t == 0u) sel_fill = 0u;
  barrier();
  uint n = sel_size();
  for (uint j = t; j < n; j += kSlots) {
    uint key = sel_key(j);
    if (key == 0u) continue;
    uint mk = key & a.y;
    bool in_set = mk > a.x || (mk == a.x && (!by_index || ((~sel_index(j)) & b.y) >= b.x));
    if (in_set) {
      uint s = atomicAdd(sel_fill, 1u);
      if (s < kSlots) {  // always true (exactly min(k, candidates) are in); guards shared memory
        top_key[s] = key;
        top_idx[s] = sel_index(j);
      }
    }
  }
  barrier();
  uint count = min(sel_fill, kSlots);

  // Bitonic sort, best first. Blocks with (t & size) == 0 sort best-first, the others
  // worst-first, so each merge step sees bitonic sequences.
  for (uint size = 2u; size <= kSlots; size <<= 1u) {
    for (uint stride = size >> 1u; stride > 0u; stride >>= 1u) {
      uint p = t ^ stride;
      if (p > t) {
        uvec2 x = uvec2(top_key[t], top_idx[t]), y = uvec2(top_key[p], top_idx[p]);
        bool best_first = (t & size) == 0u;
        if (pair_better(y, x) == best_first && (x != y)) {
          top_key[t] = y.x;
          top_idx[t] = y.y;
          top_key[p] = x.x;
          top_idx[p] = x.y;
        }
      }
      barrier();
    }
  }
  return count;
}

#endif
