// max_pool2d, avg_pool2d and adaptive_avg_pool2d with their backwards. Each (image, channel)
// plane is independent: the loops run over planes on the thread pool, and within a plane over
// output positions and their windows, as PyTorch's channels-first CPU kernels do (so ties,
// NaN and the divisor of partial windows come out the same).
#include "cpu/pool.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "cpu/kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace flint {

namespace {

constexpr int64_t kGrain = int64_t(1) << 14;  // elements of work per task at least
constexpr int64_t kMaxParam = INT32_MAX;       // window sizes beyond this would overflow the index math

int64_t grain_for(int64_t per_plane) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(per_plane, 1)); }

std::string pair_str(int64_t a, int64_t b) { return "[" + std::to_string(a) + ", " + std::to_string(b) + "]"; }

// The planes of a [N, C, H, W] or [C, H, W] shape and its output shape.
struct Planes {
  int64_t planes, H, W, OH, OW;
  Shape out_shape;
};

Planes planes_of(const char* op, const Shape& s) {
  const std::string o(op);
  if (s.size() != 3 && s.size() != 4)
    throw RangeError(o + ": expected a 3-D [C, H, W] or 4-D [N, C, H, W] input but got shape " + shape_str(s));
  for (size_t i = s.size() - 3; i < s.size(); i++)
    if (s[i] < 1)
      throw RangeError(o + ": expected an input with non-zero channels, height and width but got shape " + shape_str(s));
  if (s[0] < 0) throw RangeError(o + ": negative dimension in shape " + shape_str(s));
  Planes pl;
  pl.H = s[s.size() - 2];
  pl.W = s[s.size() - 1];
  pl.planes = s.size() == 4 ? s[0] * s[1] : s[0];
  return pl;
}

void check_window(const char* op, const Pool2dParams& p, bool dilation) {
  const std::string o(op);
  if (p.kh < 1 || p.kw < 1) throw RangeError(o + ": expected kernel_size >= 1 but got " + pair_str(p.kh, p.kw));
  if (p.sh < 1 || p.sw < 1) throw RangeError(o + ": expected stride >= 1 but got " + pair_str(p.sh, p.sw));
  if (dilation && (p.dh < 1 || p.dw < 1)) throw RangeError(o + ": expected dilation >= 1 but got " + pair_str(p.dh, p.dw));
  if (p.ph < 0 || p.pw < 0) throw RangeError(o + ": expected padding >= 0 but got " + pair_str(p.ph, p.pw));
  for (int64_t v : {p.kh, p.kw, p.sh, p.sw, p.dh, p.dw})
    if (v > kMaxParam) throw RangeError(o + ": kernel_size, stride and dilation must be at most " + std::to_string(kMaxParam));
  if (p.ph > p.kh / 2 || p.pw > p.kw / 2)
    throw RangeError(o + ": padding " + pair_str(p.ph, p.pw) + " must be at most half of kernel_size " +
                     pair_str(p.kh, p.kw));
}

// Checks the input shape and the params; fills the output size.
Planes pool_check(const char* op, const Shape& s, const Pool2dParams& p, bool dilation) {
  Planes pl = planes_of(op, s);
  check_window(op, p, dilation);
  const int64_t dh = dilation ? p.dh : 1, dw = dilation ? p.dw : 1;
  pl.OH = pool_output_size(pl.H, p.kh, p.ph, p.sh, dh, p.ceil_mode);
  pl.OW = pool_output_size(pl.W, p.kw, p.pw, p.sw, dw, p.ceil_mode);
  if (pl.OH < 1 || pl.OW < 1)
    throw RangeError(std::string(op) + ": kernel_size " + pair_str(p.kh, p.kw) +
                     (dilation ? " (dilation " + pair_str(p.dh, p.dw) + ")" : std::string()) +
                     " is larger than the padded input " + pair_str(pl.H + 2 * p.ph, pl.W + 2 * p.pw) +
                     " (input shape " + shape_str(s) + ", padding " + pair_str(p.ph, p.pw) + "): output size " +
                     pair_str(pl.OH, pl.OW) + " is too small");
  pl.out_shape = Shape(s.begin(), s.end() - 2);
  pl.out_shape.push_back(pl.OH);
  pl.out_shape.push_back(pl.OW);
  return pl;
}

void check_float(const char* op, const Tensor& t, const char* arg) {
  if (!is_float(t.dtype))
    throw TypeError(std::string(op) + ": expected " + arg + " to be float32 or float64 but got " + dtype_name(t.dtype));
}

