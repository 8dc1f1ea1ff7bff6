// conv2d forward and backward as packed GEMM over an im2col buffer, and the naive direct loops
// that stay beside them as the oracle (test/native/conv_sweep.test.ts compares the two).
//
// Layout. For a chunk of nb images the im2col buffer is colT [C*kh*kw, P], P = nb*OH*OW:
// row (c, ki, kj), column (b, oh, ow) holds x[n0+b, c, oh*sh - pt + ki*dh, ow*sw - pl + kj*dw]
// (0 in the padding). Rows are written contiguously, and for stride 1 read contiguously too.
// Group g owns rows [g*Kg, (g+1)*Kg) of colT and rows [g*Og, (g+1)*Og) of the weight, so
// every group is one GEMM on sub-matrices (Kg = C/G*kh*kw, Og = O/G):
//   forward       yT[Og, P]   = W_g[Og, Kg]   @ colT_g[Kg, P]          then yT -> y (NCHW) + bias
//                 (one image per chunk: yT is y, the bias the GEMM's per-row epilogue)
//   weight grad   dW_g[Og, Kg] += dyT_g[Og, P] @ colT_g^T[P, Kg]        (colT read transposed)
//   input grad    dcolT_g[Kg, P] = W_g^T[Kg, Og] @ dyT_g[Og, P]        then col2im adds into dx
// Batching images into one GEMM gives it a long N (or K) side: the seed CNN's second
// convolution is 64 x 7744 x 288 per batch of 64 instead of 64 GEMMs of 64 x 121 x 288.
// A 1x1 convolution with stride 1 and no padding needs no buffer: x[n] is its own colT.
//
// Threads: the GEMMs are threaded; im2col, col2im and the NCHW copies run over (image, channel)
// planes on the pool; with at least as many groups as threads, the groups run in parallel
// (each GEMM then runs on its own thread).
#include "cpu/conv.h"

#include <algorithm>
#include <climits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cstring>
#include <string>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/kernels.h"

namespace flint {

namespace {

// im2col buffer budget per chunk of images, in elements (16 MiB of float32).
constexpr int64_t kColBudget = int64_t(1) << 22;
// The input gradient's column buffer per GEMM + col2im round, in elements (1 MiB of float32):
// col2im then reads what the GEMM just wrote from cache rather than memory.
constexpr int64_t kDcolBudget = int64_t(1) << 18;
// Elements of work below which a parallel_for task is not worth a thread.
constexpr int64_t kGrain = int64_t(1) << 15;

template <class T> DType dtype_of();
template <> DType dtype_of<float>() { return DType::F32; }
template <> DType dtype_of<double>() { return DType::F64; }

void gemm_t(ThreadPool* pool, int64_t M, int64_t N, int64_t K, const float* A, int64_t rsa, int64_t csa,
            const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc,
            const Epilogue<float>* epi = nullptr) {
  gemm_f32(pool, M, N, K, 1.0f, A, rsa, csa, B, rsb, csb, beta, C, rsc, epi);
}
void gemm_t(ThreadPool* pool, int64_t M, int64_t N, int64_t K, const double* A, int64_t rsa, int64_t csa,
            const double* B, int64_t rsb, int64_t csb, double beta, double* C, int64_t rsc,
            const Epilogue<double>* epi = nullptr) {
  gemm_f64(pool, M, N, K, 1.0, A, rsa, csa, B, rsb, csb, beta, C, rsc, epi);
}

int64_t grain_for(int64_t work_per_item) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(work_per_item, 1)); }

bool is_pointwise(const ConvDims& d) {
  return d.kh == 1 && d.kw == 1 && d.sh == 1 && d.sw == 1 && d.pt == 0 && d.pl == 0 && d.OH == d.H && d.OW == d.W;
}

// Images per chunk: as many as fit the im2col budget (at least one); one for pointwise.
int64_t chunk_images(const ConvDims& d) {
  if (is_pointwise(d)) return 1;
  int64_t per = std::max<int64_t>(1, d.C * d.kh * d.kw * d.OH * d.OW);
  return std::max<int64_t>(1, std::min(d.N, kColBudget / per));
}

// Runs f(g) for every group: in parallel when there are at least as many groups as threads
// (the GEMMs inside then run serially), else one after another with threaded GEMMs.
template <class F>
void for_groups(ThreadPool* pool, int64_t G, F&& f) {
  if (G > 1 && G >= pool->num_threads()) {
    pool->parallel_for(G, 1, [&](int64_t g0, int64_t g1) {
      for (int64_t g = g0; g < g1; g++) f(g);
    });
  } else {
    for (int64_t g = 0; g < G; g++) f(g);
  }
}

