// flint.metrics: classification and regression metrics with sklearn.metrics' semantics
// (accuracy_score, top_k_accuracy_score, precision/recall/f1/fbeta_score,
// precision_recall_fscore_support, confusion_matrix, mean_squared_error, mean_absolute_error).
// Tested against sklearn to 1e-12 (scripts/gen_sklearn_fixtures.py -> test/fixtures/metrics.json).
//
// Inputs are flint tensors or plain arrays. Class labels are integers (int64 class indices, or a
// float tensor holding whole numbers); predictions may instead be scores [N, C] (logits or
// probabilities), reduced to their argmax (the first maximum, as torch.argmax). Results are
// plain numbers (arrays per class), computed in float64 in JS: a metric reads its inputs once.
//
// Which classes count (precision, recall, F, confusion matrix): those present in yTrue or yPred,
// sorted (sklearn's default), or 0..numClasses-1 when numClasses is given, or exactly `labels`.
// Zero division (no predicted samples for precision, no true samples for recall) gives
// `zeroDivision` (0 by default), without sklearn's warning.
import { Tensor } from '../tensor';
import * as ops from '../ops';

/** Class labels: a 1-D tensor or an array of integers. */
export type Labels = Tensor | ArrayLike<number>;
/** Predicted labels, or scores [N, C] (a 2-D tensor or an array of rows) whose argmax is the label. */
export type Predictions = Labels | ArrayLike<ArrayLike<number>>;
/** Averages over classes, as sklearn: null returns one value per class. */
export type Average = 'macro' | 'micro' | 'weighted' | 'binary' | null;

export interface ClassOptions {
  /** the classes are 0..numClasses-1 (labels outside are an error) */
  numClasses?: number;
  /** exactly these classes, in this order (sklearn's labels) */
  labels?: number[];
}
export interface PRFOptions extends ClassOptions {
  /** 'macro' (default), 'micro', 'weighted', 'binary' (posLabel only), or null (per class) */
  average?: Average;
  /** the value of a 0/0 precision or recall: 0 (default) or 1 */
  zeroDivision?: 0 | 1;
  /** the positive class for average 'binary' (default 1) */
  posLabel?: number;
}
type PerClass = PRFOptions & { average: null };

// ---- input conversion ----

function what(x: unknown): string {
  if (x === null) return 'null';
  if (x instanceof Tensor) return `a tensor of shape [${x.shape.join(', ')}]`;
  return Array.isArray(x) ? 'an array' : typeof x;
}

/** The numbers of a tensor (float64 copy), or null when x is not a tensor. */
function tensorValues(x: Tensor): Float64Array {
  const d = x.dataSync();
  return d instanceof BigInt64Array ? Float64Array.from(d, Number) : Float64Array.from(d as ArrayLike<number>);
}

