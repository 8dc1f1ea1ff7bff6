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

// What happens to a tile of C after its product: C = relu?(alpha * A @ B + beta * C + bias),
// bias per column (bias[j], Linear's) or per row (bias[i], convolution's output channels).
// A null Epilogue (the default) is C = alpha * A @ B + beta * C.
template <class T>
struct Epilogue {
  const T* bias = nullptr;
  bool bias_per_row = false;
  bool relu = false;
};

// The store of one micro-tile: C[i, j] = relu?(alpha * acc[i, j] + beta * C[i, j] + bn[j] + bm[i]),
// in that order (beta == 0: C not read; bn / bm null: no term; relu false: none). The driver
// passes the bias and relu on the last K block only.
template <class T>
struct TileOut {
  T alpha, beta;
  const T* bn;  // bias at this tile's column 0, or null
  const T* bm;  // bias at this tile's row 0, or null
  bool relu;
};

// Micro-kernel contract: C[m x n] (row stride rsc) = the TileOut store of A_sub * B_panel, m <= MR,
// n <= NR. A_sub element (i, p) is a[i * ars + p * acs]: a packed panel (ars = 1, acs = MR) or A
// read in place (rows: ars = rsa, acs = 1; columns: ars = 1, acs = csa); rows i >= m are never
// read. B_panel is kc rows of NR values, row p at b + p * bs: packed (bs = NR, columns past n
// zero) or B read in place (bs = rsb, only with n = NR). Edges (m < MR or n < NR) are handled
// inside: only the m x n corner of C is read or written.
template <class T>
using UKernel = void (*)(int64_t kc, const T* a, int64_t ars, int64_t acs, const T* b, int64_t bs, T* c, int64_t rsc,
                         int64_t m, int64_t n, const TileOut<T>& out);
// Packing contracts (MR x NR: 6 x 16 for AVX2, NEON and portable float32, 8 x 32 for AVX-512):
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
// Dot-product kernel for narrow products (N small, A rows and W rows contiguous along K):
// C[i, j] = TileOut store of dot(A[i, 0:K], W[j, 0:K]) for i < M, j < N, bn / bm indexed from
// C's row 0 / column 0. Every C[i, j] is summed in an order that depends on K only.
template <class T>
using DotFn = void (*)(int64_t M, int64_t N, int64_t K, const T* A, int64_t rsa, const T* W, int64_t rsw, T* C,
                       int64_t rsc, const TileOut<T>& out);

// W = B^T for the dot kernels when B's rows are contiguous: w[j * K + p] = B[p * rsb + j] for
// j < N, p < K.
template <class T>
using TransFn = void (*)(int64_t K, int64_t N, const T* B, int64_t rsb, T* w);

void gemm_f32(ThreadPool* pool, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa,
              int64_t csa, const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc,
              const Epilogue<float>* epi = nullptr);
void gemm_f64(ThreadPool* pool, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t rsa,
              int64_t csa, const double* B, int64_t rsb, int64_t csb, double beta, double* C, int64_t rsc,
              const Epilogue<double>* epi = nullptr);

// The oracle: a triple loop (double sums), kept for tests; the epilogue as gemm_f32's.
void gemm_naive_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa, int64_t csa,
                    const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc,
                    const Epilogue<float>* epi = nullptr);

// AVX2+FMA kernels (gemm_avx2.cc, compiled with -mavx2 -mfma; called only when cpuid reports both).
void ukernel_f32_avx2_6x16(int64_t kc, const float* a, int64_t ars, int64_t acs, const float* b, int64_t bs,
                           float* c, int64_t rsc, int64_t m, int64_t n, const TileOut<float>& out);
void pack_a_f32_avx2_6(int64_t mc, int64_t kc, const float* A, int64_t rsa, int64_t csa, float* out);
void pack_b_f32_avx2_16(int64_t kc, int64_t nc, const float* B, int64_t rsb, int64_t csb, float* out);
void gemv_f32_avx2(int64_t N, int64_t K, float alpha, const float* x, const float* B, int64_t rsb, int64_t csb,
                   float beta, float* y);
void dot_f32_avx2(int64_t M, int64_t N, int64_t K, const float* A, int64_t rsa, const float* W, int64_t rsw, float* C,
                  int64_t rsc, const TileOut<float>& out);
void transpose_f32_avx2(int64_t K, int64_t N, const float* B, int64_t rsb, float* w);
// AVX-512 kernels (gemm_avx512.cc, compiled with -mavx512f -mavx512vl -mavx512dq; called only
// when cpuid and the OS report them): an 8 x 32 micro-kernel and its packing (MR = 8, NR = 32).
void ukernel_f32_avx512_8x32(int64_t kc, const float* a, int64_t ars, int64_t acs, const float* b, int64_t bs,
                             float* c, int64_t rsc, int64_t m, int64_t n, const TileOut<float>& out);
void pack_a_f32_avx512_8(int64_t mc, int64_t kc, const float* A, int64_t rsa, int64_t csa, float* out);
void pack_b_f32_avx512_32(int64_t kc, int64_t nc, const float* B, int64_t rsb, int64_t csb, float* out);
// NEON kernel (gemm_neon.cc, built for aarch64 only).
void ukernel_f32_neon_6x16(int64_t kc, const float* a, int64_t ars, int64_t acs, const float* b, int64_t bs,
                           float* c, int64_t rsc, int64_t m, int64_t n, const TileOut<float>& out);
bool cpu_has_avx2_fma();
bool cpu_has_avx512();
// Name of the micro-kernel in use ("avx512-8x32", "avx2-6x16", "neon-6x16" or "portable-6x16");
// FLINT_GEMM_KERNEL=portable forces the portable one (with the portable packing and gemv),
// FLINT_GEMM_KERNEL=avx2 the AVX2 one on a CPU that also has AVX-512.
const char* gemm_kernel_name();

}  // namespace flint
