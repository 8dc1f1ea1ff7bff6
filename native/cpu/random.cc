// Random fills from the per-instance generator (manualSeed makes them reproducible).
#include <cmath>

#include "cpu/kernels.h"

namespace flint {

static inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void Generator::seed_with(uint64_t seed) {
  uint64_t x = seed;
  for (auto& v : s) v = splitmix64(x);
}

uint64_t Generator::next() {
  uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return r;
}

template <class F>
static void fill_random(const Tensor& t, const char* op, F gen) {
  if (!t.is_contiguous()) throw RangeError(std::string(op) + ": expected a contiguous tensor");
  int64_t n = t.numel();
  t.bump_version();
  FLINT_DISPATCH_FLOAT(t.dtype, op, T, {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; i++) p[i] = (T)gen();
  });
}

void uniform_(Context& ctx, const Tensor& t, double lo, double hi) {
  if (!(lo <= hi)) throw RangeError("uniform_: expected low <= high but got " + std::to_string(lo) + " > " + std::to_string(hi));
  fill_random(t, "uniform_", [&] { return lo + (hi - lo) * ctx.rng.uniform(); });
}

void normal_(Context& ctx, const Tensor& t, double mean, double std) {
  if (!(std >= 0)) throw RangeError("normal_: expected std >= 0 but got " + std::to_string(std));
  bool have = false;
  double spare = 0;
  fill_random(t, "normal_", [&] {
    if (have) { have = false; return mean + std * spare; }
    double u1, u2;
    do { u1 = ctx.rng.uniform(); } while (u1 <= 0);
    u2 = ctx.rng.uniform();
    double r = std::sqrt(-2 * std::log(u1));
    spare = r * std::sin(2 * M_PI * u2);
    have = true;
    return mean + std * r * std::cos(2 * M_PI * u2);
  });
}

}  // namespace flint
