// AVX2+FMA sgemm kernels: the 6 x 16 micro-kernel, the A/B packing routines (8 x 8 register
// transposes for the transposing layouts), gemv and the dot-product kernel for narrow products.
// Contracts in cpu/gemm.h.
// Compiled with -mavx2 -mfma; called only when cpuid reports both.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "cpu/gemm.h"
#include "cpu/simd_avx2.h"

namespace flint {

namespace {

// One row of the micro-tile, the TileOut store (gemm.h): C[0:n] = relu?(alpha * (lo, hi) + beta * C
// + (blo, bhi) + bm), n <= 16, with m0 / m1 the lane masks of n and n - 8. Arguments are values,
// not the TileOut: a float store to C could alias its fields and force reloads per row.
inline void store_row(float* c, __m256 lo, __m256 hi, int64_t n, __m256i m0, __m256i m1, __m256 va, float beta,
                      bool has_bn, __m256 blo, __m256 bhi, const float* bm, bool relu) {
  lo = _mm256_mul_ps(va, lo);
  hi = _mm256_mul_ps(va, hi);
  if (beta != 0.0f) {
    __m256 vb = _mm256_set1_ps(beta);
    if (n == 16) {
      lo = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), lo);
      hi = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), hi);
    } else {
      lo = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c, m0), lo);
      if (n > 8) hi = _mm256_fmadd_ps(vb, _mm256_maskload_ps(c + 8, m1), hi);
    }
  }
  if (has_bn) {
    lo = _mm256_add_ps(lo, blo);
    hi = _mm256_add_ps(hi, bhi);
  }
  if (bm) {
    __m256 v = _mm256_broadcast_ss(bm);
    lo = _mm256_add_ps(lo, v);
    hi = _mm256_add_ps(hi, v);
  }
  if (relu) {  // max(0, x): NaN stays NaN, as torch.relu
    lo = _mm256_max_ps(_mm256_setzero_ps(), lo);
    hi = _mm256_max_ps(_mm256_setzero_ps(), hi);
  }
  if (n == 16) {
    _mm256_storeu_ps(c, lo);
    _mm256_storeu_ps(c + 8, hi);
    return;
  }
  _mm256_maskstore_ps(c, m0, lo);
  if (n > 8) _mm256_maskstore_ps(c + 8, m1, hi);
}

}  // namespace

