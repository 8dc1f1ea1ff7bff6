// N-API glue for the optimizer family (kernels in cpu/optim.h): argument conversion only.
// Each export updates one parameter and its state in place and returns undefined; the
// positional order is binding.d.ts's.
#include "binding/common.h"
#include "cpu/optim.h"

namespace flint {
namespace binding {

// sgdStep(param, grad, momentumBuffer | null, lr, momentum, dampening, weightDecay, nesterov, maximize, first)
FLINT_FN(SgdStep) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "sgd";
    Tensor p = tensor_arg(info, 0, op, "param");
    Tensor g = tensor_arg(info, 1, op, "grad");
    Tensor hold;
    const Tensor* buf = opt_tensor_arg(info, 2, op, "momentum_buffer", hold);
    SgdOptions o{num_arg(info, 3, op, "lr"), num_arg(info, 4, op, "momentum"), num_arg(info, 5, op, "dampening"),
                 num_arg(info, 6, op, "weightDecay"), bool_arg(info, 7), bool_arg(info, 8)};
    sgd_step_(inst(env).ctx, p, g, buf, o, bool_arg(info, 9));
    return env.Undefined();
  });
}

// adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq | null, step, lr, beta1, beta2, eps, weightDecay,
//          amsgrad, maximize, decoupled)
FLINT_FN(AdamStep) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = bool_arg(info, 13) ? "adamw" : "adam";
    Tensor p = tensor_arg(info, 0, op, "param");
    Tensor g = tensor_arg(info, 1, op, "grad");
    Tensor m = tensor_arg(info, 2, op, "exp_avg");
    Tensor v = tensor_arg(info, 3, op, "exp_avg_sq");
    Tensor hold;
    const Tensor* vmax = opt_tensor_arg(info, 4, op, "max_exp_avg_sq", hold);
    AdamOptions o;
    o.step = int_arg(info, 5, op, "step");
    o.lr = num_arg(info, 6, op, "lr");
    o.beta1 = num_arg(info, 7, op, "beta1");
    o.beta2 = num_arg(info, 8, op, "beta2");
    o.eps = num_arg(info, 9, op, "eps");
    o.weight_decay = num_arg(info, 10, op, "weightDecay");
    o.amsgrad = bool_arg(info, 11);
    o.maximize = bool_arg(info, 12);
    o.decoupled = bool_arg(info, 13);
    adam_step_(inst(env).ctx, p, g, m, v, vmax, o);
    return env.Undefined();
  });
}

// rmspropStep(param, grad, squareAvg, gradAvg | null, momentumBuffer | null, lr, alpha, eps, weightDecay,
//             momentum, centered, maximize)
FLINT_FN(RmspropStep) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "rmsprop";
    Tensor p = tensor_arg(info, 0, op, "param");
    Tensor g = tensor_arg(info, 1, op, "grad");
    Tensor sq = tensor_arg(info, 2, op, "square_avg");
    Tensor hold_ga, hold_buf;
    const Tensor* ga = opt_tensor_arg(info, 3, op, "grad_avg", hold_ga);
    const Tensor* buf = opt_tensor_arg(info, 4, op, "momentum_buffer", hold_buf);
    RmspropOptions o;
    o.lr = num_arg(info, 5, op, "lr");
    o.alpha = num_arg(info, 6, op, "alpha");
    o.eps = num_arg(info, 7, op, "eps");
    o.weight_decay = num_arg(info, 8, op, "weightDecay");
    o.momentum = num_arg(info, 9, op, "momentum");
    o.centered = bool_arg(info, 10);
    o.maximize = bool_arg(info, 11);
    rmsprop_step_(inst(env).ctx, p, g, sq, ga, buf, o);
    return env.Undefined();
  });
}

// adagradStep(param, grad, sum, step, lr, lrDecay, weightDecay, eps, maximize)
FLINT_FN(AdagradStep) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "adagrad";
    Tensor p = tensor_arg(info, 0, op, "param");
    Tensor g = tensor_arg(info, 1, op, "grad");
    Tensor sum = tensor_arg(info, 2, op, "sum");
    AdagradOptions o;
    o.step = int_arg(info, 3, op, "step");
    o.lr = num_arg(info, 4, op, "lr");
    o.lr_decay = num_arg(info, 5, op, "lrDecay");
    o.weight_decay = num_arg(info, 6, op, "weightDecay");
    o.eps = num_arg(info, 7, op, "eps");
    o.maximize = bool_arg(info, 8);
    adagrad_step_(inst(env).ctx, p, g, sum, o);
    return env.Undefined();
  });
}

// adadeltaStep(param, grad, squareAvg, accDelta, lr, rho, eps, weightDecay, maximize)
FLINT_FN(AdadeltaStep) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "adadelta";
    Tensor p = tensor_arg(info, 0, op, "param");
    Tensor g = tensor_arg(info, 1, op, "grad");
    Tensor sq = tensor_arg(info, 2, op, "square_avg");
    Tensor acc = tensor_arg(info, 3, op, "acc_delta");
    AdadeltaOptions o;
    o.lr = num_arg(info, 4, op, "lr");
    o.rho = num_arg(info, 5, op, "rho");
    o.eps = num_arg(info, 6, op, "eps");
    o.weight_decay = num_arg(info, 7, op, "weightDecay");
    o.maximize = bool_arg(info, 8);
    adadelta_step_(inst(env).ctx, p, g, sq, acc, o);
    return env.Undefined();
  });
}

void register_optim(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "sgdStep", SgdStep);
  export_fn(env, exports, "adamStep", AdamStep);
  export_fn(env, exports, "rmspropStep", RmspropStep);
  export_fn(env, exports, "adagradStep", AdagradStep);
  export_fn(env, exports, "adadeltaStep", AdadeltaStep);
}

}  // namespace binding
}  // namespace flint
