// Batch norm and layer norm, forward and backward. Statistics accumulate in double with two
// passes (mean, then squared deviations), as an oracle-grade variance; PyTorch's definitions:
// batch norm normalises by the biased batch variance and tracks the unbiased one, layer norm
// uses the biased variance of each row. Gradients (per channel c, M elements, xm = x - mean):
//   batch norm, training:  dx = w invstd (g - sum(g) / M - xm invstd^2 sum(g xm) / M)
//   batch norm, eval:      dx = w invstd g
//   layer norm (per row):  dx = rstd (gw - mean(gw) - xhat mean(gw xhat)),  gw = g w
// and dweight = sum(g xhat), dbias = sum(g) for both.
#include <algorithm>
#include <cmath>

#include "cpu/nn.h"

namespace flint {

static void check_param(const char* op, const char* name, const Tensor* t, const Shape& want, DType dt) {
  if (!t) return;
  if (t->shape != want)
    throw RangeError(std::string(op) + ": expected " + name + " of shape " + shape_str(want) + " but got " +
                     shape_str(t->shape));
  if (t->dtype != dt)
    throw TypeError(std::string(op) + ": expected " + name + " of dtype " + dtype_name(dt) + " (the input's) but got " +
                    dtype_name(t->dtype));
}

// x as [N, C, L].
struct NCL {
  int64_t N, C, L;
};
static NCL ncl_of(const char* op, const Tensor& x) {
  if (x.dim() < 2)
    throw RangeError(std::string(op) + ": expected input of shape [N, C, *] but got " + shape_str(x.shape));
  NCL s{x.shape[0], x.shape[1], 1};
  for (int64_t i = 2; i < x.dim(); i++) s.L *= x.shape[i];
  return s;
}

std::array<Tensor, 3> batch_norm(Context& ctx, const Tensor& x0, const Tensor* weight, const Tensor* bias,
                                 const Tensor* running_mean, const Tensor* running_var, bool training,
                                 double momentum, double eps) {
  const char* op = "batch_norm";
  if (!is_float(x0.dtype))
    throw TypeError(std::string(op) + ": expected a float32 or float64 input but got " + dtype_name(x0.dtype));
  NCL s = ncl_of(op, x0);
  Shape cs{s.C};
  check_param(op, "weight", weight, cs, x0.dtype);
  check_param(op, "bias", bias, cs, x0.dtype);
  check_param(op, "running_mean", running_mean, cs, x0.dtype);
  check_param(op, "running_var", running_var, cs, x0.dtype);
  if (!training && !(running_mean && running_var))
    throw RangeError(std::string(op) + ": running_mean and running_var are needed when not training");
  for (const Tensor* r : {running_mean, running_var})
    if (r && training && !r->is_contiguous())
      throw RangeError(std::string(op) + ": running statistics must be contiguous to be updated in place");
  int64_t M = s.N * s.L;
  if (training && M == 1)
    throw RangeError(std::string(op) + ": expected more than 1 value per channel when training but got input of shape " +
                     shape_str(x0.shape));
  if (!(eps >= 0)) throw RangeError(std::string(op) + ": expected eps >= 0 but got " + std::to_string(eps));
  Tensor x = ctx.contiguous(x0);
  Tensor y = ctx.empty(x.shape, x.dtype);
  Tensor mean = ctx.empty(cs, x.dtype), invstd = ctx.empty(cs, x.dtype);
  bool empty = M == 0;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    T* py = y.data<T>();
    T* pm = mean.data<T>();
    T* pi = invstd.data<T>();
    const T* pw = weight ? weight->data<T>() : nullptr;
    const T* pb = bias ? bias->data<T>() : nullptr;
    T* prm = running_mean ? running_mean->data<T>() : nullptr;
    T* prv = running_var ? running_var->data<T>() : nullptr;
    int64_t rm_st = running_mean ? running_mean->strides[0] : 0, rv_st = running_var ? running_var->strides[0] : 0;
    int64_t C = s.C, L = s.L, N = s.N;
    ctx.pool->parallel_for(C, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; c++) {
        double mu, is;
        if (training && !empty) {
          double acc = 0;
          for (int64_t n = 0; n < N; n++) {
            const T* r = px + (n * C + c) * L;
            for (int64_t l = 0; l < L; l++) acc += r[l];
          }
          mu = acc / (double)M;
          double sq = 0;
          for (int64_t n = 0; n < N; n++) {
            const T* r = px + (n * C + c) * L;
            for (int64_t l = 0; l < L; l++) {
              double d = (double)r[l] - mu;
              sq += d * d;
            }
          }
          double var = sq / (double)M;
          is = 1.0 / std::sqrt(var + eps);
          if (prm) prm[c * rm_st] = (T)(momentum * mu + (1 - momentum) * (double)prm[c * rm_st]);
          if (prv) prv[c * rv_st] = (T)(momentum * (sq / (double)(M - 1)) + (1 - momentum) * (double)prv[c * rv_st]);
        } else if (training) {
          mu = 0;
          is = 1;
        } else {
          mu = (double)prm[c * rm_st];
          is = 1.0 / std::sqrt((double)prv[c * rv_st] + eps);
        }
        pm[c] = (T)mu;
        pi[c] = (T)is;
        double w = pw ? (double)pw[c] : 1.0, b = pb ? (double)pb[c] : 0.0;
        for (int64_t n = 0; n < N; n++) {
          const T* r = px + (n * C + c) * L;
          T* o = py + (n * C + c) * L;
          for (int64_t l = 0; l < L; l++) o[l] = (T)(((double)r[l] - mu) * is * w + b);
        }
      }
    });
  });
  return {y, mean, invstd};
}

