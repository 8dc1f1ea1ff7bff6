// CPU kernels over core tensors. Shapes and dtypes are checked here (errors name the op and
// the shapes); the binding only converts arguments. Outputs are new contiguous tensors
// unless the name ends in an underscore (in place).
#pragma once
#include <string>
#include <vector>

#include "core/context.h"

namespace flint {

enum class BinOp : int {
  Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Maximum = 5, Minimum = 6,
  ReluGrad = 7,  // a = upstream gradient, b = relu input: a * (b > 0)
  Eq = 8, Lt = 9, Gt = 10, Le = 11, Ge = 12, Ne = 13,  // uint8 results
  Count = 14
};
enum class UnOp : int { Neg = 0, Exp = 1, Log = 2, Relu = 3, Sqrt = 4, Abs = 5, Tanh = 6, Sigmoid = 7, Count = 8 };

const char* binop_name(BinOp op);
const char* unop_name(UnOp op);

Tensor binary(Context& ctx, BinOp op, const Tensor& a, const Tensor& b);
// a op s, or s op a when reverse.
Tensor binary_scalar(Context& ctx, BinOp op, const Tensor& a, double s, bool reverse);
Tensor unary(Context& ctx, UnOp op, const Tensor& a);
void fill_(const Tensor& t, double v);
Tensor cast(Context& ctx, const Tensor& t, DType d);

// Sum over dims (all when dims is empty), times scale (mean = sum * 1/n).
Tensor sum(Context& ctx, const Tensor& a, const Shape& dims, bool keepdim, double scale);
// Max along dim: values and int64 indices (first index among ties; NaN wins).
std::pair<Tensor, Tensor> max_dim(Context& ctx, const Tensor& a, int64_t dim, bool keepdim);

Tensor matmul(Context& ctx, const Tensor& a, const Tensor& b);
// y = relu?(x @ w^T + b): x [..., in], w [out, in], bias [out] or none; bias and ReLU in the GEMM epilogue.
Tensor linear(Context& ctx, const Tensor& x, const Tensor& w, const Tensor* bias, bool relu = false);

// Fused log-softmax + NLL. logits [N, C] float, target [N] int64/int32.
// reduction: 0 none, 1 mean, 2 sum.
Tensor cross_entropy(Context& ctx, const Tensor& logits, const Tensor& target, int reduction);
Tensor cross_entropy_backward(Context& ctx, const Tensor& logits, const Tensor& target, const Tensor& grad,
                              int reduction);

Tensor cat(Context& ctx, const std::vector<Tensor>& ts, int64_t dim);
Tensor index_select(Context& ctx, const Tensor& a, int64_t dim, const Tensor& index);
Tensor gather(Context& ctx, const Tensor& a, int64_t dim, const Tensor& index);
// zeros(shape) with out[index along dim] += src (PyTorch scatter_add semantics).
Tensor scatter_add(Context& ctx, const Shape& shape, int64_t dim, const Tensor& index, const Tensor& src);

void uniform_(Context& ctx, const Tensor& t, double lo, double hi);
void normal_(Context& ctx, const Tensor& t, double mean, double std);

// Optimizer updates (sgd_step_, adam_step_, ...): cpu/optim.h.

// out += alpha * src (in place, same shape): gradient accumulation.
void axpy_(Context& ctx, const Tensor& out, const Tensor& src, double alpha);

}  // namespace flint
