// Shared helpers for ops: shape arithmetic, scalar conversion and broadcasting's backward.
import { native } from '../native';
import { Tensor } from '../tensor';

export function shapeStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

export function numelOf(s: readonly number[]): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

export function contiguousStrides(s: readonly number[]): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

/**
 * The first check of an op: x is a tensor (not an array, a number or null) that was not
 * disposed. Returns x. Errors name the op and what came instead.
 */
export function live<T extends Tensor>(x: T, op: string, arg = 'input'): T {
  if (!(x instanceof Tensor)) {
    const got = x === null ? 'null' : Array.isArray(x) ? 'an array (make one with tensor())' : typeof x;
    throw new TypeError(`${op}: expected ${arg} to be a tensor but got ${got}`);
  }
  if (arg !== 'input' && x.disposed) throw new TypeError(`${op}: ${arg} was disposed (by dispose() or at the end of a tidy() scope) and can no longer be used`);
  return x._live(op);
}

export function wrapDim(op: string, d: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(d) || d < -n || d >= n) {
    throw new RangeError(`${op}: dim ${d} out of range for a tensor with ${ndim} dimensions`);
  }
  return d < 0 ? d + n : d;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A contiguous tensor viewed with a new shape of the same numel (no autograd). */
export function reshapeRaw(t: Tensor, shape: number[]): Tensor {
  const contiguous = t.isContiguous();
  if (contiguous && sameShape(t.shape, shape)) return t;
  const c = contiguous ? t : new Tensor(native.contiguous(t._h));
  if (sameShape(c.shape, shape)) return c;
  return new Tensor(native.asStrided(c._h, shape, contiguousStrides(shape), c._h.offset));
}

/** Sums g over broadcast dimensions so that it has `shape` (the backward of broadcasting). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const s = dims.length ? new Tensor(native.sum(g._h, dims, true, 1)) : g;
  return reshapeRaw(s, shape.slice());
}

/** A 0-d tensor of the given dtype holding v. */
export function scalarTensor(v: number, dtype: Tensor['dtype']): Tensor {
  return new Tensor(native.full([], dtype, v));
}
