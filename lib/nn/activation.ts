// Activation layers: Sigmoid, Tanh, LeakyReLU, ELU, GELU, SiLU, Softmax, LogSoftmax (ReLU is in
// layers.ts). Each is its functional form (lib/ops/activation.ts, lib/ops/elementwise.ts) as a
// Module with no parameters.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { Module } from './module';

/**
 * Applies sigmoid(x) = 1 / (1 + exp(-x)) elementwise.
 *
 * Shape: input [*] -> output [*] (same shape).
 * Example: `const y = new nn.Sigmoid().forward(x);`
 */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return ops.sigmoid(x);
  }
}

/**
 * Applies tanh(x) elementwise.
 *
 * Shape: input [*] -> output [*].
 * Example: `const y = new nn.Tanh().forward(x);`
 */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return ops.tanh(x);
  }
}

/**
 * Applies max(0, x) + negativeSlope * min(0, x) elementwise.
 *
 * Args: negativeSlope (default 0.01).
 * Shape: input [*] -> output [*].
 * Example: `const act = new nn.LeakyReLU(0.2); const y = act.forward(x);`
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope: number | { negativeSlope?: number } = 0.01) {
    super();
    this.negativeSlope = typeof negativeSlope === 'number' ? negativeSlope : negativeSlope.negativeSlope ?? 0.01;
    if (typeof this.negativeSlope !== 'number' || Number.isNaN(this.negativeSlope)) {
      throw new TypeError(`LeakyReLU: expected negativeSlope to be a number but got ${String(this.negativeSlope)}`);
    }
  }
  forward(x: Tensor): Tensor {
    return ops.leakyRelu(x, this.negativeSlope);
  }
  protected extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/**
 * Applies the exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.
 *
 * Args: alpha (default 1).
 * Shape: input [*] -> output [*].
 * Example: `const y = new nn.ELU(0.5).forward(x);`
 */
export class ELU extends Module {
  readonly alpha: number;
  constructor(alpha: number | { alpha?: number } = 1) {
    super();
    this.alpha = typeof alpha === 'number' ? alpha : alpha.alpha ?? 1;
    if (typeof this.alpha !== 'number' || Number.isNaN(this.alpha)) {
      throw new TypeError(`ELU: expected alpha to be a number but got ${String(this.alpha)}`);
    }
  }
  forward(x: Tensor): Tensor {
    return ops.elu(x, this.alpha);
  }
  protected extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * Applies the Gaussian error linear unit x * Phi(x) (Phi: the standard normal CDF, through
 * erf), or with approximate 'tanh' 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
 *
 * Args: approximate: 'none' (default) or 'tanh'.
 * Shape: input [*] -> output [*].
 * Example: `const act = new nn.GELU('tanh'); const y = act.forward(x);`
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(approximate: 'none' | 'tanh' | { approximate?: 'none' | 'tanh' } = 'none') {
    super();
    this.approximate = typeof approximate === 'string' ? approximate : approximate.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new RangeError(`GELU: approximate must be 'none' or 'tanh' but got '${String(this.approximate)}'`);
    }
  }
  forward(x: Tensor): Tensor {
    return ops.gelu(x, this.approximate);
  }
  protected extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * Applies the sigmoid linear unit x * sigmoid(x) (swish).
 *
 * Shape: input [*] -> output [*].
 * Example: `const y = new nn.SiLU().forward(x);`
 */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return ops.silu(x);
  }
}

function checkDim(layer: string, dim: unknown): number {
  if (!Number.isInteger(dim)) {
    throw new TypeError(`${layer}: expected dim to be an integer but got ${String(dim)} (PyTorch's implicit dim is deprecated; pass it)`);
  }
  return dim as number;
}

/**
 * Applies softmax along dim: exp(x_i) / sum_j exp(x_j), so each slice along dim sums to 1.
 * Computed stably (shifted by the max along dim).
 *
 * Args: dim (required).
 * Shape: input [*] -> output [*].
 * Example: `const probs = new nn.Softmax(1).forward(logits);  // logits [N, C]`
 */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim('Softmax', dim);
  }
  forward(x: Tensor): Tensor {
    return ops.softmax(x, this.dim);
  }
  protected extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Applies log(softmax(x)) along dim, computed as x - max - log(sum(exp(x - max))).
 *
 * Args: dim (required).
 * Shape: input [*] -> output [*].
 * Example: `const logp = new nn.LogSoftmax(1).forward(logits); const loss = F.nllLoss(logp, y);`
 */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim('LogSoftmax', dim);
  }
  forward(x: Tensor): Tensor {
    return ops.logSoftmax(x, this.dim);
  }
  protected extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
