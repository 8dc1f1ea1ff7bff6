// Dropout masks from the per-instance generator (manualSeed makes them reproducible). The
// draws are sequential: the same seed gives the same mask whatever the thread count.
#include <cmath>

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
    if (p == 1) {
      for (int64_t i = 0; i < n; i++) pm[i] = T(0);
    } else {
      // Each 64-bit draw gives two 32-bit uniforms u; an element is kept when u < keep * 2^32.
      uint64_t thresh = (uint64_t)std::ldexp(keep, 32);
      int64_t i = 0;
      for (; i + 1 < n; i += 2) {
        uint64_t r = ctx.rng.next();
        pm[i] = (r & 0xffffffffu) < thresh ? scale : T(0);
        pm[i + 1] = (r >> 32) < thresh ? scale : T(0);
      }
      if (i < n) pm[i] = (ctx.rng.next() & 0xffffffffu) < thresh ? scale : T(0);
    }
  });
  return m;
}

}  // namespace flint
