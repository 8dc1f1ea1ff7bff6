// Reductions: sum, mean, max (all or along a dim), argmax.
import { native } from '../native';
import type { NativeTensor } from '../../binding';
import { record, Tensor } from '../tensor';
import { contiguousStrides, numelOf, reshapeRaw, shapeStr, wrapDim, live } from './util';

function dimsOf(op: string, t: Tensor, dim: number | number[] | undefined): number[] {
  if (dim === undefined) return [];
  const ds = Array.isArray(dim) ? dim : [dim];
  return ds.map((d) => wrapDim(op, d, t.ndim));
}

/** The backward of a reduction: g (reduced shape) broadcast back over the input's shape. */
function expandBack(g: Tensor, inShape: number[], dims: number[], keepdim: boolean, scale: number): Tensor {
  const all = dims.length === 0;
  const kshape = inShape.map((d, i) => (all || dims.includes(i) ? 1 : d));
  let gk = keepdim ? g : reshapeRaw(g, kshape);
  if (scale !== 1) gk = new Tensor(native.binaryScalar(2 /* mul */, gk._h, scale, false));
  else if (!gk.isContiguous()) gk = new Tensor(native.contiguous(gk._h));
  const st = contiguousStrides(kshape).map((s, i) => (kshape[i] === 1 && inShape[i] !== 1 ? 0 : s));
  return new Tensor(native.asStrided(gk._h, inShape.slice(), st, gk._h.offset));
}

export function sum(t: Tensor, dim?: number | number[], keepdim = false): Tensor {
  live(t, 'sum');
  const dims = dimsOf('sum', t, dim);
  const inShape = t.shape;
  return record('sum', native.sum(t._h, dims, keepdim, 1), [t], (g) => [expandBack(g, inShape, dims, keepdim, 1)]);
}

export function mean(t: Tensor, dim?: number | number[], keepdim = false): Tensor {
  live(t, 'mean');
  const dims = dimsOf('mean', t, dim);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new TypeError(`mean: expected a float tensor but got ${t.dtype} (cast with .float())`);
  }
  const n = dims.length === 0 ? t.numel() : numelOf(dims.map((d) => t.shape[d]));
  const scale = n === 0 ? NaN : 1 / n;
  const inShape = t.shape;
  return record('mean', native.sum(t._h, dims, keepdim, scale), [t], (g) => [expandBack(g, inShape, dims, keepdim, scale)]);
}

/** Max along dim: values and int64 indices (PyTorch's torch.max(x, dim)). */
export function maxDim(t: Tensor, dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
  live(t, 'max');
  const d = wrapDim('max', dim, t.ndim);
  const [vh, ih] = native.maxDim(t._h, d, keepdim);
  const indices = new Tensor(ih);
  const inShape = t.shape;
  const values = record('max', vh, [t], (g) => {
    const kshape = inShape.map((s, i) => (i === d ? 1 : s));
    const gk = keepdim ? g : reshapeRaw(g, kshape);
    const ik = keepdim ? indices : reshapeRaw(indices, kshape);
    return [new Tensor(native.scatterAdd(inShape, d, ik._h, native.contiguous(gk._h)))];
  });
  return { values, indices };
}

/** The largest element (a 0-d tensor). */
export function maxAll(t: Tensor): Tensor {
  live(t, 'max');
  if (t.numel() === 0) throw new RangeError(`max: cannot take the max of an empty tensor (shape ${shapeStr(t.shape)})`);
  const flat = reshapeRaw(t, [t.numel()]);
  const [vh, unusedIndices] = native.maxDim(flat._h, 0, false);
  unusedIndices.dispose(); // freed now, not at the next GC (inside tidy() too)
  const values = new Tensor(vh);
  // PyTorch's evenly_distribute_backward: g / k to each of the k elements equal to the max
  // (to each NaN when the max is NaN), not all of g to the first one.
  return record('max', vh, [t], (g) => {
    const m = values.item();
    const mask = Number.isNaN(m)
      ? native.binary(13 /* ne */, t._h, t._h)
      : native.binaryScalar(8 /* eq */, t._h, m, false);
    const maskF = native.cast(mask, g.dtype);
    const k = native.sum(maskF, [], false, 1);
    return [new Tensor(native.binary(2 /* mul */, maskF, native.binary(3 /* div */, g._h, k)))];
  });
}

/** Index of the max (flattened when dim is undefined), int64. */
export function argmax(t: Tensor, dim?: number, keepdim = false): Tensor {
  live(t, 'argmax');
  if (dim === undefined) {
    if (t.numel() === 0) throw new RangeError('argmax: cannot take the argmax of an empty tensor');
    return indicesOnly(native.maxDim(reshapeRaw(t, [t.numel()])._h, 0, false));
  }
  return indicesOnly(native.maxDim(t._h, wrapDim('argmax', dim, t.ndim), keepdim));
}

/** The indices of maxDim's pair; the values are freed now, not at the next GC. */
function indicesOnly([values, indices]: NativeTensor[]): Tensor {
  values.dispose();
  return new Tensor(indices);
}
