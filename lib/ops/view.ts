// View ops: new shapes and strides over the same storage (one native asStrided call), and
// their backwards. reshape/flatten copy only when a view is impossible.
import { native } from '../native';
import { DType, isFloat, record, Tensor } from '../tensor';
import { contiguousStrides, numelOf, reshapeRaw, sameShape, shapeStr, sumToShape, wrapDim, live } from './util';

function asStrided(t: Tensor, shape: number[], strides: number[], offset: number): Tensor['_h'] {
  return native.asStrided(t._h, shape, strides, offset);
}

/** Resolves one -1 in a requested shape; checks the element count. */
function inferView(op: string, t: Tensor, shape: number[]): number[] {
  const out = shape.slice();
  let neg = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (neg >= 0) throw new RangeError(`${op}: only one dimension can be -1 but got ${shapeStr(shape)}`);
      neg = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: invalid shape ${shapeStr(shape)}`);
    } else known *= d;
  }
  const n = t.numel();
  if (neg >= 0) {
    if (known === 0 || n % known !== 0) {
      throw new RangeError(`${op}: shape ${shapeStr(shape)} is invalid for input of size ${n} (shape ${shapeStr(t.shape)})`);
    }
    out[neg] = n / known;
  } else if (known !== n) {
    throw new RangeError(`${op}: shape ${shapeStr(shape)} is invalid for input of size ${n} (shape ${shapeStr(t.shape)})`);
  }
  return out;
}

function viewBackward(input: Tensor) {
  const shape = input.shape;
  return (g: Tensor) => [reshapeRaw(g, shape.slice())];
}

export function view(t: Tensor, shape: number[]): Tensor {
  live(t, 'view');
  const s = inferView('view', t, shape);
  if (!t.isContiguous()) {
    throw new RangeError(
      `view: tensor of shape ${shapeStr(t.shape)} is not contiguous, so it cannot be viewed as ${shapeStr(s)}; use reshape()`,
    );
  }
  return record('view', asStrided(t, s, contiguousStrides(s), t._h.offset), [t], viewBackward(t));
}

export function reshape(t: Tensor, shape: number[]): Tensor {
  live(t, 'reshape');
  const s = inferView('reshape', t, shape);
  if (t.isContiguous()) return view(t, s);
  return view(contiguous(t), s);
}

export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const s = wrapDim('flatten', startDim, t.ndim);
  const e = wrapDim('flatten', endDim, t.ndim);
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...t.shape.slice(0, s), numelOf(t.shape.slice(s, e + 1)), ...t.shape.slice(e + 1)];
  return reshape(t, shape);
}

export function squeeze(t: Tensor, dim?: number): Tensor {
  const st = t.strides;
  const keep = (i: number) => (dim === undefined ? t.shape[i] !== 1 : i !== wrapDim('squeeze', dim, t.ndim) || t.shape[i] !== 1);
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < t.ndim; i++) if (keep(i)) { shape.push(t.shape[i]); strides.push(st[i]); }
  return record('squeeze', asStrided(t, shape, strides, t._h.offset), [t], viewBackward(t));
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = wrapDim('unsqueeze', dim, t.ndim + 1);
  const st = t.strides;
  const shape = t.shape.slice();
  const strides = st.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < t.ndim ? st[d] * t.shape[d] : 1);
  return record('unsqueeze', asStrided(t, shape, strides, t._h.offset), [t], viewBackward(t));
}

export function permute(t: Tensor, dims: number[]): Tensor {
  live(t, 'permute');
  if (dims.length !== t.ndim) {
    throw new RangeError(`permute: expected ${t.ndim} dims for shape ${shapeStr(t.shape)} but got ${shapeStr(dims)}`);
  }
  const ds = dims.map((d) => wrapDim('permute', d, t.ndim));
  if (new Set(ds).size !== ds.length) throw new RangeError(`permute: repeated dim in ${shapeStr(dims)}`);
  const st = t.strides;
  const inv = new Array<number>(ds.length);
  ds.forEach((d, i) => (inv[d] = i));
  return record(
    'permute',
    asStrided(t, ds.map((d) => t.shape[d]), ds.map((d) => st[d]), t._h.offset),
    [t],
    (g) => [permute(g, inv)],
  );
}

export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  const a = wrapDim('transpose', dim0, t.ndim);
  const b = wrapDim('transpose', dim1, t.ndim);
  const dims = t.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(t, dims);
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dimensions but got shape ${shapeStr(x.shape)}`);
  // a new view even for 0-D/1-D input (disposing it must not dispose x), as PyTorch
  return x.ndim < 2 ? permute(x, x.shape.map((_, i) => i)) : transpose(x, 0, 1);
}

