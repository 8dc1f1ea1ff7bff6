// N-API glue for conv2d (forward, backward and the naive oracle twins). No math here.
#include "binding/common.h"
#include "cpu/conv.h"

namespace flint {
namespace binding {

namespace {

Shape ints_arg(const Napi::CallbackInfo& info, int i, const char* op, const char* name, size_t n) {
  Shape s = shape_arg(info, i, op, name);
  if (s.size() != n)
    throw TypeError(std::string(op) + ": expected " + name + " to hold " + std::to_string(n) + " integers but got " +
                    std::to_string(s.size()));
  return s;
}

// stride [h, w], padding [top, bottom, left, right], dilation [h, w], groups at i .. i + 3.
Conv2dParams conv_params(const Napi::CallbackInfo& info, int i, const char* op) {
  Shape st = ints_arg(info, i, op, "stride", 2), pad = ints_arg(info, i + 1, op, "padding", 4);
  Shape dil = ints_arg(info, i + 2, op, "dilation", 2);
  Conv2dParams p;
  p.stride_h = st[0]; p.stride_w = st[1];
  p.pad_t = pad[0]; p.pad_b = pad[1]; p.pad_l = pad[2]; p.pad_r = pad[3];
  p.dil_h = dil[0]; p.dil_w = dil[1];
  p.groups = int_arg(info, i + 3, op, "groups");
  return p;
}

Napi::Value grads_array(Napi::Env env, bool has_dx, bool has_dw, bool has_db, Tensor& dx, Tensor& dw, Tensor& db) {
  Napi::Array a = Napi::Array::New(env, 3);
  a.Set(0u, has_dx ? Napi::Value(wrap(env, dx)) : env.Null());
  a.Set(1u, has_dw ? Napi::Value(wrap(env, dw)) : env.Null());
  a.Set(2u, has_db ? Napi::Value(wrap(env, db)) : env.Null());
  return a;
}

// conv2d(x, w, bias | null, stride, padding, dilation, groups, saveCol = false)
// -> y, or [y, col | null] with saveCol (the im2col buffer, for conv2dBackward)
FLINT_FN(Conv2d) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "conv2d";
    Tensor x = tensor_arg(info, 0, op, "input"), w = tensor_arg(info, 1, op, "weight"), hold;
    const Tensor* b = opt_tensor_arg(info, 2, op, "bias", hold);
    Conv2dParams p = conv_params(info, 3, op);
    if (!bool_arg(info, 7)) return wrap(env, conv2d(inst(env).ctx, x, w, b, p));
    Tensor col;
    Tensor y = conv2d(inst(env).ctx, x, w, b, p, &col);
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(0u, wrap(env, y));
    a.Set(1u, col.storage ? Napi::Value(wrap(env, col)) : env.Null());
    return a;
  });
}

// conv2dBackward(x, w, dy, stride, padding, dilation, groups, needInput, needWeight, needBias, col | null)
// -> [dx | null, dw | null, db | null]
FLINT_FN(Conv2dBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "conv2d_backward";
    Tensor x = tensor_arg(info, 0, op, "input"), w = tensor_arg(info, 1, op, "weight");
    Tensor dy = tensor_arg(info, 2, op, "grad_output"), hold;
    Conv2dParams p = conv_params(info, 3, op);
    bool nx = bool_arg(info, 7), nw = bool_arg(info, 8), nb = bool_arg(info, 9);
    const Tensor* col = opt_tensor_arg(info, 10, op, "col", hold);
    Tensor dx, dw, db;
    conv2d_backward(inst(env).ctx, x, w, dy, p, nx, nw, nb, &dx, &dw, &db, col);
    return grads_array(env, nx, nw, nb, dx, dw, db);
  });
}

// The oracle twins, same arguments (the backward returns all three gradients).
FLINT_FN(Conv2dNaive) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "conv2d";
    Tensor x = tensor_arg(info, 0, op, "input"), w = tensor_arg(info, 1, op, "weight"), hold;
    const Tensor* b = opt_tensor_arg(info, 2, op, "bias", hold);
    return wrap(env, conv2d_naive(inst(env).ctx, x, w, b, conv_params(info, 3, op)));
  });
}

FLINT_FN(Conv2dBackwardNaive) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "conv2d_backward";
    Tensor x = tensor_arg(info, 0, op, "input"), w = tensor_arg(info, 1, op, "weight");
    Tensor dy = tensor_arg(info, 2, op, "grad_output");
    Conv2dParams p = conv_params(info, 3, op);
    Tensor dx, dw, db;
    conv2d_backward_naive(inst(env).ctx, x, w, dy, p, &dx, &dw, &db);
    return grads_array(env, true, true, true, dx, dw, db);
  });
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "conv2d", Conv2d);
  export_fn(env, exports, "conv2dBackward", Conv2dBackward);
  export_fn(env, exports, "conv2dNaive", Conv2dNaive);
  export_fn(env, exports, "conv2dBackwardNaive", Conv2dBackwardNaive);
}

}  // namespace binding
}  // namespace flint
