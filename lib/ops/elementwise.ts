// Elementwise ops with broadcasting and their backwards (gradients reduce to each input's shape).
import { native } from '../native';
import { isGradEnabled } from '../autograd/grad_mode';
import { record, Tensor } from '../tensor';
import { cast } from './view';
import { sumToShape, live } from './util';

// Op codes of native/cpu/kernels.h (BinOp, UnOp).
export const enum Bin { Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Maximum = 5, Minimum = 6, ReluGrad = 7, Eq = 8, Lt = 9, Gt = 10, Le = 11, Ge = 12, Ne = 13 }
export const enum Un { Neg = 0, Exp = 1, Log = 2, Relu = 3, Sqrt = 4, Abs = 5, Tanh = 6, Sigmoid = 7 }

function checkOther(op: string, other: unknown): void {
  if (typeof other === 'number') return;
  if (!(other instanceof Tensor)) throw new TypeError(`${op}: expected other to be a tensor or a number but got ${typeof other}`);
}

/**
 * Type promotion for a number operand, as PyTorch: an integer tensor meets a fractional
 * number (or one its dtype cannot hold) as float32; otherwise the tensor keeps its dtype.
 */
const INT_RANGE: Record<string, [number, number]> = {
  int32: [-2147483648, 2147483647],
  int64: [-9223372036854775808, 9223372036854775807],
  uint8: [0, 255],
};
function promoteForScalar(a: Tensor, s: number): Tensor {
  const r = INT_RANGE[a.dtype];
  if (!r || (Number.isInteger(s) && s >= r[0] && s <= r[1])) return a;
  return cast(a, 'float32');
}
/** PyTorch's `/` is true division: integer operands are divided as float32. */
function asFloatForDiv(a: Tensor, other?: Tensor): Tensor {
  if (isFloatDtype(a.dtype)) return a;
  return cast(a, other && isFloatDtype(other.dtype) ? other.dtype : 'float32');
}
function isFloatDtype(d: string): boolean {
  return d === 'float32' || d === 'float64';
}

function bin(op: Bin, a: Tensor, b: Tensor): Tensor {
  return new Tensor(native.binary(op, a._h, b._h));
}
function binS(op: Bin, a: Tensor, s: number, reverse = false): Tensor {
  return new Tensor(native.binaryScalar(op, a._h, s, reverse));
}
function un(op: Un, a: Tensor): Tensor {
  return new Tensor(native.unary(op, a._h));
}

export function add(a: Tensor, b: Tensor | number, alpha = 1): Tensor {
  live(a, 'add');
  checkOther('add', b);
  if (typeof b === 'number') a = promoteForScalar(a, b * alpha);
  if (typeof b === 'number') return record('add', native.binaryScalar(Bin.Add, a._h, b * alpha, false), [a], (g) => [g]);
  const bs = alpha === 1 ? b : mul(b, alpha);
  const as = a.shape, bsh = b.shape;
  return record('add', native.binary(Bin.Add, a._h, bs._h), [a, b], (g) => [
    a.requiresGrad ? sumToShape(g, as) : null,
    b.requiresGrad ? sumToShape(alpha === 1 ? g : binS(Bin.Mul, g, alpha), bsh) : null,
  ]);
}

export function sub(a: Tensor, b: Tensor | number, alpha = 1): Tensor {
  live(a, 'sub');
  checkOther('sub', b);
  if (typeof b === 'number') a = promoteForScalar(a, b * alpha);
  if (typeof b === 'number') return record('sub', native.binaryScalar(Bin.Sub, a._h, b * alpha, false), [a], (g) => [g]);
  const bs = alpha === 1 ? b : mul(b, alpha);
  const as = a.shape, bsh = b.shape;
  return record('sub', native.binary(Bin.Sub, a._h, bs._h), [a, b], (g) => [
    a.requiresGrad ? sumToShape(g, as) : null,
    b.requiresGrad ? sumToShape(binS(Bin.Mul, g, -alpha), bsh) : null,
  ]);
}