// ---- max ----

// One tap (ih, kj) of every window of an output row: the running maxima mv and their indices
// mi (within the plane) of ow in [lo, hi) see x at off + ow*sw. No branches, and with I =
// int32 the loop vectorises (SSE2: 4 floats and 4 indices a step); on real data "v > max" is
// a coin flip, and a mispredicted branch per element made the first version 5x slower.
template <class T, class I>
inline void max_tap(T* __restrict mv, I* __restrict mi, const T* __restrict xp, int64_t lo, int64_t hi, int64_t off,
                    int64_t sw) {
  for (int64_t ow = lo; ow < hi; ow++) {
    const T v = xp[off + ow * sw];
    const T cur = mv[ow];
    const bool take = (v > cur) | (v != v);  // v != v: NaN propagates
    mv[ow] = take ? v : cur;
    mi[ow] = take ? (I)(off + ow * sw) : mi[ow];
  }
}

// Tap-major: for each output row, each tap (ki, kj) of the window updates the running maxima of
// the whole row. Taps are visited in PyTorch's window order (ih, then iw), so ties and NaN
// resolve the same way: the first maximum wins, a NaN takes over. Indices are kept as int32
// within a row (planes under 2^31 elements) and widened to int64 once per row.
template <class T, class I>
void max_pool2d_fwd(ThreadPool* pool, T* y, int64_t* ind, const T* x, const Planes& pl, const Pool2dParams& p) {
  const int64_t H = pl.H, W = pl.W, OH = pl.OH, OW = pl.OW;
  // Per output column: the first valid input column of its window; per kernel column kj: the
  // valid range ow in [lo[kj], hi[kj]), where iw = ow*sw - pw + kj*dw lies in [0, W).
  std::vector<int64_t> first_iw(OW), lo(p.kw), hi(p.kw);
  for (int64_t ow = 0; ow < OW; ow++) {
    int64_t iw0 = ow * p.sw - p.pw;
    const int64_t iw1 = std::min(iw0 + (p.kw - 1) * p.dw + 1, W);
    while (iw0 < 0) iw0 += p.dw;
    first_iw[ow] = iw0 < iw1 ? iw0 : -1;
  }
  for (int64_t kj = 0; kj < p.kw; kj++) {
    const int64_t off = kj * p.dw - p.pw;
    int64_t l = off >= 0 ? 0 : (-off + p.sw - 1) / p.sw;
    int64_t h = off >= W ? 0 : (W - off + p.sw - 1) / p.sw;
    lo[kj] = std::min(l, OW);
    hi[kj] = std::max(std::min(h, OW), lo[kj]);
  }
  pool->parallel_for(pl.planes, grain_for(OH * OW * p.kh * p.kw), [&](int64_t q0, int64_t q1) {
    std::vector<I> row(std::is_same<I, int64_t>::value ? 0 : OW);
    for (int64_t q = q0; q < q1; q++) {
      const T* xp = x + q * H * W;
      for (int64_t oh = 0; oh < OH; oh++) {
        T* mv = y + (q * OH + oh) * OW;
        int64_t* out_i = ind + (q * OH + oh) * OW;
        I* mi = std::is_same<I, int64_t>::value ? reinterpret_cast<I*>(out_i) : row.data();
        int64_t ih0 = oh * p.sh - p.ph;
        const int64_t ih1 = std::min(ih0 + (p.kh - 1) * p.dh + 1, H);
        while (ih0 < 0) ih0 += p.dh;
        for (int64_t ow = 0; ow < OW; ow++) {
          mv[ow] = -std::numeric_limits<T>::infinity();
          mi[ow] = (I)(ih0 < ih1 && first_iw[ow] >= 0 ? ih0 * W + first_iw[ow] : -1);
        }
        for (int64_t ih = ih0; ih < ih1; ih += p.dh)
          for (int64_t kj = 0; kj < p.kw; kj++) max_tap<T, I>(mv, mi, xp, lo[kj], hi[kj], ih * W + kj * p.dw - p.pw, p.sw);
        if (!std::is_same<I, int64_t>::value)
          for (int64_t ow = 0; ow < OW; ow++) out_i[ow] = mi[ow];
      }
    }
  });
}