/** Row-wise argmax of scores [N, C] (first maximum; NaN counts as the maximum, as torch.argmax). */
function argmaxRows(v: ArrayLike<number>, n: number, c: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = v[i * c];
    for (let j = 1; j < c && bv === bv; j++) {
      const s = v[i * c + j];
      if (s > bv || s !== s) {
        best = j;
        bv = s;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Scores [N, C] as a flat float64 array with its sizes. */
function toScores(op: string, name: string, y: unknown): { v: Float64Array; n: number; c: number } {
  if (y instanceof Tensor) {
    if (y.ndim !== 2) throw new RangeError(`${op}: expected ${name} to be scores [N, C] but got shape [${y.shape.join(', ')}]`);
    return { v: tensorValues(y), n: y.shape[0], c: y.shape[1] };
  }
  if (!isArrayLike(y) || !Array.from(y as ArrayLike<unknown>).every(isArrayLike)) {
    throw new TypeError(`${op}: expected ${name} to be scores [N, C] (a 2-D tensor or an array of rows) but got ${what(y)}`);
  }
  const rows = Array.from(y as ArrayLike<ArrayLike<number>>);
  const c = rows.length ? rows[0].length : 0;
  const v = new Float64Array(rows.length * c);
  rows.forEach((r, i) => {
    if (r.length !== c) throw new RangeError(`${op}: ${name} row ${i} has ${r.length} scores but row 0 has ${c}`);
    for (let j = 0; j < c; j++) {
      if (typeof r[j] !== 'number') throw new TypeError(`${op}: ${name}[${i}][${j}] is not a number`);
      v[i * c + j] = r[j];
    }
  });
  return { v, n: rows.length, c };
}

function isArrayLike(x: unknown): boolean {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

/** Integer class labels from labels [N] or (allowScores) the argmax of scores [N, C]. */
function toLabels(op: string, name: string, y: unknown, allowScores: boolean): Float64Array {
  let v: Float64Array;
  if (y instanceof Tensor) {
    if (y.ndim === 2 && allowScores) return argmaxRows(tensorValues(y), y.shape[0], y.shape[1]);
    if (y.ndim !== 1) {
      throw new RangeError(`${op}: expected ${name} to be class labels [N]${allowScores ? ' or scores [N, C]' : ''} but got shape [${y.shape.join(', ')}]`);
    }
    v = tensorValues(y);
  } else if (isArrayLike(y)) {
    const a = y as ArrayLike<unknown>;
    if (a.length > 0 && isArrayLike(a[0])) {
      if (!allowScores) throw new TypeError(`${op}: expected ${name} to be class labels [N] but got an array of rows`);
      const s = toScores(op, name, y);
      return argmaxRows(s.v, s.n, s.c);
    }
    v = Float64Array.from(a as ArrayLike<number>, (x, i) => {
      if (typeof x !== 'number' && typeof x !== 'bigint') throw new TypeError(`${op}: ${name}[${i}] is not a number`);
      return Number(x);
    });
  } else {
    throw new TypeError(`${op}: expected ${name} to be class labels (a 1-D tensor or an array of integers) but got ${what(y)}`);
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isSafeInteger(v[i])) {
      throw new RangeError(`${op}: ${name}[${i}] is ${v[i]}; expected integer class labels${allowScores ? ' (or scores [N, C])' : ''}`);
    }
  }
  return v;
}

function sameLength(op: string, a: ArrayLike<number>, b: ArrayLike<number>, names = ['yTrue', 'yPred']): void {
  if (a.length !== b.length) throw new RangeError(`${op}: ${names[0]} has ${a.length} samples but ${names[1]} has ${b.length}`);
  if (a.length === 0) throw new RangeError(`${op}: expected at least one sample`);
}

/** The classes that count, in order (see the file header). */
function resolveLabels(op: string, yt: Float64Array, yp: Float64Array, o: ClassOptions): number[] {
  if (o.labels !== undefined && o.numClasses !== undefined) throw new TypeError(`${op}: pass numClasses or labels, not both`);
  if (o.labels !== undefined) {
    if (!Array.isArray(o.labels) || o.labels.length === 0 || o.labels.some((l) => !Number.isSafeInteger(l))) {
      throw new TypeError(`${op}: labels must be a non-empty array of integers but got ${JSON.stringify(o.labels)}`);
    }
    if (new Set(o.labels).size !== o.labels.length) throw new RangeError(`${op}: labels must be unique but got ${JSON.stringify(o.labels)}`);
    return o.labels.slice();
  }
  if (o.numClasses !== undefined) {
    const k = o.numClasses;
    if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`${op}: numClasses must be a positive integer but got ${k}`);
    for (const [name, v] of [['yTrue', yt], ['yPred', yp]] as const) {
      for (let i = 0; i < v.length; i++) {
        if (v[i] < 0 || v[i] >= k) throw new RangeError(`${op}: ${name}[${i}] is class ${v[i]}, outside 0..${k - 1} (numClasses ${k})`);
      }
    }
    return Array.from({ length: k }, (_, i) => i);
  }
  return [...new Set([...yt, ...yp])].sort((a, b) => a - b);
}

function checkOptions(op: string, o: unknown): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new TypeError(`${op}: expected an options object but got ${what(o)}`);
}

// ---- classification ----

/**
 * The fraction of samples whose predicted class is the true one (sklearn's accuracy_score),
 * or their count with `normalize: false`.
 * Example: `metrics.accuracy(y, model.forward(x))` (logits [N, C] -> argmax)
 */
export function accuracy(yTrue: Labels, yPred: Predictions, opts: { normalize?: boolean } = {}): number {
  const op = 'accuracy';
  checkOptions(op, opts);
  const yt = toLabels(op, 'yTrue', yTrue, false);
  const yp = toLabels(op, 'yPred', yPred, true);
  sameLength(op, yt, yp);
  let hits = 0;
  for (let i = 0; i < yt.length; i++) if (yt[i] === yp[i]) hits++;
  return opts.normalize === false ? hits : hits / yt.length;
}

/**
 * The fraction of samples whose true class is among the k highest scores
 * (sklearn's top_k_accuracy_score with labels 0..C-1). Ties rank as sklearn ranks them: among
 * equal scores the higher class index comes first. k >= C counts every sample.
 * Example: `metrics.topKAccuracy(y, logits, 5)`
 */
export function topKAccuracy(yTrue: Labels, yScore: Tensor | ArrayLike<ArrayLike<number>>, k: number,
  opts: { normalize?: boolean } = {}): number {
  const op = 'topKAccuracy';
  checkOptions(op, opts);
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`${op}: k must be a positive integer but got ${k}`);
  const yt = toLabels(op, 'yTrue', yTrue, false);
  const { v, n, c } = toScores(op, 'yScore', yScore);
  sameLength(op, yt, { length: n }, ['yTrue', 'yScore']);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const t = yt[i];
    if (t < 0 || t >= c) throw new RangeError(`${op}: yTrue[${i}] is class ${t} but yScore has ${c} columns (classes 0..${c - 1})`);
    const st = v[i * c + t];
    // rank of the true class: scores above it, plus equal scores at higher indices
    let rank = 0;
    for (let j = 0; j < c; j++) {
      const s = v[i * c + j];
      if (s > st || (s === st && j > t)) rank++;
    }
    if (rank < k) hits++;
  }
  return opts.normalize === false ? hits : hits / n;
}

