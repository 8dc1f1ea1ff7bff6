// Batch norm and layer norm: one native call forward (native/cpu/normalization.cc), one backward.
import { native } from '../native';
import { record, Tensor } from '../tensor';
import { live, sameShape, shapeStr } from './util';

function optTensor(op: string, name: string, t: Tensor | null | undefined): Tensor | null {
  if (t === undefined || t === null) return null;
  return live(t, op, name);
}

/**
 * Batch normalization over dim 1 of input [N, C, *] (PyTorch's F.batch_norm).
 *
 * training: normalise by the batch mean and biased variance; when runningMean / runningVar
 * are given, update them in place: running = (1 - momentum) * running + momentum * batchStat
 * (the unbiased variance for runningVar). Otherwise normalise by the running statistics.
 * weight and bias [C] (optional) scale and shift. Gradients flow to input, weight and bias.
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const op = 'batch_norm';
  live(input, op);
  const rm = optTensor(op, 'runningMean', runningMean);
  const rv = optTensor(op, 'runningVar', runningVar);
  const w = optTensor(op, 'weight', weight);
  const b = optTensor(op, 'bias', bias);
  if (input.ndim < 2) throw new RangeError(`${op}: expected input of shape [N, C, *] but got ${shapeStr(input.shape)}`);
  const M = input.numel() / Math.max(input.shape[1], 1);
  if (training && M === 1) {
    throw new RangeError(`${op}: expected more than 1 value per channel when training but got input of shape ${shapeStr(input.shape)}`);
  }
  if (typeof momentum !== 'number' || typeof eps !== 'number') throw new TypeError(`${op}: expected momentum and eps to be numbers`);
  const [yh, meanH, invstdH] = native.batchNorm(input._h, w?._h ?? null, b?._h ?? null, rm?._h ?? null, rv?._h ?? null,
    training, momentum, eps);
  const inputs = [input];
  if (w) inputs.push(w);
  if (b) inputs.push(b);
  return record(op, yh, inputs, (g) => {
    const [dx, dw, db] = native.batchNormBackward(g._h, input._h, w?._h ?? null, meanH, invstdH, training);
    const out: (Tensor | null)[] = [input.requiresGrad ? new Tensor(dx) : null];
    if (w) out.push(w.requiresGrad ? new Tensor(dw) : null);
    if (b) out.push(b.requiresGrad ? new Tensor(db) : null);
    return out;
  });
}

/**
 * Layer normalization over the trailing dims given by normalizedShape (PyTorch's
 * F.layer_norm): each slice is normalised by its mean and biased variance, then scaled by
 * weight and shifted by bias (both of normalizedShape, optional).
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const op = 'layer_norm';
  live(input, op);
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || ns.length === 0 || !ns.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`${op}: expected normalizedShape to be a non-empty list of sizes but got ${JSON.stringify(normalizedShape)}`);
  }
  const w = optTensor(op, 'weight', weight);
  const b = optTensor(op, 'bias', bias);
  const tail = input.shape.slice(input.ndim - ns.length);
  if (input.ndim < ns.length || !sameShape(tail, ns)) {
    throw new RangeError(
      `${op}: expected input with shape [*, ${ns.join(', ')}] (normalizedShape ${shapeStr(ns)}) but got ${shapeStr(input.shape)}`,
    );
  }
  for (const [name, t] of [['weight', w], ['bias', b]] as const) {
    if (t && !sameShape(t.shape, ns)) {
      throw new RangeError(`${op}: expected ${name} of shape ${shapeStr(ns)} (normalizedShape) but got ${shapeStr(t.shape)}`);
    }
  }
  if (typeof eps !== 'number') throw new TypeError(`${op}: expected eps to be a number`);
  const [yh, meanH, rstdH] = native.layerNorm(input._h, ns.length, w?._h ?? null, b?._h ?? null, eps);
  const inputs = [input];
  if (w) inputs.push(w);
  if (b) inputs.push(b);
  return record(op, yh, inputs, (g) => {
    const [dx, dw, db] = native.layerNormBackward(g._h, input._h, ns.length, w?._h ?? null, meanH, rstdH);
    const out: (Tensor | null)[] = [input.requiresGrad ? new Tensor(dx) : null];
    if (w) out.push(w.requiresGrad ? new Tensor(dw) : null);
    if (b) out.push(b.requiresGrad ? new Tensor(db) : null);
    return out;
  });
}
