// BLIS-style GEMM driver: loops jc (NC) -> pc (KC) -> [pack B] -> ic (MC) -> [pack A] ->
// jr (NR) -> ir (MR) -> micro-kernel, in one parallel region per call (threads own rectangles
// of C). Packing goes to the pool's per-thread scratch (no static buffers: threads and
// workers share code). M == 1 goes to gemv, tiny products to a loop without packing, narrow
// ones (N <= 12) to dot products along K; C at most 64 columns wide reads A in place.
// An optional epilogue adds a bias (per column or per row) and applies ReLU in the store.
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

// Products of at most this many multiply-adds (2^16: 40^3, a couple of microseconds) run on
// the calling thread: waking the pool costs more than it saves. First set at 64^3 when a
// region paid a futex wake-up (sq32 25 us on 2 threads against 3 us on 1); with the workers
// spinning between regions, a 2-vCPU Zen 4 guest measured on 2 threads sq64 5.4 -> 3.6 us,
// 64 x 256 x 10 4.5 -> 3.1-3.7 us, 48^3 3.7 -> 2.7-3.0 us, and sq32 1.3 -> 1.4 us (kept serial).
constexpr int64_t kSerialMacs = int64_t(1) << 16;

// Cache blocking for an MR x NR micro-kernel: A blocks of MC x KC (L2), B micro-panels of
// KC x NR (L1), B blocks up to NC columns. MC is 12 micro-panels (72 rows for MR = 6), NC the
// largest multiple of NR under 4096.
template <int64_t MR_, int64_t NR_>
struct Blocking {
  static constexpr int64_t MR = MR_, NR = NR_, KC = 256, KC_MAX = 320, MC = 12 * MR_, NC = 4095 / NR_ * NR_;
};
// The geometries the kernels use: 6 x 16 (AVX2, NEON, portable float32), 8 x 32 (AVX-512),
// 6 x 8 (portable float64). Kernels<T>::nr picks one.
using Geom6x16 = Blocking<6, 16>;
using Geom8x32 = Blocking<8, 32>;
using Geom6x8 = Blocking<6, 8>;

// The TileOut store of one value (gemm.h): relu?(alpha * acc + beta * c + bn + bm).
template <class T>
inline T tile_value(T acc, const T* c, const TileOut<T>& o, const T* bn, const T* bm) {
  T v = o.beta == T(0) ? o.alpha * acc : o.alpha * acc + o.beta * *c;
  if (bn) v += *bn;
  if (bm) v += *bm;
  if (o.relu) v = std::max(v, T(0));
  return v;
}

// Portable micro-kernel: plain loops the compiler vectorises for the baseline ISA.
template <class T, int MR, int NR>
void ukernel_portable(int64_t kc, const T* a, int64_t ars, int64_t acs, const T* b, int64_t bs, T* c, int64_t rsc,
                      int64_t m, int64_t n, const TileOut<T>& o) {
  T acc[MR][NR] = {};
  int64_t off[MR];
  for (int i = 0; i < MR; i++) off[i] = std::min<int64_t>(i, m - 1) * ars;
  for (int64_t p = 0; p < kc; p++) {
    for (int i = 0; i < MR; i++) {
      T ai = a[off[i]];
      for (int j = 0; j < NR; j++) acc[i][j] += ai * b[j];
    }
    a += acs;
    b += bs;
  }
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      c[i * rsc + j] = tile_value(acc[i][j], c + i * rsc + j, o, o.bn ? o.bn + j : nullptr, o.bm ? o.bm + i : nullptr);
}

// Portable packing (the contracts are in gemm.h). Rows/columns past the edge are zero.
template <class T, int64_t MR>
void pack_a_portable(int64_t mc, int64_t kc, const T* A, int64_t rsa, int64_t csa, T* out) {
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

template <class T, int64_t NR>
void pack_b_portable(int64_t kc, int64_t nc, const T* B, int64_t rsb, int64_t csb, T* out) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    int64_t nr = std::min(NR, nc - j0);
    const T* b = B + j0 * csb;
    if (nr == NR && csb == 1) {
      for (int64_t p = 0; p < kc; p++) std::memcpy(out + p * NR, b + p * rsb, NR * sizeof(T));
    } else if (nr == NR && rsb == 1) {
      for (int64_t j = 0; j < NR; j++) {
        const T* bj = b + j * csb;
        for (int64_t p = 0; p < kc; p++) out[p * NR + j] = bj[p];
      }
    } else {
      for (int64_t p = 0; p < kc; p++) {
        for (int64_t j = 0; j < nr; j++) out[p * NR + j] = b[p * rsb + j * csb];
        for (int64_t j = nr; j < NR; j++) out[p * NR + j] = T(0);
      }
    }
    out += kc * NR;
  }
}

