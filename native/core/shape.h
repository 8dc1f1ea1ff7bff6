// Shape: a tensor's sizes or strides, a small subset of std::vector<int64_t>'s interface, with
// up to kInline values stored in place. Every native call copies the metadata of its tensor
// arguments (a copy shares the storage, so JS that runs while later arguments are read cannot
// free it) and builds its result's: as std::vectors those were two heap allocations a tensor,
// some ten malloc/free pairs of a GEMM call's 0.7 us fixed cost. Longer lists go to the heap.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <type_traits>

namespace flint {

class Shape {
 public:
  static constexpr size_t kInline = 6;
  using value_type = int64_t;
  using size_type = size_t;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;

  Shape() = default;
  explicit Shape(size_t n, int64_t v = 0) { assign(n, v); }
  Shape(std::initializer_list<int64_t> l) { assign(l.begin(), l.end()); }
  template <class It, class = std::enable_if_t<!std::is_integral<It>::value>>
  Shape(It first, It last) {
    assign(first, last);
  }
  Shape(const Shape& o) { assign(o.begin(), o.end()); }
  Shape(Shape&& o) noexcept { take(o); }
  Shape& operator=(const Shape& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  Shape& operator=(Shape&& o) noexcept {
    if (this != &o) {
      delete[] heap_;
      heap_ = nullptr;
      cap_ = kInline;
      take(o);
    }
    return *this;
  }
  Shape& operator=(std::initializer_list<int64_t> l) {
    assign(l.begin(), l.end());
    return *this;
  }
  ~Shape() { delete[] heap_; }

  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t* data() { return heap_ ? heap_ : buf_; }
  const int64_t* data() const { return heap_ ? heap_ : buf_; }
  int64_t* begin() { return data(); }
  int64_t* end() { return data() + n_; }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + n_; }
  int64_t& operator[](size_t i) { return data()[i]; }
  const int64_t& operator[](size_t i) const { return data()[i]; }
  int64_t& front() { return data()[0]; }
  const int64_t& front() const { return data()[0]; }
  int64_t& back() { return data()[n_ - 1]; }
  const int64_t& back() const { return data()[n_ - 1]; }

  void reserve(size_t n) {
    if (n <= cap_) return;
    int64_t* p = new int64_t[n];
    std::copy(begin(), end(), p);
    delete[] heap_;
    heap_ = p;
    cap_ = n;
  }
  void clear() { n_ = 0; }
  void resize(size_t n, int64_t v = 0) {
    if (n > n_) {
      if (n > cap_) reserve(grown(n));
      std::fill(data() + n_, data() + n, v);
    }
    n_ = n;
  }
  void assign(size_t n, int64_t v) {
    n_ = 0;
    resize(n, v);
  }
  template <class It, class = std::enable_if_t<!std::is_integral<It>::value>>
  void assign(It first, It last) {
    size_t n = (size_t)std::distance(first, last);
    if (n > cap_) {
      // first..last may point into this shape: copy before freeing.
      int64_t* p = new int64_t[n];
      std::copy(first, last, p);
      delete[] heap_;
      heap_ = p;
      cap_ = n;
    } else {
      std::copy(first, last, data());
    }
    n_ = n;
  }
  void push_back(int64_t v) {
    if (n_ == cap_) reserve(grown(n_ + 1));
    data()[n_++] = v;
  }
  void pop_back() { n_--; }
  iterator insert(const_iterator pos, int64_t v) {
    size_t i = (size_t)(pos - begin());
    if (n_ == cap_) reserve(grown(n_ + 1));
    int64_t* d = data();
    std::copy_backward(d + i, d + n_, d + n_ + 1);
    d[i] = v;
    n_++;
    return d + i;
  }
  template <class It, class = std::enable_if_t<!std::is_integral<It>::value>>
  iterator insert(const_iterator pos, It first, It last) {
    size_t i = (size_t)(pos - begin());
    Shape tail(begin() + i, end());  // first..last may point into this shape
    Shape src(first, last);
    n_ = i;
    for (int64_t v : src) push_back(v);
    for (int64_t v : tail) push_back(v);
    return begin() + i;
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    size_t i = (size_t)(first - begin()), j = (size_t)(last - begin());
    int64_t* d = data();
    std::copy(d + j, d + n_, d + i);
    n_ -= j - i;
    return d + i;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.n_ == b.n_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

 private:
  size_t grown(size_t need) const { return std::max(need, 2 * cap_); }
  void take(Shape& o) {
    n_ = o.n_;
    if (o.heap_) {
      heap_ = o.heap_;
      cap_ = o.cap_;
      o.heap_ = nullptr;
      o.cap_ = kInline;
    } else {
      std::copy(o.buf_, o.buf_ + o.n_, buf_);
    }
    o.n_ = 0;
  }

  int64_t buf_[kInline];
  int64_t* heap_ = nullptr;
  size_t n_ = 0, cap_ = kInline;
};

}  // namespace flint
