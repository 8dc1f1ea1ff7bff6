// Losses, forward and backward.
//
// Class-index losses (cross-entropy fused with log-softmax, and NLL) over class dim 1 of an
// input [N, C, *] (K = prod(*) positions per sample; [C] is one sample), with PyTorch's
// class weights, ignore_index and label smoothing (aten/src/ATen/native/LossNLL.cpp):
//   loss_i = (1 - eps) w_t (-logp_t) + eps / C * sum_c w_c (-logp_c),   0 where t == ignore_index
//   mean   = sum_i loss_i / sum_{i counted} w_{t_i}
// Stable: log-sum-exp shifts by the max along the class dim, accumulating in double.
// The plain case (no weight, no smoothing, [N, C]) is the MLP trainer's hot path: one pass per
// row for the max, one for the sum, threaded over rows.
//
// Pointwise losses (smooth L1, binary cross-entropy on probabilities and on logits) return
// unreduced losses; lib/ops/loss.ts reduces them with sum/mean.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/nn.h"

namespace flint {

static const char* kReductions[] = {"none", "mean", "sum"};

static void check_reduction(const char* op, int reduction) {
  if (reduction < 0 || reduction > 2) throw RangeError(std::string(op) + ": reduction must be none, mean or sum");
}

// The layout of a class-index loss: input [N, C, K] (a view of [N, C, *] or [C]), target [N, K].
struct ClassLayout {
  int64_t N, C, K;
  Shape target_shape;  // also the shape of unreduced losses
  Tensor target;       // int64, contiguous
  Tensor weight;       // contiguous [C] of the input's dtype, or empty
};

static ClassLayout class_layout(Context& ctx, const char* op, const Tensor& input, const Tensor& target,
                                const Tensor* weight, int64_t ignore_index) {
  if (!is_float(input.dtype))
    throw TypeError(std::string(op) + ": expected float logits but got " + dtype_name(input.dtype));
  if (input.dim() == 0)
    throw RangeError(std::string(op) + ": expected logits of shape [N, C, *] or [C] but got " + shape_str(input.shape));
  if (target.dtype != DType::I64 && target.dtype != DType::I32)
    throw TypeError(std::string(op) + ": expected int64 or int32 class indices as target but got " +
                    dtype_name(target.dtype));
  ClassLayout l;
  if (input.dim() == 1) {
    l.N = 1;
    l.C = input.shape[0];
    l.K = 1;
  } else {
    l.N = input.shape[0];
    l.C = input.shape[1];
    l.K = 1;
    l.target_shape.push_back(l.N);
    for (int64_t i = 2; i < input.dim(); i++) {
      l.K *= input.shape[i];
      l.target_shape.push_back(input.shape[i]);
    }
  }
  if (target.shape != l.target_shape)
    throw RangeError(std::string(op) + ": expected target of shape " + shape_str(l.target_shape) + " for logits " +
                     shape_str(input.shape) + " but got " + shape_str(target.shape));
  if (weight) {
    if (weight->shape != Shape{l.C})
      throw RangeError(std::string(op) + ": expected weight of shape [" + std::to_string(l.C) +
                       "] (one per class) but got " + shape_str(weight->shape));
    if (weight->dtype != input.dtype)
      throw TypeError(std::string(op) + ": expected weight of dtype " + dtype_name(input.dtype) +
                      " (the input's) but got " + dtype_name(weight->dtype));
    l.weight = ctx.contiguous(*weight);
  }
  l.target = cast(ctx, target, DType::I64);
  const int64_t* pt = l.target.data<int64_t>();
  for (int64_t i = 0; i < l.target.numel(); i++)
    if (pt[i] != ignore_index && (pt[i] < 0 || pt[i] >= l.C))
      throw RangeError(std::string(op) + ": target " + std::to_string(pt[i]) + " at index " + std::to_string(i) +
                       " is out of range for " + std::to_string(l.C) + " classes (logits " + shape_str(input.shape) +
                       ")");
  return l;
}

static void check_smoothing(const char* op, double eps) {
  if (!(eps >= 0 && eps <= 1))
    throw RangeError(std::string(op) + ": expected label_smoothing in [0, 1] but got " + std::to_string(eps));
}

static void check_grad(const char* op, const Tensor& grad, const Shape& none_shape, int reduction) {
  Shape gshape = reduction == 0 ? none_shape : Shape{};
  if (grad.shape != gshape)
    throw RangeError(std::string(op) + ": expected gradient of shape " + shape_str(gshape) + " for reduction " +
                     kReductions[reduction] + " but got " + shape_str(grad.shape));
}

// Sum of the weights of the counted (not ignored) targets: the mean's denominator.
template <class T>
static double counted_weight(const ClassLayout& l, int64_t ignore_index) {
  const int64_t* pt = l.target.data<int64_t>();
  const T* pw = l.weight.storage ? l.weight.data<T>() : nullptr;
  double W = 0;
  for (int64_t i = 0; i < l.N * l.K; i++)
    if (pt[i] != ignore_index) W += pw ? (double)pw[pt[i]] : 1.0;
  return W;
}

// log-sum-exp of the line x[0], x[s], ..., x[(C-1) s], shifted by its max (exp in the tensor's
// precision, the sum in double); NaN anywhere makes it NaN.
template <class T>
static inline double line_lse(const T* x, int64_t C, int64_t s) {
  T mx = -std::numeric_limits<T>::infinity();
  bool nan = false;
  for (int64_t j = 0; j < C; j++) {
    T v = x[j * s];
    if (v != v) nan = true;
    mx = v > mx ? v : mx;
  }
  if (nan) mx = std::numeric_limits<T>::quiet_NaN();
  double sum = 0;
  for (int64_t j = 0; j < C; j++) sum += (double)std::exp(x[j * s] - mx);
  return (double)mx + std::log(sum);
}

template <class T>
static void ce_forward(Context& ctx, const ClassLayout& l, const T* x, int64_t ignore_index, double eps, T* out) {
  const int64_t* pt = l.target.data<int64_t>();
  const T* pw = l.weight.storage ? l.weight.data<T>() : nullptr;
  int64_t C = l.C, K = l.K;
  ctx.pool->parallel_for(l.N * K, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      int64_t t = pt[i];
      if (t == ignore_index) {
        out[i] = T(0);
        continue;
      }
      const T* r = x + (i / K) * C * K + i % K;
      double lse = line_lse(r, C, K);
      double wt = pw ? (double)pw[t] : 1.0;
      double loss = wt * (lse - (double)r[t * K]);
      if (eps > 0) {
        double smooth = 0;
        for (int64_t c = 0; c < C; c++) smooth += (pw ? (double)pw[c] : 1.0) * (lse - (double)r[c * K]);
        loss = (1 - eps) * loss + eps / (double)C * smooth;
      }
      out[i] = (T)loss;
    }
  });
}

