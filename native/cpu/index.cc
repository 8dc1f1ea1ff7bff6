// Indexing kernels: cat, index_select, gather, scatter_add.
#include "cpu/kernels.h"

namespace flint {

Tensor cat(Context& ctx, const std::vector<Tensor>& ts, int64_t dim) {
  if (ts.empty()) throw RangeError("cat: expected a non-empty list of tensors");
  const Tensor& f = ts[0];
  if (f.dim() == 0) throw RangeError("cat: zero-dimensional tensor (at index 0) cannot be concatenated");
  int64_t d = wrap_dim(dim, f.dim(), "cat");
  Shape shape = f.shape;
  shape[d] = 0;
  for (size_t i = 0; i < ts.size(); i++) {
    const Tensor& t = ts[i];
    if (t.dtype != f.dtype)
      throw TypeError("cat: expected tensors of one dtype but got " + std::string(dtype_name(f.dtype)) + " and " +
                      dtype_name(t.dtype) + " at index " + std::to_string(i));
    bool ok = t.dim() == f.dim();
    for (int64_t k = 0; ok && k < f.dim(); k++) ok = k == d || t.shape[k] == f.shape[k];
    if (!ok)
      throw RangeError("cat: tensor at index " + std::to_string(i) + " has shape " + shape_str(t.shape) +
                       " but tensor 0 has shape " + shape_str(f.shape) + " (sizes must match except in dim " +
                       std::to_string(d) + ")");
    shape[d] += t.shape[d];
  }
  Tensor out = ctx.empty(shape, f.dtype);
  int64_t pos = 0;
  for (auto& t : ts) {
    Tensor view = out;
    view.shape = t.shape;
    view.offset = out.offset + pos * out.strides[d];
    copy_into(view, t);
    pos += t.shape[d];
  }
  return out;
}

static Tensor index_as_i64(Context& ctx, const Tensor& index, const char* op) {
  if (index.dtype != DType::I64 && index.dtype != DType::I32)
    throw TypeError(std::string(op) + ": expected an int64 or int32 index but got " + dtype_name(index.dtype));
  return index.dtype == DType::I64 ? ctx.contiguous(index) : cast(ctx, index, DType::I64);
}

Tensor index_select(Context& ctx, const Tensor& a, int64_t dim, const Tensor& index0) {
  int64_t d = wrap_dim(dim, a.dim(), "index_select");
  if (index0.dim() > 1) throw RangeError("index_select: expected a 1-D index but got shape " + shape_str(index0.shape));
  Tensor index = index_as_i64(ctx, index0, "index_select");
  int64_t n = index.numel(), len = a.dim() ? a.shape[d] : 1;
  const int64_t* pi = index.data<int64_t>();
  for (int64_t i = 0; i < n; i++)
    if (pi[i] < -len || pi[i] >= len)
      throw RangeError("index_select: index " + std::to_string(pi[i]) + " is out of range for dim " +
                       std::to_string(d) + " of size " + std::to_string(len) + " (shape " + shape_str(a.shape) + ")");
  Shape shape = a.shape;
  if (a.dim()) shape[d] = n;
  Tensor out = ctx.empty(shape, a.dtype);
  if (a.dim() == 0) { copy_into(out, a); return out; }
  for (int64_t i = 0; i < n; i++) {
    int64_t k = pi[i] < 0 ? pi[i] + len : pi[i];
    Tensor src = a, dst = out;
    src.shape[d] = 1; dst.shape[d] = 1;
    src.offset += k * a.strides[d];
    dst.offset += i * out.strides[d];
    copy_into(dst, src);
  }
  return out;
}

// Shared walk for gather / scatter_add: index has a's rank; visits (position in index,
// offset in the dim-indexed tensor with the dim coordinate replaced by the index value).
template <class F>
static void walk_index(const Tensor& index, const Shape& target_shape, const Shape& target_strides, int64_t d,
                       const char* op, F f) {
  const int64_t* pi = index.data<int64_t>();
  int64_t nd = index.dim();
  if (nd == 0) {
    // 0-d index into a 0-d tensor (PyTorch allows it): one element, and only index 0 exists.
    if (pi[0] != 0)
      throw RangeError(std::string(op) + ": index " + std::to_string(pi[0]) +
                       " is out of range for a zero-dimensional tensor");
    f(0, 0);
    return;
  }
  for (int64_t k = 0; k < nd; k++)
    if (k != d && index.shape[k] > target_shape[k])
      throw RangeError(std::string(op) + ": index shape " + shape_str(index.shape) + " is larger than " +
                       shape_str(target_shape) + " in dim " + std::to_string(k));
  Shape ist = contiguous_strides(index.shape);
  Shape tst = target_strides;
  tst[d] = 0;
  const Shape* st[2] = {&ist, &tst};
  int64_t len = target_shape[d];
  for_each_strided<2>(index.shape, st, [&](const int64_t* o, int64_t m, const int64_t* in) {
    for (int64_t i = 0; i < m; i++) {
      int64_t pos = o[0] + i * in[0];
      int64_t v = pi[pos];
      if (v < 0 || v >= len)
        throw RangeError(std::string(op) + ": index " + std::to_string(v) + " is out of range for dim " +
                         std::to_string(d) + " of size " + std::to_string(len));
      f(pos, o[1] + i * in[1] + v * target_strides[d]);
    }
  });
}

Tensor gather(Context& ctx, const Tensor& a, int64_t dim, const Tensor& index0) {
  int64_t d = wrap_dim(dim, a.dim(), "gather");
  Tensor index = index_as_i64(ctx, index0, "gather");
  if (index.dim() != a.dim())
    throw RangeError("gather: index " + shape_str(index.shape) + " must have the rank of input " + shape_str(a.shape));
  Tensor out = ctx.empty(index.shape, a.dtype);
  FLINT_DISPATCH_ALL(a.dtype, T, {
    const T* pa = a.data<T>();
    T* po = out.data<T>();
    walk_index(index, a.shape, a.strides, d, "gather", [&](int64_t pos, int64_t off) { po[pos] = pa[off]; });
  });
  return out;
}

Tensor scatter_add(Context& ctx, const Shape& shape, int64_t dim, const Tensor& index0, const Tensor& src0) {
  int64_t d = wrap_dim(dim, (int64_t)shape.size(), "scatter_add");
  Tensor index = index_as_i64(ctx, index0, "scatter_add");
  if (index.dim() != (int64_t)shape.size() || src0.shape != index.shape)
    throw RangeError("scatter_add: index " + shape_str(index.shape) + " and src " + shape_str(src0.shape) +
                     " must have one shape with the rank of " + shape_str(shape));
  Tensor src = ctx.contiguous(src0);
  Tensor out = ctx.empty(shape, src.dtype);
  fill_(out, 0);
  FLINT_DISPATCH_ALL(src.dtype, T, {
    const T* ps = src.data<T>();
    T* po = out.data<T>();
    walk_index(index, out.shape, out.strides, d, "scatter_add", [&](int64_t pos, int64_t off) { po[off] += ps[pos]; });
  });
  return out;
}

}  // namespace flint
