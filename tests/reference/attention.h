#pragma once
// Scaled dot-product attention with grouped KV heads (docs/specs/qwen3_5.md §4.5), f64
// accumulation. Feed it the K/V values the GPU sees (f16-rounded for a cache).
#include <cstdint>
#include <vector>

namespace vole::ref {

struct AttentionShape {
  int64_t tokens = 0;    // T queries
  int64_t heads = 0;     // H
  int64_t kv_heads = 0;  // Hkv (query head h reads kv head h / (H / Hkv))
  int64_t head_dim = 0;  // D
  int64_t keys = 0;      // N rows of k/v
};

// q [T, H, D], k/v [N, Hkv, D] -> out [T, H, D]. Causal: query t sits at position
// past + t and sees keys 0..past+t; otherwise every query sees all N keys.
std::vector<float> attention(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                             const AttentionShape& shape, bool causal, int64_t past, float scale);

// One sequence's attention where query t sees key s iff (not causal or s <= t) and
// (radius == 0 or |t - s| <= radius): a bidirectional sliding window (EmbeddingGemma's
// sliding layers). k/v have `tokens` rows. ahead >= 0 (with a radius) limits the keys
// after t to s <= t + ahead instead (an asymmetric window).
std::vector<float> attention_windowed(const std::vector<float>& q, const std::vector<float>& k,
                                      const std::vector<float>& v, const AttentionShape& shape, bool causal,
                                      int64_t radius, float scale, int64_t ahead = -1);
// Rounds every value through f16 (what a KV cache stores).
std::vector<float> round_to_f16(const std::vector<float>& x);

}  // namespace vole::ref