namespace {

// The k loop alone, out of line: 12 accumulators + 2 B vectors + 2 A broadcasts are all 16
// ymm registers, and with alpha/beta live across the loop GCC spilled an accumulator (an
// extra load and store per k: sq512 at 47 instead of 85 GFLOP/s). acc: [6][2] vectors.
// A(i, p) = a[i * ars + p * acs] (packed or in place); rows past m repeat row m - 1, so a
// tile on the M edge never reads past A. Packed (a full panel: ars = 1, acs = 6, m = 6): the
// offsets are constants (register-indexed broadcasts cost 1-3% on sq128 / fc1_bwd_w).
// kStore: 0 hands the accumulators back in acc; for a full tile with alpha = 1 and no
// epilogue, 1 stores them to C (beta = 0) and 2 adds them to C (beta = 1) straight from the
// registers (the round trip through acc and the general store cost about 40 cycles a tile:
// 8 % of sq64, where K = 64 gives a tile 384 cycles of FMAs).
enum { kToAcc = 0, kSetC = 1, kAddC = 2 };
template <bool kPacked, int kStore>
__attribute__((noinline)) void ukernel_loop_6x16(int64_t kc, const float* a, int64_t ars, int64_t acs, int64_t m,
                                                 const float* b, int64_t bs, __m256* acc, float* c, int64_t rsc) {
  const int64_t o1 = kPacked ? 1 : std::min<int64_t>(1, m - 1) * ars;
  const int64_t o2 = kPacked ? 2 : std::min<int64_t>(2, m - 1) * ars;
  const int64_t o3 = kPacked ? 3 : std::min<int64_t>(3, m - 1) * ars;
  const int64_t o4 = kPacked ? 4 : std::min<int64_t>(4, m - 1) * ars;
  const int64_t o5 = kPacked ? 5 : std::min<int64_t>(5, m - 1) * ars;
  if (kPacked) acs = 6;
  // The C tile's rows (strided: no hardware prefetch) are fetched while the k loop runs: on
  // sq1024 / sq2048, C lives in L3 and each tile otherwise waited for 12 misses at its store.
  if (kStore != kToAcc || c) {
    for (int64_t i = 0; i < 6; i++) {
      _mm_prefetch(reinterpret_cast<const char*>(c + std::min<int64_t>(i, m - 1) * rsc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + std::min<int64_t>(i, m - 1) * rsc + 15), _MM_HINT_T0);
    }
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 a0 = _mm256_broadcast_ss(a), a1 = _mm256_broadcast_ss(a + o1);
    c00 = _mm256_fmadd_ps(a0, b0, c00); c01 = _mm256_fmadd_ps(a0, b1, c01);
    c10 = _mm256_fmadd_ps(a1, b0, c10); c11 = _mm256_fmadd_ps(a1, b1, c11);
    a0 = _mm256_broadcast_ss(a + o2); a1 = _mm256_broadcast_ss(a + o3);
    c20 = _mm256_fmadd_ps(a0, b0, c20); c21 = _mm256_fmadd_ps(a0, b1, c21);
    c30 = _mm256_fmadd_ps(a1, b0, c30); c31 = _mm256_fmadd_ps(a1, b1, c31);
    a0 = _mm256_broadcast_ss(a + o4); a1 = _mm256_broadcast_ss(a + o5);
    c40 = _mm256_fmadd_ps(a0, b0, c40); c41 = _mm256_fmadd_ps(a0, b1, c41);
    c50 = _mm256_fmadd_ps(a1, b0, c50); c51 = _mm256_fmadd_ps(a1, b1, c51);
    a += acs;
    b += bs;
  }
  if (kStore == kToAcc) {
    acc[0] = c00; acc[1] = c01; acc[2] = c10; acc[3] = c11; acc[4] = c20; acc[5] = c21;
    acc[6] = c30; acc[7] = c31; acc[8] = c40; acc[9] = c41; acc[10] = c50; acc[11] = c51;
    return;
  }
  auto put = [c](int64_t off, __m256 v) {
    if (kStore == kAddC) v = _mm256_add_ps(v, _mm256_loadu_ps(c + off));
    _mm256_storeu_ps(c + off, v);
  };
  put(0, c00); put(8, c01); put(rsc, c10); put(rsc + 8, c11); put(2 * rsc, c20); put(2 * rsc + 8, c21);
  put(3 * rsc, c30); put(3 * rsc + 8, c31); put(4 * rsc, c40); put(4 * rsc + 8, c41);
  put(5 * rsc, c50); put(5 * rsc + 8, c51);
}

// The same loop for an M-edge tile of R < 6 rows (R = 2 or 4: rows past m repeat row m - 1):
// sq32 ends in a 2-row tile and sq64 in a 4-row one, which the 6-row loop runs at full cost.
// acc[2 * i], acc[2 * i + 1] for i < R.
template <int R>
__attribute__((noinline)) void ukernel_loop_rx16(int64_t kc, const float* a, int64_t ars, int64_t acs, int64_t m,
                                                 const float* b, int64_t bs, __m256* acc) {
  int64_t off[R];
  for (int i = 0; i < R; i++) off[i] = std::min<int64_t>(i, m - 1) * ars;
  __m256 c[R][2];
  for (int i = 0; i < R; i++) c[i][0] = c[i][1] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    for (int i = 0; i < R; i++) {
      __m256 ai = _mm256_broadcast_ss(a + off[i]);
      c[i][0] = _mm256_fmadd_ps(ai, b0, c[i][0]);
      c[i][1] = _mm256_fmadd_ps(ai, b1, c[i][1]);
    }
    a += acs;
    b += bs;
  }
  for (int i = 0; i < R; i++) {
    acc[2 * i] = c[i][0];
    acc[2 * i + 1] = c[i][1];
  }
}

}  // namespace