Tensor cross_entropy_loss(Context& ctx, const Tensor& input0, const Tensor& target, const Tensor* weight,
                          int64_t ignore_index, double label_smoothing, int reduction) {
  const char* op = "cross_entropy";
  check_reduction(op, reduction);
  check_smoothing(op, label_smoothing);
  ClassLayout l = class_layout(ctx, op, input0, target, weight, ignore_index);
  Tensor x = ctx.contiguous(input0);
  Tensor rows = ctx.empty(l.target_shape, x.dtype);
  double W = 1;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    ce_forward<T>(ctx, l, x.data<T>(), ignore_index, label_smoothing, rows.data<T>());
    if (reduction == 1) W = counted_weight<T>(l, ignore_index);
  });
  if (reduction == 0) return rows;
  return sum(ctx, rows, {}, false, reduction == 1 ? 1.0 / W : 1.0);
}

Tensor cross_entropy_loss_backward(Context& ctx, const Tensor& grad0, const Tensor& input0, const Tensor& target,
                                   const Tensor* weight, int64_t ignore_index, double label_smoothing,
                                   int reduction) {
  const char* op = "cross_entropy_backward";
  check_reduction(op, reduction);
  check_smoothing(op, label_smoothing);
  ClassLayout l = class_layout(ctx, op, input0, target, weight, ignore_index);
  check_grad(op, grad0, l.target_shape, reduction);
  Tensor x = ctx.contiguous(input0);
  Tensor g = ctx.contiguous(cast(ctx, grad0, x.dtype));
  Tensor dx = ctx.empty(x.shape, x.dtype);
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pg = g.data<T>();
    const T* pw = l.weight.storage ? l.weight.data<T>() : nullptr;
    const int64_t* pt = l.target.data<int64_t>();
    T* pd = dx.data<T>();
    int64_t C = l.C, K = l.K;
    double eps = label_smoothing;
    double scale = reduction == 1 ? 1.0 / counted_weight<T>(l, ignore_index) : 1.0;
    double wsum = 0;  // sum of all class weights (the smoothing term's total)
    for (int64_t c = 0; c < C; c++) wsum += pw ? (double)pw[c] : 1.0;
    ctx.pool->parallel_for(l.N * K, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) {
        int64_t off = (i / K) * C * K + i % K;
        const T* r = px + off;
        T* d = pd + off;
        int64_t t = pt[i];
        // softmax p_c = e_c / sum, e_c = exp(x_c - max) kept in d (one exp per element)
        T mx = -std::numeric_limits<T>::infinity();
        bool nan = false;
        for (int64_t c = 0; c < C; c++) {
          T v = r[c * K];
          if (v != v) nan = true;
          mx = v > mx ? v : mx;
        }
        if (nan) mx = std::numeric_limits<T>::quiet_NaN();
        double sum = 0;
        for (int64_t c = 0; c < C; c++) {
          T e = std::exp(r[c * K] - mx);
          d[c * K] = e;
          sum += (double)e;
        }
        double inv = 1.0 / sum;
        if (t == ignore_index) {
          // No gradient, but NaN stays NaN: PyTorch's log-softmax backward gives 0 - exp(y) * 0.
          for (int64_t c = 0; c < C; c++) d[c * K] = (T)(0.0 * ((double)d[c * K] * inv));
          continue;
        }
        double gs = (double)pg[reduction == 0 ? i : 0] * scale;
        double a = (1 - eps) * (pw ? (double)pw[t] : 1.0);
        double bc = eps / (double)C;
        double pcoef = a + bc * wsum;
        for (int64_t c = 0; c < C; c++) {
          double p = (double)d[c * K] * inv;
          double v = p * pcoef - (eps > 0 ? bc * (pw ? (double)pw[c] : 1.0) : 0.0);
          if (c == t) v -= a;
          d[c * K] = (T)(gs * v);
        }
      }
    });
  });
  return dx;
}

