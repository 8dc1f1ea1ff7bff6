// Normalization layers: BatchNorm1d, BatchNorm2d and LayerNorm, with PyTorch's parameters,
// buffers (running_mean, running_var, num_batches_tracked) and state-dict keys.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { noGrad } from '../autograd/grad_mode';
import { shapeStr } from '../ops/util';
import * as init from './init';
import { Module, Parameter } from './module';

export interface BatchNormOptions {
  /** added to the variance for stability (default 1e-5) */
  eps?: number;
  /** running = (1 - momentum) running + momentum batch (default 0.1); null: a cumulative average */
  momentum?: number | null;
  /** learnable weight (ones) and bias (zeros) (default true) */
  affine?: boolean;
  /** keep running statistics for eval (default true); false: batch statistics always */
  trackRunningStats?: boolean;
  dtype?: 'float32' | 'float64';
}

/** PyTorch's _BatchNorm: parameters, buffers and the forward shared by BatchNorm1d and 2d. */
export abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare readonly running_mean: Tensor | null;
  declare readonly running_var: Tensor | null;
  declare readonly num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(public readonly numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    const name = this.constructor.name;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new RangeError(`${name}: numFeatures must be a positive integer but got ${numFeatures}`);
    }
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    if (typeof this.eps !== 'number' || !(this.eps >= 0)) throw new RangeError(`${name}: eps must be >= 0 but got ${this.eps}`);
    if (this.momentum !== null && typeof this.momentum !== 'number') {
      throw new TypeError(`${name}: momentum must be a number or null but got ${String(this.momentum)}`);
    }
    const dtype = opts.dtype ?? 'float32';
    this.weight = this.affine ? new Parameter(ops.ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(ops.zeros([numFeatures], { dtype })) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', ops.zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ops.ones([numFeatures], { dtype }));
      this.registerBuffer('num_batches_tracked', ops.zeros([], { dtype: 'int64' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }

  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** Running mean 0, variance 1, no batches tracked. */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.fill_(0);
      this.running_var?.fill_(1);
      this.num_batches_tracked?.fill_(0);
    });
  }
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  /** Throws unless x has the ranks this layer takes. */
  protected abstract checkInputDim(x: Tensor): void;

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    if (!(x instanceof Tensor)) throw new TypeError(`${name}: expected input to be a tensor`);
    this.checkInputDim(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${name}: expected input with ${this.numFeatures} channels (numFeatures) in dim 1 but got shape ${shapeStr(x.shape)}`);
    }
    let factor = this.momentum ?? 0;
    let tracked: number | null = null;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      tracked = this.num_batches_tracked.item() + 1;
      factor = this.momentum === null ? 1 / tracked : this.momentum;
    }
    const bnTraining = this.training || (this.running_mean === null && this.running_var === null);
    const useRunning = !this.training || this.trackRunningStats;
    const y = ops.batchNorm(x, useRunning ? this.running_mean : null, useRunning ? this.running_var : null,
      this.weight, this.bias, bnTraining, factor, this.eps);
    // counted only once the step succeeded (a failed call leaves the module as it was)
    if (tracked !== null) noGrad(() => this.num_batches_tracked!.fill_(tracked!));
    return y;
  }

  protected extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalization over a 2-D or 3-D input: y = (x - mean) / sqrt(var + eps) * weight + bias,
 * per channel (dim 1), with the batch statistics in training (biased variance) and the running
 * statistics in eval. Training updates running_mean / running_var (unbiased variance) with
 * momentum, or as a cumulative average when momentum is null.
 *
 * Args: numFeatures (C), options eps (1e-5), momentum (0.1 | null), affine (true),
 * trackRunningStats (true), dtype.
 * Shape: input [N, C] or [N, C, L] -> output of the same shape.
 * State dict: weight, bias [C] (ones, zeros), running_mean [C] (zeros), running_var [C] (ones),
 * num_batches_tracked [] int64, as PyTorch.
 *
 * Example:
 *   const bn = new nn.BatchNorm1d(100);
 *   const y = bn.forward(x);        // x [64, 100]; running stats updated
 *   bn.eval(); bn.forward(x);       // normalised by the running stats
 */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input of shape ${shapeStr(x.shape)})`);
  }
}

/**
 * Batch normalization over a 4-D input [N, C, H, W], per channel; see BatchNorm1d.
 *
 * Args: numFeatures (C), options eps, momentum, affine, trackRunningStats, dtype.
 * Shape: input [N, C, H, W] -> output [N, C, H, W].
 * Example: `const bn = new nn.BatchNorm2d(32); const y = bn.forward(conv.forward(x));`
 */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${x.ndim}D input of shape ${shapeStr(x.shape)})`);
  }
}

/**
 * Layer normalization over the trailing dims normalizedShape:
 * y = (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased) variance taken over those
 * dims of each sample; the same in train and eval.
 *
 * Args: normalizedShape (an int or a list: the trailing shape), options eps (1e-5),
 * elementwiseAffine (true: weight ones and bias zeros of normalizedShape), bias (true), dtype.
 * Shape: input [*, ...normalizedShape] -> output of the same shape.
 * Example: `const ln = new nn.LayerNorm(512); const y = ln.forward(h);  // h [B, T, 512]`
 */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(
    normalizedShape: number | number[],
    opts: { eps?: number; elementwiseAffine?: boolean; bias?: boolean; dtype?: 'float32' | 'float64' } = {},
  ) {
    super();
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? normalizedShape.slice() : null;
    if (!ns || ns.length === 0 || !ns.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RangeError(`LayerNorm: normalizedShape must be a size or a non-empty list of sizes but got ${JSON.stringify(normalizedShape)}`);
    }
    this.normalizedShape = ns;
    this.eps = opts.eps ?? 1e-5;
    if (typeof this.eps !== 'number' || !(this.eps >= 0)) throw new RangeError(`LayerNorm: eps must be >= 0 but got ${this.eps}`);
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    const dtype = opts.dtype ?? 'float32';
    this.weight = this.elementwiseAffine ? new Parameter(ops.ones(ns, { dtype })) : null;
    this.bias = this.elementwiseAffine && opts.bias !== false ? new Parameter(ops.zeros(ns, { dtype })) : null;
  }
  resetParameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    return ops.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
  protected extraRepr(): string {
    return `${shapeStr(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}