export interface PRFResult<T> {
  precision: T;
  recall: T;
  fscore: T;
  /** true samples per class (null when averaged, as sklearn) */
  support: number[] | null;
}

/**
 * Precision, recall, F-beta and support in one pass (sklearn's precision_recall_fscore_support).
 * See precision() for the options; beta weighs recall beta times as much as precision.
 */
export function precisionRecallFscoreSupport(yTrue: Labels, yPred: Predictions, opts: PerClass & { beta?: number }): PRFResult<number[]>;
export function precisionRecallFscoreSupport(yTrue: Labels, yPred: Predictions, opts?: PRFOptions & { beta?: number }): PRFResult<number>;
export function precisionRecallFscoreSupport(yTrue: Labels, yPred: Predictions, opts: PRFOptions & { beta?: number } = {}):
  PRFResult<number | number[]> {
  return prf('precisionRecallFscoreSupport', yTrue, yPred, opts, opts.beta ?? 1);
}

function prf(op: string, yTrue: Labels, yPred: Predictions, opts: PRFOptions, beta: number): PRFResult<number | number[]> {
  checkOptions(op, opts);
  const average = opts.average === undefined ? 'macro' : opts.average;
  if (!['macro', 'micro', 'weighted', 'binary', null].includes(average)) {
    throw new TypeError(`${op}: average must be 'macro', 'micro', 'weighted', 'binary' or null but got ${JSON.stringify(average)}`);
  }
  const zd = opts.zeroDivision ?? 0;
  if (zd !== 0 && zd !== 1) throw new TypeError(`${op}: zeroDivision must be 0 or 1 but got ${JSON.stringify(zd)}`);
  if (typeof beta !== 'number' || !(beta >= 0)) throw new RangeError(`${op}: beta must be a non-negative number but got ${beta}`);
  const yt = toLabels(op, 'yTrue', yTrue, false);
  const yp = toLabels(op, 'yPred', yPred, true);
  sameLength(op, yt, yp);
  let labels = resolveLabels(op, yt, yp, opts);
  if (average === 'binary') {
    const present = [...new Set([...yt, ...yp])].sort((a, b) => a - b);
    if (present.length > 2) {
      throw new RangeError(`${op}: the labels are multiclass (${present.join(', ')}) but average is 'binary'; ` +
        "choose another average: null, 'micro', 'macro' or 'weighted'");
    }
    const pos = opts.posLabel ?? 1;
    if (!present.includes(pos) && present.length >= 2) {
      throw new RangeError(`${op}: posLabel ${pos} is not a valid label; it should be one of ${present.join(', ')}`);
    }
    labels = [pos];
  }

  // per-class counts over the chosen labels
  const at = new Map(labels.map((l, i) => [l, i]));
  const m = labels.length;
  let tp = new Float64Array(m);
  let predSum = new Float64Array(m);
  let trueSum = new Float64Array(m);
  for (let i = 0; i < yt.length; i++) {
    const a = at.get(yt[i]);
    const b = at.get(yp[i]);
    if (a !== undefined) trueSum[a]++;
    if (b !== undefined) predSum[b]++;
    if (a !== undefined && yt[i] === yp[i]) tp[a]++;
  }
  if (average === 'micro') {
    const total = (v: Float64Array) => Float64Array.of(v.reduce((s, x) => s + x, 0));
    tp = total(tp);
    predSum = total(predSum);
    trueSum = total(trueSum);
  }
  const divide = (num: Float64Array, den: Float64Array) => num.map((x, i) => (den[i] === 0 ? zd : x / den[i]));
  const precision = divide(tp, predSum);
  const recall = divide(tp, trueSum);
  const b2 = beta * beta;
  const fscore = precision.map((p, i) => {
    if (beta === Infinity) return recall[i];
    const denom = b2 * p + recall[i];
    return ((1 + b2) * p * recall[i]) / (denom === 0 ? 1 : denom);
  });
  if (average === null) {
    return { precision: Array.from(precision), recall: Array.from(recall), fscore: Array.from(fscore), support: Array.from(trueSum) };
  }
  let weights: Float64Array | null = null;
  if (average === 'weighted') {
    weights = trueSum;
    if (weights.every((w) => w === 0)) {
      // sklearn: no true samples of the chosen classes
      const none = predSum.every((w) => w === 0);
      return { precision: none ? zd : 0, recall: zd, fscore: none ? zd : 0, support: null };
    }
  }
  const avg = (v: Float64Array): number => {
    if (!weights) return v.reduce((s, x) => s + x, 0) / v.length;
    let s = 0;
    let w = 0;
    v.forEach((x, i) => {
      s += x * weights![i];
      w += weights![i];
    });
    return s / w;
  };
  return { precision: avg(precision), recall: avg(recall), fscore: avg(fscore), support: null };
}