/** other - a, for a number other (PyTorch's rsub). */
export function rsub(a: Tensor, other: number): Tensor {
  a = promoteForScalar(a, other);
  return record('rsub', native.binaryScalar(Bin.Sub, a._h, other, true), [a], (g) => [un(Un.Neg, g)]);
}

export function mul(a: Tensor, b: Tensor | number): Tensor {
  live(a, 'mul');
  checkOther('mul', b);
  if (typeof b === 'number') a = promoteForScalar(a, b);
  if (typeof b === 'number') return record('mul', native.binaryScalar(Bin.Mul, a._h, b, false), [a], (g) => [binS(Bin.Mul, g, b)]);
  return record('mul', native.binary(Bin.Mul, a._h, b._h), [a, b], (g) => [
    a.requiresGrad ? sumToShape(bin(Bin.Mul, g, b), a.shape) : null,
    b.requiresGrad ? sumToShape(bin(Bin.Mul, g, a), b.shape) : null,
  ]);
}

export function div(a: Tensor, b: Tensor | number): Tensor {
  live(a, 'div');
  checkOther('div', b);
  if (typeof b !== 'number') {
    a = asFloatForDiv(a, b);
    b = asFloatForDiv(b, a);
  } else a = asFloatForDiv(a);
  if (typeof b === 'number') return record('div', native.binaryScalar(Bin.Div, a._h, b, false), [a], (g) => [binS(Bin.Div, g, b)]);
  const outH = native.binary(Bin.Div, a._h, b._h);
  const out = new Tensor(outH);
  return record('div', outH, [a, b], (g) => [
    a.requiresGrad ? sumToShape(bin(Bin.Div, g, b), a.shape) : null,
    // d(a/b)/db = -a/b^2 = -out/b
    b.requiresGrad ? sumToShape(un(Un.Neg, bin(Bin.Div, bin(Bin.Mul, g, out), b)), b.shape) : null,
  ]);
}

/** a ** p for a number p. */
export function pow(a: Tensor, p: number): Tensor {
  live(a, 'pow');
  if (typeof p !== 'number') throw new TypeError('pow: expected the exponent to be a number');
  return record('pow', native.binaryScalar(Bin.Pow, a._h, p, false), [a], (g) => {
    if (p === 0) return [binS(Bin.Mul, g, 0)];
    return [bin(Bin.Mul, g, binS(Bin.Mul, binS(Bin.Pow, a, p - 1), p))];
  });
}

export function neg(a: Tensor): Tensor {
  return record('neg', native.unary(Un.Neg, live(a, 'neg')._h), [a], (g) => [un(Un.Neg, g)]);
}

export function exp(a: Tensor): Tensor {
  const h = native.unary(Un.Exp, live(a, 'exp')._h);
  const out = new Tensor(h);
  return record('exp', h, [a], (g) => [bin(Bin.Mul, g, out)]);
}

export function log(a: Tensor): Tensor {
  return record('log', native.unary(Un.Log, live(a, 'log')._h), [a], (g) => [bin(Bin.Div, g, a)]);
}

export function sqrt(a: Tensor): Tensor {
  const h = native.unary(Un.Sqrt, live(a, 'sqrt')._h);
  const out = new Tensor(h);
  return record('sqrt', h, [a], (g) => [bin(Bin.Div, binS(Bin.Mul, g, 0.5), out)]);
}

export function abs(a: Tensor): Tensor {
  return record('abs', native.unary(Un.Abs, live(a, 'abs')._h), [a], (g) => [
    bin(Bin.Sub, bin(Bin.ReluGrad, g, a), bin(Bin.ReluGrad, g, un(Un.Neg, a))),
  ]);
}

export function relu(a: Tensor): Tensor {
  return record('relu', native.unary(Un.Relu, live(a, 'relu')._h), [a], (g) => [bin(Bin.ReluGrad, g, a)]);
}