// The valid output columns [lo, hi) of kernel column kj: 0 <= ow*sw + iw0 < W.
inline void valid_cols(const ConvDims& d, int64_t iw0, int64_t* lo, int64_t* hi) {
  int64_t l = iw0 >= 0 ? 0 : (-iw0 + d.sw - 1) / d.sw;
  int64_t h = iw0 >= d.W ? 0 : (d.W - iw0 + d.sw - 1) / d.sw;
  l = std::min(l, d.OW);
  h = std::min(h, d.OW);
  *lo = l;
  *hi = std::max(h, l);
}

// im2col copies short runs (an output row: 11 floats in the seed CNN's conv2). GCC turns a copy
// loop into a call to memcpy, whose call and size dispatch cost more than the copy at these
// lengths (memcpy was 8% of a conv2d step): this attribute keeps the loops in im2col as loops.
#if defined(__GNUC__) && !defined(__clang__)
#define FLINT_NO_MEMCPY_IDIOM __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define FLINT_NO_MEMCPY_IDIOM
#endif

// Stride 1, no dilation along W, every column of the row valid: an output row is a run of OW
// contiguous input values. Runs of a few floats (11 in the seed CNN's conv2, 26 in conv1) are
// too short for the compiler's vector loop with its scalar tail: copy_run moves 4 floats at a
// time, the last move overlapping the previous one (OW >= 4), and add_run adds 4 at a time
// then the tail. im2col of the seed CNN's conv2 went from 0.44 to 0.17 ms a batch (measured
// alone). Other types and shapes take the general loops.
template <class T>
inline bool run_copy_fits(int64_t) { return false; }
#if defined(__SSE2__)
template <>
inline bool run_copy_fits<float>(int64_t ow) { return ow >= 4; }
inline void copy_run(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 4 < n; i += 4) _mm_storeu_ps(dst + i, _mm_loadu_ps(src + i));
  _mm_storeu_ps(dst + n - 4, _mm_loadu_ps(src + n - 4));
}
inline void add_run(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(dst + i, _mm_add_ps(_mm_loadu_ps(dst + i), _mm_loadu_ps(src + i)));
  for (; i < n; i++) dst[i] += src[i];
}
#endif
template <class T>
inline void copy_run(T* dst, const T* src, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] = src[i];
}
template <class T>
inline void add_run(T* dst, const T* src, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}

// colT [C*kh*kw, nb*OH*OW] from images [n0, n0 + nb) of x [N, C, H, W]; rows ld apart (a block
// of columns of a wider buffer) when ld > 0.
template <class T>
FLINT_NO_MEMCPY_IDIOM void im2col(ThreadPool* pool, T* col, const T* x, const ConvDims& d, int64_t n0, int64_t nb,
                                  int64_t ld = 0) {
  const int64_t OHW = d.OH * d.OW, P = ld > 0 ? ld : nb * OHW, HW = d.H * d.W;
  pool->parallel_for(nb * d.C, grain_for(d.kh * d.kw * OHW), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t b = t / d.C, c = t % d.C;
      const T* xp = x + ((n0 + b) * d.C + c) * HW;
      for (int64_t ki = 0; ki < d.kh; ki++) {
        for (int64_t kj = 0; kj < d.kw; kj++) {
          T* row = col + ((c * d.kh + ki) * d.kw + kj) * P + b * OHW;
          const int64_t iw0 = kj * d.dw - d.pl;
          int64_t lo, hi;
          valid_cols(d, iw0, &lo, &hi);
          if (d.sw == 1 && lo == 0 && hi == d.OW && run_copy_fits<T>(d.OW)) {
            for (int64_t oh = 0; oh < d.OH; oh++) {
              T* r = row + oh * d.OW;
              const int64_t ih = oh * d.sh - d.pt + ki * d.dh;
              if (ih < 0 || ih >= d.H) std::fill(r, r + d.OW, T(0));
              else copy_run(r, xp + ih * d.W + iw0, d.OW);
            }
            continue;
          }
          for (int64_t oh = 0; oh < d.OH; oh++) {
            T* r = row + oh * d.OW;
            const int64_t ih = oh * d.sh - d.pt + ki * d.dh;
            if (ih < 0 || ih >= d.H) {
              std::fill(r, r + d.OW, T(0));
              continue;
            }
            const T* xr = xp + ih * d.W;
            for (int64_t ow = 0; ow < lo; ow++) r[ow] = T(0);
            if (d.sw == 1) {
              for (int64_t ow = lo; ow < hi; ow++) r[ow] = xr[ow + iw0];
            } else {
              for (int64_t ow = lo; ow < hi; ow++) r[ow] = xr[ow * d.sw + iw0];
            }
            for (int64_t ow = hi; ow < d.OW; ow++) r[ow] = T(0);
          }
        }
      }
    }
  });
}

