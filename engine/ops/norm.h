#pragma once
// Normalisations over the last dimension, f32 in and out, statistics in f32 (as the
// reference model computes them; a row whose sum of squares overflows f32, |x| above
// ~1e18, normalises to 0). x is viewed as rows [R, D], any D; weight/bias are f32 [D].
// `out` may alias x (or z). One workgroup per row, sized to D (32 invocations for
// D = 128 up to 256 from D = 1024), with subgroup or shared-memory reductions
// (ops/reduce_path.h).
#include "ops/tensor.h"

namespace vole::ops {

enum class NormWeight {
  Plain,    // y = n * w         (Qwen3, GDN gated norm)
  PlusOne,  // y = n * (1 + w)   (Qwen3.5 "zero-centred" RMSNorm)
};

// y = x / sqrt(mean(x²) + eps) * w'
void rms_norm(gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& out, float eps, NormWeight mode);
// y = w * (x / sqrt(mean(x²) + eps)) * silu(z)   (Gated DeltaNet output norm; w plain)
void rms_norm_gated(gpu::Graph& g, const Tensor& x, const Tensor& z, const Tensor& weight, const Tensor& out,
                    float eps);
// y = x * rsqrt(sum(x²) + eps) * scale
void l2_norm(gpu::Graph& g, const Tensor& x, const Tensor& out, float eps, float scale = 1.0f);
// y = (x - mean) / sqrt(var + eps) * w + b   (biased variance, as torch.nn.LayerNorm);
// an empty `bias` (Tensor{}) means none (nn.LayerNorm(bias=False)).
// Without a bias, `mode` PlusOne applies (1 + w) (Moonshine Streaming's unit-offset norm).
void layer_norm(gpu::Graph& g, const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& out, float eps,
                NormWeight mode = NormWeight::Plain);
// Moonshine Streaming's audio frames: each row of x [frames, samples] centred, divided by
// sqrt(mean(c²) + eps), multiplied by exp(log_k) and compressed: y = asinh(k · c / rms).
// log_k: f32 [1] (a learned scalar read on the GPU). out may alias x.
void frame_asinh(gpu::Graph& g, const Tensor& x, const Tensor& log_k, const Tensor& out, float eps);
// GroupNorm (torch.nn.GroupNorm) over x [steps, channels] (time-major): the channels form
// `groups` equal blocks, each normalised by one mean and biased variance over all its
// values at every step, then y = n * gamma[c] + beta[c]. gamma/beta f32 [channels]; out
// may alias x.
void group_norm(gpu::Graph& g, const Tensor& x, int64_t groups, const Tensor& gamma, const Tensor& beta,
                const Tensor& out, float eps);

}  // namespace vole::ops