void ukernel_f32_avx2_6x16(int64_t kc, const float* a, int64_t ars, int64_t acs, const float* b, int64_t bs,
                           float* c, int64_t rsc, int64_t m, int64_t n, const TileOut<float>& o) {
  __m256 acc[12];
  const bool packed = ars == 1 && acs == 6 && m == 6;
  if (m == 6 && n == 16 && o.alpha == 1.0f && (o.beta == 0.0f || o.beta == 1.0f) && !o.bn && !o.bm && !o.relu) {
    if (o.beta == 0.0f)
      (packed ? ukernel_loop_6x16<true, kSetC> : ukernel_loop_6x16<false, kSetC>)(kc, a, ars, acs, m, b, bs, acc, c, rsc);
    else
      (packed ? ukernel_loop_6x16<true, kAddC> : ukernel_loop_6x16<false, kAddC>)(kc, a, ars, acs, m, b, bs, acc, c, rsc);
    return;
  }
  if (packed)
    ukernel_loop_6x16<true, kToAcc>(kc, a, ars, acs, m, b, bs, acc, c, rsc);
  else if (m <= 2)
    ukernel_loop_rx16<2>(kc, a, ars, acs, m, b, bs, acc);
  else if (m <= 4)
    ukernel_loop_rx16<4>(kc, a, ars, acs, m, b, bs, acc);
  else
    ukernel_loop_6x16<false, kToAcc>(kc, a, ars, acs, m, b, bs, acc, c, rsc);
  const __m256 va = _mm256_set1_ps(o.alpha);
  const float beta = o.beta;
  const float* bn = o.bn;
  const float* bm = o.bm;
  const bool relu = o.relu;
  if (n == 16 && beta == 0.0f && !bn && !bm && !relu) {
    // The common case: a full tile, C = alpha * acc.
    for (int64_t i = 0; i < m; i++) {
      _mm256_storeu_ps(c + i * rsc, _mm256_mul_ps(va, acc[2 * i]));
      _mm256_storeu_ps(c + i * rsc + 8, _mm256_mul_ps(va, acc[2 * i + 1]));
    }
    return;
  }
  const __m256i m0 = lane_mask(n), m1 = lane_mask(n - 8);
  __m256 blo = _mm256_setzero_ps(), bhi = blo;
  if (bn) {
    blo = _mm256_maskload_ps(bn, m0);
    bhi = _mm256_maskload_ps(bn + 8, m1);
  }
  // Rows past m are never touched; columns past n are masked (N-edge tiles, e.g. N = 10).
  for (int64_t i = 0; i < m; i++)
    store_row(c + i * rsc, acc[2 * i], acc[2 * i + 1], n, m0, m1, va, beta, bn != nullptr, blo, bhi,
              bm ? bm + i : nullptr, relu);
}

// A[0:mc, 0:kc] -> panels of kc x 6.
void pack_a_f32_avx2_6(int64_t mc, int64_t kc, const float* A, int64_t rsa, int64_t csa, float* out) {
  const __m256 z = _mm256_setzero_ps();
  for (int64_t i0 = 0; i0 < mc; i0 += 6, out += kc * 6) {
    int64_t mr = std::min<int64_t>(6, mc - i0);
    const float* a = A + i0 * rsa;
    if (csa == 1) {
      // Rows contiguous along k: load 8 k-values of each row, transpose, and store the 8
      // columns of 6 with overlapping 8-wide stores (each store's last two lanes are
      // overwritten by the next one; the last spills into the next panel or the slack).
      const float* r[6];
      for (int i = 0; i < 6; i++) r[i] = a + std::min<int64_t>(i, mr - 1) * rsa;
      int64_t p = 0;
      for (; p + 8 <= kc; p += 8) {
        __m256 v0 = _mm256_loadu_ps(r[0] + p);
        __m256 v1 = mr > 1 ? _mm256_loadu_ps(r[1] + p) : z;
        __m256 v2 = mr > 2 ? _mm256_loadu_ps(r[2] + p) : z;
        __m256 v3 = mr > 3 ? _mm256_loadu_ps(r[3] + p) : z;
        __m256 v4 = mr > 4 ? _mm256_loadu_ps(r[4] + p) : z;
        __m256 v5 = mr > 5 ? _mm256_loadu_ps(r[5] + p) : z;
        __m256 v6 = z, v7 = z;
        transpose8(v0, v1, v2, v3, v4, v5, v6, v7);
        float* o = out + p * 6;
        _mm256_storeu_ps(o, v0);
        _mm256_storeu_ps(o + 6, v1);
        _mm256_storeu_ps(o + 12, v2);
        _mm256_storeu_ps(o + 18, v3);
        _mm256_storeu_ps(o + 24, v4);
        _mm256_storeu_ps(o + 30, v5);
        _mm256_storeu_ps(o + 36, v6);
        _mm256_storeu_ps(o + 42, v7);
      }
      for (; p < kc; p++)
        for (int64_t i = 0; i < 6; i++) out[p * 6 + i] = i < mr ? r[i][p] : 0.0f;
    } else if (rsa == 1 && mr == 6) {
      // Columns contiguous: 6 values per k, a 4-wide and a 2-wide copy.
      for (int64_t p = 0; p < kc; p++) {
        const float* s = a + p * csa;
        _mm_storeu_ps(out + p * 6, _mm_loadu_ps(s));
        _mm_storel_pi((__m64*)(out + p * 6 + 4), _mm_loadl_pi(_mm_setzero_ps(), (const __m64*)(s + 4)));
      }
    } else {
      for (int64_t p = 0; p < kc; p++)
        for (int64_t i = 0; i < 6; i++) out[p * 6 + i] = i < mr ? a[i * rsa + p * csa] : 0.0f;
    }
  }
}