// dx[n0 + b, c] = sum of the colT entries that im2col copied from it (planes zeroed first).
template <class T>
void col2im(ThreadPool* pool, T* dx, const T* col, const ConvDims& d, int64_t n0, int64_t nb) {
  const int64_t OHW = d.OH * d.OW, P = nb * OHW, HW = d.H * d.W;
  pool->parallel_for(nb * d.C, grain_for(d.kh * d.kw * OHW), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t b = t / d.C, c = t % d.C;
      T* xp = dx + ((n0 + b) * d.C + c) * HW;
      std::fill(xp, xp + HW, T(0));
      for (int64_t ki = 0; ki < d.kh; ki++) {
        for (int64_t kj = 0; kj < d.kw; kj++) {
          const T* row = col + ((c * d.kh + ki) * d.kw + kj) * P + b * OHW;
          const int64_t iw0 = kj * d.dw - d.pl;
          int64_t lo, hi;
          valid_cols(d, iw0, &lo, &hi);
          for (int64_t oh = 0; oh < d.OH; oh++) {
            const int64_t ih = oh * d.sh - d.pt + ki * d.dh;
            if (ih < 0 || ih >= d.H) continue;
            const T* r = row + oh * d.OW;
            T* xr = xp + ih * d.W + iw0;
            if (d.sw == 1) {
              add_run(xr + lo, r + lo, hi - lo);
            } else {
              for (int64_t ow = lo; ow < hi; ow++) xr[ow * d.sw] += r[ow];
            }
          }
        }
      }
    }
  });
}

// y [N, O, OH, OW] = conv(x, w) + bias. With col_out, the im2col buffer of a single image is
// handed back for the weight gradient (left empty otherwise).
template <class T>
void conv2d_forward(Context& ctx, T* y, const T* x, const T* w, const T* bias, const ConvDims& d, Tensor* col_out) {
  ThreadPool* pool = ctx.pool.get();
  const int64_t G = d.G, Og = d.O / G, Kg = d.C / G * d.kh * d.kw, K = d.C * d.kh * d.kw;
  const int64_t OHW = d.OH * d.OW;
  const bool direct = is_pointwise(d);
  const int64_t nb_max = chunk_images(d);
  // Chunks of more than one image go in rounds of ns_cap images whose block of im2col columns
  // fits kDcolBudget, in one round buffer: im2col writes it into cache, the GEMM packs it from
  // there, and the NCHW copy reads what the GEMM just wrote. (The seed CNN's conv2: rounds of 7
  // images, 1 MiB. Writing the whole batch's 8.9 MiB buffer instead, kept for the weight
  // gradient, made im2col write to memory: 1.65 ms of a 3.4 ms forward, against 0.54 ms for
  // the rounds; the backward now builds its rounds again, from cache too.)
  const int64_t ns_cap = std::max<int64_t>(1, std::min(nb_max, kDcolBudget / std::max<int64_t>(K * OHW, 1)));
  Tensor colbuf, ybuf;
  if (!direct) colbuf = ctx.empty({K, ns_cap * OHW}, dtype_of<T>());
  if (nb_max > 1) ybuf = ctx.empty({d.O * ns_cap * OHW}, dtype_of<T>());
  for (int64_t n0 = 0; n0 < d.N; n0 += nb_max) {
    const int64_t nb = std::min(nb_max, d.N - n0);
    if (nb == 1) {
      // One image: yT [O, OHW] is y[n0] itself, and the bias (per output channel: per row of
      // yT) is the GEMM's epilogue.
      const T* col = x + n0 * d.C * OHW;  // pointwise: x[n0] is colT [C, H*W]
      if (!direct) {
        im2col(pool, colbuf.data<T>(), x, d, n0, 1);
        col = colbuf.data<T>();
      }
      T* yt = y + n0 * d.O * OHW;
      for_groups(pool, G, [&](int64_t g) {
        Epilogue<T> epi{bias ? bias + g * Og : nullptr, true, false};
        gemm_t(pool, Og, OHW, Kg, w + g * Og * Kg, Kg, 1, col + g * Kg * OHW, OHW, 1, T(0), yt + g * Og * OHW, OHW, &epi);
      });
      continue;
    }
    for (int64_t s0 = 0; s0 < nb; s0 += ns_cap) {
      const int64_t ns = std::min(ns_cap, nb - s0), Ps = ns * OHW;
      T* col = colbuf.data<T>();  // colT [K, Ps] of images n0 + s0 ..
      im2col(pool, col, x, d, n0 + s0, ns);
      T* yt = ybuf.data<T>();  // yT [O, Ps]
      for_groups(pool, G, [&](int64_t g) {
        gemm_t(pool, Og, Ps, Kg, w + g * Og * Kg, Kg, 1, col + g * Kg * Ps, Ps, 1, T(0), yt + g * Og * Ps, Ps);
      });
      // yT [O, ns, OHW] -> y [ns, O, OHW], adding the bias.
      pool->parallel_for(ns * d.O, grain_for(OHW), [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) {
          const int64_t b = t / d.O, o = t % d.O;
          T* dst = y + ((n0 + s0 + b) * d.O + o) * OHW;
          const T* src = yt + o * Ps + b * OHW;
          const T bv = bias ? bias[o] : T(0);
          for (int64_t i = 0; i < OHW; i++) dst[i] = src[i] + bv;
        }
      });
    }
  }
  if (col_out && !direct && d.N == 1) *col_out = colbuf;
}