// The 2x2 window with stride 2 and no padding or dilation, every window inside the input (the
// pooling of most CNNs, the seed's included), float32 on SSE2: four windows at a time from two
// 8-float loads per input row split into even and odd columns, taps in PyTorch's order with
// max_tap's rule (first maximum wins, a later NaN takes over), the winning tap kept as an int32
// lane and turned into the plane index at the store. Scalar C++ for the same selects compiled
// to branches that mispredict on real data (2x slower than the tap-major loop); the tap-major
// loop walks each short output row once per tap (seed CNN, [64, 32, 26, 26]: 1.85 -> 0.5 ms).
#if defined(__SSE2__)
void max_pool2x2_f32(ThreadPool* pool, float* y, int64_t* ind, const float* x, const Planes& pl) {
  const int64_t H = pl.H, W = pl.W, OH = pl.OH, OW = pl.OW;
  pool->parallel_for(pl.planes, grain_for(OH * OW * 4), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      for (int64_t oh = 0; oh < OH; oh++) {
        const float* r0 = x + q * H * W + 2 * oh * W;
        const float* r1 = r0 + W;
        float* yo = y + (q * OH + oh) * OW;
        int64_t* io = ind + (q * OH + oh) * OW;
        const int64_t base = 2 * oh * W;
        const int64_t tap_off[4] = {0, 1, W, W + 1};
        int64_t ow = 0;
        alignas(16) int32_t tap[4];
        // 2*ow + 8 <= W: the 8-float loads stay inside the row
        for (; 2 * ow + 8 <= W; ow += 4) {
          const int64_t c = 2 * ow;
          const __m128 a0 = _mm_loadu_ps(r0 + c), a1 = _mm_loadu_ps(r0 + c + 4);
          const __m128 b0 = _mm_loadu_ps(r1 + c), b1 = _mm_loadu_ps(r1 + c + 4);
          const __m128 v[4] = {_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
                               _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1))};
          __m128 m = v[0];
          __m128i t = _mm_setzero_si128();
          for (int j = 1; j < 4; j++) {
            const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v[j], m), _mm_cmpunord_ps(v[j], v[j]));
            m = _mm_or_ps(_mm_and_ps(take, v[j]), _mm_andnot_ps(take, m));
            const __m128i ti = _mm_castps_si128(take);
            t = _mm_or_si128(_mm_and_si128(ti, _mm_set1_epi32(j)), _mm_andnot_si128(ti, t));
          }
          _mm_storeu_ps(yo + ow, m);
          _mm_store_si128(reinterpret_cast<__m128i*>(tap), t);
          for (int l = 0; l < 4; l++) io[ow + l] = base + 2 * (ow + l) + tap_off[tap[l]];
        }
        for (; ow < OW; ow++) {
          const int64_t c = 2 * ow;
          const float v[4] = {r0[c], r0[c + 1], r1[c], r1[c + 1]};
          float m = v[0];
          int j0 = 0;
          for (int j = 1; j < 4; j++)
            if (v[j] > m || v[j] != v[j]) m = v[j], j0 = j;
          yo[ow] = m;
          io[ow] = base + c + tap_off[j0];
        }
      }
    }
  });
}
#endif

// dx = the scatter-add of dy at the indices; -1 (a window over padding only) is skipped. An
// index outside [-1, HW) is not written; the first one found (in plane order) is returned in
// *bad, else *bad stays -2. The check rides in the scatter loop: a separate serial pass over
// the indices was a fifth of the seed CNN's pooling backward.
template <class T>
void max_pool2d_bwd(ThreadPool* pool, T* dx, const T* dy, const int64_t* ind, int64_t planes, int64_t HW, int64_t OHW,
                    int64_t* bad) {
  int64_t bad_plane = -1;  // the first plane with a bad index, or -1
  std::mutex mu;
  pool->parallel_for(planes, grain_for(HW + OHW), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      T* dp = dx + q * HW;
      std::fill(dp, dp + HW, T(0));
      const T* gp = dy + q * OHW;
      const int64_t* ip = ind + q * OHW;
      bool ok = true;
      for (int64_t i = 0; i < OHW; i++) {
        const int64_t j = ip[i];
        if ((uint64_t)j < (uint64_t)HW) dp[j] += gp[i];
        else ok &= j == -1;
      }
      if (!ok) {
        std::lock_guard<std::mutex> lock(mu);
        if (bad_plane < 0 || q < bad_plane) bad_plane = q;
      }
    }
  });
  *bad = -2;
  if (bad_plane >= 0) {
    const int64_t* ip = ind + bad_plane * OHW;
    for (int64_t i = 0; i < OHW; i++)
      if (ip[i] < -1 || ip[i] >= HW) {
        *bad = ip[i];
        break;
      }
  }
}

