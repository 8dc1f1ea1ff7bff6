// Augmentation kernels: per-sample affine warp (nearest / bilinear) and Gaussian noise.
// The warp follows torchvision's tensor path: F.affine / F.rotate build a grid from an inverse
// affine matrix and call grid_sample(align_corners=False, padding_mode="zeros"), then blend a
// fill colour through a sampled mask channel of ones. lib/data/transforms.ts turns that matrix
// into theta (absolute pixel coordinates), so here a sample point is just theta @ (x, y, 1).
#include "cpu/augment.h"

#include <cmath>
#include <string>

namespace flint {

// One sample point: up to four taps (input offsets within a plane) with weights; m is the
// weight that fell inside the image (grid_sample of a ones channel).
struct Taps {
  int64_t off[4];
  double w[4];
  int n = 0;
  double m = 0;
};

static inline bool finite_in(double v, double lo, double hi) { return v >= lo && v <= hi; }  // false for NaN

// nearbyint (round half to even) and floor for |v| < 2^51, without the libm calls that a
// baseline x86-64 build makes for them: adding and subtracting 1.5 * 2^52 rounds in the FPU's
// round-to-nearest-even mode. The naive twin keeps std::nearbyint / std::floor as the oracle.
static inline double round_even(double v) {
  const double magic = 6755399441055744.0;  // 1.5 * 2^52
  double t = v + magic;  // rounded here: IEEE arithmetic (no -ffast-math) never folds (v + c) - c
  return t - magic;
}
static inline double floor_small(double v) {
  double r = round_even(v);
  return r > v ? r - 1 : r;
}

// Taps of the point (ix, iy) in an H x W plane with row stride H-contiguous (row stride W).
static inline void taps_at(Taps& t, double ix, double iy, int64_t H, int64_t W, Interp mode) {
  t.n = 0;
  t.m = 0;
  if (mode == Interp::Nearest) {
    // grid_sample: nearbyint (round half to even) of the unnormalised coordinate
    if (!finite_in(ix, -1.0, (double)W) || !finite_in(iy, -1.0, (double)H)) return;
    int64_t x = (int64_t)round_even(ix), y = (int64_t)round_even(iy);
    if (x < 0 || x >= W || y < 0 || y >= H) return;
    t.off[0] = y * W + x;
    t.w[0] = 1;
    t.n = 1;
    t.m = 1;
    return;
  }
  if (!finite_in(ix, -2.0, (double)W + 1) || !finite_in(iy, -2.0, (double)H + 1)) return;
  double fx = floor_small(ix), fy = floor_small(iy);
  int64_t x0 = (int64_t)fx, y0 = (int64_t)fy;
  double ax = ix - fx, ay = iy - fy;  // weight of the +1 neighbour
  for (int k = 0; k < 4; k++) {
    int64_t x = x0 + (k & 1), y = y0 + (k >> 1);
    double w = ((k & 1) ? ax : 1 - ax) * ((k >> 1) ? ay : 1 - ay);
    if (x < 0 || x >= W || y < 0 || y >= H) continue;
    t.off[t.n] = y * W + x;
    t.w[t.n] = w;
    t.n++;
    t.m += w;
  }
}

template <class T>
static inline T store(double v) {
  if constexpr (std::is_same<T, uint8_t>::value) {
    // torch.round (half to even) then the cast; clamped so a fill of 300 cannot wrap (NaN -> 0)
    if (!(v > 0)) return 0;
    if (v >= 255) return 255;
    return (T)round_even(v);
  } else {
    return (T)v;
  }
}

// The value at one sample point of one plane, after the fill rule.
template <class T>
static inline double sample(const T* plane, const Taps& t, Interp mode, bool has_fill, double fill) {
  double v = 0;
  for (int k = 0; k < t.n; k++) v += t.w[k] * (double)plane[t.off[k]];
  if (!has_fill) return v;
  if (mode == Interp::Nearest) return t.m < 0.5 ? fill : v;
  return v * t.m + (1.0 - t.m) * fill;
}

static void check_warp(const char* op, const Tensor& in, const Tensor& theta, int64_t oh, int64_t ow,
                       const std::vector<double>& fill) {
  if (in.dim() != 4) throw RangeError(std::string(op) + ": expected input [N, C, H, W] but got shape " + shape_str(in.shape));
  if (in.dtype != DType::F32 && in.dtype != DType::F64 && in.dtype != DType::U8)
    throw TypeError(std::string(op) + ": expected a float32, float64 or uint8 image but got " + dtype_name(in.dtype));
  if (theta.dtype != DType::F64) throw TypeError(std::string(op) + ": expected theta to be float64 but got " + dtype_name(theta.dtype));
  if (theta.dim() != 2 || theta.shape[1] != 6 || (theta.shape[0] != 1 && theta.shape[0] != in.shape[0]))
    throw RangeError(std::string(op) + ": expected theta of shape [" + std::to_string(in.shape[0]) + ", 6] or [1, 6] but got " +
                     shape_str(theta.shape));
  if (oh < 1 || ow < 1)
    throw RangeError(std::string(op) + ": expected a positive output size but got " + std::to_string(oh) + "x" + std::to_string(ow));
  if (!fill.empty() && fill.size() != 1 && (int64_t)fill.size() != in.shape[1])
    throw RangeError(std::string(op) + ": expected fill to hold 1 or " + std::to_string(in.shape[1]) + " (channels) values but got " +
                     std::to_string(fill.size()));
}

static inline double fill_for(const std::vector<double>& fill, int64_t c) {
  return fill.empty() ? 0.0 : fill.size() == 1 ? fill[0] : fill[c];
}

// One output row of one sample, all channels. Everything arrives by value: a uint8 store may
// alias any memory, so nothing the loop reads may sit behind a pointer or a lambda capture, or
// the compiler reloads it after every pixel.
//   dst: the row in channel 0 of the output (channel c at + c * out_plane); src: channel 0 of the
//   input sample (channel c at + c * H * W); ix = (t0 * x + by) + t2, iy = (t3 * x + cy) + t5, the
//   naive twin's order of operations (by = t1 * y, cy = t4 * y).
template <class T>
static void warp_row(T* __restrict dst, const T* __restrict src, const double* fill, const T* fill_t, bool has_fill,
                     int64_t C, int64_t H, int64_t W, int64_t ow, int64_t out_plane, Interp mode, double t0, double by,
                     double t2, double t3, double cy, double t5) {
  const int64_t in_plane = H * W;
  if (mode == Interp::Nearest) {
    for (int64_t x = 0; x < ow; x++) {
      const double ix = (t0 * (double)x + by) + t2, iy = (t3 * (double)x + cy) + t5;
      int64_t xi = -1, yi = -1;
      if (finite_in(ix, -1.0, (double)W) && finite_in(iy, -1.0, (double)H)) {
        xi = (int64_t)round_even(ix);
        yi = (int64_t)round_even(iy);
      }
      if (xi >= 0 && xi < W && yi >= 0 && yi < H) {
        const T* p = src + yi * W + xi;
        for (int64_t c = 0; c < C; c++) dst[c * out_plane + x] = p[c * in_plane];
      } else {
        for (int64_t c = 0; c < C; c++) dst[c * out_plane + x] = has_fill ? fill_t[c] : T(0);
      }
    }
    return;
  }
  Taps t;
  for (int64_t x = 0; x < ow; x++) {
    taps_at(t, (t0 * (double)x + by) + t2, (t3 * (double)x + cy) + t5, H, W, mode);
    for (int64_t c = 0; c < C; c++)
      dst[c * out_plane + x] = store<T>(sample(src + c * in_plane, t, mode, has_fill, has_fill ? fill[c] : 0.0));
  }
}

Tensor affine_warp(Context& ctx, const Tensor& in0, const Tensor& theta0, int64_t oh, int64_t ow, Interp mode,
                   const std::vector<double>& fill) {
  const char* op = "affineWarp";
  check_warp(op, in0, theta0, oh, ow, fill);
  Tensor in = ctx.contiguous(in0), theta = ctx.contiguous(theta0);
  const int64_t N = in.shape[0], C = in.shape[1], H = in.shape[2], W = in.shape[3];
  Tensor out = ctx.empty({N, C, oh, ow}, in.dtype);
  if (out.numel() == 0) return out;
  const double* th = theta.data<double>();
  const bool one_theta = theta.shape[0] == 1, has_fill = !fill.empty();
  std::vector<double> fill_c(C, 0.0);  // one fill value per channel
  for (int64_t c = 0; c < C && has_fill; c++) fill_c[c] = fill_for(fill, c);
  // one task = one output row of one sample, all channels: the sample point is computed once per pixel
  FLINT_DISPATCH_ALL(in.dtype, T, {
    std::vector<T> fill_t(C);
    for (int64_t c = 0; c < C; c++) fill_t[c] = store<T>(fill_c[c]);
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, ow * C));
    ctx.pool->parallel_for(N * oh, grain, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; r++) {
        const int64_t n = r / oh, y = r % oh;
        const double* m = th + (one_theta ? 0 : n * 6);
        warp_row<T>(dst + (n * C * oh + y) * ow, src + n * C * H * W, fill_c.data(), fill_t.data(), has_fill, C, H, W, ow,
                    oh * ow, mode, m[0], m[1] * (double)y, m[2], m[3], m[4] * (double)y, m[5]);
      }
    });
  });
  return out;
}

