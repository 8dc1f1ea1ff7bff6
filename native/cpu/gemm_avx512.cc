// AVX-512 sgemm kernels: the 8 x 32 micro-kernel (16 zmm accumulators, two B vectors and one A
// broadcast a step) and the A/B packing for its 8-row and 32-column panels. Contracts in
// cpu/gemm.h. Compiled with -mavx512f -mavx512vl -mavx512dq (which imply AVX2 and FMA); called
// only when cpuid and the OS report them (cpu_has_avx512). gemv and the narrow dot products
// stay on the AVX2 kernels.
//
// Why 8 x 32: the seed models' products have M and N in multiples of 8 and 32 (batch 64,
// 512/256 units, 64/288 convolution rows), so edge tiles are rare; 16 accumulators cover the
// FMA latency of two 512-bit pipes; the B micro-panel (KC x 32 floats, 32 KiB at KC = 256)
// and an A micro-panel (8 KiB) fit a 48 KiB L1.
#include <immintrin.h>

#include <algorithm>

// GCC 12's avx512fintrin.h builds _mm512_max_ps etc. on _mm512_undefined_ps(), which it then
// reports as "may be used uninitialized" where they inline (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "cpu/gemm.h"
#include "cpu/simd_avx2.h"

namespace flint {

namespace {

// Lanes [0, n) of a 16-float vector (n clamped to [0, 16]).
inline __mmask16 mask16(int64_t n) {
  if (n >= 16) return (__mmask16)0xFFFF;
  if (n <= 0) return 0;
  return (__mmask16)((1u << n) - 1);
}

enum { kToAcc = 0, kSetC = 1, kAddC = 2 };

// The k loop for R rows (R = 2, 4 or 8), out of line so the accumulators own the registers.
// A(i, p) = a[i * ars + p * acs] (packed: ars = 1, acs = 8, constant offsets); rows past m
// repeat row m - 1, so an M-edge tile never reads past A. acc[2 * i], acc[2 * i + 1] is row i.
// kStore (R = 8, a full tile, alpha = 1, no epilogue): 1 stores the tile to C (beta = 0), 2 adds
// it to C (beta = 1), straight from the registers; 0 hands the accumulators back in acc.
// kHalf (with kStore = 0): columns 0-15 only, for an edge tile at most 16 wide (N = 784 ends
// in one: the full kernel spent half its FMAs on the zero padding); acc[2 * i + 1] is zero.
template <int R, bool kPacked, int kStore, bool kHalf = false>
__attribute__((noinline)) void loop_rx32(int64_t kc, const float* a, int64_t ars, int64_t acs, int64_t m,
                                         const float* b, int64_t bs, __m512* acc, float* c, int64_t rsc) {
  int64_t off[R];
  for (int i = 0; i < R; i++) off[i] = kPacked ? i : std::min<int64_t>(i, m - 1) * ars;
  if (kPacked) acs = 8;
  if (kStore != kToAcc) {
    // The C tile's rows (strided: no hardware prefetch) are fetched while the k loop runs.
    for (int i = 0; i < R; i++) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * rsc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * rsc + 31), _MM_HINT_T0);
    }
  }
  __m512 c0[R], c1[R];
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) c0[i] = c1[i] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = kHalf ? b0 : _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      const __m512 ai = _mm512_set1_ps(a[off[i]]);
      c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
      if (!kHalf) c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
    }
    a += acs;
    b += bs;
  }
  if (kStore == kToAcc) {
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
      acc[2 * i] = c0[i];
      acc[2 * i + 1] = c1[i];
    }
    return;
  }
#pragma GCC unroll 8
  for (int i = 0; i < R; i++) {
    float* ci = c + i * rsc;
    __m512 v0 = c0[i], v1 = c1[i];
    if (kStore == kAddC) {
      v0 = _mm512_add_ps(v0, _mm512_loadu_ps(ci));
      v1 = _mm512_add_ps(v1, _mm512_loadu_ps(ci + 16));
    }
    _mm512_storeu_ps(ci, v0);
    _mm512_storeu_ps(ci + 16, v1);
  }
}