/**
 * Precision tp / (tp + fp) per class, averaged (sklearn's precision_score).
 * Options: average 'macro' (default: the unweighted mean over classes), 'micro' (from the
 * pooled counts: equals accuracy when every class counts), 'weighted' (mean weighted by each
 * class's true samples), 'binary' (posLabel only), null (one value per class); zeroDivision (0);
 * numClasses or labels (which classes count; see the file header).
 * Example: `metrics.precision(y, logits, { average: null, numClasses: 10 })`
 */
export function precision(yTrue: Labels, yPred: Predictions, opts: PerClass): number[];
export function precision(yTrue: Labels, yPred: Predictions, opts?: PRFOptions): number;
export function precision(yTrue: Labels, yPred: Predictions, opts: PRFOptions = {}): number | number[] {
  return prf('precision', yTrue, yPred, opts, 1).precision;
}

/** Recall tp / (tp + fn) per class, averaged (sklearn's recall_score); options as precision(). */
export function recall(yTrue: Labels, yPred: Predictions, opts: PerClass): number[];
export function recall(yTrue: Labels, yPred: Predictions, opts?: PRFOptions): number;
export function recall(yTrue: Labels, yPred: Predictions, opts: PRFOptions = {}): number | number[] {
  return prf('recall', yTrue, yPred, opts, 1).recall;
}

/** F1 = 2 p r / (p + r) per class, averaged (sklearn's f1_score); options as precision(). */
export function f1(yTrue: Labels, yPred: Predictions, opts: PerClass): number[];
export function f1(yTrue: Labels, yPred: Predictions, opts?: PRFOptions): number;
export function f1(yTrue: Labels, yPred: Predictions, opts: PRFOptions = {}): number | number[] {
  return prf('f1', yTrue, yPred, opts, 1).fscore;
}

/** F-beta = (1 + b^2) p r / (b^2 p + r) per class, averaged (sklearn's fbeta_score). */
export function fbeta(yTrue: Labels, yPred: Predictions, beta: number, opts: PerClass): number[];
export function fbeta(yTrue: Labels, yPred: Predictions, beta: number, opts?: PRFOptions): number;
export function fbeta(yTrue: Labels, yPred: Predictions, beta: number, opts: PRFOptions = {}): number | number[] {
  return prf('fbeta', yTrue, yPred, opts, beta).fscore;
}

export interface ConfusionOptions extends ClassOptions {
  /** divide by the row sums ('true'), column sums ('pred') or the total ('all'); 0/0 gives 0 */
  normalize?: 'true' | 'pred' | 'all';
}

/**
 * The confusion matrix C[i][j]: samples of true class labels[i] predicted as labels[j]
 * (sklearn's confusion_matrix): an int64 tensor [K, K], or float64 when normalized. The classes
 * are those present (sorted), 0..numClasses-1, or `labels` (samples of other classes are left out).
 * Example: `metrics.confusionMatrix(y, logits, 10).toArray()`
 */