std::array<Tensor, 3> batch_norm_backward(Context& ctx, const Tensor& grad0, const Tensor& x0, const Tensor* weight,
                                          const Tensor& mean0, const Tensor& invstd0, bool training) {
  const char* op = "batch_norm_backward";
  NCL s = ncl_of(op, x0);
  if (grad0.shape != x0.shape)
    throw RangeError(std::string(op) + ": expected gradient of shape " + shape_str(x0.shape) + " but got " +
                     shape_str(grad0.shape));
  if (grad0.dtype != x0.dtype || !is_float(x0.dtype))
    throw TypeError(std::string(op) + ": expected float gradient and input of one dtype but got " +
                    dtype_name(grad0.dtype) + " and " + dtype_name(x0.dtype));
  Shape cs{s.C};
  check_param(op, "weight", weight, cs, x0.dtype);
  check_param(op, "mean", &mean0, cs, x0.dtype);
  check_param(op, "invstd", &invstd0, cs, x0.dtype);
  Tensor x = ctx.contiguous(x0), g = ctx.contiguous(grad0);
  Tensor mean = ctx.contiguous(mean0), invstd = ctx.contiguous(invstd0);
  Tensor w = weight ? ctx.contiguous(*weight) : Tensor();
  Tensor dx = ctx.empty(x.shape, x.dtype), dw = ctx.empty(cs, x.dtype), db = ctx.empty(cs, x.dtype);
  int64_t M = s.N * s.L;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pg = g.data<T>();
    const T* pm = mean.data<T>();
    const T* pi = invstd.data<T>();
    const T* pw = weight ? w.data<T>() : nullptr;
    T* pdx = dx.data<T>();
    T* pdw = dw.data<T>();
    T* pdb = db.data<T>();
    int64_t C = s.C, L = s.L, N = s.N;
    ctx.pool->parallel_for(C, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; c++) {
        double mu = pm[c], is = pi[c], wc = pw ? (double)pw[c] : 1.0;
        double sg = 0, sgx = 0;
        for (int64_t n = 0; n < N; n++) {
          const T* r = px + (n * C + c) * L;
          const T* gr = pg + (n * C + c) * L;
          for (int64_t l = 0; l < L; l++) {
            sg += gr[l];
            sgx += (double)gr[l] * ((double)r[l] - mu);
          }
        }
        pdw[c] = (T)(sgx * is);
        pdb[c] = (T)sg;
        double k = training && M > 0 ? sgx * is * is / (double)M : 0, gm = training && M > 0 ? sg / (double)M : 0;
        for (int64_t n = 0; n < N; n++) {
          const T* r = px + (n * C + c) * L;
          const T* gr = pg + (n * C + c) * L;
          T* d = pdx + (n * C + c) * L;
          for (int64_t l = 0; l < L; l++) d[l] = (T)(((double)gr[l] - gm - ((double)r[l] - mu) * k) * is * wc);
        }
      }
    });
  });
  return {dx, dw, db};
}

// ---- layer norm: x as [M, N] rows ----

static void layer_dims(const char* op, const Tensor& x, int64_t n_norm, const Tensor* weight, const Tensor* bias,
                       int64_t& M, int64_t& N) {
  if (n_norm < 1 || n_norm > x.dim())
    throw RangeError(std::string(op) + ": cannot normalise the last " + std::to_string(n_norm) +
                     " dimensions of an input of shape " + shape_str(x.shape));
  Shape ns(x.shape.end() - n_norm, x.shape.end());
  check_param(op, "weight", weight, ns, x.dtype);
  check_param(op, "bias", bias, ns, x.dtype);
  N = numel_of(ns);
  M = N ? x.numel() / N : numel_of(Shape(x.shape.begin(), x.shape.end() - n_norm));
}

