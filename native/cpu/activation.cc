// Activations (leaky_relu, elu, gelu exact and tanh, silu) forward and backward, and softmax /
// log-softmax along any dim. Pointwise formulas are PyTorch's (aten/src/ATen/native/cpu/
// Activation.cpp), evaluated in the tensor's own precision as PyTorch does, so that values at
// kinks and at +-inf / NaN come out the same (gelu(-inf) is NaN there, elu'(NaN) is 1).
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/nn.h"

namespace flint {

static constexpr int64_t kGrain = 16384;

const char* actop_name(ActOp op) {
  static const char* names[] = {"leaky_relu", "elu", "gelu", "gelu", "silu"};
  return names[(int)op];
}

template <class T>
static inline T act_forward(ActOp op, T x, T p) {
  switch (op) {
    case ActOp::LeakyRelu: return x > T(0) ? x : x * p;
    case ActOp::Elu: return x <= T(0) ? std::expm1(x) * p : x;
    case ActOp::Gelu: return x * T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
    case ActOp::GeluTanh: {
      const T kBeta = T(M_SQRT2 * M_2_SQRTPI * 0.5), kKappa = T(0.044715);
      T inner = kBeta * (x + kKappa * (x * x * x));
      return T(0.5) * x * (T(1) + std::tanh(inner));
    }
    case ActOp::Silu: return x / (T(1) + std::exp(-x));
    default: return T(0);
  }
}

template <class T>
static inline T act_backward(ActOp op, T g, T x, T p) {
  switch (op) {
    case ActOp::LeakyRelu: return x > T(0) ? g : g * p;
    case ActOp::Elu: return x <= T(0) ? g * p * std::exp(x) : g;
    case ActOp::Gelu: {
      const T kAlpha = T(M_2_SQRTPI * M_SQRT1_2 * 0.5);
      T cdf = T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
      T pdf = kAlpha * std::exp(x * x * T(-0.5));
      return g * (cdf + x * pdf);
    }
    case ActOp::GeluTanh: {
      const T kBeta = T(M_SQRT2 * M_2_SQRTPI * 0.5), kKappa = T(0.044715);
      T x_sq = x * x;
      T inner = kBeta * (x + kKappa * (x_sq * x));
      T th = std::tanh(inner);
      T left = T(0.5) * x, right = T(1) + th;
      T dleft = T(0.5) * right;
      T dright = left * (T(1) - th * th) * (kBeta * (T(1) + T(3) * kKappa * x_sq));
      return g * (dleft + dright);
    }
    case ActOp::Silu: {
      T s = T(1) / (T(1) + std::exp(-x));
      return g * s * (T(1) + x * (T(1) - s));
    }
    default: return T(0);
  }
}

static void check_op(ActOp op) {
  if ((int)op < 0 || op >= ActOp::Count) throw RangeError("activation: unknown op " + std::to_string((int)op));
}

Tensor activation(Context& ctx, ActOp op, const Tensor& x0, double param) {
  check_op(op);
  const char* name = actop_name(op);
  if (!is_float(x0.dtype))
    throw TypeError(std::string(name) + ": expected a float32 or float64 tensor but got " + dtype_name(x0.dtype));
  Tensor x = ctx.contiguous(x0);
  Tensor y = ctx.empty(x.shape, x.dtype);
  int64_t n = x.numel();
  FLINT_DISPATCH_FLOAT(x.dtype, name, T, {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    T p = (T)param;
    ctx.pool->parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) py[i] = act_forward<T>(op, px[i], p);
    });
  });
  return y;
}

Tensor activation_backward(Context& ctx, ActOp op, const Tensor& grad0, const Tensor& x0, double param) {
  check_op(op);
  std::string name = std::string(actop_name(op)) + "_backward";
  if (grad0.shape != x0.shape)
    throw RangeError(name + ": expected gradient of shape " + shape_str(x0.shape) + " but got " + shape_str(grad0.shape));
  if (grad0.dtype != x0.dtype)
    throw TypeError(name + ": expected gradient of dtype " + dtype_name(x0.dtype) + " but got " + dtype_name(grad0.dtype));
  if (!is_float(x0.dtype))
    throw TypeError(name + ": expected a float32 or float64 tensor but got " + dtype_name(x0.dtype));
  Tensor x = ctx.contiguous(x0), g = ctx.contiguous(grad0);
  Tensor dx = ctx.empty(x.shape, x.dtype);
  int64_t n = x.numel();
  FLINT_DISPATCH_FLOAT(x.dtype, name.c_str(), T, {
    const T* px = x.data<T>();
    const T* pg = g.data<T>();
    T* pd = dx.data<T>();
    T p = (T)param;
    ctx.pool->parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) pd[i] = act_backward<T>(op, pg[i], px[i], p);
    });
  });
  return dx;
}

