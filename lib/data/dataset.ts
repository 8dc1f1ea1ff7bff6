// Dataset protocol (torch.utils.data.Dataset): `length` and `get(i)`, plus an optional
// `getBatch(indices)` fast path that DataLoader uses to build a whole batch at once.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { shapeStr } from '../ops/util';

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
