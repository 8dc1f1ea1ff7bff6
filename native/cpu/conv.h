// 2-D convolution over NCHW tensors (float32, float64): forward and backward as packed GEMM
// over an im2col buffer, plus the naive direct loops kept as the oracle (STYLE.md 2).
#pragma once
#include "core/context.h"

namespace flint {

// Stride, padding (top, bottom, left, right: PyTorch's padding='same' with an even kernel pads
// one more on the bottom/right), dilation and groups. The binding fills it; conv2d_check
// validates it together with the shapes.
struct Conv2dParams {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_t = 0, pad_b = 0, pad_l = 0, pad_r = 0;
  int64_t dil_h = 1, dil_w = 1;
  int64_t groups = 1;
};

// Sizes of one convolution, derived from the shapes and the params.
struct ConvDims {
  int64_t N, C, H, W;     // input [N, C, H, W]
  int64_t O, kh, kw;      // weight [O, C / G, kh, kw]
  int64_t OH, OW;         // output [N, O, OH, OW]
  int64_t sh, sw, pt, pl, dh, dw, G;
};

// Checks dtypes, ranks, params and shapes (errors name op, the argument and the shapes) and
// returns the sizes. x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null.
ConvDims conv2d_check(const char* op, const Tensor& x, const Tensor& w, const Tensor* bias, const Conv2dParams& p);

// y [N, O, OH, OW] = conv(x, w) + bias: im2col per chunk of images, one GEMM per group.
// col_out (optional): receives the im2col buffer colT [C*kh*kw, N*OH*OW] when the whole batch
// was one chunk (and the convolution is not pointwise), for conv2d_backward; else left empty.
Tensor conv2d(Context& ctx, const Tensor& x, const Tensor& w, const Tensor* bias, const Conv2dParams& p,
              Tensor* col_out = nullptr);
// The gradients asked for (need_*), from dy [N, O, OH, OW]; the others are left empty.
// saved_col (optional): the forward's col_out, which spares the weight gradient its im2col.
void conv2d_backward(Context& ctx, const Tensor& x, const Tensor& w, const Tensor& dy, const Conv2dParams& p,
                     bool need_dx, bool need_dw, bool need_db, Tensor* dx, Tensor* dw, Tensor* db,
                     const Tensor* saved_col = nullptr);

// The oracle: direct loops over every output element and tap, no threads, no buffers.
Tensor conv2d_naive(Context& ctx, const Tensor& x, const Tensor& w, const Tensor* bias, const Conv2dParams& p);
void conv2d_backward_naive(Context& ctx, const Tensor& x, const Tensor& w, const Tensor& dy, const Conv2dParams& p,
                           Tensor* dx, Tensor* dw, Tensor* db);

}  // namespace flint
