// Layers for the MLP: Linear, ReLU, Sequential, Flatten, Identity.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import * as init from './init';
import { Module, Parameter } from './module';

/**
 * Applies y = x W^T + b.
 *
 * Args: inFeatures, outFeatures, bias (default true).
 * Shape: input [*, inFeatures] -> output [*, outFeatures].
 * Weight [outFeatures, inFeatures] and bias initialised as PyTorch does:
 * U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)).
 * Example: `const fc = new nn.Linear(784, 512); const y = fc.forward(x);`
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(
    public readonly inFeatures: number,
    public readonly outFeatures: number,
    opts: { bias?: boolean; dtype?: 'float32' | 'float64' } | boolean = {},
  ) {
    super();
    const o = typeof opts === 'boolean' ? { bias: opts } : opts;
    for (const [n, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Linear: ${n} must be a non-negative integer but got ${v}`);
    }
    const dtype = o.dtype ?? 'float32';
    this.weight = new Parameter(ops.empty([outFeatures, inFeatures], { dtype }));
    this.bias = o.bias === false ? null : new Parameter(ops.empty([outFeatures], { dtype }));
    this.resetParameters();
  }
  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }
  forward(x: Tensor): Tensor {
    return ops.linear(x, this.weight, this.bias);
  }
  protected extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return ops.relu(x);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

export class Flatten extends Module {
  constructor(public readonly startDim = 1, public readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.flatten(x, this.startDim, this.endDim);
  }
}

/** Runs modules in order; children are named '0', '1', ... as in PyTorch. */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
  }
  get length(): number {
    return this.children().length;
  }
  at(i: number): Module {
    return this.children()[i];
  }
  forward(x: Tensor): Tensor {
    for (const m of this.children()) x = m.forward(x);
    return x;
  }
}
