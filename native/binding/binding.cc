// N-API glue: argument checks and conversion, JS errors. No math here.
//
// Every exported function runs inside guard(), which turns C++ exceptions (flint::TypeError,
// flint::RangeError, std::bad_alloc, anything else) into JS exceptions, so bad input never
// aborts the process. State lives in per-environment instance data (worker_threads safe).
#include "binding/common.h"

namespace flint {
namespace binding {

// ---- handle methods and accessors (this = the handle) ----

NativeTensor* self(const Napi::CallbackInfo& info) {
  NativeTensor* h = unwrap_tensor(info.This());
  if (!h) throw TypeError("NativeTensor: method called on an object that is not a tensor handle");
  return h;
}

FLINT_FN(Read) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& t = self(info)->get("read", "tensor");
    if (!info[0].IsTypedArray()) throw TypeError("read: expected a typed array to copy into");
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    if (!typed_array_matches(ta.TypedArrayType(), t.dtype))
      throw TypeError(std::string("read: expected a ") + typed_array_for(t.dtype) + " for a " + dtype_name(t.dtype) + " tensor");
    if ((int64_t)ta.ElementLength() != t.numel())
      throw RangeError("read: typed array has " + std::to_string(ta.ElementLength()) + " elements but the tensor has " +
                       std::to_string(t.numel()));
    Tensor c = inst(env).ctx.contiguous(t);
    uint8_t* out = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    std::memcpy(out, c.raw(), (size_t)t.numel() * dtype_size(t.dtype));
    return info[0];
  });
}

FLINT_FN(SameStorage) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& a = self(info)->get("sameStorage", "tensor");
    const Tensor& b = tensor_arg(info, 0, "sameStorage", "other");
    return Napi::Boolean::New(env, a.storage == b.storage);
  });
}

FLINT_FN(GetShape) {
  return guard(info, [&](Napi::Env env) -> Napi::Value { return to_array(env, self(info)->t.shape); });
}
FLINT_FN(GetStrides) {
  return guard(info, [&](Napi::Env env) -> Napi::Value { return to_array(env, self(info)->t.strides); });
}
FLINT_FN(GetOffset) {
  return guard(info, [&](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, (double)self(info)->t.offset); });
}
FLINT_FN(GetDtype) {
  return guard(info, [&](Napi::Env env) -> Napi::Value { return Napi::String::New(env, dtype_name(self(info)->t.dtype)); });
}
FLINT_FN(GetDisposed) {
  return guard(info, [&](Napi::Env env) -> Napi::Value { return Napi::Boolean::New(env, !self(info)->t.storage); });
}
FLINT_FN(GetVersion) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& t = self(info)->t;
    return Napi::Number::New(env, t.storage ? (double)t.storage->version : -1.0);  // -1: disposed
  });
}
FLINT_FN(GetContiguous) {
  return guard(info, [&](Napi::Env env) -> Napi::Value { return Napi::Boolean::New(env, self(info)->t.is_contiguous()); });
}
// A contiguous handle that no other handle (view) shares storage with: the autograd engine may
// take such a gradient as a leaf's .grad instead of copying it.
FLINT_FN(GetSoleContiguous) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& t = self(info)->t;
    return Napi::Boolean::New(env, t.storage && t.storage.use_count() == 1 && t.is_contiguous());
  });
}
FLINT_FN(Dispose) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    self(info)->release(env);
    return env.Undefined();
  });
}

// C callbacks for napi_define_class around the node-addon-api style functions above.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
napi_value adapt(napi_env env, napi_callback_info cbinfo) {
  try {
    Napi::CallbackInfo info(env, cbinfo);
    return F(info);
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
    return nullptr;
  }
}

napi_value construct_tensor(napi_env env, napi_callback_info cbinfo) {
  napi_value self_obj;
  napi_get_cb_info(env, cbinfo, nullptr, nullptr, &self_obj, nullptr);
  return self_obj;
}