// Portable gemv (contract in gemm.h), any strides of B.
template <class T>
void gemv_portable(int64_t N, int64_t K, T alpha, const T* x, const T* B, int64_t rsb, int64_t csb, T beta, T* y) {
  if (csb == 1 && rsb != 1) {
    // Rows of B contiguous: y accumulates x[p] * B[p, :], 64 columns at a time.
    for (int64_t j0 = 0; j0 < N; j0 += 64) {
      int64_t nb = std::min<int64_t>(64, N - j0);
      T acc[64] = {};
      for (int64_t p = 0; p < K; p++) {
        T xp = x[p];
        const T* b = B + p * rsb + j0;
        for (int64_t j = 0; j < nb; j++) acc[j] += xp * b[j];
      }
      for (int64_t j = 0; j < nb; j++) y[j0 + j] = beta == T(0) ? alpha * acc[j] : alpha * acc[j] + beta * y[j0 + j];
    }
    return;
  }
  for (int64_t j = 0; j < N; j++) {
    const T* b = B + j * csb;
    T s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    int64_t p = 0;
    if (rsb == 1) {
      for (; p + 8 <= K; p += 8) {
        s0 += x[p] * b[p]; s1 += x[p + 1] * b[p + 1]; s2 += x[p + 2] * b[p + 2]; s3 += x[p + 3] * b[p + 3];
        s4 += x[p + 4] * b[p + 4]; s5 += x[p + 5] * b[p + 5]; s6 += x[p + 6] * b[p + 6]; s7 += x[p + 7] * b[p + 7];
      }
    }
    for (; p < K; p++) s0 += x[p] * b[p * rsb];
    T s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    y[j] = beta == T(0) ? alpha * s : alpha * s + beta * y[j];
  }
}

// The routines of one instruction set.
template <class T>
struct Kernels {
  const char* name;
  int64_t mr, nr;  // the micro-tile: 6 x 16, 8 x 32 or 6 x 8 (a Blocking geometry)
  UKernel<T> ukr;
  PackFn<T> pack_a, pack_b;
  GemvFn<T> gemv;  // rsb == 1 or csb == 1 only
  DotFn<T> dot;    // null: narrow products go through the BLIS loops
  TransFn<T> tr;   // W = B^T for dot when B's rows are contiguous (set wherever dot is)
};

