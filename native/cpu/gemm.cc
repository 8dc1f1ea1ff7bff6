// BLIS-style GEMM driver: loops jc (NC) -> pc (KC) -> [pack B] -> ic (MC) -> [pack A] ->
// jr (NR) -> ir (MR) -> micro-kernel. Threads split the (ic, jr) tiles of each packed block.
// Packing buffers are allocated per call (no static buffers: threads and workers share code).
#include "cpu/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/threadpool.h"

namespace flint {

namespace {

// Products of at most this many multiply-adds (64^3; a few microseconds on one core) run on
// the calling thread: waking the pool costs more than it saves. Measured on a 2-vCPU Zen 4
// guest, sq32 took 3 us on 1 thread and 25 us on 2 before this; sq64 9 us vs 21 us.
constexpr int64_t kSerialMacs = int64_t(1) << 18;

template <class T>
struct Blocking {
  static constexpr int64_t MR = 6, NR = 16, KC = 256, MC = 72, NC = 4080;
};
template <>
struct Blocking<double> {
  static constexpr int64_t MR = 6, NR = 8, KC = 256, MC = 72, NC = 4080;
};

// Portable micro-kernel: plain loops the compiler vectorises for the baseline ISA.
template <class T, int MR, int NR>
void ukernel_portable(int64_t kc, const T* a, const T* b, T* c, int64_t rsc, int64_t m, int64_t n, T alpha,
                      T beta) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      T ai = a[i];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      c[i * rsc + j] = beta == T(0) ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[i * rsc + j];
}

// Pack A[0:mc, 0:kc] into MR-row panels: panel r holds, for each p, MR values A[r*MR+i, p].
// Rows past mc are zero so the micro-kernel never reads garbage.
template <class T, int64_t MR>
void pack_a(int64_t mc, int64_t kc, const T* A, int64_t rsa, int64_t csa, T* out) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    int64_t mr = std::min(MR, mc - i0);
    const T* a = A + i0 * rsa;
    if (mr == MR && csa == 1) {
      for (int64_t p = 0; p < kc; p++)
        for (int64_t i = 0; i < MR; i++) out[p * MR + i] = a[i * rsa + p];
    } else if (mr == MR && rsa == 1) {
      for (int64_t p = 0; p < kc; p++) std::memcpy(out + p * MR, a + p * csa, MR * sizeof(T));
    } else {
      for (int64_t p = 0; p < kc; p++) {
        for (int64_t i = 0; i < mr; i++) out[p * MR + i] = a[i * rsa + p * csa];
        for (int64_t i = mr; i < MR; i++) out[p * MR + i] = T(0);
      }
    }
    out += kc * MR;
  }
}

// Pack B[0:kc, j0:j1] (panels of NR columns): panel holds, for each p, NR values B[p, j].
template <class T, int64_t NR>
void pack_b_panel(int64_t kc, int64_t nr, const T* B, int64_t rsb, int64_t csb, T* out) {
  if (nr == NR && csb == 1) {
    for (int64_t p = 0; p < kc; p++) std::memcpy(out + p * NR, B + p * rsb, NR * sizeof(T));
  } else if (nr == NR && rsb == 1) {
    for (int64_t j = 0; j < NR; j++) {
      const T* bj = B + j * csb;
      for (int64_t p = 0; p < kc; p++) out[p * NR + j] = bj[p];
    }
  } else {
    for (int64_t p = 0; p < kc; p++) {
      for (int64_t j = 0; j < nr; j++) out[p * NR + j] = B[p * rsb + j * csb];
      for (int64_t j = nr; j < NR; j++) out[p * NR + j] = T(0);
    }
  }
}

template <class T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t rsc) {
  for (int64_t i = 0; i < M; i++) {
    T* c = C + i * rsc;
    if (beta == T(0)) std::fill(c, c + N, T(0));
    else
      for (int64_t j = 0; j < N; j++) c[j] *= beta;
  }
}

// Small or skinny products: no packing. C row i = alpha * sum_p A[i,p] * B[p,:] + beta * C.
template <class T>
void gemm_small(ThreadPool* pool, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
                const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc) {
  bool serial = M * N * K <= kSerialMacs;
  if (rsb == 1 && csb != 1) {
    // B's columns are contiguous (B = W^T): dot products, good for Linear's batch-1 forward.
    pool->parallel_for(N, serial ? N : 64, [&](int64_t j0, int64_t j1) {
      for (int64_t i = 0; i < M; i++) {
        const T* a = A + i * rsa;
        for (int64_t j = j0; j < j1; j++) {
          const T* b = B + j * csb;
          T s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
          int64_t p = 0;
          if (csa == 1) {
            for (; p + 8 <= K; p += 8) {
              s0 += a[p] * b[p]; s1 += a[p + 1] * b[p + 1]; s2 += a[p + 2] * b[p + 2]; s3 += a[p + 3] * b[p + 3];
              s4 += a[p + 4] * b[p + 4]; s5 += a[p + 5] * b[p + 5]; s6 += a[p + 6] * b[p + 6]; s7 += a[p + 7] * b[p + 7];
            }
          }
          for (; p < K; p++) s0 += a[p * csa] * b[p];
          T s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
          T* c = C + i * rsc + j;
          *c = beta == T(0) ? alpha * s : alpha * s + beta * *c;
        }
      }
    });
    return;
  }
  pool->parallel_for(M, serial ? M : 1, [&](int64_t i0, int64_t i1) {
    std::vector<T> acc(N);
    for (int64_t i = i0; i < i1; i++) {
      std::fill(acc.begin(), acc.end(), T(0));
      for (int64_t p = 0; p < K; p++) {
        T a = A[i * rsa + p * csa];
        const T* b = B + p * rsb;
        if (csb == 1)
          for (int64_t j = 0; j < N; j++) acc[j] += a * b[j];
        else
          for (int64_t j = 0; j < N; j++) acc[j] += a * b[j * csb];
      }
      T* c = C + i * rsc;
      for (int64_t j = 0; j < N; j++) c[j] = beta == T(0) ? alpha * acc[j] : alpha * acc[j] + beta * c[j];
    }
  });
}

