// Reductions: sum (and mean via scale) over any set of dims, max/argmax along one dim.
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"

namespace flint {

namespace {
// Sum over the leading dims of a contiguous [rows, cols] block (bias gradients): 16 columns at
// a time in double accumulators that stay in registers, rows in order, as the general loop
// adds them (same results); the general loop kept the accumulators in memory, a load and a
// store per element.
template <class T>
void sum_leading(const T* x, int64_t rows, int64_t cols, double scale, T* o) {
  constexpr int64_t W = 16;
  int64_t j0 = 0;
  for (; j0 + W <= cols; j0 += W) {
    double acc[W] = {};
    for (int64_t r = 0; r < rows; r++) {
      const T* xr = x + r * cols + j0;
#pragma GCC unroll 16
      for (int64_t c = 0; c < W; c++) acc[c] += xr[c];
    }
    for (int64_t c = 0; c < W; c++) o[j0 + c] = (T)(acc[c] * scale);
  }
  if (j0 < cols) {
    double acc[W] = {};
    int64_t w = cols - j0;
    for (int64_t r = 0; r < rows; r++)
      for (int64_t c = 0; c < w; c++) acc[c] += x[r * cols + j0 + c];
    for (int64_t c = 0; c < w; c++) o[j0 + c] = (T)(acc[c] * scale);
  }
}
}  // namespace

Tensor sum(Context& ctx, const Tensor& a, const Shape& dims, bool keepdim, double scale) {
  int64_t nd = a.dim();
  std::vector<bool> red(std::max<int64_t>(nd, 1), false);
  if (dims.empty()) std::fill(red.begin(), red.end(), true);
  for (auto d : dims) {
    int64_t w = wrap_dim(d, nd, "sum");
    if (red[w]) throw RangeError("sum: dim " + std::to_string(d) + " appears more than once");
    red[w] = true;
  }
  Shape kshape(nd), oshape;
  for (int64_t i = 0; i < nd; i++) {
    kshape[i] = red[i] ? 1 : a.shape[i];
    if (!red[i]) oshape.push_back(a.shape[i]);
    else if (keepdim) oshape.push_back(1);
  }
  // As PyTorch: integer (and uint8 "bool") sums are int64, so eq(...).sum() counts matches.
  Tensor out = ctx.empty(keepdim ? kshape : oshape, is_float(a.dtype) ? a.dtype : DType::I64);
  int64_t no = out.numel();
  // Accumulate in double (float tensors) or int64 (integer tensors) through a buffer whose
  // strides are 0 along reduced dims.
  Shape kst = contiguous_strides(kshape);
  for (int64_t i = 0; i < nd; i++)
    if (red[i]) kst[i] = 0;
  const Shape* st[2] = {&a.strides, &kst};
  // The reduced dims a leading run (at least one, not all) of a contiguous float tensor.
  int64_t lead = 0;
  while (lead < nd && red[lead]) lead++;
  bool leading = is_float(a.dtype) && a.is_contiguous() && lead > 0 && lead < nd &&
                 std::none_of(red.begin() + lead, red.begin() + nd, [](bool r) { return r; });
  if (leading) {
    int64_t cols = no, rows = cols == 0 ? 0 : a.numel() / cols;
    FLINT_DISPATCH_FLOAT(a.dtype, "sum", T, sum_leading<T>(a.data<T>(), rows, cols, scale, out.data<T>()));
    return out;
  }
  if (is_float(a.dtype)) {
    std::vector<double> acc(no, 0.0);
    FLINT_DISPATCH_FLOAT(a.dtype, "sum", T, {
      const T* p = a.data<T>();
      T* o = out.data<T>();
      for_each_strided<2>(a.shape, st, [&](const int64_t* off, int64_t m, const int64_t* in) {
        const T* x = p + off[0];
        if (in[1] == 0) {
          double s = 0;
          if (in[0] == 1)
            for (int64_t i = 0; i < m; i++) s += x[i];
          else
            for (int64_t i = 0; i < m; i++) s += x[i * in[0]];
          acc[off[1]] += s;
        } else {
          double* q = acc.data() + off[1];
          if (in[0] == 1 && in[1] == 1)  // a row added to the accumulators (bias gradients): vectorised
            for (int64_t i = 0; i < m; i++) q[i] += x[i];
          else
            for (int64_t i = 0; i < m; i++) q[i * in[1]] += x[i * in[0]];
        }
      });
      for (int64_t i = 0; i < no; i++) o[i] = (T)(acc[i] * scale);
    });
  } else {
    std::vector<int64_t> acc(no, 0);
    FLINT_DISPATCH_ALL(a.dtype, T, {
      const T* p = a.data<T>();
      for_each_strided<2>(a.shape, st, [&](const int64_t* off, int64_t m, const int64_t* in) {
        for (int64_t i = 0; i < m; i++) acc[off[1] + i * in[1]] += (int64_t)p[off[0] + i * in[0]];
      });
    });
    int64_t* o = out.data<int64_t>();
    for (int64_t i = 0; i < no; i++) o[i] = scale == 1.0 ? acc[i] : (int64_t)(acc[i] * scale);
  }
  return out;
}

std::pair<Tensor, Tensor> max_dim(Context& ctx, const Tensor& a, int64_t dim, bool keepdim) {
  int64_t nd = a.dim();
  int64_t d = wrap_dim(dim, nd, "max");
  int64_t len = nd == 0 ? 1 : a.shape[d];
  if (len == 0) throw RangeError("max: cannot take the max over an empty dimension (shape " + shape_str(a.shape) + ")");
  Shape outer, ost, kshape = a.shape;
  for (int64_t i = 0; i < nd; i++)
    if (i != d) {
      outer.push_back(a.shape[i]);
      ost.push_back(a.strides[i]);
    }
  int64_t step = nd == 0 ? 0 : a.strides[d];
  if (nd > 0) kshape[d] = 1;
  Shape oshape = keepdim ? kshape : outer;
  Tensor vals = ctx.empty(oshape, a.dtype), idx = ctx.empty(oshape, DType::I64);
  Shape cst = contiguous_strides(outer);
  const Shape* st[2] = {&ost, &cst};
  int64_t* pi = idx.data<int64_t>();
  FLINT_DISPATCH_ALL(a.dtype, T, {
    const T* p = a.data<T>();
    T* pv = vals.data<T>();
    for_each_strided<2>(outer, st, [&](const int64_t* off, int64_t m, const int64_t* in) {
      for (int64_t i = 0; i < m; i++) {
        const T* x = p + off[0] + i * in[0];
        T best = x[0];
        int64_t bi = 0;
        if (best == best) {
          for (int64_t k = 1; k < len; k++) {
            T v = x[k * step];
            if (v != v) { best = v; bi = k; break; }
            if (v > best) { best = v; bi = k; }
          }
        }
        pv[off[1] + i * in[1]] = best;
        pi[off[1] + i * in[1]] = bi;
      }
    });
  });
  return {vals, idx};
}

}  // namespace flint