Napi::Function define_tensor_class(Napi::Env env) {
  auto getter = [](const char* name, napi_callback cb) {
    return napi_property_descriptor{name, nullptr, nullptr, cb, nullptr, nullptr, napi_default, nullptr};
  };
  auto method = [](const char* name, napi_callback cb) {
    return napi_property_descriptor{name, nullptr, cb, nullptr, nullptr, nullptr, napi_default, nullptr};
  };
  napi_property_descriptor props[] = {
      getter("shape", adapt<GetShape>),         getter("strides", adapt<GetStrides>),
      getter("offset", adapt<GetOffset>),       getter("dtype", adapt<GetDtype>),
      getter("disposed", adapt<GetDisposed>),   getter("isContiguous", adapt<GetContiguous>),
      getter("version", adapt<GetVersion>),      getter("soleContiguous", adapt<GetSoleContiguous>),
      method("dispose", adapt<Dispose>),        method("read", adapt<Read>),
      method("sameStorage", adapt<SameStorage>),
  };
  napi_value cls;
  napi_status st = napi_define_class(env, "NativeTensor", NAPI_AUTO_LENGTH, construct_tensor, nullptr,
                                     sizeof(props) / sizeof(props[0]), props, &cls);
  if (st != napi_ok) throw Napi::Error::New(env, "flint: could not define the tensor class");
  return Napi::Function(env, cls);
}

// ---- creation and views ----

FLINT_FN(Empty) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    return wrap(env, inst(env).ctx.empty(shape_arg(info, 0, "empty", "shape"), dtype_arg(info, 1, "empty")));
  });
}

FLINT_FN(Full) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    Shape shape = shape_arg(info, 0, "full", "shape");
    DType dt = dtype_arg(info, 1, "full");
    checked_numel(shape, dtype_size(dt), "full");
    Tensor t = inst(env).ctx.empty(shape, dt);
    fill_(t, num_arg(info, 2, "full", "value"));
    return wrap(env, t);
  });
}

// fromData(typedArray, shape, dtype): copies the array into a new tensor.
FLINT_FN(FromData) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    if (!info[0].IsTypedArray()) throw TypeError("tensor: expected data to be a typed array");
    Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
    Shape shape = shape_arg(info, 1, "tensor", "shape");
    DType dt = dtype_arg(info, 2, "tensor");
    if (!typed_array_matches(ta.TypedArrayType(), dt))
      throw TypeError(std::string("tensor: expected a ") + typed_array_for(dt) + " for dtype " + dtype_name(dt));
    int64_t n = checked_numel(shape, dtype_size(dt), "tensor");
    if ((int64_t)ta.ElementLength() != n)
      throw RangeError("tensor: data has " + std::to_string(ta.ElementLength()) + " elements but shape " +
                       shape_str(shape) + " needs " + std::to_string(n));
    Tensor t = inst(env).ctx.empty(shape, dt);
    const uint8_t* src = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    std::memcpy(t.raw(), src, (size_t)t.numel() * dtype_size(dt));
    return wrap(env, t);
  });
}