export function confusionMatrix(yTrue: Labels, yPred: Predictions, numClassesOrOpts?: number | ConfusionOptions): Tensor {
  const op = 'confusionMatrix';
  const o: ConfusionOptions = typeof numClassesOrOpts === 'number' ? { numClasses: numClassesOrOpts } : numClassesOrOpts ?? {};
  checkOptions(op, o);
  if (o.normalize !== undefined && !['true', 'pred', 'all'].includes(o.normalize)) {
    throw new TypeError(`${op}: normalize must be 'true', 'pred' or 'all' but got ${JSON.stringify(o.normalize)}`);
  }
  const yt = toLabels(op, 'yTrue', yTrue, false);
  const yp = toLabels(op, 'yPred', yPred, true);
  sameLength(op, yt, yp);
  const labels = resolveLabels(op, yt, yp, o);
  const at = new Map(labels.map((l, i) => [l, i]));
  if (o.labels !== undefined && !yt.some((v) => at.has(v))) {
    throw new RangeError(`${op}: none of labels [${o.labels.join(', ')}] occurs in yTrue`);
  }
  const k = labels.length;
  const cm = new Float64Array(k * k);
  for (let i = 0; i < yt.length; i++) {
    const a = at.get(yt[i]);
    const b = at.get(yp[i]);
    if (a !== undefined && b !== undefined) cm[a * k + b]++;
  }
  if (!o.normalize) return ops.tensor(BigInt64Array.from(cm, (v) => BigInt(v)), { dtype: 'int64', shape: [k, k] });
  const out = new Float64Array(k * k);
  const total = cm.reduce((s, v) => s + v, 0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let den = total;
      if (o.normalize === 'true') den = cm.subarray(i * k, i * k + k).reduce((s, v) => s + v, 0);
      if (o.normalize === 'pred') den = labels.reduce((s, _, r) => s + cm[r * k + j], 0);
      out[i * k + j] = den === 0 ? 0 : cm[i * k + j] / den;
    }
  }
  return ops.tensor(out, { dtype: 'float64', shape: [k, k] });
}

// ---- regression ----

/** Values and shape of a regression target: a tensor, or nested arrays of numbers. */
function toValues(op: string, name: string, y: unknown): { v: Float64Array; shape: number[] } {
  if (y instanceof Tensor) {
    if (y.ndim === 0 || y.ndim > 2) throw new RangeError(`${op}: expected ${name} of shape [N] or [N, outputs] but got [${y.shape.join(', ')}]`);
    return { v: tensorValues(y), shape: y.shape.slice() };
  }
  if (!isArrayLike(y)) throw new TypeError(`${op}: expected ${name} to be a tensor or an array of numbers but got ${what(y)}`);
  const a = Array.from(y as ArrayLike<unknown>);
  if (a.length > 0 && isArrayLike(a[0])) {
    const s = toScores(op, name, a);
    return { v: s.v, shape: [s.n, s.c] };
  }
  return {
    v: Float64Array.from(a, (x, i) => {
      if (typeof x !== 'number') throw new TypeError(`${op}: ${name}[${i}] is not a number`);
      return x;
    }),
    shape: [a.length],
  };
}

/** Per-output mean of f(yTrue - yPred), then the mean over outputs (sklearn's 'uniform_average'). */
function regression(op: string, yTrue: unknown, yPred: unknown, f: (d: number) => number): number {
  const a = toValues(op, 'yTrue', yTrue);
  const b = toValues(op, 'yPred', yPred);
  const cols = (s: number[]) => (s.length === 2 ? s[1] : 1);
  // [N] and [N, 1] are the same single output (sklearn reshapes 1-D targets to a column)
  if (a.shape[0] !== b.shape[0] || cols(a.shape) !== cols(b.shape)) {
    throw new RangeError(`${op}: yTrue has shape [${a.shape.join(', ')}] but yPred has [${b.shape.join(', ')}]`);
  }
  const n = a.shape[0];
  const c = cols(a.shape);
  if (n === 0) throw new RangeError(`${op}: expected at least one sample`);
  let total = 0;
  for (let j = 0; j < c; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += f(a.v[i * c + j] - b.v[i * c + j]);
    total += s / n;
  }
  return total / c;
}

/** Mean squared error, averaged over outputs (sklearn's mean_squared_error). */
export function mse(yTrue: Tensor | ArrayLike<number> | ArrayLike<ArrayLike<number>>, yPred: Tensor | ArrayLike<number> | ArrayLike<ArrayLike<number>>): number {
  return regression('mse', yTrue, yPred, (d) => d * d);
}

/** Mean absolute error, averaged over outputs (sklearn's mean_absolute_error). */
export function mae(yTrue: Tensor | ArrayLike<number> | ArrayLike<ArrayLike<number>>, yPred: Tensor | ArrayLike<number> | ArrayLike<ArrayLike<number>>): number {
  return regression('mae', yTrue, yPred, Math.abs);
}
