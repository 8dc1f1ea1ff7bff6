// Dataset protocol (torch.utils.data.Dataset): `length` and `get(i)`, plus an optional
// `getBatch(indices)` fast path that DataLoader uses to build a whole batch at once.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { shapeStr } from '../ops/util';
import { native } from '../native';
import { ShuffleGenerator } from './random';

/**
 * What DataLoader needs from a dataset. `getBatch`, when present, returns the collated batch
 * for these indices (exactly what default collation of `get(i)` would give), or undefined when
 * it cannot (the loader then falls back to `get` per sample).
 */
export interface DatasetLike<S = unknown> {
  readonly length: number;
  get(index: number): S;
  getBatch?(indices: Int32Array): unknown | undefined;
}

/** Base class for map-style datasets: implement `length` and `get(i)`. */
export abstract class Dataset<S = unknown> implements DatasetLike<S> {
  abstract get length(): number;
  abstract get(index: number): S;
}

/** Checks an index (negative counts from the end, as Python indexing) and returns it in [0, n). */
export function checkIndex(op: string, index: number, n: number): number {
  if (!Number.isInteger(index)) throw new TypeError(`${op}: expected an integer index but got ${index}`);
  const i = index < 0 ? index + n : index;
  if (i < 0 || i >= n) throw new RangeError(`${op}: index ${index} is out of range for a dataset of ${n} samples`);
  return i;
}

/** An int32 index tensor over `indices` (one native copy). */
export function indexTensor(indices: Int32Array): Tensor {
  return ops.tensor(indices, { dtype: 'int32', shape: [indices.length] });
}

/**
 * Samples are the rows of the given tensors (all with the same first dimension):
 * `get(i)` is `[t0[i], t1[i], ...]`.
 * Example: `new TensorDataset(x, y)` with x [N, 784] and y [N] (int64).
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new RangeError('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${i} is not a tensor`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: argument ${i} is a 0-d tensor; expected a first (sample) dimension`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: argument 0 has shape ${shapeStr(tensors[0].shape)} ` +
          `but argument ${i} has ${shapeStr(t.shape)}`);
      }
    });
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => ops.select(t, 0, i));
  }
  getBatch(indices: Int32Array): Tensor[] {
    const idx = indexTensor(indices);
    return this.tensors.map((t) => ops.indexSelect(t, 0, idx));
  }
}

/** The samples of `dataset` at `indices`, in that order (torch.utils.data.Subset). */
export class Subset<S = unknown> extends Dataset<S> {
  readonly indices: Int32Array;
  constructor(readonly dataset: DatasetLike<S>, indices: ArrayLike<number>) {
    super();
    const n = dataset.length;
    this.indices = Int32Array.from(indices, (v) => checkIndex('Subset', v, n));
  }
  get length(): number {
    return this.indices.length;
  }
  get(index: number): S {
    return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.indices.length)]);
  }
  getBatch(indices: Int32Array): unknown | undefined {
    if (!this.dataset.getBatch) return undefined;
    return this.dataset.getBatch(indices.map((i) => this.indices[checkIndex('Subset.getBatch', i, this.indices.length)]));
  }
}

export interface RandomSplitOptions {
  /**
   * Seeds the split's own generator, so the split is the same whatever else was drawn before.
   * Without it the permutation is seeded from flint's global generator (manualSeed fixes it).
   */
  seed?: number;
}

/**
 * Splits a dataset into non-overlapping random subsets (torch.utils.data.random_split).
 *
 * `lengths` are the subsets' sizes, summing to the dataset's length, or fractions summing to 1
 * (within 1e-9): each subset then gets floor(n * fraction) samples and the remainder is handed
 * out one at a time round-robin from the first subset (PyTorch's rule). Lengths that are all
 * integers are sizes, except integers summing to exactly 1 (such as [1, 0]), which PyTorch too
 * reads as fractions.
 * Example:
 *   const [train, val, test] = randomSplit(ds, [0.7, 0.15, 0.15], { seed: 42 });
 *   new DataLoader(train, { batchSize: 64, shuffle: true })   // keeps ds's getBatch fast path
 */
export function randomSplit<S>(dataset: DatasetLike<S>, lengths: number[], opts: RandomSplitOptions = {}): Subset<S>[] {
  const op = 'randomSplit';
  if (!dataset || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length) || dataset.length < 0) {
    throw new TypeError(`${op}: expected a dataset with an integer length and a get(i) method`);
  }
  if (!Array.isArray(lengths) || lengths.length === 0) throw new TypeError(`${op}: expected lengths to be a non-empty array of numbers`);
  lengths.forEach((v, i) => {
    if (typeof v !== 'number') {
      const x = v as unknown;
      const shown = typeof x === 'string' ? `string ${JSON.stringify(x)}` : x === null || x === undefined ? String(x)
        : typeof x === 'object' ? (Array.isArray(x) ? 'an array' : 'an object') : `${typeof x} ${String(x)}`;
      throw new TypeError(`${op}: lengths[${i}] must be a non-negative number but got ${shown}`);
    }
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${op}: lengths[${i}] must be a non-negative number but got ${v}`);
  });
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes: number[];
  const allInt = lengths.every(Number.isInteger);
  if (!allInt || total === 1) {
    // a value above 1 is not a fraction: these are sizes, and sizes are whole numbers
    const big = lengths.findIndex((f) => f > 1);
    if (big >= 0) {
      const frac = lengths.findIndex((f) => !Number.isInteger(f));
      throw new RangeError(`${op}: sizes must be whole numbers but lengths[${frac}] is ${lengths[frac]} (lengths [${lengths.join(', ')}]); ` +
        `fractions must be between 0 and 1 and sum to 1`);
    }
    if (Math.abs(total - 1) > 1e-9) {
      throw new RangeError(`${op}: fractions [${lengths.join(', ')}] sum to ${total}, but must sum to 1 (within 1e-9); ` +
        `or pass whole-number sizes summing to the dataset's length (${n})`);
    }
    sizes = lengths.map((f) => Math.floor(n * f));
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
  } else {
    if (total !== n) {
      throw new RangeError(`${op}: sizes [${lengths.join(', ')}] sum to ${total}, but the dataset has ${n} samples`);
    }
    sizes = lengths.slice();
  }
  const gen = new ShuffleGenerator(opts.seed ?? native.randomBits(), op);
  const perm = gen.permutation(n);
  const out: Subset<S>[] = [];
  let at = 0;
  for (const k of sizes) {
    out.push(new Subset(dataset, perm.subarray(at, at + k)));
    at += k;
  }
  return out;
}
