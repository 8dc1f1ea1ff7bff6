// Tensor creation: tensor(), zeros, ones, full, rand, randn, arange, *Like.
import type { TypedArrayOf } from '../../binding';
import { native } from '../native';
import { DType, NestedArray, Tensor, TYPED_ARRAYS } from '../tensor';
import { numelOf, shapeStr } from './util';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

const DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8'];

function checkDtype(op: string, d: DType): DType {
  if (!DTYPES.includes(d)) throw new TypeError(`${op}: unknown dtype '${d}' (expected ${DTYPES.join(', ')})`);
  return d;
}

function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: expected shape to be an array of integers`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: expected a shape of non-negative integers but got ${shapeStr(shape)}`);
    }
  }
  return shape.slice();
}

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function dtypeOfTyped(data: ArrayBufferView): DType | null {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  return null;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0];
  }
  return shape;
}

function flattenNested(data: NestedArray, shape: number[], out: number[], dim: number): void {
  if (dim === shape.length) {
    if (typeof data === 'boolean') out.push(data ? 1 : 0);
    else if (typeof data === 'number') out.push(data);
    else throw new TypeError(`tensor: expected a number at depth ${dim} but got ${Array.isArray(data) ? 'an array' : typeof data}`);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new RangeError(
      `tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim} but got ${Array.isArray(data) ? data.length : typeof data}`,
    );
  }
  for (const x of data) flattenNested(x, shape, out, dim + 1);
}

const INT_LIMITS: Partial<Record<DType, [number, number]>> = {
  int32: [-2147483648, 2147483647],
  int64: [-9223372036854775808, 9223372036854775807],
  uint8: [0, 255],
};

/**
 * Makes a tensor from nested arrays, a number, or a flat typed array with `shape`.
 * Numbers default to float32 (pass `dtype: 'int64'` for class labels); a typed array keeps its
 * own dtype unless `dtype` says otherwise. The data is copied.
 */
export function tensor(
  data: NestedArray | TypedArrayOf | number[],
  opts: TensorOptions & { shape?: number[] } = {},
): Tensor {
  const typed = ArrayBuffer.isView(data) ? dtypeOfTyped(data) : null;
  if (ArrayBuffer.isView(data) && !typed) throw new TypeError('tensor: unsupported typed array type');
  const dtype = checkDtype('tensor', opts.dtype ?? typed ?? 'float32');
  if (typed) {
    const arr = data as TypedArrayOf;
    const shape = opts.shape ? checkShape('tensor', opts.shape) : [arr.length];
    if (numelOf(shape) !== arr.length) {
      throw new RangeError(`tensor: data has ${arr.length} elements but shape ${shapeStr(shape)} needs ${numelOf(shape)}`);
    }
    if (typed === dtype) return finish(new Tensor(native.fromData(arr, shape, dtype)), opts);
    // Convert through the native cast (no per-element JS work).
    const src = (arr as ArrayBufferView) instanceof Uint8ClampedArray ? new Uint8Array(arr.buffer, arr.byteOffset, arr.length) : arr;
    const raw = new Tensor(native.fromData(src, shape, typed));
    return finish(new Tensor(native.cast(raw._h, dtype)), opts);
  }
  const nested = data as NestedArray;
  const shape = inferShape(nested);
  const flat: number[] = [];
  flattenNested(nested, shape, flat, 0);
  const finalShape = opts.shape ? checkShape('tensor', opts.shape) : shape;
  if (numelOf(finalShape) !== flat.length) {
    throw new RangeError(`tensor: data has ${flat.length} elements but shape ${shapeStr(finalShape)} needs ${numelOf(finalShape)}`);
  }
  const range = INT_LIMITS[dtype];
  if (range) {
    // Integer dtypes hold exact integers in range only (PyTorch raises on overflow too).
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i];
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
        throw new RangeError(`tensor: value ${v} at flat index ${i} is not an integer in the range of ${dtype} [${range[0]}, ${range[1]}]`);
      }
    }
  }
  const arr = dtype === 'int64' ? BigInt64Array.from(flat, (v) => BigInt(v)) : new TYPED_ARRAYS[dtype](flat);
  return finish(new Tensor(native.fromData(arr as TypedArrayOf, finalShape, dtype)), opts);
}

type ShapeArg = number[] | [number[]];
function shapeOf(op: string, args: ShapeArg): number[] {
  const s = args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
  return checkShape(op, s);
}

export function full(shape: number[], value: number, opts: TensorOptions = {}): Tensor {
  const dtype = checkDtype('full', opts.dtype ?? 'float32');
  return finish(new Tensor(native.full(checkShape('full', shape), dtype, value)), opts);
}
export function zeros(shape: number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}
export function ones(shape: number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}
export function empty(shape: number[], opts: TensorOptions = {}): Tensor {
  const dtype = checkDtype('empty', opts.dtype ?? 'float32');
  return finish(new Tensor(native.empty(checkShape('empty', shape), dtype)), opts);
}
/** Uniform on [0, 1). */
export function rand(shape: number[], opts: TensorOptions = {}): Tensor {
  const t = empty(shape, { dtype: opts.dtype ?? 'float32' });
  native.uniform_(t._h, 0, 1);
  return finish(t, opts);
}
/** Standard normal. */
export function randn(shape: number[], opts: TensorOptions = {}): Tensor {
  const t = empty(shape, { dtype: opts.dtype ?? 'float32' });
  native.normal_(t._h, 0, 1);
  return finish(t, opts);
}
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...opts });
}
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...opts });
}
export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, ...opts });
}

/** arange(end) or arange(start, end, step); float32 unless dtype is given. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  for (const [k, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`arange: ${k} must be a finite number but got ${String(v)}`);
  }
  if (step === 0) throw new RangeError('arange: step must be finite and non-zero but got 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (n > 2 ** 31 - 1) throw new RangeError(`arange: ${n} elements are too many (start ${start}, end ${end}, step ${step})`);
  const dtype = checkDtype('arange', opts.dtype ?? 'float32');
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = start + i * step;
  const t = new Tensor(native.fromData(vals, [n], 'float64'));
  return finish(dtype === 'float64' ? t : new Tensor(native.cast(t._h, dtype)), opts);
}

export { shapeOf as _shapeOf };