// The plain fused cross-entropy of kernels.h: no weight, ignore_index -100, no smoothing.
Tensor cross_entropy(Context& ctx, const Tensor& logits, const Tensor& target, int reduction) {
  return cross_entropy_loss(ctx, logits, target, nullptr, -100, 0.0, reduction);
}
Tensor cross_entropy_backward(Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& grad,
                              int reduction) {
  return cross_entropy_loss_backward(ctx, grad, logits, target, nullptr, -100, 0.0, reduction);
}

// ---- NLL ----

Tensor nll_loss(Context& ctx, const Tensor& input0, const Tensor& target, const Tensor* weight, int64_t ignore_index,
                int reduction) {
  const char* op = "nll_loss";
  check_reduction(op, reduction);
  ClassLayout l = class_layout(ctx, op, input0, target, weight, ignore_index);
  Tensor x = ctx.contiguous(input0);
  Tensor rows = ctx.empty(l.target_shape, x.dtype);
  double W = 1;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pw = l.weight.storage ? l.weight.data<T>() : nullptr;
    const int64_t* pt = l.target.data<int64_t>();
    T* po = rows.data<T>();
    for (int64_t i = 0; i < l.N * l.K; i++) {
      int64_t t = pt[i];
      if (t == ignore_index) {
        po[i] = T(0);
        continue;
      }
      double v = px[(i / l.K) * l.C * l.K + t * l.K + i % l.K];
      po[i] = (T)(-(pw ? (double)pw[t] : 1.0) * v);
    }
    if (reduction == 1) W = counted_weight<T>(l, ignore_index);
  });
  if (reduction == 0) return rows;
  return sum(ctx, rows, {}, false, reduction == 1 ? 1.0 / W : 1.0);
}

Tensor nll_loss_backward(Context& ctx, const Tensor& grad0, const Tensor& input0, const Tensor& target,
                         const Tensor* weight, int64_t ignore_index, int reduction) {
  const char* op = "nll_loss_backward";
  check_reduction(op, reduction);
  ClassLayout l = class_layout(ctx, op, input0, target, weight, ignore_index);
  check_grad(op, grad0, l.target_shape, reduction);
  Tensor g = ctx.contiguous(cast(ctx, grad0, input0.dtype));
  Tensor dx = ctx.empty(input0.shape, input0.dtype);
  fill_(dx, 0);
  FLINT_DISPATCH_FLOAT(input0.dtype, op, T, {
    const T* pg = g.data<T>();
    const T* pw = l.weight.storage ? l.weight.data<T>() : nullptr;
    const int64_t* pt = l.target.data<int64_t>();
    T* pd = dx.data<T>();
    double scale = reduction == 1 ? 1.0 / counted_weight<T>(l, ignore_index) : 1.0;
    for (int64_t i = 0; i < l.N * l.K; i++) {
      int64_t t = pt[i];
      if (t == ignore_index) continue;
      double gs = (double)pg[reduction == 0 ? i : 0] * scale;
      pd[(i / l.K) * l.C * l.K + t * l.K + i % l.K] = (T)(-(pw ? (double)pw[t] : 1.0) * gs);
    }
  });
  return dx;
}