Tensor affine_warp_naive(Context& ctx, const Tensor& in, const Tensor& theta, int64_t oh, int64_t ow, Interp mode,
                         const std::vector<double>& fill) {
  check_warp("affineWarp", in, theta, oh, ow, fill);
  const int64_t N = in.shape[0], C = in.shape[1], H = in.shape[2], W = in.shape[3];
  Tensor out = ctx.empty({N, C, oh, ow}, in.dtype);
  const double* th0 = theta.data<double>();
  FLINT_DISPATCH_ALL(in.dtype, T, {
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    for (int64_t n = 0; n < N; n++)
      for (int64_t c = 0; c < C; c++)
        for (int64_t y = 0; y < oh; y++)
          for (int64_t x = 0; x < ow; x++) {
            int64_t k = theta.shape[0] == 1 ? 0 : n;
            const double* m = th0;
            double t[6];
            for (int j = 0; j < 6; j++) t[j] = m[k * theta.strides[0] + j * theta.strides[1]];
            double ix = t[0] * x + t[1] * y + t[2], iy = t[3] * x + t[4] * y + t[5];
            double v = 0, wsum = 0;
            if (mode == Interp::Nearest) {
              if (finite_in(ix, -1.0, (double)W) && finite_in(iy, -1.0, (double)H)) {
                int64_t xi = (int64_t)std::nearbyint(ix), yi = (int64_t)std::nearbyint(iy);
                if (xi >= 0 && xi < W && yi >= 0 && yi < H) {
                  v = (double)src[n * in.strides[0] + c * in.strides[1] + yi * in.strides[2] + xi * in.strides[3]];
                  wsum = 1;
                }
              }
            } else if (finite_in(ix, -2.0, (double)W + 1) && finite_in(iy, -2.0, (double)H + 1)) {
              int64_t x0 = (int64_t)std::floor(ix), y0 = (int64_t)std::floor(iy);
              for (int64_t yi = y0; yi <= y0 + 1; yi++)
                for (int64_t xi = x0; xi <= x0 + 1; xi++) {
                  if (xi < 0 || xi >= W || yi < 0 || yi >= H) continue;
                  double w = (1 - std::fabs(ix - (double)xi)) * (1 - std::fabs(iy - (double)yi));
                  v += w * (double)src[n * in.strides[0] + c * in.strides[1] + yi * in.strides[2] + xi * in.strides[3]];
                  wsum += w;
                }
            }
            if (!fill.empty()) {
              double f = fill_for(fill, c);
              v = mode == Interp::Nearest ? (wsum < 0.5 ? f : v) : v * wsum + (1.0 - wsum) * f;
            }
            if constexpr (std::is_same<T, uint8_t>::value) {
              double r = std::nearbyint(v);
              dst[((n * C + c) * oh + y) * ow + x] = (T)(r != r ? 0 : r < 0 ? 0 : r > 255 ? 255 : r);
            } else {
              dst[((n * C + c) * oh + y) * ow + x] = (T)v;
            }
          }
  });
  return out;
}