export function tanh(a: Tensor): Tensor {
  const h = native.unary(Un.Tanh, live(a, 'tanh')._h);
  const out = new Tensor(h);
  // g * (1 - out^2)
  return record('tanh', h, [a], (g) => [bin(Bin.Mul, g, binS(Bin.Sub, bin(Bin.Mul, out, out), 1, true))]);
}

export function sigmoid(a: Tensor): Tensor {
  const h = native.unary(Un.Sigmoid, live(a, 'sigmoid')._h);
  const out = new Tensor(h);
  // g * out * (1 - out)
  return record('sigmoid', h, [a], (g) => [bin(Bin.Mul, g, bin(Bin.Mul, out, binS(Bin.Sub, out, 1, true)))]);
}

/**
 * Elementwise max/min with broadcasting. The gradient goes to the larger (smaller) operand,
 * half to each where they tie, and all of it to both where either is NaN (PyTorch's rule:
 * where(a == b, g / 2, g) masked to 0 where the operand loses).
 */
function minmax(op: Bin.Maximum | Bin.Minimum, name: string, a: Tensor, b: Tensor): Tensor {
  live(a, name);
  if (!(b instanceof Tensor)) throw new TypeError(`${name}: expected other to be a tensor`);
  const aLoses = op === Bin.Maximum ? Bin.Lt : Bin.Gt;
  const bLoses = op === Bin.Maximum ? Bin.Gt : Bin.Lt;
  return record(name, native.binary(op, a._h, b._h), [a, b], (g) => {
    const mask = (c: Bin) => new Tensor(native.cast(native.binary(c, a._h, b._h), g.dtype));
    const half = binS(Bin.Mul, mask(Bin.Eq), 0.5);
    // weight = 1 - (loses + half): 1 where winning or NaN, 1/2 on ties, 0 where losing
    const weight = (loses: Bin) => binS(Bin.Sub, bin(Bin.Add, mask(loses), half), 1, true);
    return [
      a.requiresGrad ? sumToShape(bin(Bin.Mul, g, weight(aLoses)), a.shape) : null,
      b.requiresGrad ? sumToShape(bin(Bin.Mul, g, weight(bLoses)), b.shape) : null,
    ];
  });
}
export function maximum(a: Tensor, b: Tensor): Tensor {
  return minmax(Bin.Maximum, 'maximum', a, b);
}
export function minimum(a: Tensor, b: Tensor): Tensor {
  return minmax(Bin.Minimum, 'minimum', a, b);
}

function compare(op: Bin, name: string, a: Tensor, b: Tensor | number): Tensor {
  live(a, name);
  checkOther(name, b);
  return typeof b === 'number' ? binS(op, a, b) : bin(op, a, b);
}
/** Comparisons return uint8 tensors of 0/1 (no gradient). */
export const eq = (a: Tensor, b: Tensor | number) => compare(Bin.Eq, 'eq', a, b);
export const ne = (a: Tensor, b: Tensor | number) => compare(Bin.Ne, 'ne', a, b);
export const lt = (a: Tensor, b: Tensor | number) => compare(Bin.Lt, 'lt', a, b);
export const le = (a: Tensor, b: Tensor | number) => compare(Bin.Le, 'le', a, b);
export const gt = (a: Tensor, b: Tensor | number) => compare(Bin.Gt, 'gt', a, b);
export const ge = (a: Tensor, b: Tensor | number) => compare(Bin.Ge, 'ge', a, b);

/** Throws unless t may be written in place (no autograd history to corrupt). */
export function checkInPlace(t: Tensor, op: string): void {
  t._live(op);
  if (t.requiresGrad && t.isLeaf && isGradEnabled()) {
    throw new Error(`${op}: a leaf tensor that requires grad cannot be modified in place outside noGrad()`);
  }
}

