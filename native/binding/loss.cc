// N-API glue of the loss family (kernels in cpu/loss.cc): cross-entropy with class weights,
// ignore_index and label smoothing; NLL; smooth L1; binary cross-entropy on probabilities and
// on logits. (The plain crossEntropy / crossEntropyBackward exports stay in binding.cc.)
#include "binding/common.h"
#include "cpu/nn.h"

namespace flint {
namespace binding {

static int reduction_arg(const Napi::CallbackInfo& info, int i, const char* op) {
  return (int)int_arg(info, i, op, "reduction");
}

static Napi::Value pair(Napi::Env env, const std::array<Tensor, 2>& r) {
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, wrap(env, r[0]));
  a.Set(1u, r[1].storage ? Napi::Value(wrap(env, r[1])) : env.Null());
  return a;
}

// crossEntropyLoss(input, target, weight|null, ignoreIndex, labelSmoothing, reduction)
static FLINT_FN(CrossEntropyLoss) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "cross_entropy";
    const Tensor& x = tensor_arg(info, 0, op, "input");
    const Tensor& t = tensor_arg(info, 1, op, "target");
    Tensor hw;
    const Tensor* w = opt_tensor_arg(info, 2, op, "weight", hw);
    return wrap(env, cross_entropy_loss(inst(env).ctx, x, t, w, int_arg(info, 3, op, "ignoreIndex"),
                                        num_arg(info, 4, op, "labelSmoothing"), reduction_arg(info, 5, op)));
  });
}

// crossEntropyLossBackward(grad, input, target, weight|null, ignoreIndex, labelSmoothing, reduction)
static FLINT_FN(CrossEntropyLossBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "cross_entropy_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& x = tensor_arg(info, 1, op, "input");
    const Tensor& t = tensor_arg(info, 2, op, "target");
    Tensor hw;
    const Tensor* w = opt_tensor_arg(info, 3, op, "weight", hw);
    return wrap(env, cross_entropy_loss_backward(inst(env).ctx, g, x, t, w, int_arg(info, 4, op, "ignoreIndex"),
                                                 num_arg(info, 5, op, "labelSmoothing"), reduction_arg(info, 6, op)));
  });
}

// nllLoss(input, target, weight|null, ignoreIndex, reduction)
static FLINT_FN(NllLoss) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "nll_loss";
    const Tensor& x = tensor_arg(info, 0, op, "input");
    const Tensor& t = tensor_arg(info, 1, op, "target");
    Tensor hw;
    const Tensor* w = opt_tensor_arg(info, 2, op, "weight", hw);
    return wrap(env, nll_loss(inst(env).ctx, x, t, w, int_arg(info, 3, op, "ignoreIndex"), reduction_arg(info, 4, op)));
  });
}

// nllLossBackward(grad, input, target, weight|null, ignoreIndex, reduction)
static FLINT_FN(NllLossBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "nll_loss_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& x = tensor_arg(info, 1, op, "input");
    const Tensor& t = tensor_arg(info, 2, op, "target");
    Tensor hw;
    const Tensor* w = opt_tensor_arg(info, 3, op, "weight", hw);
    return wrap(env, nll_loss_backward(inst(env).ctx, g, x, t, w, int_arg(info, 4, op, "ignoreIndex"),
                                       reduction_arg(info, 5, op)));
  });
}

// smoothL1Loss(input, target, beta)
static FLINT_FN(SmoothL1Loss) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "smooth_l1_loss";
    const Tensor& x = tensor_arg(info, 0, op, "input");
    const Tensor& t = tensor_arg(info, 1, op, "target");
    return wrap(env, smooth_l1_loss(inst(env).ctx, x, t, num_arg(info, 2, op, "beta")));
  });
}

// smoothL1LossBackward(grad, input, target, beta)
static FLINT_FN(SmoothL1LossBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "smooth_l1_loss_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& x = tensor_arg(info, 1, op, "input");
    const Tensor& t = tensor_arg(info, 2, op, "target");
    return wrap(env, smooth_l1_loss_backward(inst(env).ctx, g, x, t, num_arg(info, 3, op, "beta")));
  });
}

// bceLoss(input, target, weight|null)
static FLINT_FN(BceLoss) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "binary_cross_entropy";
    const Tensor& x = tensor_arg(info, 0, op, "input");
    const Tensor& t = tensor_arg(info, 1, op, "target");
    Tensor hw;
    return wrap(env, bce_loss(inst(env).ctx, x, t, opt_tensor_arg(info, 2, op, "weight", hw)));
  });
}

// bceLossBackward(grad, input, target, weight|null, wantTarget) -> [dinput, dtarget|null]
static FLINT_FN(BceLossBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "binary_cross_entropy_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& x = tensor_arg(info, 1, op, "input");
    const Tensor& t = tensor_arg(info, 2, op, "target");
    Tensor hw;
    const Tensor* w = opt_tensor_arg(info, 3, op, "weight", hw);
    return pair(env, bce_loss_backward(inst(env).ctx, g, x, t, w, bool_arg(info, 4)));
  });
}

// bceLogitsLoss(input, target, weight|null, posWeight|null)
static FLINT_FN(BceLogitsLoss) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "binary_cross_entropy_with_logits";
    const Tensor& x = tensor_arg(info, 0, op, "input");
    const Tensor& t = tensor_arg(info, 1, op, "target");
    Tensor hw, hp;
    const Tensor* w = opt_tensor_arg(info, 2, op, "weight", hw);
    const Tensor* pw = opt_tensor_arg(info, 3, op, "pos_weight", hp);
    return wrap(env, bce_logits_loss(inst(env).ctx, x, t, w, pw));
  });
}

// bceLogitsLossBackward(grad, input, target, weight|null, posWeight|null, wantTarget) -> [dinput, dtarget|null]
static FLINT_FN(BceLogitsLossBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "binary_cross_entropy_with_logits_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& x = tensor_arg(info, 1, op, "input");
    const Tensor& t = tensor_arg(info, 2, op, "target");
    Tensor hw, hp;
    const Tensor* w = opt_tensor_arg(info, 3, op, "weight", hw);
    const Tensor* pw = opt_tensor_arg(info, 4, op, "pos_weight", hp);
    return pair(env, bce_logits_loss_backward(inst(env).ctx, g, x, t, w, pw, bool_arg(info, 5)));
  });
}

void register_loss(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "crossEntropyLoss", CrossEntropyLoss);
  export_fn(env, exports, "crossEntropyLossBackward", CrossEntropyLossBackward);
  export_fn(env, exports, "nllLoss", NllLoss);
  export_fn(env, exports, "nllLossBackward", NllLossBackward);
  export_fn(env, exports, "smoothL1Loss", SmoothL1Loss);
  export_fn(env, exports, "smoothL1LossBackward", SmoothL1LossBackward);
  export_fn(env, exports, "bceLoss", BceLoss);
  export_fn(env, exports, "bceLossBackward", BceLossBackward);
  export_fn(env, exports, "bceLogitsLoss", BceLogitsLoss);
  export_fn(env, exports, "bceLogitsLossBackward", BceLogitsLossBackward);
}

}  // namespace binding
}  // namespace flint
