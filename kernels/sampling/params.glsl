// ops::SamplerParams as the kernels read it (std430: ten 4-byte scalars, 40 bytes).
// The includer defines PARAMS_BINDING.
#ifndef VOLE_PARAMS_GLSL
#define VOLE_PARAMS_GLSL

layout(set = 0, binding = PARAMS_BINDING, std430) readonly buffer Params {
  float temperature;
  float top_p;
  float min_p;
  float repetition_penalty;
  float presence_penalty;
  float frequency_penalty;
  uint top_k;
  uint history_len;
  uint seed;
  uint step;
} params;

#endif