// The bias / ReLU part of an epilogue over C[0:M, 0:N] (after a path that stored
// alpha * A @ B + beta * C): row and column offsets i0, j0 index the bias.
template <class T>
void epilogue_pass(int64_t M, int64_t N, T* C, int64_t rsc, const Epilogue<T>* e, int64_t i0 = 0, int64_t j0 = 0) {
  if (!e || (!e->bias && !e->relu)) return;
  for (int64_t i = 0; i < M; i++) {
    T* c = C + i * rsc;
    if (e->bias && e->bias_per_row) {
      T b = e->bias[i0 + i];
      for (int64_t j = 0; j < N; j++) c[j] += b;
    } else if (e->bias) {
      const T* b = e->bias + j0;
      for (int64_t j = 0; j < N; j++) c[j] += b[j];
    }
    if (e->relu)
      for (int64_t j = 0; j < N; j++) c[j] = std::max(c[j], T(0));
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

// Tiny products (M * N * K <= 24^3, M > 1): no packing. Row i of C = alpha * A[i, :] @ B + beta * C.
template <class T>
void gemm_small(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa, const T* B,
                int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc) {
  if (rsb == 1 && csb != 1) {
    // B's columns are contiguous (B = W^T): dot products.
    for (int64_t i = 0; i < M; i++) {
      const T* a = A + i * rsa;
      for (int64_t j = 0; j < N; j++) {
        const T* b = B + j * csb;
        T s = 0;
        for (int64_t p = 0; p < K; p++) s += a[p * csa] * b[p];
        T* c = C + i * rsc + j;
        *c = beta == T(0) ? alpha * s : alpha * s + beta * *c;
      }
    }
    return;
  }
  T acc_s[256];
  std::vector<T> acc_v;
  T* acc = acc_s;
  if (N > 256) {
    acc_v.resize(N);
    acc = acc_v.data();
  }
  for (int64_t i = 0; i < M; i++) {
    std::fill(acc, acc + N, T(0));
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
}

// M == 1: y = alpha * x @ B + beta * y, split over threads by 64-column blocks.
template <class T>
void gemm_gemv(ThreadPool* pool, const Kernels<T>& k, int64_t N, int64_t K, T alpha, const T* A, int64_t csa,
               const T* B, int64_t rsb, int64_t csb, T beta, T* C) {
  std::vector<T> xc;
  const T* x = A;
  if (csa != 1 && K > 1) {
    xc.resize(K);
    for (int64_t p = 0; p < K; p++) xc[p] = A[p * csa];
    x = xc.data();
  }
  GemvFn<T> fn = (rsb == 1 || csb == 1) ? k.gemv : gemv_portable<T>;
  int64_t blocks = (N + 63) / 64;
  bool serial = N * K <= kSerialMacs;
  pool->parallel_for(blocks, serial ? blocks : 1, [&](int64_t b0, int64_t b1) {
    int64_t j0 = b0 * 64, j1 = std::min(N, b1 * 64);
    fn(j1 - j0, K, alpha, x, B + j0 * csb, rsb, csb, beta, C + j0);
  });
}

// K block size: at most KC_MAX in one block (B's kc x NR micro-panel and A's MR x kc one stay
// in L1); past that, blocks of about KC, equal but for rounding, so no block is a thin
// remainder (K = 288 was 256 + 32: the 32-deep block paid a full C load and store per tile).
// Depends on K only, so the summation order does not depend on the thread count.
template <class Bk>
int64_t kc_block(int64_t K) {
  if (K <= Bk::KC_MAX) return K;
  int64_t blocks = (K + Bk::KC - 1) / Bk::KC;
  return (K + blocks - 1) / blocks;
}

// Whether the micro-kernel reads A in place instead of packing it: when C is at most a few
// NR-panels wide, each A block is used by that few panels and packing it costs about as much
// as the loads it saves (sq64, fc3 and conv2_im2col had 15-25% of their time in pack_a).
// Rows contiguous (csa == 1) or columns contiguous (rsa == 1) only.
template <class Bk>
bool a_in_place(int64_t N, int64_t rsa, int64_t csa) {
  return N <= 4 * Bk::NR && (csa == 1 || rsa == 1);
}

// Whether the micro-kernel reads B in place instead of packing it: B's rows contiguous, every
// NR-panel whole (N % NR == 0: the kernel loads NR values a row), and B small enough to stay in
// L1 (K * N <= 8192: sq32, sq64; sq128 read in place was 3 % slower), where packing it was
// 6-7 % of sq32 and sq64.
template <class Bk>
bool b_in_place(int64_t N, int64_t K, int64_t csb) {
  return csb == 1 && N % Bk::NR == 0 && K * N <= 8192;
}

// The BLIS loops over one rectangle of C, [m0, m1) x [n0, n1): jc (NC) -> pc (KC) -> pack B
// -> ic (MC) -> pack A -> jr (NR) -> ir (MR) -> micro-kernel. Ap holds MC x KC (+ slack),
// Bp KC x min(NC, n1 - n0) rounded up to NR. The epilogue's bias and ReLU go to the last K block.
template <class T, class Bk>
void blis_rect(const Kernels<T>& k, int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t K, T alpha,
               const T* A, int64_t rsa, int64_t csa, const T* B, int64_t rsb, int64_t csb, T beta, T* C,
               int64_t rsc, T* Ap, T* Bp, const Epilogue<T>* epi, bool direct_a, bool direct_b) {
  constexpr int64_t MR = Bk::MR, NR = Bk::NR, MC = Bk::MC, NC = Bk::NC;
  const int64_t KB = kc_block<Bk>(K);
  // A in place: element (i, p) at ars * i + acs * p from the block's corner.
  const int64_t ars = csa == 1 ? rsa : 1, acs = csa == 1 ? 1 : csa;
  // B in place: row p of a panel at B + p * rsb (whole NR-wide panels only); else packed.
  const int64_t bs = direct_b ? rsb : NR;
  for (int64_t jc = n0; jc < n1; jc += NC) {
    int64_t nc = std::min(NC, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += KB) {
      int64_t kc = std::min(KB, K - pc);
      bool last = pc + kc >= K;
      TileOut<T> o{alpha, pc == 0 ? beta : T(1), nullptr, nullptr, last && epi && epi->relu};
      if (!direct_b) k.pack_b(kc, nc, B + pc * rsb + jc * csb, rsb, csb, Bp);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        int64_t mc = std::min(MC, m1 - ic);
        if (!direct_a) k.pack_a(mc, kc, A + ic * rsa + pc * csa, rsa, csa, Ap);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          int64_t nr = std::min(NR, nc - jr);
          const T* bp = direct_b ? B + pc * rsb + jc + jr : Bp + jr * kc;
          if (last && epi && epi->bias && !epi->bias_per_row) o.bn = epi->bias + jc + jr;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            if (last && epi && epi->bias && epi->bias_per_row) o.bm = epi->bias + ic + ir;
            T* c = C + (ic + ir) * rsc + jc + jr;
            int64_t m = std::min(MR, mc - ir);
            if (direct_a)
              k.ukr(kc, A + (ic + ir) * rsa + pc * csa, ars, acs, bp, bs, c, rsc, m, nr, o);
            else
              k.ukr(kc, Ap + ir * kc, 1, MR, bp, bs, c, rsc, m, nr, o);
          }
        }
      }
    }
  }
}