Tensor gaussian_noise(Context& ctx, const Tensor& x0, double mean, double std, bool clip) {
  if (!(std >= 0)) throw RangeError("gaussianNoise: expected std >= 0 but got " + std::to_string(std));
  if (!std::isfinite(mean)) throw RangeError("gaussianNoise: expected a finite mean but got " + std::to_string(mean));
  Tensor x = ctx.contiguous(x0);
  Tensor out = ctx.empty(x.shape, x.dtype);
  int64_t n = x.numel();
  FLINT_DISPATCH_FLOAT(x.dtype, "gaussianNoise", T, {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    // Box-Muller in pairs, as normal_ draws them (sequential: the generator is one stream)
    for (int64_t i = 0; i < n; i += 2) {
      double u1;
      do { u1 = ctx.rng.uniform(); } while (u1 <= 0);
      double u2 = ctx.rng.uniform();
      double r = std::sqrt(-2 * std::log(u1));
      double z[2] = {r * std::cos(2 * M_PI * u2), r * std::sin(2 * M_PI * u2)};
      for (int64_t k = 0; k < 2 && i + k < n; k++) {
        double v = (double)px[i + k] + mean + std * z[k];
        if (clip) v = v < 0 ? 0 : v > 1 ? 1 : v;
        po[i + k] = (T)v;
      }
    }
  });
  return out;
}