// B[0:kc, 0:nc] -> panels of kc x 16.
void pack_b_f32_avx2_16(int64_t kc, int64_t nc, const float* B, int64_t rsb, int64_t csb, float* out) {
  const __m256 z = _mm256_setzero_ps();
  for (int64_t j0 = 0; j0 < nc; j0 += 16, out += kc * 16) {
    int64_t nr = std::min<int64_t>(16, nc - j0);
    const float* b = B + j0 * csb;
    if (csb == 1) {
      if (nr == 16) {
        for (int64_t p = 0; p < kc; p++) {
          const float* s = b + p * rsb;
          _mm256_storeu_ps(out + p * 16, _mm256_loadu_ps(s));
          _mm256_storeu_ps(out + p * 16 + 8, _mm256_loadu_ps(s + 8));
        }
      } else {
        __m256i m0 = lane_mask(nr), m1 = lane_mask(nr - 8);
        for (int64_t p = 0; p < kc; p++) {
          const float* s = b + p * rsb;
          _mm256_storeu_ps(out + p * 16, _mm256_maskload_ps(s, m0));
          _mm256_storeu_ps(out + p * 16 + 8, nr > 8 ? _mm256_maskload_ps(s + 8, m1) : z);
        }
      }
    } else if (rsb == 1) {
      // Columns contiguous along k (B = W^T, Linear's weight): two 8 x 8 transposes per 8 k.
      const float* col[16];
      for (int j = 0; j < 16; j++) col[j] = b + std::min<int64_t>(j, nr - 1) * csb;
      int64_t p = 0;
      for (; p + 8 <= kc; p += 8) {
        __m256 v[16];
        for (int j = 0; j < 16; j++) v[j] = j < nr ? _mm256_loadu_ps(col[j] + p) : z;
        transpose8(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        transpose8(v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]);
        float* o = out + p * 16;
        for (int q = 0; q < 8; q++) {
          _mm256_storeu_ps(o + q * 16, v[q]);
          _mm256_storeu_ps(o + q * 16 + 8, v[8 + q]);
        }
      }
      for (; p < kc; p++)
        for (int64_t j = 0; j < 16; j++) out[p * 16 + j] = j < nr ? col[j][p] : 0.0f;
    } else {
      for (int64_t p = 0; p < kc; p++)
        for (int64_t j = 0; j < 16; j++) out[p * 16 + j] = j < nr ? b[p * rsb + j * csb] : 0.0f;
    }
  }
}

namespace {

// The four sums of a0..a3 as one 4-vector.
inline __m128 hsum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  __m256 t0 = _mm256_hadd_ps(a0, a1), t1 = _mm256_hadd_ps(a2, a3);
  __m256 t = _mm256_hadd_ps(t0, t1);
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

// Dot products of x with rows w0..w3 (length K), two 8-wide accumulators per row.
inline __m128 dot4(int64_t K, const float* x, const float* w0, const float* w1, const float* w2, const float* w3) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t p = 0;
  for (; p + 16 <= K; p += 16) {
    __m256 x0 = _mm256_loadu_ps(x + p), x1 = _mm256_loadu_ps(x + p + 8);
    a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + p), a0);
    a1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w1 + p), a1);
    a2 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w2 + p), a2);
    a3 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w3 + p), a3);
    b0 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w0 + p + 8), b0);
    b1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + p + 8), b1);
    b2 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w2 + p + 8), b2);
    b3 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w3 + p + 8), b3);
  }
  for (; p < K; p += 8) {
    __m256i m = lane_mask(K - p);
    __m256 x0 = _mm256_maskload_ps(x + p, m);
    a0 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + p, m), a0);
    a1 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w1 + p, m), a1);
    a2 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w2 + p, m), a2);
    a3 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w3 + p, m), a3);
  }
  return hsum4(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1), _mm256_add_ps(a2, b2), _mm256_add_ps(a3, b3));
}

}  // namespace