// Sum of g[0:n] in double: T lanes of 8 summed in blocks of 64 elements (8 per lane), each
// block's lanes then added in double (a single running sum would keep the loop scalar, and
// converting every element to double cost twice the float adds). The order depends on n only.
template <class T>
double plane_sum(const T* g, int64_t n) {
  double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    T part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t j = 0; j < 64; j += 8)
      for (int l = 0; l < 8; l++) part[l] += g[i + j + l];
    for (int l = 0; l < 8; l++) lane[l] += (double)part[l];
  }
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) lane[l] += (double)g[i + l];
  for (; i < n; i++) lane[0] += (double)g[i];
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

// The gradients whose pointers are not null, from dy [N, O, OH, OW]. saved_col: the forward's
// im2col buffer of the whole batch (or null: computed again).
//
// The weight gradient puts the longer of its two sides first: dW_g [Og, Kg] = dyT_g @ colT_g^T
// when Og >= Kg, else dW_g^T [Kg, Og] = colT_g @ dyT_g^T into a buffer, transposed at the end.
// The big operand then goes through the GEMM's row-gathering pack of A rather than the
// column-scattering pack of B (the seed CNN's conv2, Kg = 288 > Og = 64: 4.4 -> 3.7 ms).
template <class T>
void conv2d_backward_t(Context& ctx, T* dx, T* dw, T* db, const T* x, const T* w, const T* dy, const T* saved_col,
                       const ConvDims& d) {
  ThreadPool* pool = ctx.pool.get();
  const int64_t G = d.G, Og = d.O / G, Kg = d.C / G * d.kh * d.kw, K = d.C * d.kh * d.kw;
  const int64_t OHW = d.OH * d.OW;
  // The bias gradient: db[o] = sum over images n of the sum of plane dy[n, o], each plane
  // summed in double over 8 lanes (plane_sum), the planes added in image order, so the result
  // does not depend on the thread count. Where the backward permutes dy anyway (below), the
  // plane sums are taken in that pass: one read of dy instead of two (for the seed CNN's
  // conv1, dy is 5.5 MiB and the separate pass cost 0.25 ms).
  std::vector<double> psum(db ? (size_t)(d.N * d.O) : 0);
  auto plane_sums = [&](int64_t n0, int64_t nb) {
    pool->parallel_for(nb * d.O, grain_for(OHW), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; t++) psum[n0 * d.O + t] = plane_sum(dy + (n0 * d.O + t) * OHW, OHW);
    });
  };
  auto finish_db = [&]() {
    if (!db) return;
    for (int64_t o = 0; o < d.O; o++) {
      double s = 0;
      for (int64_t n = 0; n < d.N; n++) s += psum[n * d.O + o];
      db[o] = (T)s;
    }
  };
  if (dw && d.N == 0) std::fill(dw, dw + d.O * Kg, T(0));
  if (!dx && !dw) {
    if (db) plane_sums(0, d.N);
    finish_db();
    return;
  }
  const bool direct = is_pointwise(d);
  const int64_t nb_max = chunk_images(d);
  if (d.N != 1) saved_col = nullptr;  // the forward saves the buffer of a single image only
  const bool dw_t = Kg > Og;  // compute dW^T
  Tensor colbuf, dybuf, dwtbuf;
  // Each chunk goes in rounds of at most ns_cap images whose im2col block [K, ns*OHW] fits
  // kDcolBudget, in one round buffer: the weight gradient's im2col is built there and
  // consumed by its GEMM from cache, then the input gradient's GEMM writes its dcol there and
  // col2im reads it back from cache (the seed CNN's conv2: 7 images, 1 MiB, instead of 8.9 MiB
  // buffers written and read through memory). The weight gradient sums the rounds (beta = 1
  // after the first), in an order that depends on the shapes only.
  const int64_t ns_cap = direct ? nb_max : std::max<int64_t>(1, std::min(nb_max, kDcolBudget / std::max<int64_t>(K * OHW, 1)));
  if (!direct && (!saved_col || dx)) colbuf = ctx.empty({K * ns_cap * OHW}, dtype_of<T>());
  if (nb_max > 1) dybuf = ctx.empty({d.O * nb_max * OHW}, dtype_of<T>());
  if (dw && dw_t) dwtbuf = ctx.empty({d.O * Kg}, dtype_of<T>());
  T* dwt = dw && dw_t ? dwtbuf.data<T>() : nullptr;
  for (int64_t n0 = 0; n0 < d.N; n0 += nb_max) {
    const int64_t nb = std::min(nb_max, d.N - n0), P = nb * OHW;
    // dyT [O, P]: dy[n0] itself for one image, else dy [nb, O, OHW] permuted.
    const T* dyt = dy + n0 * d.O * OHW;
    if (nb > 1) {
      T* buf = dybuf.data<T>();
      pool->parallel_for(nb * d.O, grain_for(OHW), [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) {
          const int64_t b = t / d.O, o = t % d.O;
          const T* src = dy + ((n0 + b) * d.O + o) * OHW;
          std::memcpy(buf + o * P + b * OHW, src, (size_t)OHW * sizeof(T));
          if (db) psum[(n0 + b) * d.O + o] = plane_sum(src, OHW);  // src is in cache now
        }
      });
      dyt = buf;
    } else if (db) {
      plane_sums(n0, nb);
    }
    const int64_t ns_max = direct ? nb : std::min(nb, ns_cap);
    for (int64_t s0 = 0; s0 < nb; s0 += ns_max) {
      const int64_t ns = std::min(ns_max, nb - s0), Ps = ns * OHW;
      if (dw) {
        // colT [K, Ps] of images n0 + s0 .. (pointwise: x itself; a single image: the forward's)
        const T* col = x + (n0 + s0) * d.C * OHW;
        if (saved_col) {
          col = saved_col;
        } else if (!direct) {
          im2col(pool, colbuf.data<T>(), x, d, n0 + s0, ns);
          col = colbuf.data<T>();
        }
        const T beta = n0 == 0 && s0 == 0 ? T(0) : T(1);
        for_groups(pool, G, [&](int64_t g) {
          const T* colg = col + g * Kg * Ps;
          const T* dyg = dyt + g * Og * P + s0 * OHW;  // dyT_g's columns of this round (row stride P)
          if (dw_t)  // dW_g^T [Kg, Og] += colT_g [Kg, Ps] @ dyT_g^T [Ps, Og] (element (p, o) at dyg[o*P + p])
            gemm_t(pool, Kg, Og, Ps, colg, Ps, 1, dyg, 1, P, beta, dwt + g * Kg * Og, Og);
          else  // dW_g [Og, Kg] += dyT_g [Og, Ps] @ colT_g^T [Ps, Kg] (element (p, k) at colg[k*Ps + p])
            gemm_t(pool, Og, Kg, Ps, dyg, P, 1, colg, 1, Ps, beta, dw + g * Og * Kg, Kg);
        });
      }
      if (dx) {
        // dcolT [K, Ps] = W^T @ dyT's columns of this round, then col2im adds it into dx.
        T* dcol = direct ? dx + (n0 + s0) * d.C * OHW : colbuf.data<T>();
        for_groups(pool, G, [&](int64_t g) {
          // A = W_g^T [Kg, Og]: element (k, o) at w[(g*Og + o)*Kg + k].
          gemm_t(pool, Kg, Ps, Og, w + g * Og * Kg, 1, Kg, dyt + g * Og * P + s0 * OHW, P, 1, T(0), dcol + g * Kg * Ps, Ps);
        });
        if (!direct) col2im(pool, dx, dcol, d, n0 + s0, ns);
      }
    }
  }
  if (dw && dw_t && d.N > 0) {
    // dw[g*Og + o, k] = dwt[g][k, o]
    for (int64_t g = 0; g < G; g++)
      for (int64_t o = 0; o < Og; o++)
        for (int64_t k = 0; k < Kg; k++) dw[(g * Og + o) * Kg + k] = dwt[(g * Kg + k) * Og + o];
  }
  finish_db();
}

