// Storage, caching allocator and strided-tensor helpers.
#include "core/tensor.h"

#include <climits>
#include <cstdlib>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#endif

namespace flint {

size_t dtype_size(DType d) {
  switch (d) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I32: return 4;
    case DType::I64: return 8;
    case DType::U8: return 1;
  }
  return 1;
}

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
    case DType::U8: return "uint8";
  }
  return "?";
}

DType dtype_from_name(const std::string& s) {
  if (s == "float32") return DType::F32;
  if (s == "float64") return DType::F64;
  if (s == "int32") return DType::I32;
  if (s == "int64") return DType::I64;
  if (s == "uint8") return DType::U8;
  throw TypeError("unknown dtype '" + s + "' (expected float32, float64, int32, int64 or uint8)");
}

// ---- allocator ----

namespace {
// Blocks of 1 MiB and more are mapped from the system and unmapped when freed, so memory of a
// big transient batch goes back at once. From malloc they would come out of the heap once
// glibc's dynamic mmap threshold has risen (after the first large free, up to 32 MiB), and
// interleaved sizes there fragment it: RSS grew by 300 MB over an evaluation at batch 256.
constexpr size_t kMapMin = size_t(1) << 20;

void* sys_alloc(size_t n) {
#if defined(__unix__) || defined(__APPLE__)
  if (n >= kMapMin) {
    void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }
#endif
  return std::aligned_alloc(64, n);
}

void sys_free(void* p, size_t n) {
#if defined(__unix__) || defined(__APPLE__)
  if (n >= kMapMin) {
    munmap(p, n);
    return;
  }
#endif
  std::free(p);
}
}  // namespace

Allocator::~Allocator() { empty_cache(); }

void* Allocator::allocate(size_t nbytes, size_t* capacity) {
  size_t want = nbytes == 0 ? 64 : (nbytes + 63) / 64 * 64;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.lower_bound(want);
    if (it != free_.end() && it->first <= want + want / 4 + 4096) {
      void* p = it->second;
      *capacity = it->first;
      cached_ -= it->first;
      free_.erase(it);
      live_ += *capacity;
      return p;
    }
  }
  void* p = sys_alloc(want);
  if (!p) {
    empty_cache();
    p = sys_alloc(want);
    if (!p) throw RangeError("out of memory allocating " + std::to_string(nbytes) + " bytes");
  }
  *capacity = want;
  live_ += want;
  return p;
}

void Allocator::release(void* p, size_t capacity) {
  live_ -= capacity;
  std::lock_guard<std::mutex> lock(mu_);
  // The cache holds at most as much as is live (and at least kMinCacheLimit): a training step
  // reuses its blocks, while the big blocks of an occasional large batch (evaluation at batch
  // 1000) go back to the system, largest first, as glibc's free does for PyTorch.
  size_t limit = std::min(kMaxCached, std::max(kMinCacheLimit, live_.load()));
  if (capacity > limit) {
    sys_free(p, capacity);
    return;
  }
  // First among the blocks of its size, so the next request of that size gets it back while it
  // is likely still in cache (multimap::emplace put it last: the oldest, coldest block came
  // back first; the seed MLP's ReLU and its gradient wrote into memory last used steps before).
  free_.emplace_hint(free_.lower_bound(capacity), capacity, p);
  cached_ += capacity;
  while (cached_ > limit) {
    auto largest = std::prev(free_.end());
    cached_ -= largest->first;
    sys_free(largest->second, largest->first);
    free_.erase(largest);
  }
}

void Allocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& kv : free_) sys_free(kv.second, kv.first);
  free_.clear();
  cached_ = 0;
}

Storage::Storage(std::shared_ptr<Allocator> a, size_t n) : nbytes(n), alloc(std::move(a)) {
  data = alloc->allocate(n, &capacity);
}
Storage::~Storage() {
  if (data) alloc->release(data, capacity);
}

// ---- shapes ----

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); i++) {
    if (i) r += ", ";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (auto v : s) n *= v;
  return n;
}