// ---- softmax ----
//
// x viewed as [outer, D, inner] around dim; each of the outer * inner lines along dim is
// independent. exp(x - max) in the tensor's precision (as PyTorch), sums in double. A line
// holding +inf or NaN, or only -inf, gives NaN (x - max is NaN there), as in PyTorch.

struct Lines {
  int64_t outer = 1, D = 1, inner = 1;
};
static Lines lines_of(const Shape& s, int64_t d) {
  Lines l;
  if (s.empty()) return l;  // a 0-d tensor is one line of length 1
  for (int64_t i = 0; i < d; i++) l.outer *= s[i];
  l.D = s[d];
  for (size_t i = d + 1; i < s.size(); i++) l.inner *= s[i];
  return l;
}

// One line of length D with stride s: y = softmax(x) or log_softmax(x). One exp per element
// (softmax keeps exp(x - max) in y, then scales by 1 / sum).
template <class T>
static inline void softmax_line(const T* x, T* y, int64_t D, int64_t s, bool log) {
  T mx = -std::numeric_limits<T>::infinity();
  bool nan = false;
  for (int64_t j = 0; j < D; j++) {
    T v = x[j * s];
    if (v != v) nan = true;
    mx = v > mx ? v : mx;
  }
  if (nan) mx = std::numeric_limits<T>::quiet_NaN();
  double sum = 0;
  if (log) {
    for (int64_t j = 0; j < D; j++) sum += (double)std::exp(x[j * s] - mx);
    double lse = std::log(sum);
    for (int64_t j = 0; j < D; j++) y[j * s] = (T)((double)(x[j * s] - mx) - lse);
  } else {
    for (int64_t j = 0; j < D; j++) {
      T e = std::exp(x[j * s] - mx);
      y[j * s] = e;
      sum += (double)e;
    }
    double inv = 1.0 / sum;
    for (int64_t j = 0; j < D; j++) y[j * s] = (T)((double)y[j * s] * inv);
  }
}

// inner > 1: a block of adjacent lines [i0, i1) of one outer index, walked row by row so that
// memory is read contiguously (the lines' max and sum live in small per-block arrays).
static constexpr int64_t kBlock = 64;
template <class T>
static void softmax_block(const T* x, T* y, int64_t D, int64_t inner, int64_t i0, int64_t i1, bool log) {
  int64_t B = i1 - i0;
  T mx[kBlock];
  double sum[kBlock];
  for (int64_t b = 0; b < B; b++) {
    mx[b] = -std::numeric_limits<T>::infinity();
    sum[b] = 0;
  }
  for (int64_t j = 0; j < D; j++) {
    const T* r = x + j * inner + i0;
    for (int64_t b = 0; b < B; b++) {
      T v = r[b];
      if (v != v || v > mx[b]) mx[b] = v;  // NaN sticks: nothing compares greater than it
    }
  }
  for (int64_t j = 0; j < D; j++) {
    const T* r = x + j * inner + i0;
    T* o = y + j * inner + i0;
    for (int64_t b = 0; b < B; b++) {
      T e = std::exp(r[b] - mx[b]);
      sum[b] += (double)e;
      if (!log) o[b] = e;
    }
  }
  for (int64_t b = 0; b < B; b++) sum[b] = log ? std::log(sum[b]) : 1.0 / sum[b];
  for (int64_t j = 0; j < D; j++) {
    const T* r = x + j * inner + i0;
    T* o = y + j * inner + i0;
    if (log)
      for (int64_t b = 0; b < B; b++) o[b] = (T)((double)(r[b] - mx[b]) - sum[b]);
    else
      for (int64_t b = 0; b < B; b++) o[b] = (T)((double)o[b] * sum[b]);
  }
}

template <class T>
static void softmax_lines(Context& ctx, const T* x, T* y, Lines l, bool log) {
  int64_t D = l.D, s = l.inner;
  if (s == 1) {
    int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(D, 1));
    ctx.pool->parallel_for(l.outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++) softmax_line(x + o * D, y + o * D, D, 1, log);
    });
    return;
  }
  int64_t nb = (s + kBlock - 1) / kBlock;
  int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(D * std::min(s, kBlock), 1));
  ctx.pool->parallel_for(l.outer * nb, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      int64_t o = t / nb, i0 = (t % nb) * kBlock, i1 = std::min(s, i0 + kBlock);
      softmax_block(x + o * D * s, y + o * D * s, D, s, i0, i1, log);
    }
  });
}

