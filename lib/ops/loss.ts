// Losses. Class-index losses (cross-entropy fused with log-softmax, NLL) and the pointwise
// smooth L1 and binary cross-entropies have native forward and backward kernels
// (native/cpu/loss.cc); MSE, L1 and cross-entropy with probability targets are compositions.
// Definitions, reductions and edge cases follow PyTorch (torch.nn.functional).
import { native } from '../native';
import { isFloat, record, Tensor } from '../tensor';
import { abs, add, mul, neg, pow, sub } from './elementwise';
import { mean, sum } from './reduce';
import { expand, view } from './view';
import { logSoftmax } from './activation';
import { live, sameShape, shapeStr } from './util';

export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTIONS: Reduction[] = ['none', 'mean', 'sum'];

export function reductionCode(op: string, r: Reduction): number {
  const i = REDUCTIONS.indexOf(r);
  if (i < 0) throw new RangeError(`${op}: reduction must be 'none', 'mean' or 'sum' but got '${r}'`);
  return i;
}

function reduce(loss: Tensor, r: number): Tensor {
  return r === 0 ? loss : r === 1 ? mean(loss) : sum(loss);
}

function optTensor(op: string, name: string, t: Tensor | null | undefined): Tensor | null {
  if (t === undefined || t === null) return null;
  return live(t, op, name);
}

function targetTensor(op: string, target: unknown, what: string): Tensor {
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: expected target to be a tensor of ${what}`);
  return live(target, op, 'target');
}

function checkIgnoreIndex(op: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new TypeError(`${op}: expected ignoreIndex to be an integer but got ${v}`);
  return v;
}

export interface CrossEntropyOptions {
  /** a manual rescaling weight per class, [C] */
  weight?: Tensor | null;
  /** targets with this class index add nothing and do not count in the mean (default -100) */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** in [0, 1]: the target mixes (1 - labelSmoothing) of itself with a uniform distribution */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits input [N, C, *] (or [C]) and a target of class indices
 * [N, *] (int64/int32), or of class probabilities with the input's shape (float).
 *
 * With class indices: loss = (1 - eps) w_t (-log softmax(x)_t) + eps / C sum_c w_c (-log softmax(x)_c)
 * (eps = labelSmoothing, w = weight or 1); the mean divides by the summed weights of the
 * targets that are not ignoreIndex. With probabilities p: loss = -sum_c w_c p_c log softmax(x)_c
 * (p smoothed first), and the mean divides by the number of samples (N * prod(*)).
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'cross_entropy';
  live(input, op);
  targetTensor(op, target, 'class indices');
  const r = reductionCode(op, opts.reduction ?? 'mean');
  const ls = opts.labelSmoothing ?? 0;
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) {
    throw new RangeError(`${op}: expected labelSmoothing in [0, 1] but got ${ls}`);
  }
  const ignoreIndex = checkIgnoreIndex(op, opts.ignoreIndex ?? -100);
  const weight = optTensor(op, 'weight', opts.weight);
  if (input.ndim >= 1 && sameShape(input.shape, target.shape)) {
    return crossEntropyProbs(input, target, weight, ignoreIndex, ls, r);
  }
  if (isFloat(target.dtype)) {
    throw new TypeError(
      `${op}: expected int64 or int32 class indices as target but got ${target.dtype} (a target of class ` +
        `probabilities needs the input's shape ${shapeStr(input.shape)}, not ${shapeStr(target.shape)})`,
    );
  }
  const h = native.crossEntropyLoss(input._h, target._h, weight?._h ?? null, ignoreIndex, ls, r);
  return record(op, h, [input], (g) => [
    new Tensor(native.crossEntropyLossBackward(g._h, input._h, target._h, weight?._h ?? null, ignoreIndex, ls, r)),
  ]);
}

