#include "core/threadpool.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

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

ThreadPool::ThreadPool(int n) { start(n); }
ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::start(int n) {
  nthreads_ = n < 1 ? 1 : n;
  quit_ = false;
  for (int i = 1; i < nthreads_; i++) threads_.emplace_back([this, i] { worker(i); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void ThreadPool::set_num_threads(int n) {
  if (n == nthreads_) return;
  stop();
  start(n);
}

void ThreadPool::worker(int) {
  uint64_t seen = 0;
  while (true) {
    const std::function<void(int64_t)>* job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
      job = job_;
    }
    int64_t t;
    while ((t = next_.fetch_add(1)) < ntasks_) (*job)(t);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::run(int64_t ntasks, const std::function<void(int64_t)>& f) {
  bool expected = false;
  if (nthreads_ == 1 || ntasks <= 1 || !busy_.compare_exchange_strong(expected, true)) {
    for (int64_t t = 0; t < ntasks; t++) f(t);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &f;
    ntasks_ = ntasks;
    next_ = 0;
    pending_ = (int)threads_.size();
    generation_++;
  }
  cv_.notify_all();
  int64_t t;
  while ((t = next_.fetch_add(1)) < ntasks) f(t);
  while (pending_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
  busy_ = false;
}

}  // namespace flint
