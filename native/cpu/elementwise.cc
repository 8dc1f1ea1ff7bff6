// Elementwise kernels: binary ops with broadcasting, scalar ops, unary maths, fill, cast.
// Contiguous same-shape operands take a flat, threaded loop; anything else walks strides.
#include <cmath>

#include "cpu/kernels.h"

namespace flint {

static constexpr int64_t kParallelGrain = 32768;

const char* binop_name(BinOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "relu_backward",
                                "eq",  "lt",  "gt",  "le",  "ge",  "ne"};
  return names[(int)op];
}
const char* unop_name(UnOp op) {
  static const char* names[] = {"neg", "exp", "log", "relu", "sqrt", "abs", "tanh", "sigmoid"};
  return names[(int)op];
}

static bool is_compare(BinOp op) { return op >= BinOp::Eq; }

template <class T>
static inline T apply_bin(BinOp op, T a, T b) {
  switch (op) {
    case BinOp::Add: return a + b;
    case BinOp::Sub: return a - b;
    case BinOp::Mul: return a * b;
    case BinOp::Div: return a / b;
    case BinOp::Pow: return (T)std::pow((double)a, (double)b);
    case BinOp::Maximum: return (a != a || a > b) ? a : b;
    case BinOp::Minimum: return (a != a || a < b) ? a : b;
    case BinOp::ReluGrad: return b > T(0) ? a : T(0);
    default: return T(0);
  }
}
template <class T>
static inline uint8_t apply_cmp(BinOp op, T a, T b) {
  switch (op) {
    case BinOp::Eq: return a == b;
    case BinOp::Lt: return a < b;
    case BinOp::Gt: return a > b;
    case BinOp::Le: return a <= b;
    case BinOp::Ge: return a >= b;
    case BinOp::Ne: return a != b;
    default: return 0;
  }
}

// The flat loop for one op, written out per op so the compiler vectorises each.
template <class T, class F>
static void flat_loop(Context& ctx, int64_t n, F f) {
  ctx.pool->parallel_for(n, kParallelGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) f(i);
  });
}

template <class T>
static void binary_typed(Context& ctx, BinOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  int64_t n = out.numel();
  bool flat = a.is_contiguous() && b.is_contiguous() && a.shape == out.shape && b.shape == out.shape;
  bool flat_scalar_b = a.is_contiguous() && a.shape == out.shape && b.numel() == 1;
  if (is_compare(op)) {
    uint8_t* po = out.data<uint8_t>();
    Shape sa = broadcast_strides(a, out.shape, binop_name(op)), sb = broadcast_strides(b, out.shape, binop_name(op));
    const Shape* st[3] = {&out.strides, &sa, &sb};
    for_each_strided<3>(out.shape, st, [&](const int64_t* o, int64_t m, const int64_t* in) {
      for (int64_t i = 0; i < m; i++) po[o[0] + i * in[0]] = apply_cmp<T>(op, pa[o[1] + i * in[1]], pb[o[2] + i * in[2]]);
    });
    return;
  }
  T* po = out.data<T>();
  if (flat || flat_scalar_b) {
    if (flat_scalar_b) {
      T s = pb[0];
      switch (op) {
        case BinOp::Add: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = pa[i] + s; }); return;
        case BinOp::Sub: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = pa[i] - s; }); return;
        case BinOp::Mul: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = pa[i] * s; }); return;
        case BinOp::Div: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = pa[i] / s; }); return;
        default: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = apply_bin<T>(op, pa[i], s); }); return;
      }
    }
    switch (op) {
      case BinOp::Add: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = pa[i] + pb[i]; }); return;
      case BinOp::Sub: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = pa[i] - pb[i]; }); return;
      case BinOp::Mul: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = pa[i] * pb[i]; }); return;
      case BinOp::Div: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = pa[i] / pb[i]; }); return;
      // Both loads before the select: a conditional load is control flow, which kept this
      // loop scalar with a branch that mispredicts on real activations (5x slower).
      case BinOp::ReluGrad: flat_loop<T>(ctx, n, [&](int64_t i) { const T g = pa[i], x = pb[i]; po[i] = x > T(0) ? g : T(0); }); return;
      default: flat_loop<T>(ctx, n, [&](int64_t i) { po[i] = apply_bin<T>(op, pa[i], pb[i]); }); return;
    }
  }
  Shape sa = broadcast_strides(a, out.shape, binop_name(op)), sb = broadcast_strides(b, out.shape, binop_name(op));
  const Shape* st[3] = {&out.strides, &sa, &sb};
  for_each_strided<3>(out.shape, st, [&](const int64_t* o, int64_t m, const int64_t* in) {
    T* q = po + o[0];
    const T* x = pa + o[1];
    const T* y = pb + o[2];
    if (in[1] == 1 && in[2] == 0 && op == BinOp::Add) {
      T s = y[0];
      for (int64_t i = 0; i < m; i++) q[i] = x[i] + s;
    } else if (in[1] == 1 && in[2] == 1 && op == BinOp::Add) {
      for (int64_t i = 0; i < m; i++) q[i] = x[i] + y[i];
    } else {
      for (int64_t i = 0; i < m; i++) q[i * in[0]] = apply_bin<T>(op, x[i * in[1]], y[i * in[2]]);
    }
  });
}

static void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  if (a.dtype != b.dtype)
    throw TypeError(std::string(op) + ": expected tensors of the same dtype but got " + dtype_name(a.dtype) +
                    " and " + dtype_name(b.dtype) + " (cast one with .to())");
}

