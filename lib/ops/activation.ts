// Activations with native forward and backward kernels (native/cpu/activation.cc): leakyRelu,
// elu, gelu (exact and tanh), silu, softmax and logSoftmax along any dim. relu, sigmoid and
// tanh live with the elementwise ops.
import { native } from '../native';
import { record, Tensor } from '../tensor';
import { live, wrapDim } from './util';

// Op codes of native/cpu/nn.h ActOp.
const enum Act { LeakyRelu = 0, Elu = 1, Gelu = 2, GeluTanh = 3, Silu = 4 }

function act(name: string, op: Act, x: Tensor, param: number): Tensor {
  live(x, name);
  return record(name, native.activation(op, x._h, param), [x], (g) => [
    new Tensor(native.activationBackward(op, g._h, x._h, param)),
  ]);
}

function checkNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${op}: expected ${name} to be a number but got ${String(v)}`);
  return v;
}

/** max(0, x) + negativeSlope * min(0, x) (PyTorch's leaky_relu; the gradient at 0 is negativeSlope). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return act('leaky_relu', Act.LeakyRelu, x, checkNumber('leaky_relu', 'negativeSlope', negativeSlope));
}

/** x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  return act('elu', Act.Elu, x, checkNumber('elu', 'alpha', alpha));
}

/**
 * x * Phi(x), Phi the standard normal CDF (approximate 'none', the exact erf form), or
 * 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) (approximate 'tanh').
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new RangeError(`gelu: approximate must be 'none' or 'tanh' but got '${String(approximate)}'`);
  }
  return act('gelu', approximate === 'tanh' ? Act.GeluTanh : Act.Gelu, x, 0);
}

/** x * sigmoid(x) (also called swish). */
export function silu(x: Tensor): Tensor {
  return act('silu', Act.Silu, x, 0);
}

function softmaxOp(name: string, x: Tensor, dim: number, log: boolean): Tensor {
  live(x, name);
  if (dim === undefined || dim === null) {
    throw new TypeError(`${name}: dim is required (PyTorch's implicit choice of dim is deprecated)`);
  }
  const d = wrapDim(name, dim, x.ndim);
  const h = native.softmax(x._h, d, log);
  const y = new Tensor(h);
  return record(name, h, [x], (g) => [new Tensor(native.softmaxBackward(g._h, y._h, d, log))]);
}

/** exp(x) / sum(exp(x)) along dim, computed stably (shifted by the max along dim). */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp('softmax', x, dim, false);
}

/** log(softmax(x, dim)), computed as x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxOp('log_softmax', x, dim, true);
}