// ---- the oracle ----

template <class T>
void conv2d_forward_naive(T* y, const T* x, const T* w, const T* bias, const ConvDims& d) {
  const int64_t Cg = d.C / d.G, Og = d.O / d.G;
  for (int64_t n = 0; n < d.N; n++)
    for (int64_t o = 0; o < d.O; o++) {
      const int64_t g = o / Og;
      for (int64_t oh = 0; oh < d.OH; oh++)
        for (int64_t ow = 0; ow < d.OW; ow++) {
          double s = bias ? (double)bias[o] : 0.0;
          for (int64_t c = 0; c < Cg; c++)
            for (int64_t ki = 0; ki < d.kh; ki++)
              for (int64_t kj = 0; kj < d.kw; kj++) {
                const int64_t ih = oh * d.sh - d.pt + ki * d.dh, iw = ow * d.sw - d.pl + kj * d.dw;
                if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
                s += (double)x[((n * d.C + g * Cg + c) * d.H + ih) * d.W + iw] *
                     (double)w[((o * Cg + c) * d.kh + ki) * d.kw + kj];
              }
          y[((n * d.O + o) * d.OH + oh) * d.OW + ow] = (T)s;
        }
    }
}

template <class T>
void conv2d_backward_naive_t(T* dx, T* dw, T* db, const T* x, const T* w, const T* dy, const ConvDims& d) {
  const int64_t Cg = d.C / d.G, Og = d.O / d.G;
  std::vector<double> gx(d.N * d.C * d.H * d.W, 0.0), gw(d.O * Cg * d.kh * d.kw, 0.0), gb(d.O, 0.0);
  for (int64_t n = 0; n < d.N; n++)
    for (int64_t o = 0; o < d.O; o++) {
      const int64_t g = o / Og;
      for (int64_t oh = 0; oh < d.OH; oh++)
        for (int64_t ow = 0; ow < d.OW; ow++) {
          const double gy = dy[((n * d.O + o) * d.OH + oh) * d.OW + ow];
          gb[o] += gy;
          for (int64_t c = 0; c < Cg; c++)
            for (int64_t ki = 0; ki < d.kh; ki++)
              for (int64_t kj = 0; kj < d.kw; kj++) {
                const int64_t ih = oh * d.sh - d.pt + ki * d.dh, iw = ow * d.sw - d.pl + kj * d.dw;
                if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) continue;
                const int64_t xi = ((n * d.C + g * Cg + c) * d.H + ih) * d.W + iw;
                const int64_t wi = ((o * Cg + c) * d.kh + ki) * d.kw + kj;
                gw[wi] += gy * (double)x[xi];
                gx[xi] += gy * (double)w[wi];
              }
        }
    }
  std::copy(gx.begin(), gx.end(), dx);
  std::copy(gw.begin(), gw.end(), dw);
  std::copy(gb.begin(), gb.end(), db);
}

