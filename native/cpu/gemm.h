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
// When beta == 0, C is not read. Edges (m < MR or n < NR) are handled inside.
template <class T>
using UKernel = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t rsc, int64_t m, int64_t n, T alpha,
                         T beta);

void gemm_f32(ThreadPool* pool, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa,
              int64_t csa, const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc);
void gemm_f64(ThreadPool* pool, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t rsa,
              int64_t csa, const double* B, int64_t rsb, int64_t csb, double beta, double* C, int64_t rsc);

// The oracle: a triple loop, kept for tests.
void gemm_naive_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa, int64_t csa,
                    const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc);

// AVX2+FMA micro-kernel (gemm_avx2.cc), 6 x 16 floats.
void ukernel_f32_avx2_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t rsc, int64_t m,
                           int64_t n, float alpha, float beta);
bool cpu_has_avx2_fma();
// Name of the micro-kernel in use ("avx2-6x16" or "portable-6x16"); FLINT_GEMM_KERNEL=portable forces it.
const char* gemm_kernel_name();

}  // namespace flint
