#pragma once
// The gated short convolution of LFM2's conv layers (docs/specs/lfm2.md §3.2): one
// projection yields B, C and X; U = B·X goes through a causal depthwise convolution of
// K taps (no activation) whose last K-1 inputs are the layer's conv window; the result,
// gated by C, is projected back and added into the residual stream.
#include <string>

#include "arch/blocks/linear.h"
#include "arch/component.h"
#include "arch/text_decoder.h"

namespace vole::arch {

struct ShortConvShape {
  int64_t hidden = 0;
  int64_t kernel = 3;  // K (conv_L_cache)
  bool bias = false;   // conv_bias: biases on in_proj, the convolution and out_proj
};

struct ShortConv {
  ShortConvShape shape;
  Linear in, out;
  WeightRef conv, conv_bias;
};

// Declares `<stem>in_proj` [3H, H], `<stem>conv.weight` [H, 1, K], `<stem>out_proj` [H, H]
// (+ biases with shape.bias).
ShortConv declare_short_conv(TensorDeclarer& d, const std::string& stem, const ShortConvShape& shape, int layer);

// The layer's conv window: the previous K-1 values of U, [K-1, H] f32.
StateSlot short_conv_state(const ShortConvShape& shape, int layer);

// x += out_proj(C · conv(B · X)), continuing from and updating `window`.
void record_short_conv(gpu::Graph& g, const ShortConv& c, const ops::Tensor& window, const ops::Tensor& normed,
                       const ops::Tensor& x);

}  // namespace vole::arch