std::string pair_str(int64_t a, int64_t b) { return "[" + std::to_string(a) + ", " + std::to_string(b) + "]"; }

}  // namespace

ConvDims conv2d_check(const char* op, const Tensor& x, const Tensor& w, const Tensor* bias, const Conv2dParams& p) {
  const std::string o(op);
  if (x.dtype != w.dtype || (bias && bias->dtype != w.dtype))
    throw TypeError(o + ": expected input, weight and bias of one dtype but got " + dtype_name(x.dtype) + ", " +
                    dtype_name(w.dtype) + (bias ? std::string(" and ") + dtype_name(bias->dtype) : std::string()));
  if (!is_float(x.dtype))
    throw TypeError(o + ": expected float32 or float64 tensors but got " + dtype_name(x.dtype));
  if (x.dim() != 4) throw RangeError(o + ": expected a 4-D input [N, C, H, W] but got shape " + shape_str(x.shape));
  if (w.dim() != 4)
    throw RangeError(o + ": expected a 4-D weight [out_channels, in_channels / groups, kH, kW] but got shape " +
                     shape_str(w.shape));
  if (p.groups < 1) throw RangeError(o + ": expected groups >= 1 but got " + std::to_string(p.groups));
  if (p.stride_h < 1 || p.stride_w < 1)
    throw RangeError(o + ": expected stride >= 1 but got " + pair_str(p.stride_h, p.stride_w));
  if (p.dil_h < 1 || p.dil_w < 1)
    throw RangeError(o + ": expected dilation >= 1 but got " + pair_str(p.dil_h, p.dil_w));
  if (p.pad_t < 0 || p.pad_b < 0 || p.pad_l < 0 || p.pad_r < 0)
    throw RangeError(o + ": expected padding >= 0 but got [" + std::to_string(p.pad_t) + ", " + std::to_string(p.pad_b) +
                     ", " + std::to_string(p.pad_l) + ", " + std::to_string(p.pad_r) + "] (top, bottom, left, right)");
  for (int64_t v : {p.stride_h, p.stride_w, p.pad_t, p.pad_b, p.pad_l, p.pad_r, p.dil_h, p.dil_w, p.groups})
    if (v > INT32_MAX) throw RangeError(o + ": stride, padding, dilation and groups must be at most " + std::to_string(INT32_MAX));
  ConvDims d;
  d.N = x.shape[0]; d.C = x.shape[1]; d.H = x.shape[2]; d.W = x.shape[3];
  d.O = w.shape[0]; d.kh = w.shape[2]; d.kw = w.shape[3];
  d.sh = p.stride_h; d.sw = p.stride_w; d.pt = p.pad_t; d.pl = p.pad_l; d.dh = p.dil_h; d.dw = p.dil_w; d.G = p.groups;
  if (d.O % d.G != 0)
    throw RangeError(o + ": weight shape " + shape_str(w.shape) + " has " + std::to_string(d.O) +
                     " output channels, which is not divisible by groups " + std::to_string(d.G));
  if (d.C != w.shape[1] * d.G)
    throw RangeError(o + ": expected input with " + std::to_string(w.shape[1] * d.G) + " channels (weight shape " +
                     shape_str(w.shape) + ", groups " + std::to_string(d.G) + ") but got input shape " + shape_str(x.shape));
  if (d.kh < 1 || d.kw < 1) throw RangeError(o + ": expected a kernel of at least 1x1 but got weight shape " + shape_str(w.shape));
  if (bias && (bias->dim() != 1 || bias->shape[0] != d.O))
    throw RangeError(o + ": expected bias of shape [" + std::to_string(d.O) + "] but got " + shape_str(bias->shape));
  const int64_t hp = d.H + p.pad_t + p.pad_b, wp = d.W + p.pad_l + p.pad_r;
  const int64_t ekh = d.dh * (d.kh - 1) + 1, ekw = d.dw * (d.kw - 1) + 1;
  if (hp < ekh || wp < ekw)
    throw RangeError(o + ": kernel size " + pair_str(d.kh, d.kw) + " (dilated " + pair_str(ekh, ekw) +
                     ") is larger than the padded input " + pair_str(hp, wp) + " (input shape " + shape_str(x.shape) + ")");
  d.OH = (hp - ekh) / d.sh + 1;
  d.OW = (wp - ekw) / d.sw + 1;
  // The im2col buffer and the output must be addressable.
  checked_numel({d.N, d.O, d.OH, d.OW}, dtype_size(x.dtype), op);
  checked_numel({d.C, d.kh, d.kw, d.OH, d.OW}, dtype_size(x.dtype), op);
  return d;
}