template <class T>
void gemm_blis(ThreadPool* pool, UKernel<T> ukr, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa,
               int64_t csa, const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc) {
  using Bk = Blocking<T>;
  constexpr int64_t MR = Bk::MR, NR = Bk::NR, KC = Bk::KC, MC = Bk::MC, NC = Bk::NC;
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, rsc);
    return;
  }
  int64_t mpad = (M + MR - 1) / MR * MR;
  int64_t ncap = std::min(NC, (N + NR - 1) / NR * NR);
  int64_t kcap = std::min(KC, K);
  std::unique_ptr<T[]> bufA(new T[mpad * kcap]);
  std::unique_ptr<T[]> bufB(new T[ncap * kcap]);
  T* Ap = bufA.get();
  T* Bp = bufB.get();
  int64_t nthreads = pool->num_threads();
  bool serial = M * N * K <= kSerialMacs;  // parallel_for runs inline when grain >= n

  for (int64_t jc = 0; jc < N; jc += NC) {
    int64_t nc = std::min(NC, N - jc);
    int64_t npanels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < K; pc += KC) {
      int64_t kc = std::min(KC, K - pc);
      T beta_eff = pc == 0 ? beta : T(1);
      const T* Bblk = B + pc * rsb + jc * csb;
      const T* Ablk = A + pc * csa;
      int64_t mblocks = (M + MC - 1) / MC;
      // Pack B panels and A blocks in one parallel pass.
      pool->parallel_for(npanels + mblocks, serial ? npanels + mblocks : 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) {
          if (t < npanels) {
            int64_t j = t * NR;
            pack_b_panel<T, NR>(kc, std::min(NR, nc - j), Bblk + j * csb, rsb, csb, Bp + j * kc);
          } else {
            int64_t i = (t - npanels) * MC;
            pack_a<T, MR>(std::min(MC, M - i), kc, Ablk + i * rsa, rsa, csa, Ap + i * kc);
          }
        }
      });
      // Tiles: MC-row blocks x groups of NR panels, enough of them to feed every thread.
      int64_t ngroups = std::max<int64_t>(1, std::min(npanels, (nthreads * 4 + mblocks - 1) / mblocks));
      pool->parallel_for(mblocks * ngroups, serial ? mblocks * ngroups : 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; t++) {
          int64_t ib = t / ngroups, g = t % ngroups;
          int64_t i0 = ib * MC, mc = std::min(MC, M - i0);
          int64_t p0 = npanels * g / ngroups, p1 = npanels * (g + 1) / ngroups;
          for (int64_t pj = p0; pj < p1; pj++) {
            int64_t j = pj * NR, nr = std::min(NR, nc - j);
            const T* bp = Bp + j * kc;
            for (int64_t ir = 0; ir < mc; ir += MR) {
              int64_t mr = std::min(MR, mc - ir);
              ukr(kc, Ap + (i0 + ir) * kc, bp, C + (i0 + ir) * rsc + jc + j, rsc, mr, nr, alpha, beta_eff);
            }
          }
        }
      });
    }
  }
}

UKernel<float> select_f32_kernel() {
  const char* force = std::getenv("FLINT_GEMM_KERNEL");
  bool portable = force && std::string(force) == "portable";
#if defined(__x86_64__) || defined(_M_X64)
  if (!portable && cpu_has_avx2_fma()) return ukernel_f32_avx2_6x16;
#endif
  return ukernel_portable<float, 6, 16>;
}

template <class T>
bool use_small_path(int64_t M, int64_t N, int64_t K) {
  return M == 1 || (M * N * K <= 24 * 24 * 24);
}

}  // namespace

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

const char* gemm_kernel_name() {
  return select_f32_kernel() == ukernel_portable<float, 6, 16> ? "portable-6x16" : "avx2-6x16";
}

void gemm_f32(ThreadPool* pool, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa,
              int64_t csa, const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc) {
  static const UKernel<float> ukr = select_f32_kernel();
  if (K > 0 && use_small_path<float>(M, N, K))
    gemm_small<float>(pool, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc);
  else
    gemm_blis<float>(pool, ukr, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc);
}

void gemm_f64(ThreadPool* pool, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t rsa,
              int64_t csa, const double* B, int64_t rsb, int64_t csb, double beta, double* C, int64_t rsc) {
  if (K > 0 && use_small_path<double>(M, N, K))
    gemm_small<double>(pool, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc);
  else
    gemm_blis<double>(pool, ukernel_portable<double, 6, 8>, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc);
}

void gemm_naive_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa, int64_t csa,
                    const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc) {
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int64_t p = 0; p < K; p++) s += (double)A[i * rsa + p * csa] * B[p * rsb + j * csb];
      float* c = C + i * rsc + j;
      *c = beta == 0.0f ? alpha * (float)s : alpha * (float)s + beta * *c;
    }
}

}  // namespace flint