// ---- pointwise losses ----

static void check_like(const char* op, const char* name, const Tensor& t, const Tensor& input) {
  if (t.shape != input.shape)
    throw RangeError(std::string(op) + ": expected " + name + " of shape " + shape_str(input.shape) +
                     " (the input's) but got " + shape_str(t.shape));
  if (t.dtype != input.dtype)
    throw TypeError(std::string(op) + ": expected " + name + " of dtype " + dtype_name(input.dtype) +
                    " (the input's) but got " + dtype_name(t.dtype));
}

static void check_float_input(const char* op, const Tensor& input) {
  if (!is_float(input.dtype))
    throw TypeError(std::string(op) + ": expected a float32 or float64 input but got " + dtype_name(input.dtype));
}

// Runs f(i) -> double for each element i of a new tensor shaped like input, in parallel.
template <class T, class F>
static Tensor pointwise(Context& ctx, const Tensor& like, F f) {
  Tensor out = ctx.empty(like.shape, like.dtype);
  T* po = out.data<T>();
  ctx.pool->parallel_for(out.numel(), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) po[i] = (T)f(i);
  });
  return out;
}

Tensor smooth_l1_loss(Context& ctx, const Tensor& input0, const Tensor& target0, double beta) {
  const char* op = "smooth_l1_loss";
  check_float_input(op, input0);
  check_like(op, "target", target0, input0);
  if (!(beta > 0)) throw RangeError(std::string(op) + ": expected beta > 0 but got " + std::to_string(beta));
  Tensor x = ctx.contiguous(input0), t = ctx.contiguous(target0);
  Tensor out;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    out = pointwise<T>(ctx, x, [&](int64_t i) {
      double z = std::abs((double)px[i] - (double)pt[i]);
      return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
    });
  });
  return out;
}

Tensor smooth_l1_loss_backward(Context& ctx, const Tensor& grad0, const Tensor& input0, const Tensor& target0,
                               double beta) {
  const char* op = "smooth_l1_loss_backward";
  check_float_input(op, input0);
  check_like(op, "target", target0, input0);
  check_like(op, "gradient", grad0, input0);
  if (!(beta > 0)) throw RangeError(std::string(op) + ": expected beta > 0 but got " + std::to_string(beta));
  Tensor x = ctx.contiguous(input0), t = ctx.contiguous(target0), g = ctx.contiguous(grad0);
  Tensor out;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const T* pg = g.data<T>();
    out = pointwise<T>(ctx, x, [&](int64_t i) {
      double d = (double)px[i] - (double)pt[i], gv = pg[i];
      return d <= -beta ? -gv : (d >= beta ? gv : d * gv / beta);
    });
  });
  return out;
}

Tensor bce_loss(Context& ctx, const Tensor& input0, const Tensor& target0, const Tensor* weight) {
  const char* op = "binary_cross_entropy";
  check_float_input(op, input0);
  check_like(op, "target", target0, input0);
  if (weight) check_like(op, "weight", *weight, input0);
  Tensor x = ctx.contiguous(input0), t = ctx.contiguous(target0);
  Tensor w = weight ? ctx.contiguous(*weight) : Tensor();
  Tensor out;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const T* pw = weight ? w.data<T>() : nullptr;
    for (int64_t i = 0; i < x.numel(); i++)
      if (!(px[i] >= 0 && px[i] <= 1))
        throw RangeError(std::string(op) + ": all elements of input should be between 0 and 1 but got " +
                         std::to_string((double)px[i]) + " at index " + std::to_string(i) + " (input " +
                         shape_str(x.shape) + ")");
    out = pointwise<T>(ctx, x, [&](int64_t i) {
      double xv = px[i], tv = pt[i];
      double l = (tv - 1) * std::max(std::log1p(-xv), -100.0) - tv * std::max(std::log(xv), -100.0);
      return pw ? l * (double)pw[i] : l;
    });
  });
  return out;
}