Tensor softmax(Context& ctx, const Tensor& x0, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  int64_t d = wrap_dim(dim, x0.dim(), op);
  if (!is_float(x0.dtype))
    throw TypeError(std::string(op) + ": expected a float32 or float64 tensor but got " + dtype_name(x0.dtype));
  Tensor x = ctx.contiguous(x0);
  Tensor y = ctx.empty(x.shape, x.dtype);
  if (x.numel() == 0) return y;
  Lines l = lines_of(x.shape, d);
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, softmax_lines<T>(ctx, x.data<T>(), y.data<T>(), l, log));
  return y;
}

Tensor softmax_backward(Context& ctx, const Tensor& grad0, const Tensor& y0, int64_t dim, bool log) {
  const char* op = log ? "log_softmax_backward" : "softmax_backward";
  int64_t d = wrap_dim(dim, y0.dim(), op);
  if (grad0.shape != y0.shape)
    throw RangeError(std::string(op) + ": expected gradient of shape " + shape_str(y0.shape) + " but got " +
                     shape_str(grad0.shape));
  if (grad0.dtype != y0.dtype || !is_float(y0.dtype))
    throw TypeError(std::string(op) + ": expected float gradient and output of one dtype but got " +
                    dtype_name(grad0.dtype) + " and " + dtype_name(y0.dtype));
  Tensor y = ctx.contiguous(y0), g = ctx.contiguous(grad0);
  Tensor dx = ctx.empty(y.shape, y.dtype);
  if (y.numel() == 0) return dx;
  Lines l = lines_of(y.shape, d);
  FLINT_DISPATCH_FLOAT(y.dtype, op, T, {
    const T* py = y.data<T>();
    const T* pg = g.data<T>();
    T* pd = dx.data<T>();
    int64_t D = l.D, s = l.inner;
    // acc = sum(g) (log) or sum(g * y) along the line; then dx from it.
    auto line = [&](int64_t off, int64_t st) {
      const T* yr = py + off;
      const T* gr = pg + off;
      T* dr = pd + off;
      double acc = 0;
      if (log) {
        for (int64_t j = 0; j < D; j++) acc += (double)gr[j * st];
        for (int64_t j = 0; j < D; j++) dr[j * st] = (T)((double)gr[j * st] - std::exp((double)yr[j * st]) * acc);
      } else {
        for (int64_t j = 0; j < D; j++) acc += (double)gr[j * st] * (double)yr[j * st];
        for (int64_t j = 0; j < D; j++) dr[j * st] = (T)((double)yr[j * st] * ((double)gr[j * st] - acc));
      }
    };
    if (s == 1) {
      ctx.pool->parallel_for(l.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(D, 1)), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; o++) line(o * D, 1);
      });
    } else {
      // blocks of adjacent lines walked row by row, as the forward
      int64_t nb = (s + kBlock - 1) / kBlock;
      ctx.pool->parallel_for(l.outer * nb, std::max<int64_t>(1, kGrain / std::max<int64_t>(D * std::min(s, kBlock), 1)),
                             [&](int64_t b, int64_t e) {
        double acc[kBlock];
        for (int64_t t = b; t < e; t++) {
          int64_t o = t / nb, i0 = (t % nb) * kBlock, B = std::min(s, i0 + kBlock) - i0;
          int64_t base = o * D * s + i0;
          for (int64_t k = 0; k < B; k++) acc[k] = 0;
          for (int64_t j = 0; j < D; j++) {
            const T* yr = py + base + j * s;
            const T* gr = pg + base + j * s;
            if (log)
              for (int64_t k = 0; k < B; k++) acc[k] += (double)gr[k];
            else
              for (int64_t k = 0; k < B; k++) acc[k] += (double)gr[k] * (double)yr[k];
          }
          for (int64_t j = 0; j < D; j++) {
            const T* yr = py + base + j * s;
            const T* gr = pg + base + j * s;
            T* dr = pd + base + j * s;
            if (log)
              for (int64_t k = 0; k < B; k++) dr[k] = (T)((double)gr[k] - std::exp((double)yr[k]) * acc[k]);
            else
              for (int64_t k = 0; k < B; k++) dr[k] = (T)((double)yr[k] * ((double)gr[k] - acc[k]));
          }
        }
      });
    }
  });
  return dx;
}

}  // namespace flint
