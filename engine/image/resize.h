#pragma once
// Antialiased bicubic resampling of 8-bit RGB, bit-exact with what the Hugging Face
// Qwen2-VL/Qwen3-VL image processor runs by default: torchvision's
// resize(uint8 tensor, BICUBIC, antialias=True) on the CPU, i.e. PyTorch's uint8
// antialiased kernel (a port of Pillow's ImagingResample with int16 weights):
//
//  * separable: a horizontal pass (only if the width changes) into an 8-bit
//    intermediate image, then a vertical pass (only if the height changes);
//  * per output index i: scale = in/out, support = 2·max(scale, 1), centre =
//    scale·(i + 0.5), taps xmin = max(trunc(centre − support + 0.5), 0) up to
//    min(trunc(centre + support + 0.5), in), weights = Keys cubic (a = −0.5) of
//    (j + xmin − centre + 0.5)/max(scale, 1), normalised to sum 1 (in double);
//  * weights quantised to int16 with the largest precision p < 22 for which the largest
//    weight of the pass, times 2^(p+1), stays below 2^15 (round half away from zero);
//  * each output = clamp((2^(p−1) + Σ w_int·pixel) >> p, 0, 255).
#include "image/image.h"

namespace vole::image {

RgbImage resize_bicubic_antialias(const RgbImage& src, int out_width, int out_height);

}  // namespace vole::image