// ---- average ----

template <class T>
void avg_pool2d_fwd(ThreadPool* pool, T* y, const T* x, const Planes& pl, const Pool2dParams& p) {
  const int64_t H = pl.H, W = pl.W, OH = pl.OH, OW = pl.OW;
  pool->parallel_for(pl.planes, grain_for(OH * OW * p.kh * p.kw), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const T* xp = x + q * H * W;
      T* yp = y + q * OH * OW;
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          int64_t ih0 = oh * p.sh - p.ph, iw0 = ow * p.sw - p.pw;
          int64_t ih1 = std::min(ih0 + p.kh, H + p.ph), iw1 = std::min(iw0 + p.kw, W + p.pw);
          const int64_t pool_size = (ih1 - ih0) * (iw1 - iw0);
          ih0 = std::max<int64_t>(ih0, 0);
          iw0 = std::max<int64_t>(iw0, 0);
          ih1 = std::min(ih1, H);
          iw1 = std::min(iw1, W);
          if (ih0 >= ih1 || iw0 >= iw1) {
            yp[oh * OW + ow] = T(0);
            continue;
          }
          T sum = 0;
          for (int64_t ih = ih0; ih < ih1; ih++)
            for (int64_t iw = iw0; iw < iw1; iw++) sum += xp[ih * W + iw];
          const int64_t div = p.divisor_override ? p.divisor_override
                              : p.count_include_pad ? pool_size
                                                    : (ih1 - ih0) * (iw1 - iw0);
          yp[oh * OW + ow] = sum / T(div);
        }
    }
  });
}

template <class T>
void avg_pool2d_bwd(ThreadPool* pool, T* dx, const T* dy, const Planes& pl, const Pool2dParams& p) {
  const int64_t H = pl.H, W = pl.W, OH = pl.OH, OW = pl.OW;
  pool->parallel_for(pl.planes, grain_for(OH * OW * p.kh * p.kw + H * W), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      T* dp = dx + q * H * W;
      std::fill(dp, dp + H * W, T(0));
      const T* gp = dy + q * OH * OW;
      for (int64_t oh = 0; oh < OH; oh++)
        for (int64_t ow = 0; ow < OW; ow++) {
          int64_t ih0 = oh * p.sh - p.ph, iw0 = ow * p.sw - p.pw;
          int64_t ih1 = std::min(ih0 + p.kh, H + p.ph), iw1 = std::min(iw0 + p.kw, W + p.pw);
          const int64_t pool_size = (ih1 - ih0) * (iw1 - iw0);
          ih0 = std::max<int64_t>(ih0, 0);
          iw0 = std::max<int64_t>(iw0, 0);
          ih1 = std::min(ih1, H);
          iw1 = std::min(iw1, W);
          if (ih0 >= ih1 || iw0 >= iw1) continue;
          const int64_t div = p.divisor_override ? p.divisor_override
                              : p.count_include_pad ? pool_size
                                                    : (ih1 - ih0) * (iw1 - iw0);
          const T g = gp[oh * OW + ow] / T(div);
          for (int64_t ih = ih0; ih < ih1; ih++)
            for (int64_t iw = iw0; iw < iw1; iw++) dp[ih * W + iw] += g;
        }
    }
  });
}

// ---- adaptive average ----

inline int64_t start_index(int64_t i, int64_t n, int64_t s) { return (i * s) / n; }
inline int64_t end_index(int64_t i, int64_t n, int64_t s) { return ((i + 1) * s + n - 1) / n; }

template <class T>
void adaptive_avg_fwd(ThreadPool* pool, T* y, const T* x, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  pool->parallel_for(planes, grain_for(H * W + OH * OW), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      const T* xp = x + q * H * W;
      T* yp = y + q * OH * OW;
      for (int64_t oh = 0; oh < OH; oh++) {
        const int64_t ih0 = start_index(oh, OH, H), ih1 = end_index(oh, OH, H);
        for (int64_t ow = 0; ow < OW; ow++) {
          const int64_t iw0 = start_index(ow, OW, W), iw1 = end_index(ow, OW, W);
          T sum = 0;
          for (int64_t ih = ih0; ih < ih1; ih++)
            for (int64_t iw = iw0; iw < iw1; iw++) sum += xp[ih * W + iw];
          yp[oh * OW + ow] = sum / T(ih1 - ih0) / T(iw1 - iw0);
        }
      }
    }
  });
}

