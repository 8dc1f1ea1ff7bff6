// Fused log-softmax + negative log-likelihood (cross-entropy), forward and backward.
// logits [N, C], target [N] class indices. Stable: log-sum-exp shifts by the row max.
#include <cmath>
#include <limits>

#include "cpu/kernels.h"

namespace flint {

static const char* kReductions[] = {"none", "mean", "sum"};

static Tensor checked_target(Context& ctx, const Tensor& logits, const Tensor& target, const char* op) {
  if (!is_float(logits.dtype))
    throw TypeError(std::string(op) + ": expected float logits but got " + dtype_name(logits.dtype));
  if (logits.dim() != 2)
    throw RangeError(std::string(op) + ": expected logits of shape [N, C] but got " + shape_str(logits.shape));
  if (target.dtype != DType::I64 && target.dtype != DType::I32)
    throw TypeError(std::string(op) + ": expected int64 or int32 class indices as target but got " +
                    dtype_name(target.dtype));
  if (target.dim() != 1 || target.shape[0] != logits.shape[0])
    throw RangeError(std::string(op) + ": expected target of shape [" + std::to_string(logits.shape[0]) +
                     "] for logits " + shape_str(logits.shape) + " but got " + shape_str(target.shape));
  Tensor t = cast(ctx, target, DType::I64);
  int64_t C = logits.shape[1];
  const int64_t* pt = t.data<int64_t>();
  for (int64_t i = 0; i < t.numel(); i++)
    if (pt[i] < 0 || pt[i] >= C)
      throw RangeError(std::string(op) + ": target " + std::to_string(pt[i]) + " at index " + std::to_string(i) +
                       " is out of range for " + std::to_string(C) + " classes (logits " + shape_str(logits.shape) +
                       ")");
  return t;
}

template <class T>
static void ce_forward(Context& ctx, const T* x, const int64_t* t, int64_t N, int64_t C, T* loss_rows) {
  ctx.pool->parallel_for(N, 256, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const T* r = x + i * C;
      T mx = -std::numeric_limits<T>::infinity();
      for (int64_t j = 0; j < C; j++) mx = r[j] > mx ? r[j] : mx;
      for (int64_t j = 0; j < C; j++)
        if (r[j] != r[j]) mx = r[j];
      double s = 0;
      if (std::isinf(mx)) {
        // All -inf (or +inf present): fall back to the exact definition.
        for (int64_t j = 0; j < C; j++) s += std::exp((double)r[j] - (double)mx);
      } else {
        for (int64_t j = 0; j < C; j++) s += std::exp((double)(r[j] - mx));
      }
      loss_rows[i] = (T)((double)mx + std::log(s) - (double)r[t[i]]);
    }
  });
}

Tensor cross_entropy(Context& ctx, const Tensor& logits0, const Tensor& target0, int reduction) {
  const char* op = "cross_entropy";
  if (reduction < 0 || reduction > 2) throw RangeError("cross_entropy: reduction must be none, mean or sum");
  Tensor t = checked_target(ctx, logits0, target0, op);
  Tensor x = ctx.contiguous(logits0);
  int64_t N = x.shape[0], C = x.shape[1];
  Tensor rows = ctx.empty({N}, x.dtype);
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, ce_forward<T>(ctx, x.data<T>(), t.data<int64_t>(), N, C, rows.data<T>()));
  if (reduction == 0) return rows;
  return sum(ctx, rows, {}, false, reduction == 1 ? (N ? 1.0 / N : std::nan("")) : 1.0);
}

Tensor cross_entropy_backward(Context& ctx, const Tensor& logits0, const Tensor& target0, const Tensor& grad0,
                              int reduction) {
  const char* op = "cross_entropy_backward";
  if (reduction < 0 || reduction > 2) throw RangeError("cross_entropy_backward: reduction must be none, mean or sum");
  Tensor t = checked_target(ctx, logits0, target0, op);
  Tensor x = ctx.contiguous(logits0);
  int64_t N = x.shape[0], C = x.shape[1];
  Shape gshape = reduction == 0 ? Shape{N} : Shape{};
  if (grad0.shape != gshape)
    throw RangeError(std::string(op) + ": expected gradient of shape " + shape_str(gshape) + " for reduction " +
                     kReductions[reduction] + " but got " + shape_str(grad0.shape));
  Tensor g = ctx.contiguous(cast(ctx, grad0, x.dtype));
  Tensor dx = ctx.empty(x.shape, x.dtype);
  FLINT_DISPATCH_FLOAT(x.dtype, op, T, {
    const T* px = x.data<T>();
    const int64_t* pt = t.data<int64_t>();
    const T* pg = g.data<T>();
    T* pd = dx.data<T>();
    ctx.pool->parallel_for(N, 256, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) {
        const T* r = px + i * C;
        T* d = pd + i * C;
        T gi = reduction == 0 ? pg[i] : (reduction == 1 ? pg[0] / (T)N : pg[0]);
        T mx = -std::numeric_limits<T>::infinity();
        for (int64_t j = 0; j < C; j++) mx = r[j] > mx ? r[j] : mx;
        double s = 0;
        for (int64_t j = 0; j < C; j++) s += std::exp((double)r[j] - (double)mx);
        for (int64_t j = 0; j < C; j++) d[j] = (T)(std::exp((double)r[j] - (double)mx) / s) * gi;
        d[pt[i]] -= gi;
      }
    });
  });
  return dx;
}

}  // namespace flint