void gemv_f32_avx2(int64_t N, int64_t K, float alpha, const float* x, const float* B, int64_t rsb, int64_t csb,
                   float beta, float* y) {
  if (rsb == 1) {
    // y[j] = alpha * dot(x, W[j, :]) + beta * y[j], W[j, p] = B[j * csb + p]. Rows in fours
    // (x loaded once per four), the last N % 4 rows through the same four-row kernel with
    // rows repeated: every y[j] has the same summation order whatever the split.
    for (int64_t j = 0; j < N; j += 4) {
      const float* w[4];
      for (int r = 0; r < 4; r++) w[r] = B + std::min<int64_t>(j + r, N - 1) * csb;
      alignas(16) float s[4];
      _mm_store_ps(s, dot4(K, x, w[0], w[1], w[2], w[3]));
      for (int64_t r = 0; r < 4 && j + r < N; r++)
        y[j + r] = beta == 0.0f ? alpha * s[r] : alpha * s[r] + beta * y[j + r];
    }
    return;
  }
  // csb == 1: y[j0:j0+64] accumulates x[p] * B[p, j0:j0+64] in eight registers, masked at the end.
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  for (int64_t j0 = 0; j0 < N; j0 += 64) {
    int64_t nb = std::min<int64_t>(64, N - j0);
    __m256 acc[8];
    for (int q = 0; q < 8; q++) acc[q] = _mm256_setzero_ps();
    const float* b = B + j0;
    if (nb == 64) {
      for (int64_t p = 0; p < K; p++) {
        __m256 xp = _mm256_broadcast_ss(x + p);
        const float* bp = b + p * rsb;
        for (int q = 0; q < 8; q++) acc[q] = _mm256_fmadd_ps(xp, _mm256_loadu_ps(bp + 8 * q), acc[q]);
      }
    } else {
      __m256i m[8];
      for (int q = 0; q < 8; q++) m[q] = lane_mask(nb - 8 * q);
      int nq = (int)((nb + 7) / 8);
      for (int64_t p = 0; p < K; p++) {
        __m256 xp = _mm256_broadcast_ss(x + p);
        const float* bp = b + p * rsb;
        for (int q = 0; q < nq; q++) acc[q] = _mm256_fmadd_ps(xp, _mm256_maskload_ps(bp + 8 * q, m[q]), acc[q]);
      }
    }
    for (int q = 0; q < 8 && 8 * q < nb; q++) {
      __m256i m = lane_mask(nb - 8 * q);
      __m256 r = _mm256_mul_ps(va, acc[q]);
      if (beta != 0.0f) r = _mm256_fmadd_ps(vb, _mm256_maskload_ps(y + j0 + 8 * q, m), r);
      _mm256_maskstore_ps(y + j0 + 8 * q, m, r);
    }
  }
}