export function expand(t: Tensor, shape: number[]): Tensor {
  live(t, 'expand');
  if (shape.length < t.ndim) {
    throw new RangeError(`expand: cannot expand shape ${shapeStr(t.shape)} to ${shapeStr(shape)} (fewer dimensions)`);
  }
  const st = t.strides;
  const lead = shape.length - t.ndim;
  const outShape: number[] = [];
  const outStrides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const src = i < lead ? 1 : t.shape[i - lead];
    const want = shape[i] === -1 ? src : shape[i];
    if (i < lead && shape[i] === -1) throw new RangeError(`expand: -1 is not allowed in new leading dims ${shapeStr(shape)}`);
    if (src !== want && src !== 1) {
      throw new RangeError(`expand: cannot expand shape ${shapeStr(t.shape)} to ${shapeStr(shape)} (dim ${i}: ${src} vs ${want})`);
    }
    outShape.push(want);
    outStrides.push(i < lead || (src === 1 && want !== 1) ? 0 : st[i - lead]);
  }
  const inShape = t.shape;
  return record('expand', asStrided(t, outShape, outStrides, t._h.offset), [t], (g) => [sumToShape(g, inShape)]);
}

/** Elements start..start+length-1 along dim (a view). */
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  const d = wrapDim('narrow', dim, t.ndim);
  const size = t.shape[d];
  if (start < 0) start += size;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > size) {
    throw new RangeError(`narrow: start ${start} and length ${length} out of range for dim ${d} of size ${size} (shape ${shapeStr(t.shape)})`);
  }
  const st = t.strides;
  const shape = t.shape.slice();
  shape[d] = length;
  const inShape = t.shape;
  return record('narrow', asStrided(t, shape, st, t._h.offset + start * st[d]), [t], (g) => {
    const z = new Tensor(native.full(inShape, g.dtype, 0));
    native.copy_(native.asStrided(z._h, g.shape, contiguousStrides(inShape), start * contiguousStrides(inShape)[d]), g._h);
    return [z];
  });
}

/** The slice at index along dim, with that dim removed (a view). */
export function select(t: Tensor, dim: number, index: number): Tensor {
  const d = wrapDim('select', dim, t.ndim);
  const size = t.shape[d];
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(i) || i < 0 || i >= size) {
    throw new RangeError(`select: index ${index} out of range for dim ${d} of size ${size} (shape ${shapeStr(t.shape)})`);
  }
  return squeeze(narrow(t, d, i, 1), d);
}

export function contiguous(t: Tensor): Tensor {
  live(t, 'contiguous');
  if (t.isContiguous()) return t;
  return record('contiguous', native.contiguous(t._h), [t], (g) => [g]);
}

export function clone(t: Tensor): Tensor {
  live(t, 'clone');
  return record('clone', native.clone(t._h), [t], (g) => [g]);
}

export function cast(t: Tensor, dtype: DType): Tensor {
  live(t, 'to');
  if (t.dtype === dtype) return t;
  const from = t.dtype;
  const h = native.cast(t._h, dtype);
  if (!isFloat(dtype) || !isFloat(from)) return new Tensor(h);
  return record('to', h, [t], (g) => [new Tensor(native.cast(g._h, from))]);
}

export { sameShape };