// asStrided(t, shape, strides, offset): a view sharing t's storage; checks every element
// it can address lies inside the storage.
FLINT_FN(AsStrided) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& t = tensor_arg(info, 0, "view", "input");
    Shape shape = shape_arg(info, 1, "view", "shape"), strides = shape_arg(info, 2, "view", "strides");
    int64_t offset = int_arg(info, 3, "view", "offset");
    if (shape.size() != strides.size())
      throw RangeError("view: shape " + shape_str(shape) + " and strides " + shape_str(strides) + " differ in length");
    int64_t cap = (int64_t)(t.storage->nbytes / dtype_size(t.dtype));
    checked_numel(shape, dtype_size(t.dtype), "view");
    bool empty = false;
    for (auto d : shape) empty = empty || d == 0;
    // Without overflow: (shape - 1) * stride in int64 can wrap back inside the storage. Every
    // partial sum stays within [0, cap) or the view is rejected, and each step is <= cap.
    bool outside = !empty && (offset < 0 || offset >= cap);
    int64_t lo = offset, hi = offset;
    for (size_t i = 0; !empty && !outside && i < shape.size(); i++) {
      if (shape[i] == 1 || strides[i] == 0) continue;
      if (strides[i] == INT64_MIN) {
        outside = true;
        break;
      }
      int64_t mag = strides[i] < 0 ? -strides[i] : strides[i];
      if (mag >= cap || shape[i] - 1 > (cap - 1) / mag) {
        outside = true;
        break;
      }
      int64_t reach = (shape[i] - 1) * mag;
      if (strides[i] > 0) hi += reach;
      else lo -= reach;
      outside = lo < 0 || hi >= cap;
    }
    if (outside)
      throw RangeError("view: shape " + shape_str(shape) + " with strides " + shape_str(strides) + " and offset " +
                       std::to_string(offset) + " reaches outside a storage of " + std::to_string(cap) + " elements");
    Tensor v = t;
    v.shape = shape;
    v.strides = strides;
    v.offset = offset;
    return wrap(env, v, false);
  });
}

FLINT_FN(Contiguous) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& t = tensor_arg(info, 0, "contiguous", "input");
    if (t.is_contiguous()) return info[0];
    return wrap(env, inst(env).ctx.contiguous(t));
  });
}

FLINT_FN(Clone) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& t = tensor_arg(info, 0, "clone", "input");
    return wrap(env, cast(inst(env).ctx, t, t.dtype));
  });
}

// copy_(dst, src): dst[...] = src broadcast to dst's shape. Checked before any write.
FLINT_FN(Copy) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& dst = tensor_arg(info, 0, "copy_", "destination");
    const Tensor& src = tensor_arg(info, 1, "copy_", "source");
    broadcast_strides(src, dst.shape, "copy_");
    dst.bump_version();
    if (dst.storage == src.storage) {
      Tensor tmp = cast(inst(env).ctx, src, src.dtype);
      copy_into(dst, tmp);
    } else {
      copy_into(dst, src);
    }
    return info[0];
  });
}

FLINT_FN(Fill) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    fill_(tensor_arg(info, 0, "fill_", "input"), num_arg(info, 1, "fill_", "value"));
    return info[0];
  });
}

FLINT_FN(Cast) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    return wrap(env, cast(inst(env).ctx, tensor_arg(info, 0, "to", "input"), dtype_arg(info, 1, "to")));
  });
}

// ---- math ----

FLINT_FN(Binary) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    int64_t op = int_arg(info, 0, "binary", "op");
    if (op < 0 || op >= (int64_t)BinOp::Count) throw RangeError("binary: unknown op " + std::to_string(op));
    const char* name = binop_name((BinOp)op);
    return wrap(env, binary(inst(env).ctx, (BinOp)op, tensor_arg(info, 1, name, "input"), tensor_arg(info, 2, name, "other")));
  });
}

FLINT_FN(BinaryScalar) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    int64_t op = int_arg(info, 0, "binary", "op");
    if (op < 0 || op >= (int64_t)BinOp::Count) throw RangeError("binary: unknown op " + std::to_string(op));
    const char* name = binop_name((BinOp)op);
    return wrap(env, binary_scalar(inst(env).ctx, (BinOp)op, tensor_arg(info, 1, name, "input"),
                                   num_arg(info, 2, name, "other"), bool_arg(info, 3)));
  });
}

FLINT_FN(Unary) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    int64_t op = int_arg(info, 0, "unary", "op");
    if (op < 0 || op >= (int64_t)UnOp::Count) throw RangeError("unary: unknown op " + std::to_string(op));
    return wrap(env, unary(inst(env).ctx, (UnOp)op, tensor_arg(info, 1, unop_name((UnOp)op), "input")));
  });
}

FLINT_FN(Sum) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& a = tensor_arg(info, 0, "sum", "input");
    return wrap(env, sum(inst(env).ctx, a, shape_arg(info, 1, "sum", "dims"), bool_arg(info, 2),
                         num_arg(info, 3, "sum", "scale")));
  });
}