int64_t checked_numel(const Shape& s, size_t elem_size, const char* op) {
  bool zero = false;
  for (auto v : s) {
    if (v < 0) throw RangeError(std::string(op) + ": negative dimension in shape " + shape_str(s));
    zero = zero || v == 0;
  }
  if (zero) return 0;
  const int64_t limit = INT64_MAX / (int64_t)elem_size;
  int64_t n = 1;
  for (auto v : s) {
    if (n > limit / v)
      throw RangeError(std::string(op) + ": shape " + shape_str(s) + " has too many elements (more than " +
                       std::to_string(limit) + ")");
    n *= v;
  }
  return n;
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (int64_t i = (int64_t)s.size() - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

bool Tensor::is_contiguous() const {
  int64_t acc = 1;
  for (int64_t i = dim() - 1; i >= 0; i--) {
    if (shape[i] != 1 && strides[i] != acc) return false;
    acc *= shape[i];
  }
  return true;
}

int64_t wrap_dim(int64_t d, int64_t ndim, const char* op) {
  int64_t n = ndim == 0 ? 1 : ndim;
  if (d < -n || d >= n)
    throw RangeError(std::string(op) + ": dim " + std::to_string(d) + " out of range for a tensor with " +
                     std::to_string(ndim) + " dimensions");
  return d < 0 ? d + n : d;
}

Tensor empty(const std::shared_ptr<Allocator>& a, const Shape& shape, DType dt) {
  int64_t n = checked_numel(shape, dtype_size(dt), "empty");
  Tensor t;
  t.dtype = dt;
  t.shape = shape;
  t.strides = contiguous_strides(shape);
  t.storage = std::make_shared<Storage>(a, (size_t)n * dtype_size(dt));
  return t;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape r(n);
  for (size_t i = 0; i < n; i++) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw RangeError(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                       " cannot be broadcast together (dim " + std::to_string(i) + ": " + std::to_string(da) +
                       " vs " + std::to_string(db) + ")");
    r[i] = da == 1 ? db : da;
  }
  return r;
}

Shape broadcast_strides(const Tensor& t, const Shape& shape, const char* op) {
  size_t n = shape.size();
  if (t.shape.size() > n)
    throw RangeError(std::string(op) + ": cannot broadcast shape " + shape_str(t.shape) + " to " + shape_str(shape));
  Shape st(n, 0);
  size_t lead = n - t.shape.size();
  for (size_t i = 0; i < t.shape.size(); i++) {
    int64_t d = t.shape[i];
    if (d == shape[lead + i]) st[lead + i] = d == 1 ? 0 : t.strides[i];
    else if (d == 1) st[lead + i] = 0;
    else
      throw RangeError(std::string(op) + ": cannot broadcast shape " + shape_str(t.shape) + " to " + shape_str(shape));
  }
  return st;
}

template <class D, class S>
static void copy_typed(const Tensor& dst, const Tensor& src, const Shape& sst) {
  D* d = dst.data<D>();
  const S* s = src.data<S>();
  const Shape* sts[2] = {&dst.strides, &sst};
  for_each_strided<2>(dst.shape, sts, [&](const int64_t* o, int64_t n, const int64_t* in) {
    D* dp = d + o[0];
    const S* sp = s + o[1];
    if (in[0] == 1 && in[1] == 1) {
      for (int64_t i = 0; i < n; i++) dp[i] = (D)sp[i];
    } else {
      for (int64_t i = 0; i < n; i++) dp[i * in[0]] = (D)sp[i * in[1]];
    }
  });
}

void copy_into(const Tensor& dst, const Tensor& src) {
  Shape sst = broadcast_strides(src, dst.shape, "copy");
  if (dst.dtype == src.dtype && dst.is_contiguous() && src.is_contiguous() && src.shape == dst.shape) {
    std::memcpy(dst.raw(), src.raw(), (size_t)dst.numel() * dtype_size(dst.dtype));
    return;
  }
  FLINT_DISPATCH_ALL(dst.dtype, D, FLINT_DISPATCH_ALL(src.dtype, S, copy_typed<D, S>(dst, src, sst)));
}

Tensor contiguous(const std::shared_ptr<Allocator>& a, const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor r = empty(a, t.shape, t.dtype);
  copy_into(r, t);
  return r;
}

}  // namespace flint
