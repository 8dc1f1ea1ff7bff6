// N-API glue for max_pool2d, avg_pool2d, adaptive_avg_pool2d and their backwards. No math here.
#include "binding/common.h"
#include "cpu/pool.h"

namespace flint {
namespace binding {

namespace {

std::pair<int64_t, int64_t> pair_arg(const Napi::CallbackInfo& info, int i, const char* op, const char* name) {
  Shape s = shape_arg(info, i, op, name);
  if (s.size() != 2)
    throw TypeError(std::string(op) + ": expected " + name + " to hold 2 integers but got " + std::to_string(s.size()));
  return {s[0], s[1]};
}

// kernel, stride, padding at i .. i + 2 (pairs).
Pool2dParams window_args(const Napi::CallbackInfo& info, int i, const char* op) {
  Pool2dParams p;
  std::tie(p.kh, p.kw) = pair_arg(info, i, op, "kernel_size");
  std::tie(p.sh, p.sw) = pair_arg(info, i + 1, op, "stride");
  std::tie(p.ph, p.pw) = pair_arg(info, i + 2, op, "padding");
  return p;
}

// maxPool2d(x, kernel, stride, padding, dilation, ceilMode) -> [out, indices]
FLINT_FN(MaxPool2d) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "max_pool2d";
    Tensor x = tensor_arg(info, 0, op, "input");
    Pool2dParams p = window_args(info, 1, op);
    std::tie(p.dh, p.dw) = pair_arg(info, 4, op, "dilation");
    p.ceil_mode = bool_arg(info, 5);
    auto r = max_pool2d(inst(env).ctx, x, p);
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(0u, wrap(env, r.first));
    a.Set(1u, wrap(env, r.second));
    return a;
  });
}

// maxPool2dBackward(dy, indices, inputShape)
FLINT_FN(MaxPool2dBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "max_pool2d_backward";
    Tensor dy = tensor_arg(info, 0, op, "grad_output"), ind = tensor_arg(info, 1, op, "indices");
    return wrap(env, max_pool2d_backward(inst(env).ctx, dy, ind, shape_arg(info, 2, op, "input_shape")));
  });
}

// kernel, stride, padding, ceilMode, countIncludePad, divisorOverride (0: none) at i .. i + 5.
Pool2dParams avg_args(const Napi::CallbackInfo& info, int i, const char* op) {
  Pool2dParams p = window_args(info, i, op);
  p.ceil_mode = bool_arg(info, i + 3);
  p.count_include_pad = bool_arg(info, i + 4);
  p.divisor_override = int_arg(info, i + 5, op, "divisor_override");
  return p;
}

// avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride)
FLINT_FN(AvgPool2d) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "avg_pool2d";
    Tensor x = tensor_arg(info, 0, op, "input");
    return wrap(env, avg_pool2d(inst(env).ctx, x, avg_args(info, 1, op)));
  });
}

// avgPool2dBackward(dy, inputShape, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride)
FLINT_FN(AvgPool2dBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "avg_pool2d_backward";
    Tensor dy = tensor_arg(info, 0, op, "grad_output");
    Shape s = shape_arg(info, 1, op, "input_shape");
    return wrap(env, avg_pool2d_backward(inst(env).ctx, dy, s, avg_args(info, 2, op)));
  });
}

// adaptiveAvgPool2d(x, outputSize [oh, ow])
FLINT_FN(AdaptiveAvgPool2d) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "adaptive_avg_pool2d";
    Tensor x = tensor_arg(info, 0, op, "input");
    auto os = pair_arg(info, 1, op, "output_size");
    return wrap(env, adaptive_avg_pool2d(inst(env).ctx, x, os.first, os.second));
  });
}

// adaptiveAvgPool2dBackward(dy, inputShape)
FLINT_FN(AdaptiveAvgPool2dBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "adaptive_avg_pool2d_backward";
    Tensor dy = tensor_arg(info, 0, op, "grad_output");
    return wrap(env, adaptive_avg_pool2d_backward(inst(env).ctx, dy, shape_arg(info, 1, op, "input_shape")));
  });
}

}  // namespace

void register_pool(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "maxPool2d", MaxPool2d);
  export_fn(env, exports, "maxPool2dBackward", MaxPool2dBackward);
  export_fn(env, exports, "avgPool2d", AvgPool2d);
  export_fn(env, exports, "avgPool2dBackward", AvgPool2dBackward);
  export_fn(env, exports, "adaptiveAvgPool2d", AdaptiveAvgPool2d);
  export_fn(env, exports, "adaptiveAvgPool2dBackward", AdaptiveAvgPool2dBackward);
}

}  // namespace binding
}  // namespace flint