FLINT_FN(MaxDim) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    auto r = max_dim(inst(env).ctx, tensor_arg(info, 0, "max", "input"), int_arg(info, 1, "max", "dim"), bool_arg(info, 2));
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(0u, wrap(env, r.first));
    a.Set(1u, wrap(env, r.second));
    return a;
  });
}

// matmul(a, b, transA?, transB?): a @ b with the last two dims of a (of b) swapped first when
// transA (transB) is true: the transposed operand as a view, without a handle of its own (the
// backward of linear and matmul multiply by transposed operands every step).
FLINT_FN(Matmul) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    Tensor a = tensor_arg(info, 0, "matmul", "input"), b = tensor_arg(info, 1, "matmul", "other");
    bool ta = info.Length() > 2 && bool_arg(info, 2), tb = info.Length() > 3 && bool_arg(info, 3);
    auto transpose = [](Tensor& t, const char* name) {
      size_t n = t.shape.size();
      if (n < 2) throw RangeError(std::string("matmul: cannot transpose ") + name + " of shape " + shape_str(t.shape));
      std::swap(t.shape[n - 2], t.shape[n - 1]);
      std::swap(t.strides[n - 2], t.strides[n - 1]);
    };
    if (ta) transpose(a, "input");
    if (tb) transpose(b, "other");
    return wrap(env, matmul(inst(env).ctx, a, b));
  });
}

FLINT_FN(Linear) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    Tensor hold;
    bool relu = info.Length() > 3 && bool_arg(info, 3);
    return wrap(env, linear(inst(env).ctx, tensor_arg(info, 0, "linear", "input"), tensor_arg(info, 1, "linear", "weight"),
                            opt_tensor_arg(info, 2, "linear", "bias", hold), relu));
  });
}

// gemm(kernel, a, b, out?, bias?, biasPerRow?, relu?): 2-D float32 product through a chosen
// path, for tests and benchmarks. kernel: "blis" (the production path) or "naive" (the
// oracle). out: a contiguous [M, N] float32 tensor written in place and returned (as numpy's
// out=); else a new one. bias ([N], or [M] with biasPerRow) and relu: the GEMM's epilogue.
FLINT_FN(Gemm) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    std::string which = info[0].ToString().Utf8Value();
    const Tensor& a = tensor_arg(info, 1, "gemm", "a");
    const Tensor& b = tensor_arg(info, 2, "gemm", "b");
    if (a.dtype != DType::F32 || b.dtype != DType::F32 || a.dim() != 2 || b.dim() != 2)
      throw TypeError("gemm: expected two 2-D float32 tensors but got " + shape_str(a.shape) + " and " + shape_str(b.shape));
    int64_t M = a.shape[0], K = a.shape[1], N = b.shape[1];
    if (b.shape[0] != K) throw RangeError("gemm: shapes " + shape_str(a.shape) + " and " + shape_str(b.shape) + " cannot be multiplied");
    Context& ctx = inst(env).ctx;
    Tensor hold_out, hold_bias;
    const Tensor* out = info.Length() > 3 ? opt_tensor_arg(info, 3, "gemm", "out", hold_out) : nullptr;
    const Tensor* bias = info.Length() > 4 ? opt_tensor_arg(info, 4, "gemm", "bias", hold_bias) : nullptr;
    bool per_row = info.Length() > 5 && bool_arg(info, 5);
    bool relu = info.Length() > 6 && bool_arg(info, 6);
    if (out && (out->dtype != DType::F32 || out->shape != Shape{M, N} || !out->is_contiguous()))
      throw TypeError("gemm: expected out to be a contiguous float32 tensor of shape " + shape_str({M, N}) + " but got " +
                      shape_str(out->shape));
    int64_t blen = per_row ? M : N;
    if (bias && (bias->dtype != DType::F32 || bias->shape != Shape{blen} || !bias->is_contiguous()))
      throw TypeError("gemm: expected bias to be a contiguous float32 tensor of shape [" + std::to_string(blen) +
                      "] but got " + shape_str(bias->shape));
    Tensor c = out ? *out : ctx.empty({M, N}, DType::F32);
    Epilogue<float> epi{bias ? bias->data<float>() : nullptr, per_row, relu};
    if (which == "naive")
      gemm_naive_f32(M, N, K, 1.0f, a.data<float>(), a.strides[0], a.strides[1], b.data<float>(), b.strides[0],
                     b.strides[1], 0.0f, c.data<float>(), N, &epi);
    else if (which == "blis")
      gemm_f32(ctx.pool.get(), M, N, K, 1.0f, a.data<float>(), a.strides[0], a.strides[1], b.data<float>(),
               b.strides[0], b.strides[1], 0.0f, c.data<float>(), N, &epi);
    else
      throw RangeError("gemm: unknown kernel '" + which + "' (expected blis or naive)");
    if (out) return info[3];
    return wrap(env, c);
  });
}

