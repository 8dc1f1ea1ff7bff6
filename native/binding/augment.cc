// N-API glue for the augmentation family (native/cpu/augment.cc): affineWarp, gaussianNoise,
// scaleNormalize.
#include "binding/common.h"
#include "cpu/augment.h"

namespace flint {
namespace binding {

// null/undefined -> empty (no fill); else an array of finite numbers (fill values, mean, std).
static std::vector<double> fill_arg(const Napi::CallbackInfo& info, int i, const char* op) {
  std::vector<double> fill;
  if (info[i].IsNull() || info[i].IsUndefined()) return fill;
  if (!info[i].IsArray()) throw TypeError(std::string(op) + ": expected fill to be null or an array of numbers");
  Napi::Array a = info[i].As<Napi::Array>();
  uint32_t n = a.Length();
  if (n > 65536) throw RangeError(std::string(op) + ": fill has " + std::to_string(n) + " values");
  for (uint32_t k = 0; k < n; k++) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()))
      throw TypeError(std::string(op) + ": expected fill to hold finite numbers");
    fill.push_back(v.As<Napi::Number>().DoubleValue());
  }
  return fill;
}

static Interp interp_arg(const Napi::CallbackInfo& info, int i, const char* op) {
  int64_t m = int_arg(info, i, op, "mode");
  if (m != 0 && m != 1) throw RangeError(std::string(op) + ": expected mode 0 (nearest) or 1 (bilinear) but got " + std::to_string(m));
  return (Interp)m;
}

// affineWarp(input [N, C, H, W], theta [N|1, 6] float64, outH, outW, mode, fill | null, naive?)
FLINT_FN(AffineWarp) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "affineWarp";
    Tensor in = tensor_arg(info, 0, op, "input");
    Tensor theta = tensor_arg(info, 1, op, "theta");
    int64_t oh = int_arg(info, 2, op, "outH"), ow = int_arg(info, 3, op, "outW");
    Interp mode = interp_arg(info, 4, op);
    std::vector<double> fill = fill_arg(info, 5, op);
    bool naive = bool_arg(info, 6);
    Context& ctx = inst(env).ctx;
    return wrap(env, naive ? affine_warp_naive(ctx, in, theta, oh, ow, mode, fill) : affine_warp(ctx, in, theta, oh, ow, mode, fill));
  });
}

// gaussianNoise(x, mean, std, clip)
FLINT_FN(GaussianNoise) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "gaussianNoise";
    Tensor x = tensor_arg(info, 0, op, "input");
    return wrap(env, gaussian_noise(inst(env).ctx, x, num_arg(info, 1, op, "mean"), num_arg(info, 2, op, "std"), bool_arg(info, 3)));
  });
}

// scaleNormalize(x, outDtype, div, mean[] | null, std[] | null, channels, inner, rows | null)
FLINT_FN(ScaleNormalize) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "scaleNormalize";
    Tensor x = tensor_arg(info, 0, op, "input");
    DType od = dtype_arg(info, 1, op);
    double div = num_arg(info, 2, op, "div");
    std::vector<double> mean = fill_arg(info, 3, op), std = fill_arg(info, 4, op);
    int64_t channels = int_arg(info, 5, op, "channels"), inner = int_arg(info, 6, op, "inner");
    Tensor hold;
    const Tensor* rows = opt_tensor_arg(info, 7, op, "rows", hold);
    return wrap(env, scale_normalize(inst(env).ctx, x, od, div, mean, std, channels, inner, rows));
  });
}

void register_augment(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "affineWarp", AffineWarp);
  export_fn(env, exports, "gaussianNoise", GaussianNoise);
  export_fn(env, exports, "scaleNormalize", ScaleNormalize);
}

}  // namespace binding
}  // namespace flint
