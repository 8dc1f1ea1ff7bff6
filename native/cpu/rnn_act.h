// float32 sigmoid and tanh for the recurrent kernels, as plain branch-free loops the compiler
// vectorises: included by rnn.cc (baseline ISA) and rnn_avx2.cc (-mavx2 -mfma), each getting
// its own private copy (static), so the AVX2 code can never be linked into the baseline path.
//
// exp: Cephes expf (range reduction by ln 2 in two parts, degree-5 polynomial), within 1e-7
// relative of exp over [-87, 88]. tanh: Cephes tanhf (odd polynomial below 0.625, else
// 1 - 2 / (exp(2|x|) + 1)), within 2e-7 relative. sigmoid: 1 / (1 + exp(-|x|)), mirrored for
// x < 0 so that tiny results keep their relative accuracy. NaN propagates.
//
// GCC, under its default -ftrapping-math, threads the clamp's constant cases into branches and
// then will not if-convert the division, so the loop is not vectorised (measured: 6.5 vs
// 1.1 ns an element). The values do not depend on trapping math, so it is switched off for
// the including file.
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <cstdint>
#include <cstring>

namespace flint {
namespace rnn_act {

// c ? a : b on the bits (no branch for the compiler to keep).
static inline float pick(bool c, float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  int32_t m = -(int32_t)c;
  int32_t r = (ia & m) | (ib & ~m);
  float f;
  std::memcpy(&f, &r, 4);
  return f;
}

static inline float exp_f(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.3f ? 88.3f : x;
  float fx = x * 1.44269504088896341f;
  fx = (fx + 12582912.0f) - 12582912.0f;  // round to nearest (|fx| < 2^22)
  x = x - fx * 0.693359375f;
  x = x - fx * -2.12194440e-4f;
  float z = x * x;
  float y = ((((1.9875691500E-4f * x + 1.3981999507E-3f) * x + 8.3334519073E-3f) * x + 4.1665795894E-2f) * x +
             1.6666665459E-1f) * x + 5.0000001201E-1f;
  y = y * z + x + 1.0f;
  int32_t bits = ((int32_t)fx + 127) << 23;  // 2^fx
  float s;
  std::memcpy(&s, &bits, 4);
  return y * s;
}

static inline float sigmoid_f(float x) {
  float a = x < 0.0f ? -x : x;
  float e = exp_f(-a);
  float s = 1.0f / (1.0f + e);
  return pick(x >= 0.0f, s, e * s);
}

static inline float tanh_f(float x) {
  float a = x < 0.0f ? -x : x;
  float big = 1.0f - 2.0f / (exp_f(2.0f * a) + 1.0f);
  float z = a * a;
  float small = ((((-5.70498872745E-3f * z + 2.06390887954E-2f) * z - 5.37397155531E-2f) * z + 1.33314422036E-1f) * z -
                 3.33332819422E-1f) * z * a + a;
  float r = pick(a < 0.625f, small, big);
  return pick(x < 0.0f, -r, r);
}

static void sigmoid_array(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = sigmoid_f(x[i]);
}
static void tanh_array(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = tanh_f(x[i]);
}

}  // namespace rnn_act
}  // namespace flint
