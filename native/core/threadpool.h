// The addon's own thread pool (no OpenMP runtime): one per addon instance (per environment),
// sized to the machine's cores, or FLINT_NUM_THREADS / setNumThreads.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flint {

class ThreadPool {
 public:
  explicit ThreadPool(int n);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return nthreads_; }
  void set_num_threads(int n);

  // Runs f(task) for task in [0, ntasks) on up to num_threads() threads (the caller is one of
  // them) and returns when all are done. Nested calls run serially on the calling thread.
  void run(int64_t ntasks, const std::function<void(int64_t)>& f);

  // Splits [0, n) into contiguous chunks of at least `grain` items: f(begin, end).
  template <class F>
  void parallel_for(int64_t n, int64_t grain, F&& f) {
    if (n <= 0) return;
    int64_t chunks = std::min<int64_t>(nthreads_, (n + grain - 1) / std::max<int64_t>(grain, 1));
    if (chunks <= 1) {
      f(int64_t(0), n);
      return;
    }
    run(chunks, [&](int64_t c) {
      int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
      if (b < e) f(b, e);
    });
  }

 private:
  void start(int n);
  void stop();
  void worker(int id);

  int nthreads_ = 1;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
  bool quit_ = false;
  const std::function<void(int64_t)>* job_ = nullptr;
  int64_t ntasks_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> busy_{false};
};

int default_num_threads();

}  // namespace flint