static void check_dy(const char* op, const Tensor& dy, const Tensor& x, const ConvDims& d) {
  Shape want{d.N, d.O, d.OH, d.OW};
  if (dy.dtype != x.dtype)
    throw TypeError(std::string(op) + ": expected grad_output of dtype " + dtype_name(x.dtype) + " but got " +
                    dtype_name(dy.dtype));
  if (dy.shape != want)
    throw RangeError(std::string(op) + ": expected grad_output of shape " + shape_str(want) + " but got " +
                     shape_str(dy.shape));
}

Tensor conv2d(Context& ctx, const Tensor& x0, const Tensor& w0, const Tensor* bias0, const Conv2dParams& p,
              Tensor* col_out) {
  ConvDims d = conv2d_check("conv2d", x0, w0, bias0, p);
  Tensor y = ctx.empty({d.N, d.O, d.OH, d.OW}, x0.dtype);
  if (y.numel() == 0) return y;
  Tensor x = ctx.contiguous(x0), w = ctx.contiguous(w0), b;
  if (bias0) b = ctx.contiguous(*bias0);
  FLINT_DISPATCH_FLOAT(x.dtype, "conv2d", T,
                       conv2d_forward<T>(ctx, y.data<T>(), x.data<T>(), w.data<T>(), bias0 ? b.data<T>() : nullptr, d,
                                         col_out));
  return y;
}

