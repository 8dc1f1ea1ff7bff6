// Shared N-API glue for every binding file: the tensor handle, argument helpers that name
// the op and the argument, and guard(), which turns C++ exceptions into JS errors.
// One op family = one native/binding/<family>.cc with a register_<family>() (see registry below).
#pragma once
// Node-API's GC-time ("basic") finalizers: with the experimental module version (see
// CMakeLists.txt) Node runs them inside garbage collection, so a synchronous training loop
// frees native memory as it goes instead of after the event loop turns. node-api-headers omit
// this declaration; node-addon-api needs it to compile its basic-finalizer path.
#include <node_api.h>
extern "C" napi_status NAPI_CDECL node_api_post_finalizer(node_api_basic_env env, napi_finalize finalize_cb,
                                                          void* finalize_data, void* finalize_hint);
#define NODE_API_EXPERIMENTAL_HAS_POST_FINALIZER
// A C++ exception that cannot be thrown into JS (the environment is shutting down: a worker
// terminated mid-call) must be dropped, not escape into V8 and std::terminate the process.
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#include <napi.h>

#include <climits>
#include <cmath>
#include <vector>

#include "core/context.h"
#include "cpu/gemm.h"
#include "cpu/kernels.h"

namespace flint {
namespace binding {

struct Instance {
  Context ctx;
  Napi::FunctionReference tensor_ctor;
};

// The handles this thread's environment has made and not yet finalized. unwrap_tensor checks
// a napi_unwrap'd pointer against it instead of a Node-API type tag: an object wrapped by some
// other addon yields a pointer that is not in the set, and is never read. The tag cost two
// private-symbol lookups a tensor (one to set, one to check on every argument), about 13 % of
// a tiny LSTM step. The set is open addressing over a power-of-two table (linear probing,
// deletion by backward shift): no allocation per handle, unlike std::unordered_set, whose node
// allocations and prime-modulo hashing were 4 % of that step. One environment runs on one
// thread and its finalizers run there too, so no lock. Heap-allocated and never freed: a
// finalizer may run while the thread is tearing down its environment, after thread_local
// destructors would have run (a worker's set is empty by then; its table stays behind).
class HandleSet {
 public:
  HandleSet() : slots_(kMinSlots, nullptr) {}
  void insert(const void* p) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    size_t i = home(p);
    while (slots_[i]) i = (i + 1) & mask();
    slots_[i] = p;
    count_++;
  }
  bool contains(const void* p) const {
    for (size_t i = home(p);; i = (i + 1) & mask()) {
      if (slots_[i] == p) return true;
      if (!slots_[i]) return false;
    }
  }
  void erase(const void* p) {
    size_t i = home(p);
    while (slots_[i] != p) {
      if (!slots_[i]) return;
      i = (i + 1) & mask();
    }
    // Backward shift: move later entries of the probe run into the hole when their home
    // slot does not lie strictly between the hole and them (cyclically).
    for (size_t j = (i + 1) & mask(); slots_[j]; j = (j + 1) & mask()) {
      size_t h = home(slots_[j]);
      bool between = i <= j ? (i < h && h <= j) : (i < h || h <= j);
      if (!between) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = nullptr;
    count_--;
  }

 private:
  static constexpr size_t kMinSlots = 1024;  // 2^10: shift_ starts at 54
  size_t mask() const { return slots_.size() - 1; }
  // Fibonacci hashing: the top bits of the product (handles are 16-byte aligned heap blocks).
  size_t home(const void* p) const { return (size_t)(((uint64_t)(uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ULL >> shift_); }
  void grow() {
    std::vector<const void*> old(slots_.size() * 2, nullptr);
    old.swap(slots_);
    shift_--;
    count_ = 0;
    for (const void* p : old)
      if (p) insert(p);
  }
  std::vector<const void*> slots_;
  size_t count_ = 0;
  int shift_ = 64 - 10;  // 64 - log2(slots_.size())
};

inline HandleSet& live_handles() {
  thread_local HandleSet* s = new HandleSet();
  return *s;
}

inline Instance& inst(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

// ---- the native tensor handle ----
//
// A plain napi_wrap with a basic finalizer and no reference handed back (the runtime owns
// it): with the experimental module version Node runs the finalizer inside garbage
// collection and frees its own bookkeeping there too, so a synchronous loop that drops
// tensors gives their memory back during the loop (docs/design-notes.md). node-addon-api's
// ObjectWrap would keep a reference whose deletion waits for the event loop.

struct NativeTensor {
  Tensor t;
  int64_t reported = 0;  // bytes reported to V8 as external memory by this handle

  const Tensor& get(const char* op, const char* arg) const {
    if (!t.storage) throw TypeError(std::string(op) + ": " + arg + " was disposed (by dispose() or at the end of a tidy() scope) and can no longer be used");
    return t;
  }
  void release(napi_env env) {
    if (reported) {
      int64_t ignored;
      napi_adjust_external_memory(env, -reported, &ignored);
    }
    reported = 0;
    t.storage.reset();
  }
};

inline void finalize_tensor(napi_env env, void* data, void* /*hint*/) {
  NativeTensor* h = static_cast<NativeTensor*>(data);
  live_handles().erase(h);
  h->release(env);
  delete h;
}

inline NativeTensor* unwrap_tensor(Napi::Value v) {
  if (!v.IsObject()) return nullptr;
  void* p = nullptr;
  if (napi_unwrap(v.Env(), v, &p) != napi_ok || !live_handles().contains(p)) return nullptr;
  return static_cast<NativeTensor*>(p);
}

inline Napi::Array to_array(Napi::Env env, const Shape& s) {
  Napi::Array a = Napi::Array::New(env, s.size());
  for (size_t i = 0; i < s.size(); i++) a.Set((uint32_t)i, Napi::Number::New(env, (double)s[i]));
  return a;
}

// Wraps a core tensor in a new JS handle. owns: this handle brought the storage into being
// (views share it and report no memory of their own).
inline Napi::Object wrap(Napi::Env env, Tensor t, bool owns = true) {
  Napi::Object o = inst(env).tensor_ctor.New({});
  NativeTensor* h = new NativeTensor{std::move(t), 0};
  live_handles().insert(h);
  napi_status st = napi_wrap(env, o, h, finalize_tensor, nullptr, nullptr);
  if (st != napi_ok) {
    live_handles().erase(h);
    delete h;
    throw Napi::Error::New(env, "flint: could not wrap a tensor handle");
  }
  if (owns && h->t.storage) {
    h->reported = (int64_t)h->t.storage->capacity;
    Napi::MemoryManagement::AdjustExternalMemory(env, h->reported);
  }
  return o;
}

// ---- argument helpers: each names the op and the argument ----

inline std::string arg_name(int i) { return "argument " + std::to_string(i + 1); }

// Returns a copy (it shares the storage): JS that runs while later arguments are read (a getter
// in a shape array) may dispose the handle, and the storage must outlive this call.
inline Tensor tensor_arg(const Napi::CallbackInfo& info, int i, const char* op, const char* name) {
  Napi::Value v = info[i];
  NativeTensor* h = unwrap_tensor(v);
  if (!h) throw TypeError(std::string(op) + ": expected " + name + " to be a tensor");
  return h->get(op, name);
}
// null/undefined -> nullptr; else a copy kept in holder.
inline const Tensor* opt_tensor_arg(const Napi::CallbackInfo& info, int i, const char* op, const char* name, Tensor& holder) {
  if (info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  holder = tensor_arg(info, i, op, name);
  return &holder;
}
inline double num_arg(const Napi::CallbackInfo& info, int i, const char* op, const char* name) {
  if (!info[i].IsNumber()) throw TypeError(std::string(op) + ": expected " + name + " to be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}
// An integral double that fits int64 (NaN, +-Infinity, 1.5 and 1e300 do not); the check
// comes before the cast, which is undefined behaviour out of range.
inline bool is_int64(double d) { return d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d); }
inline int64_t int_arg(const Napi::CallbackInfo& info, int i, const char* op, const char* name) {
  double d = num_arg(info, i, op, name);
  if (!is_int64(d)) throw TypeError(std::string(op) + ": expected " + name + " to be an integer but got " + std::to_string(d));
  return (int64_t)d;
}
inline bool bool_arg(const Napi::CallbackInfo& info, int i) { return info[i].ToBoolean().Value(); }
inline Shape shape_arg(const Napi::CallbackInfo& info, int i, const char* op, const char* name) {
  if (!info[i].IsArray()) throw TypeError(std::string(op) + ": expected " + name + " to be an array of integers");
  Napi::Array a = info[i].As<Napi::Array>();
  // Grown as elements check out: a sparse array of length 2^32-1 must not allocate 32 GiB first.
  Shape s;
  uint32_t n = a.Length();
  for (uint32_t k = 0; k < n; k++) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber()) throw TypeError(std::string(op) + ": expected " + name + " to hold integers");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!is_int64(d)) throw TypeError(std::string(op) + ": expected " + name + " to hold integers but got " + std::to_string(d));
    s.push_back((int64_t)d);
  }
  return s;
}
inline DType dtype_arg(const Napi::CallbackInfo& info, int i, const char* op) {
  if (!info[i].IsString()) throw TypeError(std::string(op) + ": expected dtype to be a string");
  return dtype_from_name(info[i].As<Napi::String>().Utf8Value());
}

inline bool typed_array_matches(napi_typedarray_type t, DType d) {
  switch (d) {
    case DType::F32: return t == napi_float32_array;
    case DType::F64: return t == napi_float64_array;
    case DType::I32: return t == napi_int32_array;
    case DType::I64: return t == napi_bigint64_array;
    case DType::U8: return t == napi_uint8_array || t == napi_uint8_clamped_array;
  }
  return false;
}
inline const char* typed_array_for(DType d) {
  switch (d) {
    case DType::F32: return "Float32Array";
    case DType::F64: return "Float64Array";
    case DType::I32: return "Int32Array";
    case DType::I64: return "BigInt64Array";
    case DType::U8: return "Uint8Array";
  }
  return "?";
}

// Runs body, converting every C++ exception into a JS one.
template <class F>
inline Napi::Value guard(const Napi::CallbackInfo& info, F body) {
  Napi::Env env = info.Env();
  try {
    return body(env);
  } catch (const Napi::Error&) {
    throw;
  } catch (const TypeError& e) {
    throw Napi::TypeError::New(env, e.what());
  } catch (const RangeError& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

#define FLINT_FN(name) Napi::Value name(const Napi::CallbackInfo& info)

// Wraps fn (a FLINT_FN) as an export named name.
inline void export_fn(Napi::Env env, Napi::Object exports, const char* name, Napi::Function::Callback fn) {
  exports.Set(name, Napi::Function::New(env, fn, name));
}

// ---- registry: one line per op family (binding.cc's Init calls each) ----
void register_core(Napi::Env env, Napi::Object exports);
void register_rnn(Napi::Env env, Napi::Object exports);
void register_augment(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_pool(Napi::Env env, Napi::Object exports);
void register_activation(Napi::Env env, Napi::Object exports);
void register_normalization(Napi::Env env, Napi::Object exports);
void register_loss(Napi::Env env, Napi::Object exports);
void register_embedding(Napi::Env env, Napi::Object exports);
void register_dropout(Napi::Env env, Napi::Object exports);

}  // namespace binding
}  // namespace flint