Tensor scale_normalize(Context& ctx, const Tensor& x0, DType od, double div, const std::vector<double>& mean,
                       const std::vector<double>& std, int64_t channels, int64_t inner, const Tensor* rows0) {
  const char* op = "scaleNormalize";
  if (x0.dtype != DType::U8 && x0.dtype != DType::F32 && x0.dtype != DType::F64)
    throw TypeError(std::string(op) + ": expected a uint8, float32 or float64 tensor but got " + dtype_name(x0.dtype));
  if (!is_float(od)) throw TypeError(std::string(op) + ": expected a float output dtype but got " + dtype_name(od));
  if (!(div > 0) || !std::isfinite(div)) throw RangeError(std::string(op) + ": expected a positive divisor but got " + std::to_string(div));
  if (mean.size() != std.size())
    throw RangeError(std::string(op) + ": mean has " + std::to_string(mean.size()) + " values but std has " + std::to_string(std.size()));
  for (double s : std)
    if (s == 0) throw RangeError(std::string(op) + ": std holds a zero, leading to division by zero");
  if (channels < 1 || inner < 1) throw RangeError(std::string(op) + ": expected positive channels and inner sizes");
  if (!mean.empty() && mean.size() != 1 && (int64_t)mean.size() != channels)
    throw RangeError(std::string(op) + ": expected 1 or " + std::to_string(channels) + " mean values but got " + std::to_string(mean.size()));
  Tensor x = ctx.contiguous(x0);
  // the gather: output sample b reads input sample rows[b] (each `sample` elements long)
  Shape shape = x.shape;
  int64_t nsrc = 1, sample = x.numel();
  std::vector<int64_t> src_of;
  if (rows0) {
    if (x.dim() < 1) throw RangeError(std::string(op) + ": cannot gather rows of a zero-dimensional tensor");
    if (rows0->dim() != 1) throw RangeError(std::string(op) + ": expected 1-D rows but got shape " + shape_str(rows0->shape));
    if (rows0->dtype != DType::I32 && rows0->dtype != DType::I64)
      throw TypeError(std::string(op) + ": expected int32 or int64 rows but got " + dtype_name(rows0->dtype));
    nsrc = x.shape[0];
    sample = nsrc ? x.numel() / nsrc : 0;
    Tensor r = ctx.contiguous(*rows0);
    int64_t b = r.numel();
    src_of.resize(b);
    for (int64_t i = 0; i < b; i++) {
      int64_t k = r.dtype == DType::I32 ? (int64_t)r.data<int32_t>()[i] : r.data<int64_t>()[i];
      if (k < -nsrc || k >= nsrc)
        throw RangeError(std::string(op) + ": row " + std::to_string(k) + " is out of range for " + std::to_string(nsrc) + " samples");
      src_of[i] = k < 0 ? k + nsrc : k;
    }
    shape[0] = b;
  } else {
    src_of.push_back(0);
  }
  if (sample % (channels * inner) != 0)
    throw RangeError(std::string(op) + ": " + std::to_string(sample) + " elements do not split into channels of " +
                     std::to_string(channels) + " x " + std::to_string(inner));
  Tensor out = ctx.empty(shape, od);
  const int64_t planes_per = sample / inner, nplanes = (int64_t)src_of.size() * planes_per;
  if (out.numel() == 0) return out;
  const bool scale = div != 1, norm = !mean.empty();
  FLINT_DISPATCH_FLOAT(od, op, T, {
    T* po = out.data<T>();
    std::vector<T> m(channels, T(0)), s(channels, T(1));
    for (int64_t c = 0; c < channels && norm; c++) {
      m[c] = (T)mean[mean.size() == 1 ? 0 : c];
      s[c] = (T)std[std.size() == 1 ? 0 : c];
    }
    const T d = (T)div;
    if (x.dtype == DType::U8) {
      // 256 possible inputs: a table per channel, filled by the same arithmetic as the loop below
      std::vector<T> lut(channels * 256);
      for (int64_t c = 0; c < channels; c++)
        for (int v = 0; v < 256; v++) {
          T t = (T)v;
          if (scale) t = t / d;
          if (norm) t = (t - m[c]) / s[c];
          lut[c * 256 + v] = t;
        }
      const uint8_t* px = x.data<uint8_t>();
      ctx.pool->parallel_for(nplanes, std::max<int64_t>(1, 65536 / inner), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; p++) {
          const int64_t b = p / planes_per, q = p % planes_per;
          const T* tab = lut.data() + (q % channels) * 256;
          const uint8_t* a = px + src_of[b] * sample + q * inner;
          T* o = po + p * inner;
          for (int64_t i = 0; i < inner; i++) o[i] = tab[a[i]];
        }
      });
      return out;
    }
    FLINT_DISPATCH_ALL(x.dtype, S, {
      const S* px = x.data<S>();
      // one task per plane of `inner` elements (a channel of one image)
      ctx.pool->parallel_for(nplanes, std::max<int64_t>(1, 32768 / inner), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; p++) {
          const int64_t b = p / planes_per, q = p % planes_per, c = q % channels;
          const T mc = m[c], sc = s[c];
          const S* a = px + src_of[b] * sample + q * inner;
          T* o = po + p * inner;
          for (int64_t i = 0; i < inner; i++) {
            T t = (T)a[i];
            if (scale) t = t / d;
            if (norm) t = (t - mc) / sc;
            o[i] = t;
          }
        }
      });
    });
  });
  return out;
}

}  // namespace flint
