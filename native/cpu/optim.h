// Fused optimizer updates (torch.optim semantics, torch 1.13's single-tensor code paths): each
// kernel makes one pass over a parameter, its gradient and its state, in place, in the
// parameter's dtype (float32 or float64), threaded above a size threshold. Every state tensor
// has the parameter's shape and dtype and is contiguous; the gradient may be strided.
// The step counts and the scalars derived from them (bias corrections, decayed lr) live in
// TypeScript (lib/optim/*) and arrive here as the step number.
#pragma once
#include <cstdint>

#include "core/context.h"

namespace flint {

struct SgdOptions {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};
// In place on param (and momentum buffer when momentum != 0). first: buffer not yet set.
void sgd_step_(Context& ctx, const Tensor& param, const Tensor& grad, const Tensor* buf, const SgdOptions& o,
               bool first);

// Adam and AdamW (decoupled: p *= 1 - lr*wd before the update instead of g += wd*p).
// step: this update's step number, counting from 1. max_exp_avg_sq: amsgrad only (else null).
struct AdamOptions {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled;
  int64_t step;
};
void adam_step_(Context& ctx, const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor* max_exp_avg_sq, const AdamOptions& o);

// RMSprop. grad_avg: centered only; momentum_buffer: momentum > 0 only (else null).
struct RmspropOptions {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
void rmsprop_step_(Context& ctx, const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                   const Tensor* grad_avg, const Tensor* momentum_buffer, const RmspropOptions& o);

// Adagrad. step: this update's step number, counting from 1 (for lr decay).
struct AdagradOptions {
  double lr, lr_decay, weight_decay, eps;
  bool maximize;
  int64_t step;
};
void adagrad_step_(Context& ctx, const Tensor& param, const Tensor& grad, const Tensor& sum, const AdagradOptions& o);

// Adadelta.
struct AdadeltaOptions {
  double lr, rho, eps, weight_decay;
  bool maximize;
};
void adadelta_step_(Context& ctx, const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                    const Tensor& acc_delta, const AdadeltaOptions& o);

}  // namespace flint
