// native/core/shape.h against std::vector<int64_t>: random sequences of every operation the
// addon uses, compared after each step, and the count of heap allocations: none while a shape
// holds at most Shape::kInline values, amortised growth past that. Built and run by
// test/native/shape.test.ts with the host compiler; prints one JSON line.
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "core/shape.h"

static long g_news = 0;
void* operator new[](size_t n) {
  g_news++;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

using flint::Shape;
using Vec = std::vector<int64_t>;

static long g_checked = 0, g_failures = 0;
static char g_first[256] = "";

static void check(bool ok, const char* what, long step) {
  g_checked++;
  if (!ok && g_failures++ == 0) std::snprintf(g_first, sizeof g_first, "%s at step %ld", what, step);
}
static bool same(const Shape& s, const Vec& v) {
  if (s.size() != v.size() || s.empty() != v.empty()) return false;
  for (size_t i = 0; i < v.size(); i++)
    if (s[i] != v[i] || s.begin()[i] != v[i] || s.data()[i] != v[i]) return false;
  return s.end() - s.begin() == (long)v.size();
}

int main() {
  // No heap while at most kInline values, whatever the construction or growth.
  long before = g_news;
  {
    Shape a(2), b(3, 7), c{1, 2, 3, 4, 5, 6}, d(c.begin(), c.begin() + 4), e;
    for (int i = 0; i < 6; i++) e.push_back(i);
    e.resize(3);
    e.resize(6, 9);
    e.insert(e.begin(), 5);  // 7 values: the one case below that must allocate
    Shape f = a, g = std::move(b);
    f.assign(5, 1);
    g.insert(g.begin() + 1, c.begin(), c.begin() + 2);
    d.erase(d.begin() + 1);
    check(same(f, Vec(5, 1)) && same(g, Vec{7, 1, 2, 7, 7}) && same(d, Vec{1, 3, 4}), "small values", 0);
  }
  check(g_news - before == 1, "heap allocations of shapes of at most 6 values (expected exactly 1, for the 7th)", 0);
  // Growth past kInline is amortised: 1000 push_backs, a handful of allocations.
  before = g_news;
  {
    Shape s;
    for (int i = 0; i < 1000; i++) s.push_back(i);
    for (int n = 1000; n < 1100; n++) s.resize(n + 1);
    check(s.size() == 1100 && s[999] == 999 && s[1099] == 0, "growth values", 0);
  }
  check(g_news - before <= 12, "allocations while growing to 1100 values", 0);

  // Random operations against std::vector.
  std::mt19937_64 rng(12345);
  auto rnd = [&](long n) { return (long)(rng() % (unsigned long)n); };
  Shape s;
  Vec v;
  for (long step = 1; step <= 200000; step++) {
    int op = (int)rnd(14);
    int64_t x = (int64_t)rnd(1000) - 500;
    long cap = v.size() > 12 ? 4 : 16;  // stay around the inline limit, now and then beyond
    switch (op) {
      case 0: if ((long)v.size() < cap) { s.push_back(x); v.push_back(x); } break;
      case 1: if (!v.empty()) { s.pop_back(); v.pop_back(); } break;
      case 2: { long n = rnd(cap); s.resize(n); v.resize(n); } break;
      case 3: { long n = rnd(cap); s.resize(n, x); v.resize(n, x); } break;
      case 4: { long n = rnd(cap); s.assign(n, x); v.assign(n, x); } break;
      case 5: if ((long)v.size() < cap) { long i = rnd((long)v.size() + 1); s.insert(s.begin() + i, x); v.insert(v.begin() + i, x); } break;
      case 6: if (!v.empty()) { long i = rnd((long)v.size()); s.erase(s.begin() + i); v.erase(v.begin() + i); } break;
      case 7: if (!v.empty()) { long i = rnd((long)v.size()), j = i + rnd((long)v.size() - i + 1); s.erase(s.begin() + i, s.begin() + j); v.erase(v.begin() + i, v.begin() + j); } break;
      case 8: {  // insert a range of itself (aliasing)
        if (v.size() < 8) { long i = rnd((long)v.size() + 1), a = rnd((long)v.size() + 1), b = a + rnd((long)v.size() - a + 1);
          s.insert(s.begin() + i, s.begin() + a, s.begin() + b); Vec w(v.begin() + a, v.begin() + b); v.insert(v.begin() + i, w.begin(), w.end()); }
      } break;
      case 9: {  // assign a range of itself (aliasing)
        long a = rnd((long)v.size() + 1), b = a + rnd((long)v.size() - a + 1);
        s.assign(s.begin() + a, s.begin() + b); v = Vec(v.begin() + a, v.begin() + b);
      } break;
      case 10: { Shape c(s); check(same(c, v) && c == s && !(c != s), "copy", step); s = c; } break;
      case 11: { Shape m(std::move(s)); check(same(m, v), "move construct", step); s = std::move(m); } break;
      case 12: { Shape t(s.begin(), s.end()); if (!v.empty()) { t.back() += 1; check(t != s, "!= after change", step); } s.clear(); v.clear(); s = t; v.assign(t.begin(), t.end()); } break;
      case 13: if (!v.empty()) { s.front() = x; v.front() = x; s.back() = x + 1; v.back() = x + 1; } break;
    }
    check(same(s, v), "state after an operation", step);
  }
  std::printf("{\"checked\": %ld, \"failures\": %ld, \"first_failure\": \"%s\"}\n", g_checked, g_failures, g_first);
  return g_failures ? 1 : 0;
}
