// Kernels of the nn layers: activations and softmax (activation.cc), batch and layer norm
// (normalization.cc), losses beyond the plain fused cross-entropy (loss.cc), embedding
// (embedding.cc) and dropout masks (dropout.cc). Same conventions as kernels.h: outputs are new
// contiguous tensors, shapes and dtypes are checked here with errors naming the op, every check
// runs before anything is written.
#pragma once
#include <array>

#include "cpu/kernels.h"

namespace flint {

// ---- activations (activation.cc) ----

enum class ActOp : int { LeakyRelu = 0, Elu = 1, Gelu = 2, GeluTanh = 3, Silu = 4, Count = 5 };
const char* actop_name(ActOp op);
// y = f(x; param): param is negative_slope (leaky_relu) or alpha (elu), unused otherwise.
Tensor activation(Context& ctx, ActOp op, const Tensor& x, double param);
// dx = grad * f'(x; param), with PyTorch's values at kinks and non-finite x.
Tensor activation_backward(Context& ctx, ActOp op, const Tensor& grad, const Tensor& x, double param);

// Softmax (or log-softmax) along dim, shifted by the max along dim.
Tensor softmax(Context& ctx, const Tensor& x, int64_t dim, bool log);
// From the forward output y: softmax dx = y * (g - sum(g * y)); log-softmax dx = g - exp(y) * sum(g).
Tensor softmax_backward(Context& ctx, const Tensor& grad, const Tensor& y, int64_t dim, bool log);

// ---- normalization (normalization.cc) ----

// x [N, C, *]; weight, bias [C] or null; running_mean, running_var [C] or null.
// training: normalise by the batch statistics (biased variance) and, when running stats are
// given, update them in place: r = (1 - momentum) r + momentum * stat, with the unbiased
// variance. Otherwise normalise by the running statistics.
// Returns {y, mean [C], invstd [C]}: the statistics the normalisation used.
std::array<Tensor, 3> batch_norm(Context& ctx, const Tensor& x, const Tensor* weight, const Tensor* bias,
                                 const Tensor* running_mean, const Tensor* running_var, bool training,
                                 double momentum, double eps);
// Returns {dx, dweight, dbias} (dweight, dbias are sums per channel; computed whether or not
// weight exists). training: mean/invstd were batch statistics (they depend on x).
std::array<Tensor, 3> batch_norm_backward(Context& ctx, const Tensor& grad, const Tensor& x, const Tensor* weight,
                                          const Tensor& mean, const Tensor& invstd, bool training);

// x [*, normalized] with n_norm trailing dims normalised; weight, bias of the normalised shape
// or null. Returns {y, mean [M], rstd [M]} with M the product of the leading dims.
std::array<Tensor, 3> layer_norm(Context& ctx, const Tensor& x, int64_t n_norm, const Tensor* weight,
                                 const Tensor* bias, double eps);
// Returns {dx, dweight, dbias} (dweight and dbias with the normalised shape).
std::array<Tensor, 3> layer_norm_backward(Context& ctx, const Tensor& grad, const Tensor& x, int64_t n_norm,
                                          const Tensor* weight, const Tensor& mean, const Tensor& rstd);

// ---- losses (loss.cc) ----

// Class-index losses over class dim 1: input [N, C, *] (or [C]), target [N, *] (or []) int64/int32,
// weight [C] or null. Targets equal to ignore_index contribute 0 and do not count in the mean;
// the mean divides by the summed weights of the counted targets (PyTorch's definition).
// reduction: 0 none (losses of the target's shape), 1 mean, 2 sum.
// Cross-entropy fuses log-softmax: loss = (1 - eps) w_t (-logp_t) + eps / C sum_c w_c (-logp_c).
Tensor cross_entropy_loss(Context& ctx, const Tensor& input, const Tensor& target, const Tensor* weight,
                          int64_t ignore_index, double label_smoothing, int reduction);
Tensor cross_entropy_loss_backward(Context& ctx, const Tensor& grad, const Tensor& input, const Tensor& target,
                                   const Tensor* weight, int64_t ignore_index, double label_smoothing,
                                   int reduction);
// NLL of log-probabilities: loss = -w_t input_t.
Tensor nll_loss(Context& ctx, const Tensor& input, const Tensor& target, const Tensor* weight, int64_t ignore_index,
                int reduction);
Tensor nll_loss_backward(Context& ctx, const Tensor& grad, const Tensor& input, const Tensor& target,
                         const Tensor* weight, int64_t ignore_index, int reduction);

// Pointwise losses, unreduced: target (and weight, pos_weight) have the input's shape.
// smooth_l1: |d| < beta ? 0.5 d^2 / beta : |d| - 0.5 beta, d = input - target (beta > 0).
Tensor smooth_l1_loss(Context& ctx, const Tensor& input, const Tensor& target, double beta);
// d loss / d input (d loss / d target is its negation).
Tensor smooth_l1_loss_backward(Context& ctx, const Tensor& grad, const Tensor& input, const Tensor& target,
                               double beta);
// binary cross-entropy of probabilities in [0, 1], logs clamped at -100: -w (t log x + (1 - t) log(1 - x)).
Tensor bce_loss(Context& ctx, const Tensor& input, const Tensor& target, const Tensor* weight);
// {d input, d target}; d target only when want_target (else an empty tensor).
std::array<Tensor, 2> bce_loss_backward(Context& ctx, const Tensor& grad, const Tensor& input, const Tensor& target,
                                        const Tensor* weight, bool want_target);
// binary cross-entropy of logits: w ((1 - t) x - (1 + (pw - 1) t) log sigmoid(x)).
Tensor bce_logits_loss(Context& ctx, const Tensor& input, const Tensor& target, const Tensor* weight,
                       const Tensor* pos_weight);
std::array<Tensor, 2> bce_logits_loss_backward(Context& ctx, const Tensor& grad, const Tensor& input,
                                               const Tensor& target, const Tensor* weight, const Tensor* pos_weight,
                                               bool want_target);

// ---- embedding (embedding.cc) ----

// weight [V, D], indices [*] int64/int32 in [0, V): rows of weight, shape [*, D].
Tensor embedding(Context& ctx, const Tensor& weight, const Tensor& indices);
// dweight (weight's shape [V, D]): grad rows summed into their index's row; the padding_idx row
// (when >= 0) gets none. weight is read for its shape and dtype only.
Tensor embedding_backward(Context& ctx, const Tensor& grad, const Tensor& indices, const Tensor& weight,
                          int64_t padding_idx);

// ---- dropout (dropout.cc) ----

// A mask of the given shape and float dtype from ctx.rng: each element 1 / (1 - p) with
// probability 1 - p, else 0 (all 0 when p = 1).
Tensor dropout_mask(Context& ctx, const Shape& shape, DType dtype, double p);

}  // namespace flint
