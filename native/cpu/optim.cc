// Fused optimizer updates (declared in cpu/optim.h): one pass over a parameter, its gradient and
// its state. Each loop body is torch 1.13's _single_tensor_<optimizer> (torch/optim/*.py)
// written out per element, with the same operation order and the same scalars rounded to the
// parameter's dtype, so float32 results track torch's to a few ulps and float64 to ~1e-15.
// Elementwise only: the threaded result is bit-identical to the serial one.
#include "cpu/optim.h"

#include <cmath>
#include <string>
#include <type_traits>

namespace flint {

// Elements per thread-pool chunk: below this a parameter is updated on the calling thread.
static const int64_t kGrain = 16384;

static void check_param(const char* op, const Tensor& p, const Tensor& g) {
  if (!is_float(p.dtype)) throw TypeError(std::string(op) + ": expected a float parameter but got " + dtype_name(p.dtype));
  if (p.shape != g.shape || p.dtype != g.dtype)
    throw RangeError(std::string(op) + ": parameter " + shape_str(p.shape) + " " + dtype_name(p.dtype) +
                     " and gradient " + shape_str(g.shape) + " " + dtype_name(g.dtype) + " differ");
  if (!p.is_contiguous()) throw RangeError(std::string(op) + ": expected a contiguous parameter");
}

// A state tensor: the parameter's shape and dtype, contiguous.
static void check_state(const char* op, const char* name, const Tensor& s, const Tensor& p) {
  if (s.shape != p.shape || s.dtype != p.dtype)
    throw RangeError(std::string(op) + ": state " + name + " is " + shape_str(s.shape) + " " + dtype_name(s.dtype) +
                     " but the parameter is " + shape_str(p.shape) + " " + dtype_name(p.dtype));
  if (!s.is_contiguous()) throw RangeError(std::string(op) + ": expected a contiguous " + name);
}

// PyTorch's SGD: d = g + wd*p; buf = momentum*buf + (1-dampening)*d (buf = d at first step);
// d = nesterov ? d + momentum*buf : buf; p -= lr*d.
void sgd_step_(Context& ctx, const Tensor& param, const Tensor& grad0, const Tensor* buf, const SgdOptions& o,
               bool first) {
  check_param("sgd", param, grad0);
  if (buf) check_state("sgd", "momentum_buffer", *buf, param);
  Tensor grad = ctx.contiguous(grad0);
  param.bump_version();  // in place: autograd must see it
  int64_t n = param.numel();
  FLINT_DISPATCH_FLOAT(param.dtype, "sgd", T, {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* b = buf ? buf->data<T>() : nullptr;
    T lr = (T)o.lr, mom = (T)o.momentum, damp = (T)(1 - o.dampening), wd = (T)o.weight_decay;
    T sign = o.maximize ? T(-1) : T(1);
    ctx.pool->parallel_for(n, 2 * kGrain, [&](int64_t s, int64_t e) {
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

// ---- per-range update loops ----
// Plain functions over raw pointers (state first, then the gradient, then the range and the
// scalars, by value): the compiler sees no aliasing and vectorizes them. Options that change a
// loop's shape are template parameters; the others are exact no-ops when off (maximize is a
// multiply by +-1, AdamW's decay is a multiply by 1 for Adam).

template <class T>
struct AdamScalars {
  T sign, decay, wd, b1, one_b1, b2, one_b2, bc2s, eps, neg_step;
};
template <class T, bool AMSGRAD, bool L2>
static void adam_range(T* __restrict p, T* __restrict m, T* __restrict v, T* __restrict vmax, const T* __restrict g,
                       int64_t s, int64_t e, const AdamScalars<T> c) {
  for (int64_t i = s; i < e; i++) {
    T pi = p[i] * c.decay;
    T gi = c.sign * g[i];
    if (L2) gi = gi + c.wd * pi;
    T mi = m[i] * c.b1 + c.one_b1 * gi;
    T vi = v[i] * c.b2 + c.one_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (AMSGRAD) {
      T mx = vmax[i];
      mx = (vi > mx || vi != vi) ? vi : mx;  // torch.maximum: NaN propagates
      vmax[i] = mx;
      vi = mx;
    }
    T denom = std::sqrt(vi) / c.bc2s + c.eps;
    p[i] = pi + c.neg_step * mi / denom;
  }
}

template <class T>
struct RmspropScalars {
  T sign, wd, alpha, one_alpha, eps, momentum, neg_lr;
};
template <class T, bool CENTERED, bool MOMENTUM, bool L2>
static void rmsprop_range(T* __restrict p, T* __restrict sq, T* __restrict ga, T* __restrict buf,
                          const T* __restrict g, int64_t s, int64_t e, const RmspropScalars<T> c) {
  for (int64_t i = s; i < e; i++) {
    T gi = c.sign * g[i];
    if (L2) gi = gi + c.wd * p[i];
    T sqi = sq[i] * c.alpha + c.one_alpha * gi * gi;
    sq[i] = sqi;
    T avg;
    if (CENTERED) {
      T gai = ga[i] * c.alpha + c.one_alpha * gi;
      ga[i] = gai;
      avg = std::sqrt(sqi + T(-1) * gai * gai);
    } else {
      avg = std::sqrt(sqi);
    }
    avg = avg + c.eps;
    if (MOMENTUM) {
      T bi = buf[i] * c.momentum + gi / avg;
      buf[i] = bi;
      p[i] = p[i] + c.neg_lr * bi;
    } else {
      p[i] = p[i] + c.neg_lr * gi / avg;
    }
  }
}

template <class T, bool L2>
static void adagrad_range(T* __restrict p, T* __restrict sum, const T* __restrict g, int64_t s, int64_t e, T sign, T wd,
                          T eps, T neg_clr) {
  for (int64_t i = s; i < e; i++) {
    T gi = sign * g[i];
    if (L2) gi = gi + wd * p[i];
    T si = sum[i] + T(1) * gi * gi;
    sum[i] = si;
    p[i] = p[i] + neg_clr * gi / (std::sqrt(si) + eps);
  }
}

template <class T, bool L2>
static void adadelta_range(T* __restrict p, T* __restrict sq, T* __restrict acc, const T* __restrict g, int64_t s,
                           int64_t e, T sign, T wd, T rho, T one_rho, T eps, T neg_lr) {
  for (int64_t i = s; i < e; i++) {
    T gi = sign * g[i];
    if (L2) gi = gi + wd * p[i];
    T sqi = sq[i] * rho + one_rho * gi * gi;
    sq[i] = sqi;
    T stdv = std::sqrt(sqi + eps);
    T delta = std::sqrt(acc[i] + eps) / stdv * gi;
    acc[i] = acc[i] * rho + one_rho * delta * delta;
    p[i] = p[i] + neg_lr * delta;
  }
}

// Picks the instantiation for runtime flags: pick(f, a, b) calls f(bool_constant<a>, bool_constant<b>).
template <class F>
static void pick(F&& f, bool a) {
  if (a) f(std::true_type{});
  else f(std::false_type{});
}
template <class F>
static void pick(F&& f, bool a, bool b) {
  pick([&](auto A) { pick([&](auto B) { f(A, B); }, b); }, a);
}
template <class F>
static void pick(F&& f, bool a, bool b, bool c) {
  pick([&](auto A, auto B) { pick([&](auto C) { f(A, B, C); }, c); }, a, b);
}

// torch.optim.Adam / AdamW (_single_tensor_adam, _single_tensor_adamw):
//   g = maximize ? -g : g;  AdamW: p *= 1 - lr*wd;  Adam: g += wd*p
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;  amsgrad: vmax = max(vmax, v), v' = vmax
//   p += -(lr / (1 - b1^t)) * m / (sqrt(v') / sqrt(1 - b2^t) + eps)
void adam_step_(Context& ctx, const Tensor& param, const Tensor& grad0, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor* max_exp_avg_sq, const AdamOptions& o) {
  const char* op = o.decoupled ? "adamw" : "adam";
  check_param(op, param, grad0);
  check_state(op, "exp_avg", exp_avg, param);
  check_state(op, "exp_avg_sq", exp_avg_sq, param);
  if (o.amsgrad && !max_exp_avg_sq) throw RangeError(std::string(op) + ": amsgrad needs max_exp_avg_sq");
  if (max_exp_avg_sq) check_state(op, "max_exp_avg_sq", *max_exp_avg_sq, param);
  if (o.step < 1) throw RangeError(std::string(op) + ": expected a step number >= 1 but got " + std::to_string(o.step));
  Tensor grad = ctx.contiguous(grad0);
  param.bump_version();  // in place: autograd must see it
  int64_t n = param.numel();
  // Python-float scalars, as torch computes them
  double bias_correction1 = 1 - std::pow(o.beta1, (double)o.step);
  double bias_correction2 = 1 - std::pow(o.beta2, (double)o.step);
  double step_size = o.lr / bias_correction1;
  double bias_correction2_sqrt = std::sqrt(bias_correction2);
  FLINT_DISPATCH_FLOAT(param.dtype, op, T, {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* m = exp_avg.data<T>();
    T* v = exp_avg_sq.data<T>();
    T* vmax = o.amsgrad ? max_exp_avg_sq->data<T>() : nullptr;
    const AdamScalars<T> c{o.maximize ? T(-1) : T(1), o.decoupled ? (T)(1 - o.lr * o.weight_decay) : T(1),
                           (T)o.weight_decay, (T)o.beta1, (T)(1 - o.beta1), (T)o.beta2, (T)(1 - o.beta2),
                           (T)bias_correction2_sqrt, (T)o.eps, (T)(-step_size)};
    pick([&](auto ams, auto l2) {
      ctx.pool->parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
        adam_range<T, decltype(ams)::value, decltype(l2)::value>(p, m, v, vmax, g, s, e, c);
      });
    }, o.amsgrad, !o.decoupled && o.weight_decay != 0);
  });
}

// torch.optim.RMSprop (_single_tensor_rmsprop):
//   g = maximize ? -g : g;  g += wd*p;  sq = alpha*sq + (1-alpha)*g*g
//   centered: ga = alpha*ga + (1-alpha)*g, avg = sqrt(sq - ga*ga) + eps;  else avg = sqrt(sq) + eps
//   momentum > 0: buf = momentum*buf + g/avg, p -= lr*buf;  else p -= lr*g/avg
void rmsprop_step_(Context& ctx, const Tensor& param, const Tensor& grad0, const Tensor& square_avg,
                   const Tensor* grad_avg, const Tensor* momentum_buffer, const RmspropOptions& o) {
  const char* op = "rmsprop";
  check_param(op, param, grad0);
  check_state(op, "square_avg", square_avg, param);
  if (o.centered && !grad_avg) throw RangeError("rmsprop: centered needs grad_avg");
  if (o.momentum > 0 && !momentum_buffer) throw RangeError("rmsprop: momentum needs momentum_buffer");
  if (grad_avg) check_state(op, "grad_avg", *grad_avg, param);
  if (momentum_buffer) check_state(op, "momentum_buffer", *momentum_buffer, param);
  Tensor grad = ctx.contiguous(grad0);
  param.bump_version();  // in place: autograd must see it
  int64_t n = param.numel();
  FLINT_DISPATCH_FLOAT(param.dtype, op, T, {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* sq = square_avg.data<T>();
    T* ga = o.centered ? grad_avg->data<T>() : nullptr;
    T* buf = o.momentum > 0 ? momentum_buffer->data<T>() : nullptr;
    const RmspropScalars<T> c{o.maximize ? T(-1) : T(1), (T)o.weight_decay, (T)o.alpha, (T)(1 - o.alpha), (T)o.eps,
                              (T)o.momentum, (T)(-o.lr)};
    pick([&](auto centered, auto momentum, auto l2) {
      ctx.pool->parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
        rmsprop_range<T, decltype(centered)::value, decltype(momentum)::value, decltype(l2)::value>(p, sq, ga, buf, g, s,
                                                                                                     e, c);
      });
    }, o.centered, o.momentum > 0, o.weight_decay != 0);
  });
}

// torch.optim.Adagrad (_single_tensor_adagrad, dense gradients):
//   g = maximize ? -g : g;  g += wd*p;  clr = lr / (1 + (t-1)*lr_decay)
//   sum += g*g;  p -= clr * g / (sqrt(sum) + eps)
void adagrad_step_(Context& ctx, const Tensor& param, const Tensor& grad0, const Tensor& sum, const AdagradOptions& o) {
  const char* op = "adagrad";
  check_param(op, param, grad0);
  check_state(op, "sum", sum, param);
  if (o.step < 1) throw RangeError(std::string(op) + ": expected a step number >= 1 but got " + std::to_string(o.step));
  Tensor grad = ctx.contiguous(grad0);
  param.bump_version();  // in place: autograd must see it
  int64_t n = param.numel();
  double clr = o.lr / (1 + (double)(o.step - 1) * o.lr_decay);
  FLINT_DISPATCH_FLOAT(param.dtype, op, T, {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* acc = sum.data<T>();
    const T sign = o.maximize ? T(-1) : T(1), wd = (T)o.weight_decay, eps = (T)o.eps, neg_clr = (T)(-clr);
    pick([&](auto l2) {
      ctx.pool->parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
        adagrad_range<T, decltype(l2)::value>(p, acc, g, s, e, sign, wd, eps, neg_clr);
      });
    }, o.weight_decay != 0);
  });
}

