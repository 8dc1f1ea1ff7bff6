// Fused optimizer updates: one pass over a parameter, its gradient and its state.
#include "cpu/kernels.h"

namespace flint {

static void check_param(const char* op, const Tensor& p, const Tensor& g) {
  if (!is_float(p.dtype)) throw TypeError(std::string(op) + ": expected a float parameter but got " + dtype_name(p.dtype));
  if (p.shape != g.shape || p.dtype != g.dtype)
    throw RangeError(std::string(op) + ": parameter " + shape_str(p.shape) + " " + dtype_name(p.dtype) +
                     " and gradient " + shape_str(g.shape) + " " + dtype_name(g.dtype) + " differ");
  if (!p.is_contiguous()) throw RangeError(std::string(op) + ": expected a contiguous parameter");
}

// PyTorch's SGD: d = g + wd*p; buf = momentum*buf + (1-dampening)*d (buf = d at first step);
// d = nesterov ? d + momentum*buf : buf; p -= lr*d.
void sgd_step_(Context& ctx, const Tensor& param, const Tensor& grad0, const Tensor* buf, const SgdOptions& o,
               bool first) {
  check_param("sgd", param, grad0);
  if (buf) check_param("sgd", *buf, param);
  Tensor grad = ctx.contiguous(grad0);
  int64_t n = param.numel();
  FLINT_DISPATCH_FLOAT(param.dtype, "sgd", T, {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* b = buf ? buf->data<T>() : nullptr;
    T lr = (T)o.lr, mom = (T)o.momentum, damp = (T)(1 - o.dampening), wd = (T)o.weight_decay;
    T sign = o.maximize ? T(-1) : T(1);
    ctx.pool->parallel_for(n, 32768, [&](int64_t s, int64_t e) {
      if (!b) {
        if (wd == T(0))
          for (int64_t i = s; i < e; i++) p[i] -= lr * sign * g[i];
        else
          for (int64_t i = s; i < e; i++) p[i] -= lr * (sign * g[i] + wd * p[i]);
        return;
      }
      for (int64_t i = s; i < e; i++) {
        T d = sign * g[i] + wd * p[i];
        T bi = first ? d : mom * b[i] + damp * d;
        b[i] = bi;
        p[i] -= lr * (o.nesterov ? d + mom * bi : bi);
      }
    });
  });
}

}  // namespace flint