// One parallel region per call: C is cut into rectangles along N (NR-column units) or M
// (MR-row units), and each task packs the A and B blocks it needs into its thread's scratch
// and runs the BLIS loops on its rectangle; no barrier, no second region per K block. Cutting
// along N repacks A once per task, along M repacks B: the cut goes along the larger
// dimension, so the repacked operand is the smaller one. Every element of C is summed in the
// same order whatever the cut, so results do not depend on the thread count.
template <class T, class Bk>
void gemm_blis(ThreadPool* pool, const Kernels<T>& k, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
               int64_t rsa, int64_t csa, const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc,
               const Epilogue<T>* epi) {
  constexpr int64_t MR = Bk::MR, NR = Bk::NR, MC = Bk::MC, NC = Bk::NC;
  int64_t nthreads = pool->num_threads();
  int64_t mu = (M + MR - 1) / MR, nu = (N + NR - 1) / NR;
  int64_t ntasks = 1;
  bool along_n = true;
  if (nthreads > 1 && M * N * K > kSerialMacs) {
    along_n = nu >= nthreads && (N >= M || mu < nthreads);
    int64_t units = along_n ? nu : mu;
    int64_t len = along_n ? N : M;
    // More tasks than threads (a straggler then costs less) while the repacking stays small:
    // each task repacks about (other dim) x K values against len / ntasks x (other) x K FMAs.
    ntasks = std::min(units, nthreads);
    // Once the repacked operand passes 1 MiB (out of L2), slabs of at least 1024: sq2048 on
    // 2 threads packed all of A in each of 8 tasks; 2 tasks were 5 % faster (91 -> 86 ms).
    int64_t min_slab = (along_n ? M : N) * K > (int64_t(1) << 18) ? 1024 : 256;
    while (ntasks < 4 * nthreads && 2 * ntasks <= units && 2 * ntasks * min_slab <= len) ntasks *= 2;
  }
  bool direct_a = a_in_place<Bk>(N, rsa, csa);
  bool direct_b = b_in_place<Bk>(N, K, csb);
  int64_t kcap = kc_block<Bk>(K);
  int64_t ncap = along_n ? std::min(NC, ((nu + ntasks - 1) / ntasks) * NR) : std::min(NC, nu * NR);
  size_t a_elems = direct_a ? 0 : (size_t)(MC * kcap + 64), b_elems = direct_b ? 0 : (size_t)(ncap * kcap + 64);
  auto task = [&](int64_t t, int slot) {
    int64_t m0 = 0, m1 = M, n0 = 0, n1 = N;
    if (along_n) {
      n0 = std::min(N, nu * t / ntasks * NR);
      n1 = std::min(N, nu * (t + 1) / ntasks * NR);
    } else {
      m0 = std::min(M, mu * t / ntasks * MR);
      m1 = std::min(M, mu * (t + 1) / ntasks * MR);
    }
    if (m0 >= m1 || n0 >= n1) return;
    std::unique_ptr<T[]> own;
    T* buf;
    if (slot >= 0) {
      buf = static_cast<T*>(pool->scratch(slot, (a_elems + b_elems) * sizeof(T)));
    } else {
      own.reset(new T[a_elems + b_elems]);
      buf = own.get();
    }
    blis_rect<T, Bk>(k, m0, m1, n0, n1, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, buf, buf + a_elems, epi,
                 direct_a, direct_b);
  };
  pool->run(ntasks, TaskRef(task));
}

