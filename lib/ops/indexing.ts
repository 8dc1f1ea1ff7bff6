// cat, stack, indexSelect, gather and their backwards.
import { native } from '../native';
import { record, Tensor } from '../tensor';
import { narrow, unsqueeze } from './view';
import { contiguousStrides, shapeStr, wrapDim, live } from './util';

export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('cat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`cat: expected element ${i} to be a tensor`);
    live(t, 'cat');
  });
  const h = native.cat(tensors.map((t) => t._h), dim);
  const d = wrapDim('cat', dim, tensors[0].ndim);
  const sizes = tensors.map((t) => t.shape[d]);
  return record('cat', h, tensors, (g) => {
    let off = 0;
    return sizes.map((s) => {
      const r = narrow(g, d, off, s);
      off += s;
      return r;
    });
  });
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('stack: expected a non-empty array of tensors');
  tensors.forEach((t, i) => live(t, 'stack', `element ${i}`));
  const s0 = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (t.shape.join() !== s0.join()) {
      throw new RangeError(`stack: expected tensors of one shape but element ${i} has ${shapeStr(t.shape)} and element 0 has ${shapeStr(s0)}`);
    }
  });
  const d = wrapDim('stack', dim, s0.length + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Rows (or slices along dim) picked by a 1-D int index. */
export function indexSelect(t: Tensor, dim: number, index: Tensor): Tensor {
  live(t, 'index_select');
  live(index, 'index_select', 'index');
  const d = wrapDim('index_select', dim, t.ndim);
  const h = native.indexSelect(t._h, d, index._h);
  const inShape = t.shape;
  return record('index_select', h, [t], (g) => {
    // index_add as scatter_add with the index broadcast along the other dims.
    const ishape = g.shape.map((_, i) => (i === d ? g.shape[d] : 1));
    const st = contiguousStrides(ishape).map((s, i) => (i === d ? 1 : 0));
    const ic = native.contiguous(index._h);
    const idx = native.contiguous(native.asStrided(ic, g.shape, st, ic.offset));
    return [new Tensor(native.scatterAdd(inShape, d, idx, native.contiguous(g._h)))];
  });
}

export function gather(t: Tensor, dim: number, index: Tensor): Tensor {
  live(t, 'gather');
  live(index, 'gather', 'index');
  const d = wrapDim('gather', dim, t.ndim);
  const inShape = t.shape;
  return record('gather', native.gather(t._h, d, index._h), [t], (g) => [
    new Tensor(native.scatterAdd(inShape, d, index._h, native.contiguous(g._h))),
  ]);
}
