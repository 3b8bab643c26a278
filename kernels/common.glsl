// Shared definitions for Vole's compute kernels.
// Conventions: set 0 holds only storage buffers; push constants describe shapes (one
// struct per kernel in <family>/interface.h, shared with the C++ op);
// activations are f32; weights f32/f16/bf16 or Vole INT4 (see engine/ops/weight.h).
#ifndef VOLE_COMMON_GLSL
#define VOLE_COMMON_GLSL

#extension GL_EXT_control_flow_attributes : enable

// bf16 -> f32: the top 16 bits of an f32.
float bf16_lo(uint packed) { return uintBitsToFloat(packed << 16); }
float bf16_hi(uint packed) { return uintBitsToFloat(packed & 0xffff0000u); }

float silu(float x) { return x / (1.0 + exp(-x)); }
float sigmoid(float x) { return 1.0 / (1.0 + exp(-x)); }
// log(1 + u) without the cancellation of 1 + u for small u (Goldberg's correction).
// `precise` keeps the compiler from folding (1 + u) - 1 back into u.
float log1p_accurate(float u) {
  precise float w = 1.0 + u;
  precise float wm1 = w - 1.0;
  return w == 1.0 ? u : log(w) * (u / wm1);
}
// PyTorch's softplus: returns x above the threshold 20 to avoid overflow.
float softplus(float x) { return x > 20.0 ? x : log1p_accurate(exp(x)); }

#endif
