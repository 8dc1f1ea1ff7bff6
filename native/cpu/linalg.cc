// matmul (1-D, 2-D and batched with broadcasting) and linear (x @ w^T + b, optionally through
// ReLU), on the GEMM; linear's bias and ReLU are the GEMM's epilogue (added in the
// micro-kernel's store, no second pass over the output).
#include <algorithm>

#include "cpu/gemm.h"
#include "cpu/kernels.h"

namespace flint {

// A 2-D operand as GEMM wants it: a strided matrix when one of its strides is 1 (any
// transposition), else a contiguous copy.
static void gemm_typed(Context& ctx, DType dt, int64_t M, int64_t N, int64_t K, const void* A, int64_t rsa,
                       int64_t csa, const void* B, int64_t rsb, int64_t csb, double beta, void* C, int64_t rsc) {
  if (dt == DType::F32)
    gemm_f32(ctx.pool.get(), M, N, K, 1.0f, (const float*)A, rsa, csa, (const float*)B, rsb, csb, (float)beta,
             (float*)C, rsc);
  else
    gemm_f64(ctx.pool.get(), M, N, K, 1.0, (const double*)A, rsa, csa, (const double*)B, rsb, csb, beta,
             (double*)C, rsc);
}

static bool gemm_friendly(int64_t rs, int64_t cs, int64_t rows, int64_t cols) {
  return cs == 1 || rs == 1 || rows == 1 || cols == 1;
}

Tensor matmul(Context& ctx, const Tensor& a0, const Tensor& b0) {
  if (a0.dtype != b0.dtype)
    throw TypeError(std::string("matmul: expected tensors of the same dtype but got ") + dtype_name(a0.dtype) +
                    " and " + dtype_name(b0.dtype));
  if (!is_float(a0.dtype))
    throw TypeError(std::string("matmul: expected float32 or float64 tensors but got ") + dtype_name(a0.dtype));
  if (a0.dim() == 0 || b0.dim() == 0)
    throw RangeError("matmul: both arguments need at least 1 dimension but got shapes " + shape_str(a0.shape) +
                     " and " + shape_str(b0.shape));
  // Promote 1-D operands as PyTorch does, then drop the added dims from the result.
  Tensor a = a0, b = b0;
  bool a1 = a.dim() == 1, b1 = b.dim() == 1;
  if (a1) { a.shape.insert(a.shape.begin(), 1); a.strides.insert(a.strides.begin(), 0); }
  if (b1) { b.shape.push_back(1); b.strides.push_back(0); }
  int64_t M = a.shape[a.dim() - 2], K = a.shape[a.dim() - 1], N = b.shape[b.dim() - 1];
  if (b.shape[b.dim() - 2] != K)
    throw RangeError("matmul: shapes " + shape_str(a0.shape) + " and " + shape_str(b0.shape) +
                     " cannot be multiplied (" + std::to_string(K) + " columns vs " +
                     std::to_string(b.shape[b.dim() - 2]) + " rows)");
  Shape ab(a.shape.begin(), a.shape.end() - 2), bb(b.shape.begin(), b.shape.end() - 2);
  Shape batch = broadcast_shapes(ab, bb, "matmul");
  Shape oshape = batch;
  oshape.push_back(M);
  oshape.push_back(N);
  Tensor out = ctx.empty(oshape, a.dtype);
  int64_t nb = numel_of(batch);
  // Batch strides (0 where broadcast).
  Tensor ta = a, tb = b;
  ta.shape = ab; ta.strides.resize(ab.size());
  tb.shape = bb; tb.strides.resize(bb.size());
  Shape sa = broadcast_strides(ta, batch, "matmul"), sb = broadcast_strides(tb, batch, "matmul");
  int64_t rsa = a.strides[a.dim() - 2], csa = a.strides[a.dim() - 1];
  int64_t rsb = b.strides[b.dim() - 2], csb = b.strides[b.dim() - 1];
  if (!gemm_friendly(rsa, csa, M, K)) {
    a = ctx.contiguous(a0);
    if (a1) { a.shape.insert(a.shape.begin(), 1); a.strides.insert(a.strides.begin(), 0); }
    ta.strides.assign(a.strides.begin(), a.strides.end() - 2);
    sa = broadcast_strides(ta, batch, "matmul");
    rsa = a.strides[a.dim() - 2]; csa = a.strides[a.dim() - 1];
  }
  if (!gemm_friendly(rsb, csb, K, N)) {
    b = ctx.contiguous(b0);
    if (b1) { b.shape.push_back(1); b.strides.push_back(0); }
    tb.strides.assign(b.strides.begin(), b.strides.end() - 2);
    sb = broadcast_strides(tb, batch, "matmul");
    rsb = b.strides[b.dim() - 2]; csb = b.strides[b.dim() - 1];
  }
  size_t es = dtype_size(a.dtype);
  Shape bst = contiguous_strides(batch);
  for (int64_t i = 0; i < nb; i++) {
    int64_t oa = 0, ob = 0, rem = i;
    for (size_t d = 0; d < batch.size(); d++) {
      int64_t id = rem / bst[d];
      rem %= bst[d];
      oa += id * sa[d];
      ob += id * sb[d];
    }
    const char* pa = (const char*)a.raw() + oa * es;
    const char* pb = (const char*)b.raw() + ob * es;
    char* pc = (char*)out.raw() + i * M * N * es;
    gemm_typed(ctx, a.dtype, M, N, K, pa, rsa, csa, pb, rsb, csb, 0.0, pc, N);
  }
  Shape rshape = batch;
  if (!a1) rshape.push_back(M);
  if (!b1) rshape.push_back(N);
  out.shape = rshape;
  out.strides = contiguous_strides(rshape);
  return out;
}

Tensor linear(Context& ctx, const Tensor& x0, const Tensor& w, const Tensor* bias, bool relu) {
  if (x0.dtype != w.dtype || (bias && bias->dtype != w.dtype))
    throw TypeError(std::string("linear: expected input, weight and bias of one dtype but got ") +
                    dtype_name(x0.dtype) + " and " + dtype_name(w.dtype));
  if (!is_float(w.dtype)) throw TypeError(std::string("linear: expected float tensors but got ") + dtype_name(w.dtype));
  if (w.dim() != 2) throw RangeError("linear: expected a 2-D weight [out, in] but got shape " + shape_str(w.shape));
  int64_t out_f = w.shape[0], in_f = w.shape[1];
  if (x0.dim() < 1 || x0.shape[x0.dim() - 1] != in_f)
    throw RangeError("linear: expected input with last dimension " + std::to_string(in_f) +
                     " (in_features) but got shape " + shape_str(x0.shape));
  if (bias && (bias->dim() != 1 || bias->shape[0] != out_f))
    throw RangeError("linear: expected bias of shape [" + std::to_string(out_f) + "] but got " +
                     shape_str(bias->shape));
  Tensor x = ctx.contiguous(x0);
  int64_t M = x.numel() / std::max<int64_t>(in_f, 1);
  if (in_f == 0) M = numel_of(Shape(x.shape.begin(), x.shape.end() - 1));
  Shape oshape(x.shape.begin(), x.shape.end() - 1);
  oshape.push_back(out_f);
  Tensor out = ctx.empty(oshape, x.dtype);
  Tensor bc = bias ? ctx.contiguous(*bias) : Tensor();
  // W^T as a strided view: element (p, j) = w[j, p]. C = relu?(x @ W^T + bias) in one pass.
  if (x.dtype == DType::F32) {
    Epilogue<float> epi{bias ? (const float*)bc.raw() : nullptr, false, relu};
    gemm_f32(ctx.pool.get(), M, out_f, in_f, 1.0f, (const float*)x.raw(), in_f, 1, (const float*)w.raw(),
             w.strides[1], w.strides[0], 0.0f, (float*)out.raw(), out_f, &epi);
  } else {
    Epilogue<double> epi{bias ? (const double*)bc.raw() : nullptr, false, relu};
    gemm_f64(ctx.pool.get(), M, out_f, in_f, 1.0, (const double*)x.raw(), in_f, 1, (const double*)w.raw(),
             w.strides[1], w.strides[0], 0.0, (double*)out.raw(), out_f, &epi);
  }
  return out;
}

}  // namespace flint
