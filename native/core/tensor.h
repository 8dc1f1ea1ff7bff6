// Core tensor types: dtype, reference-counted storage from a caching allocator, and strided
// tensors (views) over it. No N-API here: kernels and the binding both build on this file.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/shape.h"

namespace flint {

// Errors raised by core and kernels; the binding turns them into JS TypeError / RangeError.
struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct RangeError : std::runtime_error { using std::runtime_error::runtime_error; };

enum class DType : int { F32 = 0, F64 = 1, I32 = 2, I64 = 3, U8 = 4 };

size_t dtype_size(DType d);
const char* dtype_name(DType d);
DType dtype_from_name(const std::string& s);  // throws TypeError
inline bool is_float(DType d) { return d == DType::F32 || d == DType::F64; }

// Caching allocator: freed blocks are kept in size classes and reused, so a training loop
// that allocates the same shapes every step stops calling malloc after its first step.
// Thread-safe; shared by all storages of one addon instance (per environment).
class Allocator {
 public:
  ~Allocator();
  void* allocate(size_t nbytes, size_t* capacity);
  void release(void* p, size_t capacity);
  void empty_cache();
  size_t live_bytes() const { return live_; }
  size_t cached_bytes() const { return cached_; }

 private:
  std::mutex mu_;
  std::multimap<size_t, void*> free_;  // capacity -> block
  std::atomic<size_t> live_{0};
  std::atomic<size_t> cached_{0};
  static constexpr size_t kMaxCached = size_t(1) << 30;       // 1 GiB of cached blocks at most
  static constexpr size_t kMinCacheLimit = size_t(128) << 20;  // the cache may always hold 128 MiB
};

struct Storage {
  Storage(std::shared_ptr<Allocator> a, size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data = nullptr;
  size_t nbytes = 0;
  size_t capacity = 0;
  std::shared_ptr<Allocator> alloc;
  // Bumped by every in-place write (fill_, copy_, random fills, optimizer steps, gradient
  // accumulation): autograd compares it with the value seen in forward, as PyTorch does.
  uint64_t version = 0;
};

std::string shape_str(const Shape& s);
int64_t numel_of(const Shape& s);
// numel of a shape that is about to be allocated or viewed: throws RangeError naming op when a
// dimension is negative or numel * elem_size does not fit in int64 (numel_of would wrap).
int64_t checked_numel(const Shape& s, size_t elem_size, const char* op);
Shape contiguous_strides(const Shape& s);

struct Tensor {
  std::shared_ptr<Storage> storage;
  DType dtype = DType::F32;
  Shape shape, strides;  // strides in elements
  int64_t offset = 0;    // in elements

  int64_t dim() const { return (int64_t)shape.size(); }
  int64_t numel() const { return numel_of(shape); }
  bool is_contiguous() const;
  template <class T> T* data() const {
    return reinterpret_cast<T*>(storage->data) + offset;
  }
  void* raw() const { return static_cast<char*>(storage->data) + offset * dtype_size(dtype); }
  void bump_version() const { storage->version++; }
};

// A new contiguous tensor (uninitialised).
Tensor empty(const std::shared_ptr<Allocator>& a, const Shape& shape, DType dt);
// A contiguous tensor with the same values: t itself when already contiguous.
Tensor contiguous(const std::shared_ptr<Allocator>& a, const Tensor& t);
// dst[...] = src[...] (src broadcast to dst's shape, dtypes converted); dst may be strided.
void copy_into(const Tensor& dst, const Tensor& src);
// Strides of t broadcast to shape (0 for broadcast dims). Throws RangeError if incompatible.
Shape broadcast_strides(const Tensor& t, const Shape& shape, const char* op);
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Normalise a possibly negative dim; throws RangeError naming op.
int64_t wrap_dim(int64_t d, int64_t ndim, const char* op);

// Visits every index of shape in row-major order, calling f(offsets...) with the element
// offsets of N strided operands. The innermost dimension is handed to f as a run:
// f(const int64_t* offs, int64_t n, const int64_t* inner_strides).
template <size_t N, class F>
void for_each_strided(const Shape& shape, const Shape* strides[N], F&& f) {
  int64_t nd = (int64_t)shape.size();
  int64_t offs[N] = {0};
  int64_t inner[N];
  if (nd == 0) {
    for (size_t k = 0; k < N; k++) inner[k] = 0;
    f(offs, 1, inner);
    return;
  }
  for (int64_t d = 0; d < nd; d++)
    if (shape[d] == 0) return;
  for (size_t k = 0; k < N; k++) inner[k] = (*strides[k])[nd - 1];
  int64_t n_inner = shape[nd - 1];
  std::vector<int64_t> idx(nd, 0);
  while (true) {
    f(offs, n_inner, inner);
    int64_t d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      for (size_t k = 0; k < N; k++) offs[k] += (*strides[k])[d];
      if (idx[d] < shape[d]) break;
      for (size_t k = 0; k < N; k++) offs[k] -= (*strides[k])[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

// Calls f with a typed zero pointer for dtype dt: DISPATCH_FLOAT for float32/float64 only.
#define FLINT_DISPATCH_ALL(dt, T, ...)                        \
  switch (dt) {                                               \
    case ::flint::DType::F32: { using T = float; __VA_ARGS__; break; }    \
    case ::flint::DType::F64: { using T = double; __VA_ARGS__; break; }   \
    case ::flint::DType::I32: { using T = int32_t; __VA_ARGS__; break; }  \
    case ::flint::DType::I64: { using T = int64_t; __VA_ARGS__; break; }  \
    case ::flint::DType::U8: { using T = uint8_t; __VA_ARGS__; break; }   \
  }
#define FLINT_DISPATCH_FLOAT(dt, op, T, ...)                                          \
  switch (dt) {                                                                       \
    case ::flint::DType::F32: { using T = float; __VA_ARGS__; break; }                \
    case ::flint::DType::F64: { using T = double; __VA_ARGS__; break; }               \
    default: throw ::flint::TypeError(std::string(op) + ": expected a float32 or float64 tensor but got " + ::flint::dtype_name(dt)); \
  }

}  // namespace flint
