// Dropout masks from the per-instance generator (manualSeed makes them reproducible). The
// draws are sequential: the same seed gives the same mask whatever the thread count.
#include "cpu/nn.h"

namespace flint {

Tensor dropout_mask(Context& ctx, const Shape& shape, DType dtype, double p) {
  const char* op = "dropout";
  if (!(p >= 0 && p <= 1))
    throw RangeError(std::string(op) + ": expected a probability between 0 and 1 but got " + std::to_string(p));
  if (!is_float(dtype)) throw TypeError(std::string(op) + ": expected a float dtype but got " + dtype_name(dtype));
  checked_numel(shape, dtype_size(dtype), op);
  Tensor m = ctx.empty(shape, dtype);
  int64_t n = m.numel();
  double keep = 1 - p;
  FLINT_DISPATCH_FLOAT(dtype, op, T, {
    T* pm = m.data<T>();
    T scale = p < 1 ? T(1) / T(keep) : T(0);
    if (p == 1)
      for (int64_t i = 0; i < n; i++) pm[i] = T(0);
    else
      for (int64_t i = 0; i < n; i++) pm[i] = ctx.rng.uniform() < keep ? scale : T(0);
  });
  return m;
}

}  // namespace flint
