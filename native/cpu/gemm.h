// GEMM: C = alpha * A @ B + beta * C, BLIS-style (five loops, packed A and B panels, one
// register-blocked micro-kernel chosen at run time by CPU features).
//
// Operands are described by pointer + row stride + column stride (in elements), so every
// transposition (nn, nt, tn, tt) and strided view goes through packing, never an explicit
// transpose. C must have unit column stride.
#pragma once
#include <cstdint>

namespace flint {

class ThreadPool;

struct MatRef {
  const void* p;
  int64_t rs, cs;
};

// Micro-kernel contract: C[m x n] = alpha * A_panel * B_panel + beta * C, m <= MR, n <= NR.
// A_panel is kc x MR (column of MR values per k), B_panel is kc x NR (row of NR per k).
// When beta == 0, C is not read. Edges (m < MR or n < NR) are handled inside: only the
// m x n corner of C is read or written.
template <class T>
using UKernel = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t rsc, int64_t m, int64_t n, T alpha,
                         T beta);
// Packing contracts (MR = 6, NR = 16 for float32):
// PackA: A[0:mc, 0:kc] into ceil(mc / MR) panels of kc x MR, panel after panel (rows past mc
//   are zero). May write up to 8 elements past the last panel (the buffer has that slack).
// PackB: B[0:kc, 0:nc] into ceil(nc / NR) panels of kc x NR (columns past nc are zero).
template <class T>
using PackFn = void (*)(int64_t rows, int64_t cols, const T* X, int64_t rs, int64_t cs, T* out);
// gemv: y[0:N] = alpha * x[0:K] @ B + beta * y, B[p, j] = B[p * rsb + j * csb] with rsb == 1
// (columns contiguous: dot products) or csb == 1 (rows contiguous: row updates); x and y
// contiguous. When beta == 0, y is not read. Every y[j] is summed in an order that depends on
// (j, K) only, so any split of [0, N) at multiples of 64 gives identical results.
template <class T>
using GemvFn = void (*)(int64_t N, int64_t K, T alpha, const T* x, const T* B, int64_t rsb, int64_t csb, T beta,
                        T* y);

void gemm_f32(ThreadPool* pool, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa,
              int64_t csa, const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc);
void gemm_f64(ThreadPool* pool, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t rsa,
              int64_t csa, const double* B, int64_t rsb, int64_t csb, double beta, double* C, int64_t rsc);

// The oracle: a triple loop, kept for tests.
void gemm_naive_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa, int64_t csa,
                    const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc);

// AVX2+FMA kernels (gemm_avx2.cc, compiled with -mavx2 -mfma; called only when cpuid reports both).
void ukernel_f32_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t rsc, int64_t m,
                           int64_t n, float alpha, float beta);
void pack_a_f32_avx2_6(int64_t mc, int64_t kc, const float* A, int64_t rsa, int64_t csa, float* out);
void pack_b_f32_avx2_16(int64_t kc, int64_t nc, const float* B, int64_t rsb, int64_t csb, float* out);
void gemv_f32_avx2(int64_t N, int64_t K, float alpha, const float* x, const float* B, int64_t rsb, int64_t csb,
                   float beta, float* y);
bool cpu_has_avx2_fma();
// Name of the micro-kernel in use ("avx2-6x16" or "portable-6x16"); FLINT_GEMM_KERNEL=portable forces it
// (with the portable packing and gemv).
const char* gemm_kernel_name();

}  // namespace flint