// One 16-wide half row of the TileOut store (gemm.h): c[0:16 masked by k] =
// relu?(alpha * v + beta * c + bias_n + bm).
inline void store16(float* c, __m512 v, __mmask16 k, __m512 va, float beta, __m512 vbn, const float* bm, bool relu) {
  v = _mm512_mul_ps(va, v);
  if (beta != 0.0f) v = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(k, c), v);
  v = _mm512_add_ps(v, vbn);
  if (bm) v = _mm512_add_ps(v, _mm512_set1_ps(*bm));
  if (relu) v = _mm512_max_ps(_mm512_setzero_ps(), v);  // max(0, x): NaN stays NaN, as torch.relu
  _mm512_mask_storeu_ps(c, k, v);
}

}  // namespace

void ukernel_f32_avx512_8x32(int64_t kc, const float* a, int64_t ars, int64_t acs, const float* b, int64_t bs,
                             float* c, int64_t rsc, int64_t m, int64_t n, const TileOut<float>& o) {
  __m512 acc[16];
  // A packed panel (or A in place with the same layout) with all 8 rows: constant offsets.
  // Fewer rows take the general offsets, which never read past row m - 1.
  const bool packed = ars == 1 && acs == 8 && m == 8;
  if (m == 8 && n == 32 && o.alpha == 1.0f && (o.beta == 0.0f || o.beta == 1.0f) && !o.bn && !o.bm && !o.relu) {
    if (o.beta == 0.0f)
      (packed ? loop_rx32<8, true, kSetC> : loop_rx32<8, false, kSetC>)(kc, a, ars, acs, m, b, bs, acc, c, rsc);
    else
      (packed ? loop_rx32<8, true, kAddC> : loop_rx32<8, false, kAddC>)(kc, a, ars, acs, m, b, bs, acc, c, rsc);
    return;
  }
  if (n <= 16) {
    if (m <= 4)
      loop_rx32<4, false, kToAcc, true>(kc, a, ars, acs, m, b, bs, acc, c, rsc);
    else
      (packed ? loop_rx32<8, true, kToAcc, true> : loop_rx32<8, false, kToAcc, true>)(kc, a, ars, acs, m, b, bs, acc,
                                                                                       c, rsc);
  } else if (m <= 2)
    loop_rx32<2, false, kToAcc>(kc, a, ars, acs, m, b, bs, acc, c, rsc);
  else if (m <= 4)
    loop_rx32<4, false, kToAcc>(kc, a, ars, acs, m, b, bs, acc, c, rsc);
  else
    (packed ? loop_rx32<8, true, kToAcc> : loop_rx32<8, false, kToAcc>)(kc, a, ars, acs, m, b, bs, acc, c, rsc);
  const __m512 va = _mm512_set1_ps(o.alpha);
  const float beta = o.beta;
  const bool relu = o.relu;
  if (n == 32 && beta == 0.0f && !o.bn && !o.bm && !relu) {
    for (int64_t i = 0; i < m; i++) {
      _mm512_storeu_ps(c + i * rsc, _mm512_mul_ps(va, acc[2 * i]));
      _mm512_storeu_ps(c + i * rsc + 16, _mm512_mul_ps(va, acc[2 * i + 1]));
    }
    return;
  }
  // Rows past m are never touched; columns past n are masked.
  const __mmask16 k0 = mask16(n), k1 = mask16(n - 16);
  const __m512 bn0 = o.bn ? _mm512_maskz_loadu_ps(k0, o.bn) : _mm512_setzero_ps();
  const __m512 bn1 = o.bn ? _mm512_maskz_loadu_ps(k1, o.bn + 16) : _mm512_setzero_ps();
  const float* bm = o.bm;
  for (int64_t i = 0; i < m; i++) {
    float* ci = c + i * rsc;
    const float* bmi = bm ? bm + i : nullptr;
    store16(ci, acc[2 * i], k0, va, beta, bn0, bmi, relu);
    if (n > 16) store16(ci + 16, acc[2 * i + 1], k1, va, beta, bn1, bmi, relu);
  }
}