std::array<Tensor, 3> layer_norm(Context& ctx, const Tensor& x0, int64_t n_norm, const Tensor* weight,
                                 const Tensor* bias, double eps) {
  const char* op = "layer_norm";
  if (!is_float(x0.dtype))
    throw TypeError(std::string(op) + ": expected a float32 or float64 input but got " + dtype_name(x0.dtype));
  if (!(eps >= 0)) throw RangeError(std::string(op) + ": expected eps >= 0 but got " + std::to_string(eps));
  int64_t M, N;
  layer_dims(op, x0, n_norm, weight, bias, M, N);
  Tensor x = ctx.contiguous(x0);
  Tensor w = weight ? ctx.contiguous(*weight) : Tensor(), b = bias ? ctx.contiguous(*bias) : Tensor();
  Tensor y = ctx.empty(x.shape, x.dtype), mean = ctx.empty({M}, x.dtype), rstd = ctx.empty({M}, x.dtype);
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pw = weight ? w.data<T>() : nullptr;
    const T* pb = bias ? b.data<T>() : nullptr;
    T* py = y.data<T>();
    T* pm = mean.data<T>();
    T* pr = rstd.data<T>();
    ctx.pool->parallel_for(M, std::max<int64_t>(1, 16384 / std::max<int64_t>(N, 1)), [&](int64_t rb, int64_t re) {
      for (int64_t i = rb; i < re; i++) {
        const T* r = px + i * N;
        T* o = py + i * N;
        double acc = 0;
        for (int64_t j = 0; j < N; j++) acc += r[j];
        double mu = N ? acc / (double)N : std::nan("");
        double sq = 0;
        for (int64_t j = 0; j < N; j++) {
          double d = (double)r[j] - mu;
          sq += d * d;
        }
        double rs = 1.0 / std::sqrt(sq / (double)N + eps);
        pm[i] = (T)mu;
        pr[i] = (T)rs;
        for (int64_t j = 0; j < N; j++) {
          double v = ((double)r[j] - mu) * rs;
          if (pw) v *= (double)pw[j];
          if (pb) v += (double)pb[j];
          o[j] = (T)v;
        }
      }
    });
  });
  return {y, mean, rstd};
}

std::array<Tensor, 3> layer_norm_backward(Context& ctx, const Tensor& grad0, const Tensor& x0, int64_t n_norm,
                                          const Tensor* weight, const Tensor& mean0, const Tensor& rstd0) {
  const char* op = "layer_norm_backward";
  if (grad0.shape != x0.shape)
    throw RangeError(std::string(op) + ": expected gradient of shape " + shape_str(x0.shape) + " but got " +
                     shape_str(grad0.shape));
  if (grad0.dtype != x0.dtype || !is_float(x0.dtype))
    throw TypeError(std::string(op) + ": expected float gradient and input of one dtype but got " +
                    dtype_name(grad0.dtype) + " and " + dtype_name(x0.dtype));
  int64_t M, N;
  layer_dims(op, x0, n_norm, weight, nullptr, M, N);
  check_param(op, "mean", &mean0, Shape{M}, x0.dtype);
  check_param(op, "rstd", &rstd0, Shape{M}, x0.dtype);
  Tensor x = ctx.contiguous(x0), g = ctx.contiguous(grad0);
  Tensor mean = ctx.contiguous(mean0), rstd = ctx.contiguous(rstd0);
  Tensor w = weight ? ctx.contiguous(*weight) : Tensor();
  Shape ns(x.shape.end() - n_norm, x.shape.end());
  Tensor dx = ctx.empty(x.shape, x.dtype), dw = ctx.empty(ns, x.dtype), db = ctx.empty(ns, x.dtype);
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pg = g.data<T>();
    const T* pm = mean.data<T>();
    const T* pr = rstd.data<T>();
    const T* pw = weight ? w.data<T>() : nullptr;
    T* pdx = dx.data<T>();
    T* pdw = dw.data<T>();
    T* pdb = db.data<T>();
    ctx.pool->parallel_for(M, std::max<int64_t>(1, 16384 / std::max<int64_t>(N, 1)), [&](int64_t rb, int64_t re) {
      for (int64_t i = rb; i < re; i++) {
        const T* r = px + i * N;
        const T* gr = pg + i * N;
        T* d = pdx + i * N;
        double mu = pm[i], rs = pr[i];
        double a = 0, b = 0;
        for (int64_t j = 0; j < N; j++) {
          double gw = (double)gr[j] * (pw ? (double)pw[j] : 1.0);
          a += gw;
          b += gw * ((double)r[j] - mu) * rs;
        }
        a /= (double)N;
        b /= (double)N;
        for (int64_t j = 0; j < N; j++) {
          double gw = (double)gr[j] * (pw ? (double)pw[j] : 1.0);
          d[j] = (T)(rs * (gw - a - ((double)r[j] - mu) * rs * b));
        }
      }
    });
    ctx.pool->parallel_for(N, std::max<int64_t>(1, 16384 / std::max<int64_t>(M, 1)), [&](int64_t jb, int64_t je) {
      for (int64_t j = jb; j < je; j++) {
        double sw = 0, sb = 0;
        for (int64_t i = 0; i < M; i++) {
          double gv = pg[i * N + j];
          sw += gv * ((double)px[i * N + j] - (double)pm[i]) * (double)pr[i];
          sb += gv;
        }
        pdw[j] = (T)sw;
        pdb[j] = (T)sb;
      }
    });
  });
  return {dx, dw, db};
}

}  // namespace flint
