// DataLoader (torch.utils.data.DataLoader, single process): batches of a map-style dataset,
// optionally shuffled. Batches come from the dataset's getBatch fast path when it has one
// (MNIST family, CSVDataset, TensorDataset, and a Subset of any of them), else from get(i) per
// sample and a collate function. Batches are built on demand, in the calling thread: measured
// with scripts/datatime.ts, loading is ~4% of an MLP training step on MNIST, too little for a
// prefetch (which N-API could only do on another thread) to pay for itself.
import { native } from '../native';
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { DatasetLike } from './dataset';
import { ShuffleGenerator } from './random';

export { ShuffleGenerator };

export interface DataLoaderOptions<S = unknown, B = unknown> {
  /** samples per batch (default 1) */
  batchSize?: number;
  /** reshuffle the samples at every epoch (default false) */
  shuffle?: boolean;
  /**
   * Seeds this loader's own shuffling generator; each epoch then draws the next permutation from
   * it. Without a seed, each epoch's permutation is seeded from flint's global generator, so
   * `manualSeed` makes shuffling reproducible.
   */
  seed?: number;
  /** drop the last batch when it is smaller than batchSize (default false) */
  dropLast?: boolean;
  /** merges a list of samples into a batch (default: defaultCollate); disables the fast path */
  collate?: (samples: S[]) => B;
}

/**
 * Merges samples into a batch, as PyTorch's default_collate: tensors are stacked along a new
 * first dim; numbers become a 1-D tensor (int64 when all are integers, else float32: flint is
 * float32-first where PyTorch would give float64); booleans become uint8; arrays (tuples) and
 * plain objects are collated position by position / key by key; strings stay a list.
 */
export function defaultCollate(samples: unknown[]): any {
  if (!Array.isArray(samples) || samples.length === 0) throw new RangeError('defaultCollate: expected a non-empty array of samples');
  const first = samples[0];
  if (first instanceof Tensor) {
    samples.forEach((s, i) => {
      if (!(s instanceof Tensor)) throw new TypeError(`defaultCollate: sample 0 is a tensor but sample ${i} is not`);
    });
    return ops.stack(samples as Tensor[], 0);
  }
  if (typeof first === 'number' || typeof first === 'boolean') {
    const vals = samples.map((s, i) => {
      if (typeof s !== typeof first) throw new TypeError(`defaultCollate: sample 0 is a ${typeof first} but sample ${i} is a ${typeof s}`);
      return Number(s);
    });
    if (typeof first === 'boolean') return ops.tensor(Uint8Array.from(vals), { dtype: 'uint8' });
    if (vals.every(Number.isSafeInteger)) return ops.tensor(BigInt64Array.from(vals, (v) => BigInt(v)), { dtype: 'int64' });
    return ops.tensor(Float32Array.from(vals), { dtype: 'float32' });
  }
  if (typeof first === 'string') return samples.slice();
  if (Array.isArray(first)) {
    const n = first.length;
    samples.forEach((s, i) => {
      if (!Array.isArray(s) || s.length !== n) {
        throw new RangeError(`defaultCollate: each sample should be an array of ${n} elements but sample ${i} is not`);
      }
    });
    return first.map((_, j) => defaultCollate(samples.map((s) => (s as unknown[])[j])));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first)) out[k] = defaultCollate(samples.map((s) => (s as Record<string, unknown>)[k]));
    return out;
  }
  throw new TypeError(`defaultCollate: cannot collate samples of type ${first === null ? 'null' : typeof first}; ` +
    'samples must be tensors, numbers, booleans, strings, or arrays/objects of these (or pass collate)');
}

/**
 * Iterates over a dataset in batches.
 *
 * Args: dataset (anything with `length` and `get(i)`), batchSize (1), shuffle (false), seed,
 * dropLast (false), collate (defaultCollate).
 * Example:
 *   const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
 *   for (const [x, y] of loader) { ... }   // x [64, 1, 28, 28] float32, y [64] int64
 */
export class DataLoader<S = unknown, B = any> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly collate?: (samples: S[]) => B;
  private readonly gen: ShuffleGenerator | null;

  constructor(readonly dataset: DatasetLike<S>, opts: DataLoaderOptions<S, B> = {}) {
    if (!dataset || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length) || dataset.length < 0) {
      throw new TypeError('DataLoader: expected a dataset with an integer length and a get(i) method');
    }
    const bs = opts.batchSize ?? 1;
    if (!Number.isInteger(bs) || bs < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer but got ${bs}`);
    if (opts.collate !== undefined && typeof opts.collate !== 'function') throw new TypeError('DataLoader: collate must be a function');
    this.batchSize = bs;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.collate = opts.collate;
    this.gen = opts.seed !== undefined ? new ShuffleGenerator(opts.seed) : null;
  }

  /** The number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of one epoch (draws from the generator when shuffling). */
  private order(): Int32Array {
    const n = this.dataset.length;
    if (!this.shuffle) {
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) p[i] = i;
      return p;
    }
    const gen = this.gen ?? new ShuffleGenerator(native.randomBits());
    return gen.permutation(n);
  }

  /**
   * Async iteration (`for await (const [x, y] of loader)`) yields to the event loop before each
   * batch. Native memory of tensors that a step dropped is returned when their JS handles are
   * finalized, and Node runs those finalizers only between event-loop turns, so a long
   * synchronous loop keeps it all until the loop ends; an async loop stays flat.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    for (const batch of this) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield batch;
    }
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.order();
    const nb = this.length;
    let fast = this.collate === undefined && typeof this.dataset.getBatch === 'function';
    for (let b = 0; b < nb; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
      if (fast) {
        const batch = this.dataset.getBatch!(idx);
        if (batch !== undefined) {
          yield batch as B;
          continue;
        }
        fast = false;
      }
      const samples = Array.from(idx, (i) => this.dataset.get(i));
      yield (this.collate ? this.collate(samples) : defaultCollate(samples)) as B;
    }
  }
}
