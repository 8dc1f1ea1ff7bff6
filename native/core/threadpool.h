// The addon's own thread pool (no OpenMP runtime): one per addon instance (per environment),
// sized to the machine's cores, or FLINT_NUM_THREADS / setNumThreads.
//
// Workers spin (pause, then yield) for a short while after each parallel region before they
// sleep on a condition variable, so the regions of a training step, tens of microseconds
// apart, do not pay a futex wake-up each (10-20 us on a 2-vCPU guest). FLINT_SPIN_US sets
// the spin window (default kDefaultSpinUs; 0 sleeps at once). The caller takes tasks too and
// never waits for a worker that has not joined: when every task is claimed it closes the
// region and waits only for workers still running a task.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace flint {

// A non-owning reference to a task body, f(task) or f(task, slot): no allocation (std::function
// copies a lambda with more than two captures to the heap). slot is the running thread's index
// in the pool (0 = the caller) for ThreadPool::scratch, or -1 when the region runs nested
// inside another one (the slot is then unknown).
class TaskRef {
 public:
  template <class F, class = std::enable_if_t<!std::is_same<std::decay_t<F>, TaskRef>::value>>
  TaskRef(const F& f) : obj_(&f), call_(&invoke<F>) {}
  void operator()(int64_t t, int slot) const { call_(obj_, t, slot); }

 private:
  template <class F>
  static void invoke(const void* o, int64_t t, int slot) {
    const F& f = *static_cast<const F*>(o);
    if constexpr (std::is_invocable<const F&, int64_t, int>::value) f(t, slot);
    else f(t);
  }
  const void* obj_;
  void (*call_)(const void*, int64_t, int);
};

class ThreadPool {
 public:
  static constexpr int kDefaultSpinUs = 200;

  explicit ThreadPool(int n);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return nthreads_; }
  void set_num_threads(int n);

  // Runs f(task) for task in [0, ntasks) on up to num_threads() threads (the caller is one of
  // them) and returns when all are done. Nested calls run serially on the calling thread.
  // An exception thrown by f is rethrown here (the first one; the other tasks still run).
  void run(int64_t ntasks, TaskRef f);

  // Workspace of at least `bytes` (64-byte aligned) owned by thread slot `slot` (0 <= slot <
  // num_threads(), as handed to a task), kept between calls: the GEMM packs its panels here
  // without a malloc (and page faults) per call. Valid until the next scratch() call with the
  // same slot or set_num_threads(). Only the thread running as `slot` may use it.
  void* scratch(int slot, size_t bytes);

  // Splits [0, n) into contiguous chunks of at least `grain` items: f(begin, end).
  template <class F>
  void parallel_for(int64_t n, int64_t grain, F&& f) {
    if (n <= 0) return;
    int64_t chunks = std::min<int64_t>(nthreads_, (n + grain - 1) / std::max<int64_t>(grain, 1));
    if (chunks <= 1) {
      f(int64_t(0), n);
      return;
    }
    auto body = [&](int64_t c) {
      int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
      if (b < e) f(b, e);
    };
    run(chunks, TaskRef(body));
  }

 private:
  void start(int n);
  void stop();
  void worker(int slot);
  // Spins, then sleeps, until a region newer than `seen` is open (returns its state) or quit (0).
  uint64_t wait_for_region(uint64_t seen);
  void run_tasks(TaskRef f, int64_t ntasks, int slot);

  struct Scratch {
    void* p = nullptr;
    size_t bytes = 0;
  };
  std::vector<Scratch> scratch_;

  int nthreads_ = 1;
  int spin_us_ = kDefaultSpinUs;
  std::vector<std::thread> threads_;
  // state_ = (generation << 1) | open. A worker joins a region by incrementing active_ and then
  // re-reading state_: if it changed, the caller closed the region and it backs off.
  std::atomic<uint64_t> state_{0};
  std::atomic<const TaskRef*> job_{nullptr};
  std::atomic<int64_t> ntasks_{0};
  std::atomic<int64_t> next_{0};
  std::atomic<int> active_{0};
  std::atomic<bool> quit_{false};
  std::atomic<bool> busy_{false};
  std::mutex err_mu_;
  std::exception_ptr err_;
  // Sleeping workers.
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> sleepers_{0};
};

int default_num_threads();

}  // namespace flint
