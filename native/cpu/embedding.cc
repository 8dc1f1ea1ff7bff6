// Embedding lookup and its backward (rows of the gradient summed into the rows they came from;
// repeated indices accumulate, the padding row gets no gradient).
#include <algorithm>
#include <cstring>

#include "cpu/nn.h"

namespace flint {

static Tensor checked_indices(Context& ctx, const char* op, const Tensor& weight, const Tensor& indices) {
  if (weight.dim() != 2)
    throw RangeError(std::string(op) + ": expected a 2-D weight [num_embeddings, embedding_dim] but got shape " +
                     shape_str(weight.shape));
  if (indices.dtype != DType::I64 && indices.dtype != DType::I32)
    throw TypeError(std::string(op) + ": expected int64 or int32 indices but got " + dtype_name(indices.dtype));
  Tensor idx = cast(ctx, indices, DType::I64);
  const int64_t* pi = idx.data<int64_t>();
  int64_t V = weight.shape[0];
  for (int64_t i = 0; i < idx.numel(); i++)
    if (pi[i] < 0 || pi[i] >= V)
      throw RangeError(std::string(op) + ": index " + std::to_string(pi[i]) + " at position " + std::to_string(i) +
                       " is out of range for " + std::to_string(V) + " embeddings (weight " + shape_str(weight.shape) +
                       ")");
  return idx;
}

Tensor embedding(Context& ctx, const Tensor& weight0, const Tensor& indices) {
  const char* op = "embedding";
  Tensor idx = checked_indices(ctx, op, weight0, indices);
  Tensor w = ctx.contiguous(weight0);
  int64_t D = w.shape[1], n = idx.numel();
  Shape shape = indices.shape;
  shape.push_back(D);
  Tensor out = ctx.empty(shape, w.dtype);
  size_t row = (size_t)D * dtype_size(w.dtype);
  const int64_t* pi = idx.data<int64_t>();
  const char* src = static_cast<const char*>(w.raw());
  char* dst = static_cast<char*>(out.raw());
  ctx.pool->parallel_for(n, std::max<int64_t>(1, 16384 / std::max<int64_t>(D, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) std::memcpy(dst + i * row, src + pi[i] * row, row);
  });
  return out;
}

Tensor embedding_backward(Context& ctx, const Tensor& grad0, const Tensor& indices, const Tensor& weight,
                          int64_t padding_idx) {
  const char* op = "embedding_backward";
  Tensor idx = checked_indices(ctx, op, weight, indices);
  int64_t V = weight.shape[0], D = weight.shape[1];
  Shape gshape = indices.shape;
  gshape.push_back(D);
  if (grad0.shape != gshape)
    throw RangeError(std::string(op) + ": expected gradient of shape " + shape_str(gshape) + " but got " +
                     shape_str(grad0.shape));
  if (grad0.dtype != weight.dtype || !is_float(weight.dtype))
    throw TypeError(std::string(op) + ": expected float gradient and weight of one dtype but got " +
                    dtype_name(grad0.dtype) + " and " + dtype_name(weight.dtype));
  Tensor g = ctx.contiguous(grad0);
  Tensor dw = ctx.empty({V, D}, weight.dtype);
  fill_(dw, 0);
  int64_t n = idx.numel();
  FLINT_DISPATCH_FLOAT(weight.dtype, op, T, {
    const int64_t* pi = idx.data<int64_t>();
    const T* pg = g.data<T>();
    T* pd = dw.data<T>();
    // Threads own column ranges, so repeated indices accumulate without races, in index order.
    ctx.pool->parallel_for(D, std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1)), [&](int64_t cb, int64_t ce) {
      for (int64_t i = 0; i < n; i++) {
        if (pi[i] == padding_idx) continue;
        T* drow = pd + pi[i] * D;
        const T* grow = pg + i * D;
        for (int64_t c = cb; c < ce; c++) drow[c] += grow[c];
      }
    });
  });
  return dw;
}

}  // namespace flint
