#include "core/threadpool.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <new>
#include <set>
#include <string>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define FLINT_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define FLINT_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define FLINT_CPU_RELAX() ((void)0)
#endif

namespace flint {

// Physical cores where Linux tells them (SMT siblings share FMA units), else logical CPUs.
int default_num_threads() {
  if (const char* e = std::getenv("FLINT_NUM_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n;
  }
  int logical = (int)std::thread::hardware_concurrency();
  if (logical <= 0) logical = 1;
#ifdef __linux__
  std::set<std::string> cores;
  for (int c = 0; c < logical; c++) {
    std::ifstream f("/sys/devices/system/cpu/cpu" + std::to_string(c) + "/topology/thread_siblings_list");
    std::string s;
    if (!(f >> s)) return logical;
    cores.insert(s);
  }
  if (!cores.empty()) return (int)cores.size();
#endif
  return logical;
}

namespace {
using Clock = std::chrono::steady_clock;

int spin_us_from_env() {
  if (const char* e = std::getenv("FLINT_SPIN_US")) {
    char* end = nullptr;
    long v = std::strtol(e, &end, 10);
    if (end != e && v >= 0) return (int)std::min<long>(v, 1000000);
  }
  return ThreadPool::kDefaultSpinUs;
}
}  // namespace

ThreadPool::ThreadPool(int n) : spin_us_(spin_us_from_env()) { start(n); }
ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::start(int n) {
  nthreads_ = n < 1 ? 1 : n;
  quit_.store(false);
  scratch_.assign(nthreads_, Scratch{});
  for (int i = 1; i < nthreads_; i++) threads_.emplace_back([this, i] { worker(i); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_.store(true);
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  for (auto& s : scratch_) std::free(s.p);
  scratch_.clear();
}

void* ThreadPool::scratch(int slot, size_t bytes) {
  Scratch& s = scratch_[slot];
  if (s.bytes < bytes) {
    std::free(s.p);
    s.p = nullptr;
    s.bytes = 0;
    size_t n = (bytes + 4095) / 4096 * 4096;  // whole pages; a multiple of the alignment
    void* p = std::aligned_alloc(64, n);
    if (!p) throw std::bad_alloc();
    s.p = p;
    s.bytes = n;
  }
  return s.p;
}

void ThreadPool::set_num_threads(int n) {
  if (n == nthreads_) return;
  stop();
  start(n);
}

uint64_t ThreadPool::wait_for_region(uint64_t seen) {
  auto ready = [&](std::memory_order mo) -> uint64_t {
    uint64_t s = state_.load(mo);
    return (s & 1) && (s >> 1) != seen ? s : 0;
  };
  // Spin: pause for the first part of the window, then yield the CPU between checks so an
  // oversubscribed machine still runs the thread that will post the next region.
  if (spin_us_ > 0) {
    auto t0 = Clock::now();
    auto limit = std::chrono::microseconds(spin_us_);
    for (uint32_t i = 0;; i++) {
      if (uint64_t s = ready(std::memory_order_acquire)) return s;
      if (quit_.load(std::memory_order_relaxed)) return 0;
      if (i < 2048) {
        FLINT_CPU_RELAX();
      } else {
        std::this_thread::yield();
      }
      if ((i & 63) == 63 && Clock::now() - t0 > limit) break;
    }
  }
  // Sleep. The caller publishes state_ then reads sleepers_; we publish sleepers_ then read
  // state_ (both seq_cst), so one of us sees the other: no lost wake-up.
  std::unique_lock<std::mutex> lock(mu_);
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  uint64_t s;
  while (!(s = ready(std::memory_order_seq_cst)) && !quit_.load()) cv_.wait(lock);
  sleepers_.fetch_sub(1, std::memory_order_relaxed);
  return quit_.load() ? 0 : s;
}

void ThreadPool::run_tasks(TaskRef f, int64_t ntasks, int slot) {
  int64_t t;
  while ((t = next_.fetch_add(1, std::memory_order_relaxed)) < ntasks) {
    try {
      f(t, slot);
    } catch (...) {
      std::lock_guard<std::mutex> lock(err_mu_);
      if (!err_) err_ = std::current_exception();
    }
  }
}

void ThreadPool::worker(int slot) {
  uint64_t seen = state_.load() >> 1;
  while (true) {
    uint64_t s = wait_for_region(seen);
    if (!s) return;
    seen = s >> 1;
    active_.fetch_add(1, std::memory_order_seq_cst);
    if (state_.load(std::memory_order_seq_cst) == s) {
      const TaskRef* job = job_.load(std::memory_order_relaxed);
      run_tasks(*job, ntasks_.load(std::memory_order_relaxed), slot);
    }
    active_.fetch_sub(1, std::memory_order_release);
  }
}

void ThreadPool::run(int64_t ntasks, TaskRef f) {
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true)) {
    // Nested inside a region of this pool (or, never in practice, run from two threads).
    for (int64_t t = 0; t < ntasks; t++) f(t, -1);
    return;
  }
  if (nthreads_ == 1 || ntasks <= 1) {
    struct Release {
      std::atomic<bool>& b;
      ~Release() { b.store(false, std::memory_order_release); }
    } release{busy_};
    for (int64_t t = 0; t < ntasks; t++) f(t, 0);
    return;
  }
  job_.store(&f, std::memory_order_relaxed);
  ntasks_.store(ntasks, std::memory_order_relaxed);
  next_.store(0, std::memory_order_relaxed);
  uint64_t gen = (state_.load(std::memory_order_relaxed) >> 1) + 1;
  state_.store(gen << 1 | 1, std::memory_order_seq_cst);  // open
  if (sleepers_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }
  run_tasks(f, ntasks, 0);
  // Every task is claimed: close the region, then wait for the workers still in it.
  state_.store(gen << 1, std::memory_order_seq_cst);
  for (uint32_t i = 0; active_.load(std::memory_order_seq_cst) > 0; i++) {
    if (i < 4096) FLINT_CPU_RELAX();
    else std::this_thread::yield();
  }
  std::exception_ptr err;
  {
    std::lock_guard<std::mutex> lock(err_mu_);
    std::swap(err, err_);
  }
  busy_.store(false, std::memory_order_release);
  if (err) std::rethrow_exception(err);
}

}  // namespace flint