template <class T>
void adaptive_avg_bwd(ThreadPool* pool, T* dx, const T* dy, int64_t planes, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  pool->parallel_for(planes, grain_for(H * W + OH * OW), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; q++) {
      T* dp = dx + q * H * W;
      std::fill(dp, dp + H * W, T(0));
      const T* gp = dy + q * OH * OW;
      for (int64_t oh = 0; oh < OH; oh++) {
        const int64_t ih0 = start_index(oh, OH, H), ih1 = end_index(oh, OH, H);
        for (int64_t ow = 0; ow < OW; ow++) {
          const int64_t iw0 = start_index(ow, OW, W), iw1 = end_index(ow, OW, W);
          const T g = gp[oh * OW + ow] / T(ih1 - ih0) / T(iw1 - iw0);
          for (int64_t ih = ih0; ih < ih1; ih++)
            for (int64_t iw = iw0; iw < iw1; iw++) dp[ih * W + iw] += g;
        }
      }
    }
  });
}

void check_grad(const char* op, const Tensor& dy, const Shape& want, DType dt) {
  if (dy.dtype != dt)
    throw TypeError(std::string(op) + ": expected grad_output of dtype " + dtype_name(dt) + " but got " +
                    dtype_name(dy.dtype));
  if (dy.shape != want)
    throw RangeError(std::string(op) + ": expected grad_output of shape " + shape_str(want) + " but got " +
                     shape_str(dy.shape));
}

}  // namespace

int64_t pool_output_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  const int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  // floor division (rounding toward -infinity, as PyTorch's div_rtn)
  int64_t q = num / stride;
  if ((num % stride != 0) && (num < 0)) q--;
  int64_t out = q + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) out--;
  return out;
}

std::pair<Tensor, Tensor> max_pool2d(Context& ctx, const Tensor& x0, const Pool2dParams& p) {
  check_float("max_pool2d", x0, "input");
  Planes pl = pool_check("max_pool2d", x0.shape, p, true);
  Tensor y = ctx.empty(pl.out_shape, x0.dtype);
  Tensor ind = ctx.empty(pl.out_shape, DType::I64);
  Tensor x = ctx.contiguous(x0);
  const bool small = pl.H * pl.W <= INT32_MAX;  // indices within a plane fit int32
  const bool k2s2 = p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.ph == 0 && p.pw == 0 && p.dh == 1 &&
                    p.dw == 1 && 2 * pl.OH <= pl.H && 2 * pl.OW <= pl.W;  // no window clipped (ceil mode)
#if defined(__SSE2__)
  if (k2s2 && x.dtype == DType::F32) {
    max_pool2x2_f32(ctx.pool.get(), y.data<float>(), ind.data<int64_t>(), x.data<float>(), pl);
    return {y, ind};
  }
#else
  (void)k2s2;
#endif
  FLINT_DISPATCH_FLOAT(x.dtype, "max_pool2d", T,
                       if (small) max_pool2d_fwd<T, int32_t>(ctx.pool.get(), y.data<T>(), ind.data<int64_t>(), x.data<T>(), pl, p);
                       else max_pool2d_fwd<T, int64_t>(ctx.pool.get(), y.data<T>(), ind.data<int64_t>(), x.data<T>(), pl, p));
  return {y, ind};
}

Tensor max_pool2d_backward(Context& ctx, const Tensor& dy0, const Tensor& ind0, const Shape& input_shape) {
  const char* op = "max_pool2d_backward";
  check_float(op, dy0, "grad_output");
  Planes pl = planes_of(op, input_shape);
  if (ind0.dtype != DType::I64)
    throw TypeError(std::string(op) + ": expected int64 indices but got " + dtype_name(ind0.dtype));
  if (dy0.dim() != (int64_t)input_shape.size() ||
      !std::equal(input_shape.begin(), input_shape.end() - 2, dy0.shape.begin()))
    throw RangeError(std::string(op) + ": grad_output of shape " + shape_str(dy0.shape) +
                     " does not match the input shape " + shape_str(input_shape));
  if (ind0.shape != dy0.shape)
    throw RangeError(std::string(op) + ": expected indices of shape " + shape_str(dy0.shape) + " but got " +
                     shape_str(ind0.shape));
  checked_numel(input_shape, dtype_size(dy0.dtype), op);
  Tensor dy = ctx.contiguous(dy0), ind = ctx.contiguous(ind0);
  const int64_t HW = pl.H * pl.W, OHW = dy.shape[dy.dim() - 2] * dy.shape[dy.dim() - 1];
  const int64_t* ip = ind.data<int64_t>();
  Tensor dx = ctx.empty(input_shape, dy.dtype);
  int64_t bad = -2;
  FLINT_DISPATCH_FLOAT(dy.dtype, op, T,
                       max_pool2d_bwd<T>(ctx.pool.get(), dx.data<T>(), dy.data<T>(), ip, pl.planes, HW, OHW, &bad));
  if (bad != -2)
    throw RangeError(std::string(op) + ": index " + std::to_string(bad) + " is out of range for an input plane of " +
                     std::to_string(pl.H) + "x" + std::to_string(pl.W));
  return dx;
}