FLINT_FN(CrossEntropy) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    return wrap(env, cross_entropy(inst(env).ctx, tensor_arg(info, 0, "cross_entropy", "input"),
                                   tensor_arg(info, 1, "cross_entropy", "target"), (int)int_arg(info, 2, "cross_entropy", "reduction")));
  });
}

FLINT_FN(CrossEntropyBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "cross_entropy_backward";
    return wrap(env, cross_entropy_backward(inst(env).ctx, tensor_arg(info, 0, op, "input"), tensor_arg(info, 1, op, "target"),
                                            tensor_arg(info, 2, op, "grad"), (int)int_arg(info, 3, op, "reduction")));
  });
}

FLINT_FN(Cat) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    if (!info[0].IsArray()) throw TypeError("cat: expected an array of tensors");
    Napi::Array arr = info[0].As<Napi::Array>();
    std::vector<Tensor> ts;
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value v = arr.Get(i);
      NativeTensor* h = unwrap_tensor(v);
      if (!h) throw TypeError("cat: expected element " + std::to_string(i) + " to be a tensor");
      ts.push_back(h->get("cat", "element"));
    }
    return wrap(env, cat(inst(env).ctx, ts, int_arg(info, 1, "cat", "dim")));
  });
}

FLINT_FN(IndexSelect) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    return wrap(env, index_select(inst(env).ctx, tensor_arg(info, 0, "index_select", "input"),
                                  int_arg(info, 1, "index_select", "dim"), tensor_arg(info, 2, "index_select", "index")));
  });
}

FLINT_FN(Gather) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    return wrap(env, gather(inst(env).ctx, tensor_arg(info, 0, "gather", "input"), int_arg(info, 1, "gather", "dim"),
                            tensor_arg(info, 2, "gather", "index")));
  });
}

FLINT_FN(ScatterAdd) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    return wrap(env, scatter_add(inst(env).ctx, shape_arg(info, 0, "scatter_add", "shape"), int_arg(info, 1, "scatter_add", "dim"),
                                 tensor_arg(info, 2, "scatter_add", "index"), tensor_arg(info, 3, "scatter_add", "src")));
  });
}

FLINT_FN(Uniform) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    uniform_(inst(env).ctx, tensor_arg(info, 0, "uniform_", "input"), num_arg(info, 1, "uniform_", "low"),
             num_arg(info, 2, "uniform_", "high"));
    return info[0];
  });
}

FLINT_FN(Normal) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    normal_(inst(env).ctx, tensor_arg(info, 0, "normal_", "input"), num_arg(info, 1, "normal_", "mean"),
            num_arg(info, 2, "normal_", "std"));
    return info[0];
  });
}

FLINT_FN(ManualSeed) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    inst(env).ctx.rng.seed_with((uint64_t)int_arg(info, 0, "manualSeed", "seed"));
    return env.Undefined();
  });
}

// randomBits(): 32 random bits from the generator, for TS-side shuffles.
FLINT_FN(RandomBits) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    return Napi::Number::New(env, (double)(uint32_t)(inst(env).ctx.rng.next() >> 32));
  });
}

