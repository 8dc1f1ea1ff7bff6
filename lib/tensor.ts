// Tensor: a handle to native storage (a strided view) plus shape, dtype, device and the
// autograd fields. Math lives in lib/ops; the methods here delegate to it.
import type { NativeTensor, TypedArrayOf } from '../binding';
import { native } from './native';
import { Node, BackwardFn } from './autograd/node';
import { isGradEnabled } from './autograd/grad_mode';
import { runBackward } from './autograd/engine';
import * as ops from './ops';

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';
export type Device = 'cpu';
export type NestedArray = number | boolean | NestedArray[];
export type Scalar = number;

export const TYPED_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
} as const;

export type TypedArrayFor<D extends DType> = InstanceType<(typeof TYPED_ARRAYS)[D]>;

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/**
 * @internal tidy() scopes, innermost last: every tensor made while one is open is recorded in
 * it. kept: tensors that outlive any scope they were made in (keep(), leaf gradients, buffers,
 * optimizer state).
 */
export const tidyScopes: Tensor[][] = [];
export const keptTensors = new WeakSet<Tensor>();

/** Marks t to survive the tidy() scopes it was made in; returns t. */
export function keep<T extends Tensor>(t: T): T {
  keptTensors.add(t);
  return t;
}

let tensorsMade = 0;
/** @internal how many tensors were made so far: a tensor's _id is its rank in that order */
export function tensorCount(): number {
  return tensorsMade;
}

export class Tensor {
  /** @internal the native handle */
  _h: NativeTensor;
  /** @internal creation order (the backward engine frees the gradients made during its pass) */
  readonly _id: number = tensorsMade++;
  readonly shape: number[];
  readonly dtype: DType;
  readonly device: Device = 'cpu';
  requiresGrad = false;
  /** @internal the gradient, as flint's own code reads and writes it (see `grad`) */
  _grad: Tensor | null = null;
  /**
   * @internal made by the backward engine as a leaf's gradient and never handed to code
   * outside flint (it was not read through `grad`): clearing it may free it at once.
   */
  _unseen = false;

  /** Accumulated gradient after backward() (leaves only). */
  get grad(): Tensor | null {
    const g = this._grad;
    if (g !== null) g._unseen = false;
    return g;
  }
  set grad(g: Tensor | null) {
    this._grad = g;
  }

  /**
   * @internal Sets the gradient to null (zeroGrad's default). A gradient the engine made that
   * no code outside flint has seen is freed now, as PyTorch frees it with its last reference:
   * the next backward reuses its memory while it is still in cache, and the garbage collector
   * has megabytes less to find each step.
   */
  _dropGrad(): void {
    const g = this._grad;
    this._grad = null;
    if (g !== null && g._unseen && !g._h.disposed) g._h.dispose();
  }
  /** The op that produced this tensor (null for leaves). */
  gradFn: Node | null = null;