namespace {

// An R x S tile of dot products, C[r, s] = dot(A[r, :], W[s, :]): per 8 values of k, S loads
// of W and R of A for R * S FMAs (4 x 3: 7 loads, 12 FMAs, 12 of the 16 ymm registers). Lane
// q sums the k = q (mod 8) terms; the lanes are added last, four rows at a time by hsum4
// (((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)), rows past R as zeros): an order that
// depends on K only.
template <int R, int S>
void dot_tile(int64_t K, const float* a, int64_t rsa, const float* w, int64_t rsw, float* c, int64_t rsc,
              const TileOut<float>& o, const float* bn, const float* bm) {
  __m256 acc[4][S];
  for (int r = 0; r < 4; r++)
    for (int s = 0; s < S; s++) acc[r][s] = _mm256_setzero_ps();
  int64_t p = 0;
  for (; p + 8 <= K; p += 8) {
    __m256 wv[S];
    for (int s = 0; s < S; s++) wv[s] = _mm256_loadu_ps(w + s * rsw + p);
    for (int r = 0; r < R; r++) {
      __m256 av = _mm256_loadu_ps(a + r * rsa + p);
      for (int s = 0; s < S; s++) acc[r][s] = _mm256_fmadd_ps(av, wv[s], acc[r][s]);
    }
  }
  if (p < K) {
    __m256i mk = lane_mask(K - p);
    __m256 wv[S];
    for (int s = 0; s < S; s++) wv[s] = _mm256_maskload_ps(w + s * rsw + p, mk);
    for (int r = 0; r < R; r++) {
      __m256 av = _mm256_maskload_ps(a + r * rsa + p, mk);
      for (int s = 0; s < S; s++) acc[r][s] = _mm256_fmadd_ps(av, wv[s], acc[r][s]);
    }
  }
  // The store, four rows of a column at a time: relu?(alpha * sum + beta * C + bn + bm).
  const __m128 va = _mm_set1_ps(o.alpha);
  const float beta = o.beta;
  const bool relu = o.relu;
  alignas(16) float bmv[4] = {};
  if (bm)
    for (int r = 0; r < R; r++) bmv[r] = bm[r];
  for (int s = 0; s < S; s++) {
    __m128 v = _mm_mul_ps(va, hsum4(acc[0][s], acc[1][s], acc[2][s], acc[3][s]));
    if (beta != 0.0f) {
      alignas(16) float cv[4] = {};
      for (int r = 0; r < R; r++) cv[r] = c[r * rsc + s];
      v = _mm_fmadd_ps(_mm_set1_ps(beta), _mm_load_ps(cv), v);
    }
    if (bn) v = _mm_add_ps(v, _mm_set1_ps(bn[s]));
    if (bm) v = _mm_add_ps(v, _mm_load_ps(bmv));
    if (relu) v = _mm_max_ps(_mm_setzero_ps(), v);  // NaN stays NaN
    alignas(16) float out[4];
    _mm_store_ps(out, v);
    for (int r = 0; r < R; r++) c[r * rsc + s] = out[r];
  }
}

using DotTileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t,
                           const TileOut<float>&, const float*, const float*);
// [R - 1][S - 1]
const DotTileFn kDotTiles[4][3] = {
    {dot_tile<1, 1>, dot_tile<1, 2>, dot_tile<1, 3>},
    {dot_tile<2, 1>, dot_tile<2, 2>, dot_tile<2, 3>},
    {dot_tile<3, 1>, dot_tile<3, 2>, dot_tile<3, 3>},
    {dot_tile<4, 1>, dot_tile<4, 2>, dot_tile<4, 3>},
};

}  // namespace

void dot_f32_avx2(int64_t M, int64_t N, int64_t K, const float* A, int64_t rsa, const float* W, int64_t rsw, float* C,
                  int64_t rsc, const TileOut<float>& o) {
  for (int64_t i = 0; i < M; i += 4) {
    int64_t r = std::min<int64_t>(4, M - i);
    for (int64_t j = 0; j < N;) {
      // Columns in threes; a last four as two twos (a one-column tile has 4 FMA chains, too
      // few to cover the FMA latency: N = 10 is 3 + 3 + 2 + 2).
      int64_t s = N - j == 4 ? 2 : std::min<int64_t>(3, N - j);
      kDotTiles[r - 1][s - 1](K, A + i * rsa, rsa, W + j * rsw, rsw, C + i * rsc + j, rsc, o, o.bn ? o.bn + j : nullptr,
                              o.bm ? o.bm + i : nullptr);
      j += s;
    }
  }
}

// Eight rows of B (masked to the nb columns left) and one 8 x 8 transpose per 8 k: w's rows are
// written 8 floats at a time (the scalar loop took 1.5 us of a 6 us 64 x 256 x 10 product).
void transpose_f32_avx2(int64_t K, int64_t N, const float* B, int64_t rsb, float* w) {
  for (int64_t j0 = 0; j0 < N; j0 += 8) {
    const int64_t nb = std::min<int64_t>(8, N - j0);
    const __m256i m = lane_mask(nb);
    int64_t p = 0;
    for (; p + 8 <= K; p += 8) {
      __m256 v[8];
      for (int q = 0; q < 8; q++) v[q] = _mm256_maskload_ps(B + (p + q) * rsb + j0, m);
      transpose8(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
      for (int64_t j = 0; j < nb; j++) _mm256_storeu_ps(w + (j0 + j) * K + p, v[j]);
    }
    for (; p < K; p++)
      for (int64_t j = 0; j < nb; j++) w[(j0 + j) * K + p] = B[p * rsb + j0 + j];
  }
}

}  // namespace flint