/** PyTorch's cross_entropy_loss_prob_target, composed (gradients reach input, target and weight). */
function crossEntropyProbs(input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, ls: number, r: number): Tensor {
  const op = 'cross_entropy';
  if (!isFloat(target.dtype)) {
    throw new TypeError(
      `${op}: expected a float target of class probabilities (a target of the input's shape ${shapeStr(input.shape)}) but got ${target.dtype}`,
    );
  }
  if (target.dtype !== input.dtype) {
    throw new TypeError(`${op}: expected target probabilities of dtype ${input.dtype} (the input's) but got ${target.dtype}`);
  }
  if (ignoreIndex >= 0) throw new RangeError(`${op}: ignoreIndex is not supported for probability targets (got ${ignoreIndex})`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  if (weight) {
    if (!sameShape(weight.shape, [C])) {
      throw new RangeError(`${op}: expected weight of shape [${C}] (one per class) but got ${shapeStr(weight.shape)}`);
    }
    if (weight.dtype !== input.dtype) {
      throw new TypeError(`${op}: expected weight of dtype ${input.dtype} (the input's) but got ${weight.dtype}`);
    }
  }
  const t = ls > 0 ? add(mul(target, 1 - ls), ls / C) : target;
  let prod = mul(logSoftmax(input, classDim), t);
  if (weight) prod = mul(prod, view(weight, input.shape.map((_, i) => (i === classDim ? C : 1))));
  if (r === 0) return neg(sum(prod, classDim));
  if (r === 2) return neg(sum(prod));
  const n = input.numel() / Math.max(C, 1);
  return neg(sum(prod)).div(input.numel() === 0 ? NaN : n);
}

export interface NLLLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * Negative log-likelihood of log-probabilities input [N, C, *] (or [C]) at class indices
 * target [N, *]: loss = -w_t input_t; ignoreIndex and the weighted mean as crossEntropy.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLLossOptions = {}): Tensor {
  const op = 'nll_loss';
  live(input, op);
  targetTensor(op, target, 'class indices');
  const r = reductionCode(op, opts.reduction ?? 'mean');
  const ignoreIndex = checkIgnoreIndex(op, opts.ignoreIndex ?? -100);
  const weight = optTensor(op, 'weight', opts.weight);
  const h = native.nllLoss(input._h, target._h, weight?._h ?? null, ignoreIndex, r);
  return record(op, h, [input], (g) => [
    new Tensor(native.nllLossBackward(g._h, input._h, target._h, weight?._h ?? null, ignoreIndex, r)),
  ]);
}

/** Broadcast shape of a and b, or null when they do not broadcast. */
function broadcastShape(a: number[], b: number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** input and target checked for dtype and broadcast to one shape (PyTorch broadcasts these losses). */
function pairOf(op: string, input: Tensor, target: Tensor): [Tensor, Tensor] {
  live(input, op);
  targetTensor(op, target, 'values');
  if (!isFloat(input.dtype)) throw new TypeError(`${op}: expected a float32 or float64 input but got ${input.dtype}`);
  if (target.dtype !== input.dtype) {
    throw new TypeError(`${op}: expected target of dtype ${input.dtype} (the input's) but got ${target.dtype}`);
  }
  if (sameShape(input.shape, target.shape)) return [input, target];
  const s = broadcastShape(input.shape, target.shape);
  if (!s) {
    throw new RangeError(`${op}: target shape ${shapeStr(target.shape)} cannot be broadcast with input shape ${shapeStr(input.shape)}`);
  }
  return [sameShape(s, input.shape) ? input : expand(input, s), sameShape(s, target.shape) ? target : expand(target, s)];
}

/** Mean squared error: (input - target)^2, reduced. */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  const r = reductionCode('mse_loss', opts.reduction ?? 'mean');
  const [x, t] = pairOf('mse_loss', input, target);
  return reduce(pow(sub(x, t), 2), r);
}

/** Mean absolute error: |input - target|, reduced. */
export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  const r = reductionCode('l1_loss', opts.reduction ?? 'mean');
  const [x, t] = pairOf('l1_loss', input, target);
  return reduce(abs(sub(x, t)), r);
}