  /** @internal use the creation functions (tensor, zeros, ...) instead */
  constructor(h: NativeTensor) {
    this._h = h;
    this.shape = h.shape;
    this.dtype = h.dtype as DType;
    if (tidyScopes.length !== 0) tidyScopes[tidyScopes.length - 1].push(this);
  }

  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  get size(): number {
    return this.numel();
  }
  numel(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
  get strides(): number[] {
    return this._live('strides')._h.strides;
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  get disposed(): boolean {
    return this._h.disposed;
  }
  isContiguous(): boolean {
    return this._live('isContiguous')._h.isContiguous;
  }

  /** @internal throws a clear error when the tensor was disposed */
  _live(op: string): this {
    if (this._h.disposed) throw new TypeError(`${op}: tensor was disposed (by dispose() or at the end of a tidy() scope) and can no longer be used`);
    return this;
  }

  // ---- reading out (always copies: no views of native memory are handed to JS) ----

  /** A typed-array copy of the elements in row-major order. */
  dataSync(): TypedArrayOf {
    this._live('dataSync');
    const out = new TYPED_ARRAYS[this.dtype](this.numel());
    return this._h.read(out);
  }
  /** Asynchronous twin of dataSync (the copy is synchronous today). */
  async data(): Promise<TypedArrayOf> {
    return this.dataSync();
  }
  /** Nested JS arrays of numbers. */
  toArray(): NestedArray {
    const flat = this.dataSync();
    const vals: number[] = Array.from(flat as ArrayLike<number | bigint>, (v) => Number(v));
    if (this.shape.length === 0) return vals[0];
    const build = (dim: number, off: number): NestedArray[] => {
      const n = this.shape[dim];
      const out: NestedArray[] = new Array(n);
      if (dim === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = vals[off + i];
        return out;
      }
      let step = 1;
      for (let k = dim + 1; k < this.shape.length; k++) step *= this.shape[k];
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, off + i * step);
      return out;
    };
    return build(0, 0);
  }
  /** The value of a one-element tensor as a number. */
  item(): number {
    if (this.numel() !== 1) {
      throw new RangeError(`item: expected a tensor with one element but got shape [${this.shape}]`);
    }
    return Number(this.dataSync()[0]);
  }

  toString(): string {
    return `tensor(${JSON.stringify(this.toArray())}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  /** Frees the native memory now. Later use throws. Views of it keep the storage alive. */
  dispose(): void {
    this._h.dispose();
    if (this._grad) {
      this._grad.dispose();
      this._grad = null;
    }
    // gradFn stays: a graph through this tensor still backpropagates (ops whose backward
    // needs the freed values say so).
  }

  // ---- autograd ----

  /** Sets requiresGrad in place (leaves only) and returns this. */
  requiresGrad_(on = true): this {
    if (!this.isLeaf && !on) {
      throw new Error('requiresGrad_: cannot turn off requiresGrad on a non-leaf tensor; use detach()');
    }
    if (on && !isFloat(this.dtype)) {
      throw new TypeError(`requiresGrad_: only float tensors can require gradients (got ${this.dtype})`);
    }
    this.requiresGrad = on;
    return this;
  }

  /** A tensor sharing storage, cut off from the graph. It has its own handle: disposing it
   * leaves this tensor alive (the storage lives while either does). */
  detach(): Tensor {
    const h = this._live('detach')._h;
    return new Tensor(native.asStrided(h, h.shape, h.strides, h.offset));
  }

  /**
   * Computes gradients of this tensor with respect to graph leaves. For a non-scalar tensor
   * pass the gradient of some scalar with respect to it.
   */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    this._live('backward');
    if (!this.requiresGrad) {
      throw new Error('backward: tensor does not require grad and has no gradFn (did you call it inside noGrad?)');
    }
    let g = gradient;
    if (g !== undefined && g !== null && !(g instanceof Tensor)) {
      throw new TypeError('backward: expected gradient to be a tensor (options go second: backward(undefined, { retainGraph: true }))');
    }
    if (!g) {
      if (this.numel() !== 1) {
        throw new RangeError(
          `backward: grad can be implicitly created only for scalar outputs (shape [${this.shape}]); pass a gradient`,
        );
      }
      g = new Tensor(native.full(this.shape, this.dtype, 1));
    } else if (g.shape.join() !== this.shape.join()) {
      throw new RangeError(`backward: gradient shape [${g.shape}] does not match tensor shape [${this.shape}]`);
    } else if (g.dtype !== this.dtype) {
      // As PyTorch's engine does (validate_outputs): the gradient takes the tensor's dtype.
      if (!isFloat(g.dtype)) throw new TypeError(`backward: expected a float gradient but got ${g.dtype}`);
      g = new Tensor(native.cast(g._live('backward')._h, this.dtype));
    }
    runBackward(this, g, opts.retainGraph ?? false);
    if (g !== gradient) g._h.dispose(); // the seed made here (leaves got copies of it)
  }

  /** @internal in-place gradient accumulation: this += g */
  _accumulate(g: Tensor): void {
    native.accumulate(this._h, g._h, 1);
  }

  // ---- delegations to lib/ops ----
  view(...shape: (number | number[])[]): Tensor { return ops.view(this, flatShape(shape)); }
  reshape(...shape: (number | number[])[]): Tensor { return ops.reshape(this, flatShape(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return ops.flatten(this, startDim, endDim); }
  squeeze(dim?: number): Tensor { return ops.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return ops.unsqueeze(this, dim); }
  transpose(dim0: number, dim1: number): Tensor { return ops.transpose(this, dim0, dim1); }
  t(): Tensor { return ops.t(this); }
  get T(): Tensor { return ops.permute(this, this.shape.map((_, i) => this.shape.length - 1 - i)); }
  permute(...dims: (number | number[])[]): Tensor { return ops.permute(this, flatShape(dims)); }
  expand(...shape: (number | number[])[]): Tensor { return ops.expand(this, flatShape(shape)); }
  narrow(dim: number, start: number, length: number): Tensor { return ops.narrow(this, dim, start, length); }
  select(dim: number, index: number): Tensor { return ops.select(this, dim, index); }
  contiguous(): Tensor { return ops.contiguous(this); }
  clone(): Tensor { return ops.clone(this); }
  to(dtype: DType): Tensor { return ops.cast(this, dtype); }
  float(): Tensor { return ops.cast(this, 'float32'); }
  double(): Tensor { return ops.cast(this, 'float64'); }
  long(): Tensor { return ops.cast(this, 'int64'); }

  add(other: Tensor | number, alpha?: number): Tensor { return ops.add(this, other, alpha); }
  sub(other: Tensor | number, alpha?: number): Tensor { return ops.sub(this, other, alpha); }
  mul(other: Tensor | number): Tensor { return ops.mul(this, other); }
  div(other: Tensor | number): Tensor { return ops.div(this, other); }
  pow(exponent: number): Tensor { return ops.pow(this, exponent); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  relu(): Tensor { return ops.relu(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  softmax(dim: number): Tensor { return ops.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return ops.logSoftmax(this, dim); }
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  eq(other: Tensor | number): Tensor { return ops.eq(this, other); }
  lt(other: Tensor | number): Tensor { return ops.lt(this, other); }
  gt(other: Tensor | number): Tensor { return ops.gt(this, other); }

  sum(dim?: number | number[], keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  mean(dim?: number | number[], keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? ops.maxAll(this) : ops.maxDim(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor { return ops.argmax(this, dim, keepdim); }

  // in place (no autograd; for initialisation and optimizers)
  fill_(value: number): this { ops.checkInPlace(this, 'fill_'); native.fill_(this._h, value); return this; }
  zero_(): this { return this.fill_(0); }
  copy_(src: Tensor): this { ops.checkInPlace(this, 'copy_'); native.copy_(this._h, src._h); return this; }
  uniform_(low = 0, high = 1): this { ops.checkInPlace(this, 'uniform_'); native.uniform_(this._h, low, high); return this; }
  normal_(mean = 0, std = 1): this { ops.checkInPlace(this, 'normal_'); native.normal_(this._h, mean, std); return this; }
}

function flatShape(args: (number | number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return args[0];
  return args as number[];
}

/**
 * Wraps a native result as a tensor and, when grad mode is on and an input requires grad,
 * records the op in the graph with its backward.
 * @internal
 */
export function record(name: string, h: NativeTensor, inputs: Tensor[], backward: BackwardFn): Tensor {
  const out = new Tensor(h);
  if (isGradEnabled()) {
    for (const x of inputs) {
      if (x.requiresGrad) {
        out.requiresGrad = true;
        out.gradFn = new Node(name, inputs, backward, h);
        break;
      }
    }
  }
  return out;
}