// torch.optim.Adadelta (_single_tensor_adadelta):
//   g = maximize ? -g : g;  g += wd*p;  sq = rho*sq + (1-rho)*g*g
//   delta = sqrt(acc + eps) / sqrt(sq + eps) * g;  acc = rho*acc + (1-rho)*delta*delta;  p -= lr*delta
void adadelta_step_(Context& ctx, const Tensor& param, const Tensor& grad0, const Tensor& square_avg,
                    const Tensor& acc_delta, const AdadeltaOptions& o) {
  const char* op = "adadelta";
  check_param(op, param, grad0);
  check_state(op, "square_avg", square_avg, param);
  check_state(op, "acc_delta", acc_delta, param);
  Tensor grad = ctx.contiguous(grad0);
  param.bump_version();  // in place: autograd must see it
  int64_t n = param.numel();
  FLINT_DISPATCH_FLOAT(param.dtype, op, T, {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* sq = square_avg.data<T>();
    T* acc = acc_delta.data<T>();
    const T sign = o.maximize ? T(-1) : T(1), wd = (T)o.weight_decay, rho = (T)o.rho, one_rho = (T)(1 - o.rho);
    const T eps = (T)o.eps, neg_lr = (T)(-o.lr);
    pick([&](auto l2) {
      ctx.pool->parallel_for(n, kGrain, [&](int64_t s, int64_t e) {
        adadelta_range<T, decltype(l2)::value>(p, sq, acc, g, s, e, sign, wd, rho, one_rho, eps, neg_lr);
      });
    }, o.weight_decay != 0);
  });
}

}  // namespace flint