void conv2d_backward(Context& ctx, const Tensor& x0, const Tensor& w0, const Tensor& dy0, const Conv2dParams& p,
                     bool need_dx, bool need_dw, bool need_db, Tensor* dx, Tensor* dw, Tensor* db,
                     const Tensor* saved_col) {
  ConvDims d = conv2d_check("conv2d_backward", x0, w0, nullptr, p);
  check_dy("conv2d_backward", dy0, x0, d);
  Tensor col;
  if (saved_col) {
    Shape want{d.C * d.kh * d.kw, d.N * d.OH * d.OW};
    if (saved_col->dtype != x0.dtype || saved_col->shape != want)
      throw RangeError("conv2d_backward: expected a saved im2col buffer of shape " + shape_str(want) + " (" +
                       dtype_name(x0.dtype) + ") but got " + shape_str(saved_col->shape) + " (" +
                       dtype_name(saved_col->dtype) + ")");
    col = ctx.contiguous(*saved_col);
  }
  Tensor x = ctx.contiguous(x0), w = ctx.contiguous(w0), dy = ctx.contiguous(dy0);
  if (need_dx) *dx = ctx.empty(x.shape, x.dtype);
  if (need_dw) *dw = ctx.empty(w.shape, w.dtype);
  if (need_db) *db = ctx.empty({d.O}, w.dtype);
  if (need_dx && d.O == 0) fill_(*dx, 0);  // no output channel reaches the input
  if (need_dx && d.O == 0 && !need_dw && !need_db) return;
  FLINT_DISPATCH_FLOAT(x.dtype, "conv2d_backward", T,
                       conv2d_backward_t<T>(ctx, need_dx && d.O > 0 ? dx->data<T>() : nullptr,
                                            need_dw ? dw->data<T>() : nullptr, need_db ? db->data<T>() : nullptr,
                                            x.data<T>(), w.data<T>(), dy.data<T>(),
                                            saved_col ? col.data<T>() : nullptr, d));
}

Tensor conv2d_naive(Context& ctx, const Tensor& x0, const Tensor& w0, const Tensor* bias0, const Conv2dParams& p) {
  ConvDims d = conv2d_check("conv2d", x0, w0, bias0, p);
  Tensor y = ctx.empty({d.N, d.O, d.OH, d.OW}, x0.dtype);
  Tensor x = ctx.contiguous(x0), w = ctx.contiguous(w0), b;
  if (bias0) b = ctx.contiguous(*bias0);
  FLINT_DISPATCH_FLOAT(x.dtype, "conv2d", T,
                       conv2d_forward_naive<T>(y.data<T>(), x.data<T>(), w.data<T>(), bias0 ? b.data<T>() : nullptr, d));
  return y;
}

void conv2d_backward_naive(Context& ctx, const Tensor& x0, const Tensor& w0, const Tensor& dy0, const Conv2dParams& p,
                           Tensor* dx, Tensor* dw, Tensor* db) {
  ConvDims d = conv2d_check("conv2d_backward", x0, w0, nullptr, p);
  check_dy("conv2d_backward", dy0, x0, d);
  Tensor x = ctx.contiguous(x0), w = ctx.contiguous(w0), dy = ctx.contiguous(dy0);
  *dx = ctx.empty(x.shape, x.dtype);
  *dw = ctx.empty(w.shape, w.dtype);
  *db = ctx.empty({d.O}, w.dtype);
  FLINT_DISPATCH_FLOAT(x.dtype, "conv2d_backward", T,
                       conv2d_backward_naive_t<T>(dx->data<T>(), dw->data<T>(), db->data<T>(), x.data<T>(), w.data<T>(),
                                                  dy.data<T>(), d));
}

}  // namespace flint