/**
 * Smooth L1: 0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target);
 * beta = 0 is the L1 loss.
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction; beta?: number } = {}): Tensor {
  const op = 'smooth_l1_loss';
  const r = reductionCode(op, opts.reduction ?? 'mean');
  const beta = opts.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) throw new RangeError(`${op}: expected beta >= 0 but got ${beta}`);
  const [x, t] = pairOf(op, input, target);
  if (beta === 0) return reduce(abs(sub(x, t)), r);
  const h = native.smoothL1Loss(x._h, t._h, beta);
  const loss = record(op, h, [x, t], (g) => {
    const dx = new Tensor(native.smoothL1LossBackward(g._h, x._h, t._h, beta));
    return [x.requiresGrad ? dx : null, t.requiresGrad ? neg(dx) : null];
  });
  return reduce(loss, r);
}

/** target must have the input's shape; weight is broadcast to it. */
function checkBinary(op: string, input: Tensor, target: Tensor, weight: Tensor | null | undefined, wname = 'weight'): Tensor | null {
  live(input, op);
  targetTensor(op, target, 'values');
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`${op}: expected target of shape ${shapeStr(input.shape)} (the input's) but got ${shapeStr(target.shape)}`);
  }
  const w = optTensor(op, wname, weight);
  if (!w) return null;
  if (w.dtype !== input.dtype) throw new TypeError(`${op}: expected ${wname} of dtype ${input.dtype} (the input's) but got ${w.dtype}`);
  const s = broadcastShape(input.shape, w.shape);
  if (!s || !sameShape(s, input.shape)) {
    throw new RangeError(`${op}: ${wname} of shape ${shapeStr(w.shape)} cannot be broadcast to the input's shape ${shapeStr(input.shape)}`);
  }
  return sameShape(w.shape, input.shape) ? w.detach() : expand(w.detach(), input.shape);
}

/**
 * Binary cross-entropy of probabilities input (every element in [0, 1]) against target of the
 * same shape: -w (t log(x) + (1 - t) log(1 - x)), the logs clamped at -100 as PyTorch does.
 * weight (broadcast to the input) receives no gradient.
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  opts: { weight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  const op = 'binary_cross_entropy';
  const r = reductionCode(op, opts.reduction ?? 'mean');
  const w = checkBinary(op, input, target, opts.weight);
  const h = native.bceLoss(input._h, target._h, w?._h ?? null);
  const loss = record(op, h, [input, target], (g) => {
    const [dx, dt] = native.bceLossBackward(g._h, input._h, target._h, w?._h ?? null, target.requiresGrad);
    return [input.requiresGrad ? new Tensor(dx) : null, dt ? new Tensor(dt) : null];
  });
  return reduce(loss, r);
}

/**
 * Binary cross-entropy of logits, stably: w ((1 - t) x - (1 + (posWeight - 1) t) log sigmoid(x)),
 * log sigmoid(x) = min(x, 0) - log1p(exp(-|x|)). weight and posWeight (e.g. [C] for input
 * [N, C]) broadcast to the input and receive no gradient.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  const op = 'binary_cross_entropy_with_logits';
  const r = reductionCode(op, opts.reduction ?? 'mean');
  const w = checkBinary(op, input, target, opts.weight);
  const pw = checkBinary(op, input, target, opts.posWeight, 'posWeight');
  const h = native.bceLogitsLoss(input._h, target._h, w?._h ?? null, pw?._h ?? null);
  const loss = record(op, h, [input, target], (g) => {
    const [dx, dt] = native.bceLogitsLossBackward(g._h, input._h, target._h, w?._h ?? null, pw?._h ?? null, target.requiresGrad);
    return [input.requiresGrad ? new Tensor(dx) : null, dt ? new Tensor(dt) : null];
  });
  return reduce(loss, r);
}