static void check_avg(const char* op, const Pool2dParams& p) {
  if (p.divisor_override < 0)
    throw RangeError(std::string(op) + ": expected divisor_override > 0 but got " + std::to_string(p.divisor_override));
}

Tensor avg_pool2d(Context& ctx, const Tensor& x0, const Pool2dParams& p) {
  check_float("avg_pool2d", x0, "input");
  check_avg("avg_pool2d", p);
  Planes pl = pool_check("avg_pool2d", x0.shape, p, false);
  Tensor y = ctx.empty(pl.out_shape, x0.dtype);
  Tensor x = ctx.contiguous(x0);
  FLINT_DISPATCH_FLOAT(x.dtype, "avg_pool2d", T, avg_pool2d_fwd<T>(ctx.pool.get(), y.data<T>(), x.data<T>(), pl, p));
  return y;
}

Tensor avg_pool2d_backward(Context& ctx, const Tensor& dy0, const Shape& input_shape, const Pool2dParams& p) {
  const char* op = "avg_pool2d_backward";
  check_float(op, dy0, "grad_output");
  check_avg(op, p);
  Planes pl = pool_check(op, input_shape, p, false);
  check_grad(op, dy0, pl.out_shape, dy0.dtype);
  checked_numel(input_shape, dtype_size(dy0.dtype), op);
  Tensor dy = ctx.contiguous(dy0);
  Tensor dx = ctx.empty(input_shape, dy.dtype);
  FLINT_DISPATCH_FLOAT(dy.dtype, op, T, avg_pool2d_bwd<T>(ctx.pool.get(), dx.data<T>(), dy.data<T>(), pl, p));
  return dx;
}

Tensor adaptive_avg_pool2d(Context& ctx, const Tensor& x0, int64_t oh, int64_t ow) {
  const char* op = "adaptive_avg_pool2d";
  check_float(op, x0, "input");
  Planes pl = planes_of(op, x0.shape);
  if (oh < 0 || ow < 0) throw RangeError(std::string(op) + ": expected output_size >= 0 but got " + pair_str(oh, ow));
  Shape os(x0.shape.begin(), x0.shape.end() - 2);
  os.push_back(oh);
  os.push_back(ow);
  Tensor y = ctx.empty(os, x0.dtype);
  Tensor x = ctx.contiguous(x0);
  FLINT_DISPATCH_FLOAT(x.dtype, op, T,
                       adaptive_avg_fwd<T>(ctx.pool.get(), y.data<T>(), x.data<T>(), pl.planes, pl.H, pl.W, oh, ow));
  return y;
}

Tensor adaptive_avg_pool2d_backward(Context& ctx, const Tensor& dy0, const Shape& input_shape) {
  const char* op = "adaptive_avg_pool2d_backward";
  check_float(op, dy0, "grad_output");
  Planes pl = planes_of(op, input_shape);
  if (dy0.dim() != (int64_t)input_shape.size() ||
      !std::equal(input_shape.begin(), input_shape.end() - 2, dy0.shape.begin()))
    throw RangeError(std::string(op) + ": grad_output of shape " + shape_str(dy0.shape) +
                     " does not match the input shape " + shape_str(input_shape));
  checked_numel(input_shape, dtype_size(dy0.dtype), op);
  const int64_t oh = dy0.shape[dy0.dim() - 2], ow = dy0.shape[dy0.dim() - 1];
  Tensor dy = ctx.contiguous(dy0);
  Tensor dx = ctx.empty(input_shape, dy.dtype);
  FLINT_DISPATCH_FLOAT(dy.dtype, op, T,
                       adaptive_avg_bwd<T>(ctx.pool.get(), dx.data<T>(), dy.data<T>(), pl.planes, pl.H, pl.W, oh, ow));
  return dx;
}

}  // namespace flint
