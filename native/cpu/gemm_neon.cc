// NEON sgemm micro-kernel for AArch64: 6 x 16, the same blocking as the AVX2 kernel (MR = 6,
// NR = 16), so the driver, its packing and its tests are shared. Contract in cpu/gemm.h.
// 24 accumulators (6 rows x 4 q-registers) + 4 B vectors + 2 A vectors of the 32 v-registers.
// Built for aarch64 only (CMakeLists.txt); NEON is part of the AArch64 base ISA.
// Tested off-target by test/native/neon (cross-compiled, run under qemu: npm run test:neon).
#include <arm_neon.h>

#include <algorithm>

#include "cpu/gemm.h"

namespace flint {

namespace {

// acc: [6][4] vectors. A(i, p) = a[i * ars + p * acs]; rows past m repeat row m - 1.
void ukernel_loop_6x16(int64_t kc, const float* a, int64_t ars, int64_t acs, int64_t m, const float* b, int64_t bs,
                       float32x4_t acc[6][4]) {
  float32x4_t c[6][4];
  for (int i = 0; i < 6; i++)
    for (int q = 0; q < 4; q++) c[i][q] = vdupq_n_f32(0.0f);
  if (ars == 1 && m == 6) {
    // The six A values of a k are adjacent (a packed panel): two vector loads, FMAs by lane.
    for (int64_t p = 0; p < kc; p++) {
      float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
      float32x4_t a03 = vld1q_f32(a);
      float32x2_t a45 = vld1_f32(a + 4);
      c[0][0] = vfmaq_laneq_f32(c[0][0], b0, a03, 0); c[0][1] = vfmaq_laneq_f32(c[0][1], b1, a03, 0);
      c[0][2] = vfmaq_laneq_f32(c[0][2], b2, a03, 0); c[0][3] = vfmaq_laneq_f32(c[0][3], b3, a03, 0);
      c[1][0] = vfmaq_laneq_f32(c[1][0], b0, a03, 1); c[1][1] = vfmaq_laneq_f32(c[1][1], b1, a03, 1);
      c[1][2] = vfmaq_laneq_f32(c[1][2], b2, a03, 1); c[1][3] = vfmaq_laneq_f32(c[1][3], b3, a03, 1);
      c[2][0] = vfmaq_laneq_f32(c[2][0], b0, a03, 2); c[2][1] = vfmaq_laneq_f32(c[2][1], b1, a03, 2);
      c[2][2] = vfmaq_laneq_f32(c[2][2], b2, a03, 2); c[2][3] = vfmaq_laneq_f32(c[2][3], b3, a03, 2);
      c[3][0] = vfmaq_laneq_f32(c[3][0], b0, a03, 3); c[3][1] = vfmaq_laneq_f32(c[3][1], b1, a03, 3);
      c[3][2] = vfmaq_laneq_f32(c[3][2], b2, a03, 3); c[3][3] = vfmaq_laneq_f32(c[3][3], b3, a03, 3);
      c[4][0] = vfmaq_lane_f32(c[4][0], b0, a45, 0); c[4][1] = vfmaq_lane_f32(c[4][1], b1, a45, 0);
      c[4][2] = vfmaq_lane_f32(c[4][2], b2, a45, 0); c[4][3] = vfmaq_lane_f32(c[4][3], b3, a45, 0);
      c[5][0] = vfmaq_lane_f32(c[5][0], b0, a45, 1); c[5][1] = vfmaq_lane_f32(c[5][1], b1, a45, 1);
      c[5][2] = vfmaq_lane_f32(c[5][2], b2, a45, 1); c[5][3] = vfmaq_lane_f32(c[5][3], b3, a45, 1);
      a += acs;
      b += bs;
    }
  } else {
    // A read in place by rows (or an M-edge tile): one broadcast load per row.
    int64_t off[6];
    for (int i = 0; i < 6; i++) off[i] = std::min<int64_t>(i, m - 1) * ars;
    for (int64_t p = 0; p < kc; p++) {
      float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
      for (int i = 0; i < 6; i++) {
        float32x4_t ai = vld1q_dup_f32(a + off[i]);
        c[i][0] = vfmaq_f32(c[i][0], b0, ai);
        c[i][1] = vfmaq_f32(c[i][1], b1, ai);
        c[i][2] = vfmaq_f32(c[i][2], b2, ai);
        c[i][3] = vfmaq_f32(c[i][3], b3, ai);
      }
      a += acs;
      b += bs;
    }
  }
  for (int i = 0; i < 6; i++)
    for (int q = 0; q < 4; q++) acc[i][q] = c[i][q];
}

}  // namespace

void ukernel_f32_neon_6x16(int64_t kc, const float* a, int64_t ars, int64_t acs, const float* b, int64_t bs,
                           float* c, int64_t rsc, int64_t m, int64_t n, const TileOut<float>& o) {
  float32x4_t acc[6][4];
  ukernel_loop_6x16(kc, a, ars, acs, m, b, bs, acc);
  float32x4_t bn[4];
  if (o.bn) {
    float t[16] = {};
    std::copy(o.bn, o.bn + n, t);
    for (int q = 0; q < 4; q++) bn[q] = vld1q_f32(t + 4 * q);
  }
  const float32x4_t zero = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < m; i++) {
    float* ci = c + i * rsc;
    // A full row goes straight to C; an N-edge row through a 16-float buffer.
    float t[16] = {};
    float* dst = n == 16 ? ci : t;
    if (o.beta != 0.0f && n < 16) std::copy(ci, ci + n, t);
    for (int q = 0; q < 4; q++) {
      float32x4_t v = vmulq_n_f32(acc[i][q], o.alpha);
      if (o.beta != 0.0f) v = vfmaq_n_f32(v, vld1q_f32(dst + 4 * q), o.beta);
      if (o.bn) v = vaddq_f32(v, bn[q]);
      if (o.bm) v = vaddq_f32(v, vdupq_n_f32(o.bm[i]));
      if (o.relu) v = vmaxq_f32(v, zero);  // FMAX: NaN stays NaN, as torch.relu
      vst1q_f32(dst + 4 * q, v);
    }
    if (n < 16) std::copy(t, t + n, ci);
  }
}

}  // namespace flint
