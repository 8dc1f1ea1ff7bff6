// Loss modules: MSELoss, L1Loss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, BCELoss,
// BCEWithLogitsLoss. Each holds its options and calls the functional form (lib/ops/loss.ts).
// Class weights are buffers, as in PyTorch (`weight`, `pos_weight` in the state dict).
import { Tensor } from '../tensor';
import * as L from '../ops/loss';
import { Reduction } from '../ops/loss';
import { Module } from './module';

function reductionOf(layer: string, r: Reduction | undefined): Reduction {
  const v = r ?? 'mean';
  L.reductionCode(layer, v);
  return v;
}

function bufferOf(layer: string, name: string, t: Tensor | null | undefined): Tensor | null {
  if (t === undefined || t === null) return null;
  if (!(t instanceof Tensor)) throw new TypeError(`${layer}: expected ${name} to be a tensor`);
  return t;
}

/**
 * Mean squared error between input and target: (input - target)^2, reduced.
 *
 * Args: reduction: 'mean' (default), 'sum' or 'none'.
 * Shape: input [*], target broadcastable to it (normally the same shape); output [] or, for
 * 'none', the broadcast shape.
 * Example: `const loss = new nn.MSELoss().forward(pred, y); loss.backward();`
 */
export class MSELoss extends Module {
  readonly reduction: Reduction;
  constructor(opts: { reduction?: Reduction } = {}) {
    super();
    this.reduction = reductionOf('MSELoss', opts.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Mean absolute error: |input - target|, reduced.
 *
 * Args: reduction: 'mean' (default), 'sum' or 'none'.
 * Shape: as MSELoss.
 * Example: `const loss = new nn.L1Loss({ reduction: 'sum' }).forward(pred, y);`
 */
export class L1Loss extends Module {
  readonly reduction: Reduction;
  constructor(opts: { reduction?: Reduction } = {}) {
    super();
    this.reduction = reductionOf('L1Loss', opts.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, { reduction: this.reduction });
  }
}

/**
 * Smooth L1 (Huber-like) loss: 0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere,
 * d = input - target; beta = 0 gives the L1 loss.
 *
 * Args: reduction ('mean' default), beta (default 1, >= 0).
 * Shape: as MSELoss.
 * Example: `const loss = new nn.SmoothL1Loss({ beta: 0.5 }).forward(boxes, targets);`
 */
export class SmoothL1Loss extends Module {
  readonly reduction: Reduction;
  readonly beta: number;
  constructor(opts: { reduction?: Reduction; beta?: number } = {}) {
    super();
    this.reduction = reductionOf('SmoothL1Loss', opts.reduction);
    this.beta = opts.beta ?? 1;
    if (typeof this.beta !== 'number' || !(this.beta >= 0)) throw new RangeError(`SmoothL1Loss: expected beta >= 0 but got ${this.beta}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/**
 * Cross-entropy of logits against class indices or class probabilities (log-softmax and NLL
 * fused in one native kernel for class indices).
 *
 * Args (options): weight [C] (a buffer: `weight` in the state dict), ignoreIndex (default -100:
 * targets equal to it add nothing and do not count in the mean), reduction ('mean' default: the
 * sum divided by the summed weights of the counted targets), labelSmoothing in [0, 1] (default 0).
 *
 * Shape: input [N, C], [N, C, d1, ...] or [C]; target class indices [N], [N, d1, ...] or []
 * (int64 or int32), or probabilities of the input's shape (float); output [] or, for 'none',
 * the target's shape (without the class dim).
 *
 * Example:
 *   const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 *   const loss = lossFn.forward(model.forward(x), y);  // logits [64, 10], y int64 [64]
 *   loss.backward();
 */
export class CrossEntropyLoss extends Module {
  declare readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  constructor(opts: L.CrossEntropyOptions = {}) {
    super();
    this.registerBuffer('weight', bufferOf('CrossEntropyLoss', 'weight', opts.weight));
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.reduction = reductionOf('CrossEntropyLoss', opts.reduction);
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    if (!Number.isSafeInteger(this.ignoreIndex)) throw new TypeError(`CrossEntropyLoss: expected ignoreIndex to be an integer but got ${this.ignoreIndex}`);
    if (typeof this.labelSmoothing !== 'number' || !(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new RangeError(`CrossEntropyLoss: expected labelSmoothing in [0, 1] but got ${this.labelSmoothing}`);
    }
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, {
      weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing,
    });
  }
}

/**
 * Negative log-likelihood of log-probabilities (e.g. from nn.LogSoftmax) at class indices:
 * -weight[t] * input[t].
 *
 * Args (options): weight [C] (a buffer), ignoreIndex (default -100), reduction ('mean' default,
 * weighted as CrossEntropyLoss).
 * Shape: input [N, C], [N, C, d1, ...] or [C]; target [N], [N, d1, ...] or [] (int64/int32).
 * Example: `const loss = new nn.NLLLoss().forward(F.logSoftmax(logits, 1), y);`
 */
export class NLLLoss extends Module {
  declare readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  constructor(opts: L.NLLLossOptions = {}) {
    super();
    this.registerBuffer('weight', bufferOf('NLLLoss', 'weight', opts.weight));
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.reduction = reductionOf('NLLLoss', opts.reduction);
    if (!Number.isSafeInteger(this.ignoreIndex)) throw new TypeError(`NLLLoss: expected ignoreIndex to be an integer but got ${this.ignoreIndex}`);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/**
 * Binary cross-entropy of probabilities: -w (t log(x) + (1 - t) log(1 - x)), each log clamped
 * at -100 (so x = 0 or 1 gives finite losses). Every input element must lie in [0, 1].
 *
 * Args (options): weight (broadcast to the input; a buffer), reduction ('mean' default).
 * Shape: input [*], target the same shape; output [] or, for 'none', [*].
 * Example: `const loss = new nn.BCELoss().forward(F.sigmoid(logits), y);`
 */
export class BCELoss extends Module {
  declare readonly weight: Tensor | null;
  readonly reduction: Reduction;
  constructor(opts: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super();
    this.registerBuffer('weight', bufferOf('BCELoss', 'weight', opts.weight));
    this.reduction = reductionOf('BCELoss', opts.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/**
 * Sigmoid and binary cross-entropy in one stable form:
 * w ((1 - t) x - (1 + (posWeight - 1) t) log sigmoid(x)).
 *
 * Args (options): weight (broadcast to the input), posWeight (weight of positive examples,
 * broadcast to the input: [C] for input [N, C]), reduction ('mean' default). Both are buffers
 * (`weight`, `pos_weight` in the state dict).
 * Shape: input [*] logits, target the same shape; output [] or, for 'none', [*].
 * Example: `const loss = new nn.BCEWithLogitsLoss({ posWeight: tensor([3]) }).forward(logits, y);`
 */
export class BCEWithLogitsLoss extends Module {
  declare readonly weight: Tensor | null;
  declare readonly pos_weight: Tensor | null;
  readonly reduction: Reduction;
  constructor(opts: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super();
    this.registerBuffer('weight', bufferOf('BCEWithLogitsLoss', 'weight', opts.weight));
    this.registerBuffer('pos_weight', bufferOf('BCEWithLogitsLoss', 'posWeight', opts.posWeight));
    this.reduction = reductionOf('BCEWithLogitsLoss', opts.reduction);
  }
  get posWeight(): Tensor | null {
    return this.pos_weight;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