Tensor binary(Context& ctx, BinOp op, const Tensor& a, const Tensor& b) {
  const char* name = binop_name(op);
  check_same_dtype(name, a, b);
  Shape shape = broadcast_shapes(a.shape, b.shape, name);
  // Integer division would trap (SIGFPE) on a zero divisor; PyTorch's `/` is true division
  // anyway, which lib/ops does by casting to float before calling here.
  if (op == BinOp::Div && !is_float(a.dtype))
    throw TypeError(std::string("div: integer tensors (") + dtype_name(a.dtype) +
                    ") are divided as floats: cast them with .to('float32') first");
  if ((op == BinOp::Pow || op == BinOp::ReluGrad) && !is_float(a.dtype))
    throw TypeError(std::string(name) + ": expected float32 or float64 tensors but got " + dtype_name(a.dtype));
  Tensor out = ctx.empty(shape, is_compare(op) ? DType::U8 : a.dtype);
  FLINT_DISPATCH_ALL(a.dtype, T, binary_typed<T>(ctx, op, a, b, out));
  return out;
}

Tensor binary_scalar(Context& ctx, BinOp op, const Tensor& a, double s, bool reverse) {
  Tensor st = ctx.empty({}, a.dtype);
  fill_(st, s);
  return reverse ? binary(ctx, op, st, a) : binary(ctx, op, a, st);
}

template <class T>
static void unary_typed(Context& ctx, UnOp op, const T* x, T* y, int64_t n) {
  switch (op) {
    case UnOp::Neg: flat_loop<T>(ctx, n, [&](int64_t i) { y[i] = -x[i]; }); break;
    case UnOp::Exp: flat_loop<T>(ctx, n, [&](int64_t i) { y[i] = std::exp(x[i]); }); break;
    case UnOp::Log: flat_loop<T>(ctx, n, [&](int64_t i) { y[i] = std::log(x[i]); }); break;
    case UnOp::Relu: flat_loop<T>(ctx, n, [&](int64_t i) { y[i] = x[i] > T(0) ? x[i] : (x[i] != x[i] ? x[i] : T(0)); }); break;
    case UnOp::Sqrt: flat_loop<T>(ctx, n, [&](int64_t i) { y[i] = std::sqrt(x[i]); }); break;
    case UnOp::Abs: flat_loop<T>(ctx, n, [&](int64_t i) { y[i] = std::abs(x[i]); }); break;
    case UnOp::Tanh: flat_loop<T>(ctx, n, [&](int64_t i) { y[i] = std::tanh(x[i]); }); break;
    case UnOp::Sigmoid:
      flat_loop<T>(ctx, n, [&](int64_t i) {
        T v = x[i];
        y[i] = v >= 0 ? T(1) / (T(1) + std::exp(-v)) : std::exp(v) / (T(1) + std::exp(v));
      });
      break;
    default: break;
  }
}

Tensor unary(Context& ctx, UnOp op, const Tensor& a) {
  const char* name = unop_name(op);
  Tensor x = ctx.contiguous(a);
  Tensor out = ctx.empty(a.shape, a.dtype);
  int64_t n = out.numel();
  if (op == UnOp::Neg || op == UnOp::Abs || op == UnOp::Relu) {
    switch (a.dtype) {
      case DType::F32: unary_typed<float>(ctx, op, x.data<float>(), out.data<float>(), n); break;
      case DType::F64: unary_typed<double>(ctx, op, x.data<double>(), out.data<double>(), n); break;
      case DType::I32: unary_typed<int32_t>(ctx, op, x.data<int32_t>(), out.data<int32_t>(), n); break;
      case DType::I64: unary_typed<int64_t>(ctx, op, x.data<int64_t>(), out.data<int64_t>(), n); break;
      default: throw TypeError(std::string(name) + ": not supported for uint8 tensors");
    }
    return out;
  }
  FLINT_DISPATCH_FLOAT(a.dtype, name, T, unary_typed<T>(ctx, op, x.data<T>(), out.data<T>(), n));
  return out;
}

void fill_(const Tensor& t, double v) {
  t.bump_version();
  FLINT_DISPATCH_ALL(t.dtype, T, {
    T* p = t.data<T>();
    T val = (T)v;
    const Shape* st[1] = {&t.strides};
    for_each_strided<1>(t.shape, st, [&](const int64_t* o, int64_t m, const int64_t* in) {
      for (int64_t i = 0; i < m; i++) p[o[0] + i * in[0]] = val;
    });
  });
}

Tensor cast(Context& ctx, const Tensor& t, DType d) {
  Tensor out = ctx.empty(t.shape, d);
  copy_into(out, t);
  return out;
}

void axpy_(Context& ctx, const Tensor& out, const Tensor& src, double alpha) {
  if (out.shape != src.shape)
    throw RangeError("accumulate: shapes " + shape_str(out.shape) + " and " + shape_str(src.shape) + " differ");
  check_same_dtype("accumulate", out, src);
  if (!out.is_contiguous()) throw RangeError("accumulate: destination must be contiguous");
  Tensor s = ctx.contiguous(src);
  int64_t n = out.numel();
  out.bump_version();
  FLINT_DISPATCH_FLOAT(out.dtype, "accumulate", T, {
    T* o = out.data<T>();
    const T* x = s.data<T>();
    T al = (T)alpha;
    flat_loop<T>(ctx, n, [&](int64_t i) { o[i] += al * x[i]; });
  });
}

}  // namespace flint
