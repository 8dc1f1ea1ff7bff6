// Per-addon-instance state (one per Node environment / worker): allocator, thread pool, RNG.
// Nothing in the addon is static and mutable; everything lives here.
#pragma once
#include <cstdint>
#include <memory>

#include "core/tensor.h"
#include "core/threadpool.h"

namespace flint {

// xoshiro256** seeded by splitmix64: fast, small state, reproducible under manualSeed.
struct Generator {
  uint64_t s[4];
  explicit Generator(uint64_t seed = 0x853c49e6748fea9bULL) { seed_with(seed); }
  void seed_with(uint64_t seed);
  uint64_t next();
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  // The fixed sequence used by random kernels: each call takes one fresh sub-seed.
};

struct Context {
  std::shared_ptr<Allocator> alloc = std::make_shared<Allocator>();
  std::unique_ptr<ThreadPool> pool;
  Generator rng;
  Context() : pool(new ThreadPool(default_num_threads())) {}
  Tensor empty(const Shape& s, DType d) { return flint::empty(alloc, s, d); }
  Tensor contiguous(const Tensor& t) { return flint::contiguous(alloc, t); }
};

}  // namespace flint