FLINT_FN(Accumulate) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    axpy_(inst(env).ctx, tensor_arg(info, 0, "accumulate", "grad"), tensor_arg(info, 1, "accumulate", "update"),
          num_arg(info, 2, "accumulate", "alpha"));
    return env.Undefined();
  });
}

FLINT_FN(SetNumThreads) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    int64_t n = int_arg(info, 0, "setNumThreads", "n");
    if (n < 1 || n > 1024) throw RangeError("setNumThreads: expected 1..1024 threads but got " + std::to_string(n));
    inst(env).ctx.pool->set_num_threads((int)n);
    return env.Undefined();
  });
}

FLINT_FN(GetNumThreads) { return Napi::Number::New(info.Env(), inst(info.Env()).ctx.pool->num_threads()); }

FLINT_FN(MemoryStats) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("liveBytes", Napi::Number::New(env, (double)inst(env).ctx.alloc->live_bytes()));
  o.Set("cachedBytes", Napi::Number::New(env, (double)inst(env).ctx.alloc->cached_bytes()));
  return o;
}

FLINT_FN(EmptyCache) {
  inst(info.Env()).ctx.alloc->empty_cache();
  return info.Env().Undefined();
}

FLINT_FN(BuildInfo) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("gemmKernel", Napi::String::New(env, gemm_kernel_name()));
  o.Set("cuda", Napi::Boolean::New(env, false));
  return o;
}

void register_core(Napi::Env env, Napi::Object exports) {
#define EXPORT(name, fn) export_fn(env, exports, name, fn)
  EXPORT("empty", Empty);
  EXPORT("full", Full);
  EXPORT("fromData", FromData);
  EXPORT("asStrided", AsStrided);
  EXPORT("contiguous", Contiguous);
  EXPORT("clone", Clone);
  EXPORT("copy_", Copy);
  EXPORT("fill_", Fill);
  EXPORT("cast", Cast);
  EXPORT("binary", Binary);
  EXPORT("binaryScalar", BinaryScalar);
  EXPORT("unary", Unary);
  EXPORT("sum", Sum);
  EXPORT("maxDim", MaxDim);
  EXPORT("matmul", Matmul);
  EXPORT("linear", Linear);
  EXPORT("gemm", Gemm);
  EXPORT("crossEntropy", CrossEntropy);
  EXPORT("crossEntropyBackward", CrossEntropyBackward);
  EXPORT("cat", Cat);
  EXPORT("indexSelect", IndexSelect);
  EXPORT("gather", Gather);
  EXPORT("scatterAdd", ScatterAdd);
  EXPORT("uniform_", Uniform);
  EXPORT("normal_", Normal);
  EXPORT("manualSeed", ManualSeed);
  EXPORT("randomBits", RandomBits);
  EXPORT("accumulate", Accumulate);
  EXPORT("setNumThreads", SetNumThreads);
  EXPORT("getNumThreads", GetNumThreads);
  EXPORT("memoryStats", MemoryStats);
  EXPORT("emptyCache", EmptyCache);
  EXPORT("buildInfo", BuildInfo);
#undef EXPORT
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Instance* in = new Instance();
  env.SetInstanceData<Instance>(in);
  Napi::Function ctor = define_tensor_class(env);
  in->tensor_ctor = Napi::Persistent(ctor);
  exports.Set("NativeTensor", ctor);
  // The registry: one line per op family (declared in binding/common.h).
  register_core(env, exports);
  register_rnn(env, exports);
  register_augment(env, exports);
  register_optim(env, exports);
  register_conv(env, exports);
  register_pool(env, exports);
  register_activation(env, exports);
  register_normalization(env, exports);
  register_loss(env, exports);
  register_embedding(env, exports);
  register_dropout(env, exports);
  return exports;
}

}  // namespace binding
}  // namespace flint

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return flint::binding::Init(env, exports); }
NODE_API_MODULE(flint, InitAll)
