// The GEMM on AArch64 (the NEON 6 x 16 micro-kernel under the shared driver) against the naive
// oracle, as a standalone program: scripts/test_neon.js cross-compiles it with
// native/cpu/gemm.cc, gemm_neon.cc and core/threadpool.cc and runs it under qemu-aarch64
// (npm run test:neon; test/native/gemm_neon.test.ts). Prints one JSON line; exit code 0 when
// every case passes.
//
// Cases: M = N = K for 1..70, random triples in 1..70, blocking edges (K past the 320/256
// K blocks, M past MC = 72, N past 4 NR-panels where A is read in place), all four
// transpositions, strided operands, 1 and 3 threads (bit-identical), and the epilogue (bias
// per column / per row, ReLU). Tolerance per element as gemm_oracle.js: K * 2^-23 * (|A| @ |B|).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/threadpool.h"
#include "cpu/gemm.h"

using namespace flint;

namespace {

uint32_t rng_state = 12345;
float uniform() {  // xorshift32 in [-1, 1)
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return (float)((rng_state >> 8) * (1.0 / 8388608.0)) * 2.0f - 1.0f;
}

// A logical rows x cols operand stored transposed or not, with `pad` extra elements per stored row.
struct Operand {
  std::vector<float> data;
  int64_t rs, cs;
  Operand(int64_t rows, int64_t cols, bool trans, int64_t pad) {
    int64_t sr = trans ? cols : rows, sc = (trans ? rows : cols) + pad;
    data.resize((size_t)std::max<int64_t>(sr * sc, 1));
    for (float& v : data) v = uniform();
    rs = trans ? 1 : sc;
    cs = trans ? sc : 1;
  }
};

int failures = 0, checked = 0;
std::string first_failure;

void fail(const std::string& what) {
  if (failures++ == 0) first_failure = what;
}

void check(ThreadPool& pool, int64_t M, int64_t N, int64_t K, const char* layout, int64_t pad, int epi_kind) {
  bool ta = layout[0] == 't', tb = layout[1] == 't';
  Operand a(M, K, ta, pad), b(K, N, tb, pad);
  std::vector<float> bias((size_t)std::max(M, N));
  for (float& v : bias) v = uniform();
  Epilogue<float> epi;
  if (epi_kind == 1) epi = {bias.data(), false, false};
  if (epi_kind == 2) epi = {bias.data(), true, true};
  if (epi_kind == 3) epi = {nullptr, false, true};
  std::vector<float> got((size_t)(M * N), NAN), ref((size_t)(M * N)), bound((size_t)(M * N));
  gemm_f32(&pool, M, N, K, 1.0f, a.data.data(), a.rs, a.cs, b.data.data(), b.rs, b.cs, 0.0f, got.data(), N, &epi);
  gemm_naive_f32(M, N, K, 1.0f, a.data.data(), a.rs, a.cs, b.data.data(), b.rs, b.cs, 0.0f, ref.data(), N, &epi);
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int64_t p = 0; p < K; p++) s += std::fabs(a.data[i * a.rs + p * a.cs]) * std::fabs(b.data[p * b.rs + j * b.cs]);
      if (epi.bias) s += std::fabs(bias[epi.bias_per_row ? i : j]);
      bound[i * N + j] = (float)s;
    }
  checked++;
  for (int64_t e = 0; e < M * N; e++) {
    double tol = (K + 1) * std::ldexp(1.0, -23) * bound[e];
    if (!(std::fabs(got[e] - ref[e]) <= tol)) {
      char msg[256];
      std::snprintf(msg, sizeof msg, "%s pad %lld epi %d M=%lld N=%lld K=%lld: C[%lld] = %g but naive gives %g",
                    layout, (long long)pad, epi_kind, (long long)M, (long long)N, (long long)K, (long long)e,
                    got[e], ref[e]);
      fail(msg);
      return;
    }
  }
}

}  // namespace

int main() {
  ThreadPool pool1(1), pool3(3);
  const char* layouts[] = {"nn", "nt", "tn", "tt"};
  std::vector<int64_t> cases;  // triples
  for (int64_t n = 1; n <= 70; n++) cases.insert(cases.end(), {n, n, n});
  for (int i = 0; i < 60; i++)
    cases.insert(cases.end(), {1 + (int64_t)((uniform() + 1) * 35), 1 + (int64_t)((uniform() + 1) * 35),
                               1 + (int64_t)((uniform() + 1) * 35)});
  int64_t edges[][3] = {{257, 33, 300}, {127, 255, 65}, {64, 1000, 19}, {1, 257, 70}, {1000, 6, 257},
                        {73, 64, 321}, {73, 65, 700}, {150, 10, 256}, {7, 4100, 3}};
  for (auto& e : edges) cases.insert(cases.end(), {e[0], e[1], e[2]});
  for (size_t c = 0; c < cases.size(); c += 3) {
    int64_t M = cases[c], N = cases[c + 1], K = cases[c + 2];
    for (int l = 0; l < 4; l++) {
      check(pool1, M, N, K, layouts[l], 0, 0);
      if ((M + N + K + l) % 3 == 0) check(pool1, M, N, K, layouts[l], 3, 0);
      if ((M + N + K + l) % 4 == 0) check(pool1, M, N, K, layouts[l], 0, 1 + (int)((M + l) % 3));
    }
  }
  // Threads: the same bits on 1 and 3 threads.
  int64_t tcases[][3] = {{257, 300, 257}, {64, 512, 784}, {784, 64, 512}, {150, 10, 600}};
  int thread_mismatch = 0;
  for (auto& t : tcases) {
    int64_t M = t[0], N = t[1], K = t[2];
    Operand a(M, K, false, 0), b(K, N, false, 0);
    std::vector<float> c1((size_t)(M * N)), c3((size_t)(M * N));
    gemm_f32(&pool1, M, N, K, 1.0f, a.data.data(), a.rs, a.cs, b.data.data(), b.rs, b.cs, 0.0f, c1.data(), N);
    gemm_f32(&pool3, M, N, K, 1.0f, a.data.data(), a.rs, a.cs, b.data.data(), b.rs, b.cs, 0.0f, c3.data(), N);
    if (std::memcmp(c1.data(), c3.data(), c1.size() * sizeof(float)) != 0) thread_mismatch++;
  }
  if (thread_mismatch) fail("1 and 3 threads differ");
  std::printf("{\"kernel\":\"%s\",\"checked\":%d,\"failures\":%d,\"first_failure\":\"%s\"}\n", gemm_kernel_name(),
              checked, failures, first_failure.c_str());
  return failures == 0 && std::string(gemm_kernel_name()) == "neon-6x16" ? 0 : 1;
}