// Narrow products (N <= kDotMaxN, e.g. the classifier layer's N = 10) as dot products along K:
// the 6 x 16 micro-kernel would spend 16 lanes on 10 columns. Needs A's rows contiguous
// (csa == 1); W = B^T is read in place when B's columns are contiguous (B = W^T, Linear's
// weight) and transposed into scratch when B's rows are. Threads split M in 4-row units.
constexpr int64_t kDotMaxN = 12;

template <class T>
bool dot_fits(const Kernels<T>& k, int64_t N, int64_t K, int64_t csa, int64_t rsb, int64_t csb) {
  return k.dot && N <= kDotMaxN && K >= 16 && csa == 1 && (rsb == 1 || csb == 1);
}

template <class T>
void gemm_dot(ThreadPool* pool, const Kernels<T>& k, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
              int64_t rsa, const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc, const Epilogue<T>* epi) {
  int64_t units = (M + 3) / 4;
  int64_t ntasks = M * N * K > kSerialMacs ? std::min<int64_t>(units, pool->num_threads()) : 1;
  bool copy_w = rsb != 1;
  auto task = [&](int64_t t, int slot) {
    int64_t m0 = std::min(M, units * t / ntasks * 4), m1 = std::min(M, units * (t + 1) / ntasks * 4);
    if (m0 >= m1) return;
    const T* W = B;
    int64_t rsw = csb;
    std::unique_ptr<T[]> own;
    if (copy_w) {
      T* w;
      if (slot >= 0) {
        w = static_cast<T*>(pool->scratch(slot, (size_t)(N * K) * sizeof(T)));
      } else {
        own.reset(new T[N * K]);
        w = own.get();
      }
      k.tr(K, N, B, rsb, w);
      W = w;
      rsw = K;
    }
    TileOut<T> o{alpha, beta, nullptr, nullptr, epi && epi->relu};
    if (epi && epi->bias) (epi->bias_per_row ? o.bm : o.bn) = epi->bias_per_row ? epi->bias + m0 : epi->bias;
    k.dot(m1 - m0, N, K, A + m0 * rsa, rsa, W, rsw, C + m0 * rsc, rsc, o);
  };
  pool->run(ntasks, TaskRef(task));
}

template <class T, class Bk>
Kernels<T> kernels_portable(const char* name) {
  return Kernels<T>{name, Bk::MR, Bk::NR, ukernel_portable<T, Bk::MR, Bk::NR>, pack_a_portable<T, Bk::MR>,
                    pack_b_portable<T, Bk::NR>, gemv_portable<T>, nullptr, nullptr};
}

