// 2-D pooling over [N, C, H, W] or [C, H, W] tensors (float32, float64): max pooling with saved
// argmax indices, average pooling and adaptive average pooling, each with its backward.
// Windows, output sizes and checks follow PyTorch's CPU kernels (aten/src/ATen/native/cpu/
// MaxPoolKernel.cpp, AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp, Pool.h).
#pragma once
#include <utility>

#include "core/context.h"

namespace flint {

struct Pool2dParams {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg_pool2d
  int64_t divisor_override = 0;   // avg_pool2d; 0: none
};

// PyTorch's pooling_output_shape: floor (or ceil) of (in + 2 pad - dil (k - 1) - 1) / s + 1,
// and in ceil mode the last window must start inside the input or its left padding.
int64_t pool_output_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode);

// Returns the output and the int64 indices of the max within each input plane (ih * W + iw;
// the first maximum on ties; NaN propagates). A window that covers no input element (possible
// only with dilation) gives -inf and index -1.
std::pair<Tensor, Tensor> max_pool2d(Context& ctx, const Tensor& x, const Pool2dParams& p);
// dx (input_shape) with dx[plane][indices] += dy. Indices out of range are an error (-1 is skipped).
Tensor max_pool2d_backward(Context& ctx, const Tensor& dy, const Tensor& indices, const Shape& input_shape);

Tensor avg_pool2d(Context& ctx, const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward(Context& ctx, const Tensor& dy, const Shape& input_shape, const Pool2dParams& p);

// Output [..., oh, ow]; window i of n over an input of size s: [floor(i s / n), ceil((i + 1) s / n)).
Tensor adaptive_avg_pool2d(Context& ctx, const Tensor& x, int64_t oh, int64_t ow);
Tensor adaptive_avg_pool2d_backward(Context& ctx, const Tensor& dy, const Shape& input_shape);

}  // namespace flint