// A[0:mc, 0:kc] -> panels of kc x 8 (rows past mc zero).
void pack_a_f32_avx512_8(int64_t mc, int64_t kc, const float* A, int64_t rsa, int64_t csa, float* out) {
  const __m256 z = _mm256_setzero_ps();
  for (int64_t i0 = 0; i0 < mc; i0 += 8, out += kc * 8) {
    const int64_t mr = std::min<int64_t>(8, mc - i0);
    const float* a = A + i0 * rsa;
    if (csa == 1) {
      // Rows contiguous along k: 8 k-values of each row, one 8 x 8 transpose, 8 stores.
      const float* r[8];
      for (int i = 0; i < 8; i++) r[i] = a + std::min<int64_t>(i, mr - 1) * rsa;
      int64_t p = 0;
      for (; p + 8 <= kc; p += 8) {
        __m256 v[8];
        for (int i = 0; i < 8; i++) v[i] = i < mr ? _mm256_loadu_ps(r[i] + p) : z;
        transpose8(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        for (int q = 0; q < 8; q++) _mm256_storeu_ps(out + (p + q) * 8, v[q]);
      }
      for (; p < kc; p++)
        for (int64_t i = 0; i < 8; i++) out[p * 8 + i] = i < mr ? r[i][p] : 0.0f;
    } else if (rsa == 1 && mr == 8) {
      // Columns contiguous: 8 values per k, one copy.
      for (int64_t p = 0; p < kc; p++) _mm256_storeu_ps(out + p * 8, _mm256_loadu_ps(a + p * csa));
    } else {
      for (int64_t p = 0; p < kc; p++)
        for (int64_t i = 0; i < 8; i++) out[p * 8 + i] = i < mr ? a[i * rsa + p * csa] : 0.0f;
    }
  }
}

// B[0:kc, 0:nc] -> panels of kc x 32 (columns past nc zero).
void pack_b_f32_avx512_32(int64_t kc, int64_t nc, const float* B, int64_t rsb, int64_t csb, float* out) {
  const __m256 z = _mm256_setzero_ps();
  for (int64_t j0 = 0; j0 < nc; j0 += 32, out += kc * 32) {
    const int64_t nr = std::min<int64_t>(32, nc - j0);
    const float* b = B + j0 * csb;
    if (csb == 1) {
      const __mmask16 k0 = mask16(nr), k1 = mask16(nr - 16);
      for (int64_t p = 0; p < kc; p++) {
        const float* s = b + p * rsb;
        _mm512_storeu_ps(out + p * 32, _mm512_maskz_loadu_ps(k0, s));
        _mm512_storeu_ps(out + p * 32 + 16, _mm512_maskz_loadu_ps(k1, s + 16));
      }
    } else if (rsb == 1) {
      // Columns contiguous along k (B = W^T, Linear's weight): four 8 x 8 transposes per 8 k.
      const float* col[32];
      for (int j = 0; j < 32; j++) col[j] = b + std::min<int64_t>(j, nr - 1) * csb;
      int64_t p = 0;
      for (; p + 8 <= kc; p += 8) {
        for (int g = 0; g < 4; g++) {
          __m256 v[8];
          for (int j = 0; j < 8; j++) v[j] = 8 * g + j < nr ? _mm256_loadu_ps(col[8 * g + j] + p) : z;
          transpose8(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
          for (int q = 0; q < 8; q++) _mm256_storeu_ps(out + (p + q) * 32 + 8 * g, v[q]);
        }
      }
      for (; p < kc; p++)
        for (int64_t j = 0; j < 32; j++) out[p * 32 + j] = j < nr ? col[j][p] : 0.0f;
    } else {
      for (int64_t p = 0; p < kc; p++)
        for (int64_t j = 0; j < 32; j++) out[p * 32 + j] = j < nr ? b[p * rsb + j * csb] : 0.0f;
    }
  }
}

}  // namespace flint
