// Push constants of kernels/codec: the NanoCodec decoder's causal convolutions
// (docs/specs/kani-tts.md §6.3) on time-major [T, C] activations (see interface_common.h).
#ifndef VOLE_CODEC_INTERFACE_H
#define VOLE_CODEC_INTERFACE_H
#include "interface_common.h"
VOLE_INTERFACE_BEGIN

// im2col.comp: cols [T, C*K] from ext [span + T, C], whose first span = (K-1)*dil rows
// are the previous inputs: cols[t][c*K + k] = ext[t + k*dil][c], so a causal conv is
// cols · W^T with W the PyTorch weight [O, C, K] read as [O, C*K].
struct CodecIm2colPush {
  uint t;
  uint c;
  uint k;
  uint dil;
};
VOLE_PUSH_CONSTANTS(CodecIm2colPush)

// conv_transpose.comp: grouped causal transposed conv, kernel 2r, stride r, right-trimmed
// by r; ext [1 + T, Cin] (row 0: the previous input row), w [Cin, 2r], bias [Cout],
// out [T*r, Cout]; output channel o reads inputs o*(Cin/Cout) .. +Cin/Cout-1.
struct CodecConvTransposePush {
  uint t;
  uint cin;
  uint cout;
  uint rate;
};
VOLE_PUSH_CONSTANTS(CodecConvTransposePush)

// activation.comp over x [n / cols, cols], v = scale * x:
//   kCodecHalfSnake: columns < snake: v + sin²(α v) / (α + 1e-9), others LeakyReLU(0.01);
//   kCodecClamp: clamp(v, -1, 1).
// out_offset: where out starts in its binding, in elements (a causal layer's new rows sit
// after its window rows, which may break the storage-buffer offset alignment).
const uint kCodecHalfSnake = 0u;
const uint kCodecClamp = 1u;
struct CodecActivationPush {
  uint n;
  uint cols;
  uint snake;
  uint op;
  float scale;
  uint out_offset;
};
VOLE_PUSH_CONSTANTS(CodecActivationPush)

VOLE_INTERFACE_END
#endif
