// N-API glue of the normalization family: batch norm and layer norm, forward and backward
// (kernels in cpu/normalization.cc). Forwards return [y, mean, invstd|rstd], backwards
// [dx, dweight, dbias].
#include "binding/common.h"
#include "cpu/nn.h"

namespace flint {
namespace binding {

static Napi::Array triple(Napi::Env env, const std::array<Tensor, 3>& r) {
  Napi::Array a = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; i++) a.Set(i, wrap(env, r[i]));
  return a;
}

// batchNorm(x, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum, eps)
static FLINT_FN(BatchNorm) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "batch_norm";
    const Tensor& x = tensor_arg(info, 0, op, "input");
    Tensor hw, hb, hm, hv;
    const Tensor* w = opt_tensor_arg(info, 1, op, "weight", hw);
    const Tensor* b = opt_tensor_arg(info, 2, op, "bias", hb);
    const Tensor* rm = opt_tensor_arg(info, 3, op, "running_mean", hm);
    const Tensor* rv = opt_tensor_arg(info, 4, op, "running_var", hv);
    bool training = bool_arg(info, 5);
    double momentum = num_arg(info, 6, op, "momentum"), eps = num_arg(info, 7, op, "eps");
    return triple(env, batch_norm(inst(env).ctx, x, w, b, rm, rv, training, momentum, eps));
  });
}

// batchNormBackward(grad, x, weight|null, mean, invstd, training)
static FLINT_FN(BatchNormBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "batch_norm_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& x = tensor_arg(info, 1, op, "input");
    Tensor hw;
    const Tensor* w = opt_tensor_arg(info, 2, op, "weight", hw);
    const Tensor& mean = tensor_arg(info, 3, op, "mean");
    const Tensor& invstd = tensor_arg(info, 4, op, "invstd");
    return triple(env, batch_norm_backward(inst(env).ctx, g, x, w, mean, invstd, bool_arg(info, 5)));
  });
}

// layerNorm(x, nNorm, weight|null, bias|null, eps)
static FLINT_FN(LayerNorm) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "layer_norm";
    const Tensor& x = tensor_arg(info, 0, op, "input");
    int64_t n = int_arg(info, 1, op, "nNorm");
    Tensor hw, hb;
    const Tensor* w = opt_tensor_arg(info, 2, op, "weight", hw);
    const Tensor* b = opt_tensor_arg(info, 3, op, "bias", hb);
    return triple(env, layer_norm(inst(env).ctx, x, n, w, b, num_arg(info, 4, op, "eps")));
  });
}

// layerNormBackward(grad, x, nNorm, weight|null, mean, rstd)
static FLINT_FN(LayerNormBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "layer_norm_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& x = tensor_arg(info, 1, op, "input");
    int64_t n = int_arg(info, 2, op, "nNorm");
    Tensor hw;
    const Tensor* w = opt_tensor_arg(info, 3, op, "weight", hw);
    const Tensor& mean = tensor_arg(info, 4, op, "mean");
    const Tensor& rstd = tensor_arg(info, 5, op, "rstd");
    return triple(env, layer_norm_backward(inst(env).ctx, g, x, n, w, mean, rstd));
  });
}

void register_normalization(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "batchNorm", BatchNorm);
  export_fn(env, exports, "batchNormBackward", BatchNormBackward);
  export_fn(env, exports, "layerNorm", LayerNorm);
  export_fn(env, exports, "layerNormBackward", LayerNormBackward);
}

}  // namespace binding
}  // namespace flint
