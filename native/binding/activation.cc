// N-API glue of the activation family: pointwise activations (leaky_relu, elu, gelu, silu) and
// softmax / log-softmax, forward and backward (kernels in cpu/activation.cc).
#include "binding/common.h"
#include "cpu/nn.h"

namespace flint {
namespace binding {

static ActOp act_arg(const Napi::CallbackInfo& info, int i) {
  int64_t op = int_arg(info, i, "activation", "op");
  if (op < 0 || op >= (int64_t)ActOp::Count) throw RangeError("activation: unknown op " + std::to_string(op));
  return (ActOp)op;
}

// activation(op, x, param)
static FLINT_FN(Activation) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    ActOp op = act_arg(info, 0);
    const char* name = actop_name(op);
    return wrap(env, activation(inst(env).ctx, op, tensor_arg(info, 1, name, "input"), num_arg(info, 2, name, "param")));
  });
}

// activationBackward(op, grad, x, param)
static FLINT_FN(ActivationBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    ActOp op = act_arg(info, 0);
    const char* name = actop_name(op);
    return wrap(env, activation_backward(inst(env).ctx, op, tensor_arg(info, 1, name, "grad"),
                                         tensor_arg(info, 2, name, "input"), num_arg(info, 3, name, "param")));
  });
}

// softmax(x, dim, log)
static FLINT_FN(Softmax) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const Tensor& x = tensor_arg(info, 0, "softmax", "input");
    return wrap(env, softmax(inst(env).ctx, x, int_arg(info, 1, "softmax", "dim"), bool_arg(info, 2)));
  });
}

// softmaxBackward(grad, y, dim, log)
static FLINT_FN(SoftmaxBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "softmax_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& y = tensor_arg(info, 1, op, "output");
    return wrap(env, softmax_backward(inst(env).ctx, g, y, int_arg(info, 2, op, "dim"), bool_arg(info, 3)));
  });
}

void register_activation(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "activation", Activation);
  export_fn(env, exports, "activationBackward", ActivationBackward);
  export_fn(env, exports, "softmax", Softmax);
  export_fn(env, exports, "softmaxBackward", SoftmaxBackward);
}

}  // namespace binding
}  // namespace flint
