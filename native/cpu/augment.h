// Image augmentation kernels (lib/data/transforms.ts): a per-sample affine warp with nearest or
// bilinear sampling, and additive Gaussian noise. Declared here rather than in kernels.h so the
// data family stays in its own files.
#pragma once
#include <vector>

#include "core/context.h"

namespace flint {

enum class Interp : int { Nearest = 0, Bilinear = 1 };

// Per-sample affine warp, torchvision's affine/rotate on tensors (grid_sample with
// align_corners=False and zero padding, then its fill blend).
//   in    [N, C, H, W] float32, float64 or uint8 (any strides)
//   theta [N, 6] or [1, 6] (one matrix for all) float64: output pixel (x, y) (column, row; pixel
//         centres at integer coordinates) samples the input at
//         (t0 * x + t1 * y + t2, t3 * x + t4 * y + t5)
//   out   [N, C, oh, ow], the input's dtype (uint8 results are rounded half to even, as torch.round)
// fill: empty = samples outside the input read 0 (grid_sample's zero padding, no blend); else one
// value, or one per channel: nearest takes fill where the sample lies outside, bilinear blends
// v * m + (1 - m) * fill with m the in-bounds weight (torchvision's mask channel).
Tensor affine_warp(Context& ctx, const Tensor& in, const Tensor& theta, int64_t oh, int64_t ow, Interp mode,
                   const std::vector<double>& fill);
// The same warp written with no shortcuts, one output element at a time: the test oracle.
Tensor affine_warp_naive(Context& ctx, const Tensor& in, const Tensor& theta, int64_t oh, int64_t ow, Interp mode,
                         const std::vector<double>& fill);

// out = x + mean + std * z with z ~ N(0, 1) per element from ctx.rng (Box-Muller, as normal_),
// clamped to [0, 1] when clip (torchvision.transforms.v2.GaussianNoise). x float32/float64.
Tensor gaussian_noise(Context& ctx, const Tensor& x, double mean, double std, bool clip);

// ToTensor and Normalize in one pass, in the output dtype's arithmetic (so the result is the
// same, bit for bit, as a cast, a division by div and then (v - mean[c]) / std[c]):
//   t = (T)x[i]; if div != 1: t = t / (T)div; if mean given: t = (t - (T)mean[c]) / (T)std[c]
// with c = (i / inner) % channels (x [..., channels, inner] contiguous). x: uint8, float32 or
// float64; out: float32 or float64; mean/std: empty, or 1 or `channels` values each.
// rows (int32 or int64 [B], or null): gather first, out[b] = f(x[rows[b]]) along dim 0 (negative
// rows count from the end), so a dataset batch goes from storage to its final form in one pass.
Tensor scale_normalize(Context& ctx, const Tensor& x, DType out, double div, const std::vector<double>& mean,
                       const std::vector<double>& std, int64_t channels, int64_t inner, const Tensor* rows);

}  // namespace flint
