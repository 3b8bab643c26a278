// Shared pieces of the Gated DeltaNet kernels (docs/specs/qwen3_5.md §5.4-5.6).
#ifndef VOLE_DELTANET_COMMON_GLSL
#define VOLE_DELTANET_COMMON_GLSL

// qkv row layout (conv output): q [Hk, dk] | k [Hk, dk] | v [Hv, dv]; value head h
// reads key head h / (Hv / Hk).
uint key_head(uint h, uint hk, uint hv) { return h / (hv / hk); }
uint q_offset(uint h, uint hk, uint hv, uint dk) { return key_head(h, hk, hv) * dk; }
uint k_offset(uint h, uint hk, uint hv, uint dk) { return (hk + key_head(h, hk, hv)) * dk; }
uint v_offset(uint h, uint hk, uint dk, uint dv) { return 2 * hk * dk + h * dv; }

// x * rsqrt(sum x^2 + eps): the factor that L2-normalises a vector with this sum of squares.
float l2_factor(float sum_sq, float eps) { return inversesqrt(sum_sq + eps); }

#endif