std::array<Tensor, 2> bce_loss_backward(Context& ctx, const Tensor& grad0, const Tensor& input0, const Tensor& target0,
                                        const Tensor* weight, bool want_target) {
  const char* op = "binary_cross_entropy_backward";
  check_float_input(op, input0);
  check_like(op, "target", target0, input0);
  check_like(op, "gradient", grad0, input0);
  if (weight) check_like(op, "weight", *weight, input0);
  Tensor x = ctx.contiguous(input0), t = ctx.contiguous(target0), g = ctx.contiguous(grad0);
  Tensor w = weight ? ctx.contiguous(*weight) : Tensor();
  Tensor dx, dt;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const T* pg = g.data<T>();
    const T* pw = weight ? w.data<T>() : nullptr;
    // d/dx = w g (x - t) / max((1 - x) x, 1e-12); d/dt = -w g logit(x)
    dx = pointwise<T>(ctx, x, [&](int64_t i) {
      double xv = px[i];
      double v = (double)pg[i] * (xv - (double)pt[i]) / std::max((1 - xv) * xv, 1e-12);
      return pw ? v * (double)pw[i] : v;
    });
    if (want_target)
      dt = pointwise<T>(ctx, x, [&](int64_t i) {
        double xv = px[i];
        double v = -std::log(xv / (1 - xv)) * (double)pg[i];
        return pw ? v * (double)pw[i] : v;
      });
  });
  return {dx, dt};
}

static inline double log_sigmoid(double z) { return std::min(z, 0.0) - std::log1p(std::exp(-std::abs(z))); }

Tensor bce_logits_loss(Context& ctx, const Tensor& input0, const Tensor& target0, const Tensor* weight,
                       const Tensor* pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  check_float_input(op, input0);
  check_like(op, "target", target0, input0);
  if (weight) check_like(op, "weight", *weight, input0);
  if (pos_weight) check_like(op, "pos_weight", *pos_weight, input0);
  Tensor x = ctx.contiguous(input0), t = ctx.contiguous(target0);
  Tensor w = weight ? ctx.contiguous(*weight) : Tensor(), pw = pos_weight ? ctx.contiguous(*pos_weight) : Tensor();
  Tensor out;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const T* pwt = weight ? w.data<T>() : nullptr;
    const T* ppw = pos_weight ? pw.data<T>() : nullptr;
    out = pointwise<T>(ctx, x, [&](int64_t i) {
      double xv = px[i], tv = pt[i];
      double lw = ppw ? 1 + ((double)ppw[i] - 1) * tv : 1.0;
      double l = (1 - tv) * xv - lw * log_sigmoid(xv);
      return pwt ? l * (double)pwt[i] : l;
    });
  });
  return out;
}

std::array<Tensor, 2> bce_logits_loss_backward(Context& ctx, const Tensor& grad0, const Tensor& input0,
                                               const Tensor& target0, const Tensor* weight, const Tensor* pos_weight,
                                               bool want_target) {
  const char* op = "binary_cross_entropy_with_logits_backward";
  check_float_input(op, input0);
  check_like(op, "target", target0, input0);
  check_like(op, "gradient", grad0, input0);
  if (weight) check_like(op, "weight", *weight, input0);
  if (pos_weight) check_like(op, "pos_weight", *pos_weight, input0);
  Tensor x = ctx.contiguous(input0), t = ctx.contiguous(target0), g = ctx.contiguous(grad0);
  Tensor w = weight ? ctx.contiguous(*weight) : Tensor(), pw = pos_weight ? ctx.contiguous(*pos_weight) : Tensor();
  Tensor dx, dt;
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    const T* pg = g.data<T>();
    const T* pwt = weight ? w.data<T>() : nullptr;
    const T* ppw = pos_weight ? pw.data<T>() : nullptr;
    // d/dx = w g ((pw t + 1 - t) sigmoid(x) - pw t); d/dt = w g (log sigmoid(-x) - pw log sigmoid(x))
    dx = pointwise<T>(ctx, x, [&](int64_t i) {
      double xv = px[i], tv = pt[i];
      double sig = xv >= 0 ? 1 / (1 + std::exp(-xv)) : std::exp(xv) / (1 + std::exp(xv));
      double v = ppw ? ((double)ppw[i] * tv + 1 - tv) * sig - (double)ppw[i] * tv : sig - tv;
      v *= (double)pg[i];
      return pwt ? v * (double)pwt[i] : v;
    });
    if (want_target)
      dt = pointwise<T>(ctx, x, [&](int64_t i) {
        double xv = px[i];
        double v = ppw ? log_sigmoid(-xv) - log_sigmoid(xv) * (double)ppw[i] : -xv;
        v *= (double)pg[i];
        return pwt ? v * (double)pwt[i] : v;
      });
  });
  return {dx, dt};
}

}  // namespace flint