// Chosen once per process (FLINT_GEMM_KERNEL and cpuid are read at the first call).
const Kernels<float>& pick_f32() {
  static const Kernels<float> portable = kernels_portable<float, Geom6x16>("portable-6x16");
#if defined(__x86_64__) || defined(_M_X64)
  static const Kernels<float> avx2{"avx2-6x16", 6, 16, ukernel_f32_avx2_6x16, pack_a_f32_avx2_6, pack_b_f32_avx2_16,
                                   gemv_f32_avx2, dot_f32_avx2, transpose_f32_avx2};
  // AVX-512: twice the FMA width where the core has 512-bit FMA units (Zen 5, Intel server
  // parts); gemv and the narrow dot products stay on the AVX2 kernels.
  static const Kernels<float> avx512{"avx512-8x32", 8, 32, ukernel_f32_avx512_8x32, pack_a_f32_avx512_8,
                                     pack_b_f32_avx512_32, gemv_f32_avx2, dot_f32_avx2, transpose_f32_avx2};
  // FLINT_GEMM_KERNEL=portable|avx2 caps the choice (tests run each kernel the CPU has).
  const char* force = std::getenv("FLINT_GEMM_KERNEL");
  std::string want = force ? force : "";
  if (want != "portable" && want != "avx2" && cpu_has_avx512()) return avx512;
  if (want != "portable" && cpu_has_avx2_fma()) return avx2;
#elif defined(__aarch64__)
  // NEON is part of the AArch64 base ISA: no run-time check.
  static const Kernels<float> neon{"neon-6x16", 6, 16, ukernel_f32_neon_6x16, pack_a_portable<float, 6>,
                                   pack_b_portable<float, 16>, gemv_portable<float>, nullptr, nullptr};
  const char* force = std::getenv("FLINT_GEMM_KERNEL");
  if (!(force && std::string(force) == "portable")) return neon;
#endif
  return portable;
}

const Kernels<float>& f32_kernels() {
  static const Kernels<float>& k = pick_f32();
  return k;
}

const Kernels<double>& f64_kernels() {
  static const Kernels<double> portable = kernels_portable<double, Geom6x8>("portable-6x8");
  return portable;
}

template <class T>
void gemm_any(ThreadPool* pool, const Kernels<T>& k, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
              int64_t rsa, int64_t csa, const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc,
              const Epilogue<T>* epi) {
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, rsc);
    epilogue_pass(M, N, C, rsc, epi);
  } else if (M == 1) {
    gemm_gemv<T>(pool, k, N, K, alpha, A, csa, B, rsb, csb, beta, C);
    epilogue_pass(M, N, C, rsc, epi);
  } else if (M * N * K <= 24 * 24 * 24) {
    gemm_small<T>(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc);
    epilogue_pass(M, N, C, rsc, epi);
  } else if (dot_fits(k, N, K, csa, rsb, csb)) {
    gemm_dot<T>(pool, k, M, N, K, alpha, A, rsa, B, rsb, csb, beta, C, rsc, epi);
  } else if (k.nr == 32) {
    gemm_blis<T, Geom8x32>(pool, k, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, epi);
  } else if (k.nr == 16) {
    gemm_blis<T, Geom6x16>(pool, k, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, epi);
  } else {
    gemm_blis<T, Geom6x8>(pool, k, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, epi);
  }
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

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(_M_X64)
  // libgcc's check includes the OS's support for the ZMM state (XGETBV).
  static const bool has = cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return has;
#else
  return false;
#endif
}

const char* gemm_kernel_name() { return f32_kernels().name; }

void gemm_f32(ThreadPool* pool, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa,
              int64_t csa, const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc,
              const Epilogue<float>* epi) {
  gemm_any<float>(pool, f32_kernels(), M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, epi);
}

void gemm_f64(ThreadPool* pool, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t rsa,
              int64_t csa, const double* B, int64_t rsb, int64_t csb, double beta, double* C, int64_t rsc,
              const Epilogue<double>* epi) {
  gemm_any<double>(pool, f64_kernels(), M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, epi);
}

void gemm_naive_f32(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t rsa, int64_t csa,
                    const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc,
                    const Epilogue<float>* epi) {
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int64_t p = 0; p < K; p++) s += (double)A[i * rsa + p * csa] * B[p * rsb + j * csb];
      float* c = C + i * rsc + j;
      *c = beta == 0.0f ? alpha * (float)s : alpha * (float)s + beta * *c;
    }
  epilogue_pass(M, N, C, rsc, epi);
}

}  // namespace flint
