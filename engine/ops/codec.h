#pragma once
// The NanoCodec decoder's ops (docs/specs/kani-tts.md §6.3) on time-major f32 [T, C]
// activations. A causal conv is `causal_im2col` then ops::linear with the PyTorch
// weight [O, C, K] read as [O, C*K]; the previous inputs of a stream ride in the first
// rows of `ext`, so decoding in pieces equals decoding at once.
#include "ops/tensor.h"

namespace vole::ops {

// cols [T, C*K] with cols[t][c*K + k] = ext[t + k*dilation][c]; ext [(K-1)*dilation + T, C].
void causal_im2col(gpu::Graph& g, const Tensor& ext, int64_t kernel, int64_t dilation, const Tensor& cols);

// Grouped causal transposed conv (kernel 2r, stride r, groups = Cout, trimmed to T*r):
// ext [1 + T, Cin] (row 0: the input row before this piece), weight [Cin, 2r], bias
// [Cout], out [T*r, Cout]. Cin must be a multiple of Cout.
void causal_conv_transpose(gpu::Graph& g, const Tensor& ext, const Tensor& weight, const Tensor& bias, int64_t rate,
                           const Tensor& out);

// out = HalfSnake(scale * x) for x [T, C]: channels < alpha.size get Snake with their α
// (x + sin²(αx)/(α + 1e-9)), the rest LeakyReLU(0.01). out may alias x.
void half_snake(gpu::Graph& g, const Tensor& x, const Tensor& alpha, float scale, const Tensor& out);
// out = clamp(x, -1, 1). out may alias x.
void clamp_unit(gpu::Graph& g, const Tensor& x, const Tensor& out);

}  // namespace vole::ops
