#pragma once
#include <vector>

namespace vole::ref {

float silu(float x);
float sigmoid(float x);
float gelu_tanh(float x);
float gelu_erf(float x);
float softplus(float x);  // PyTorch: x above 20

std::vector<float> swiglu(const std::vector<float>& gate, const std::vector<float>& up);
// x [T, N] (row-major) plus bias [N] on every row.
std::vector<float> add_bias(const std::vector<float>& x, const std::vector<float>& bias);

}  // namespace vole::ref
