// Image transforms, as torchvision.transforms: ToTensor, Normalize, Compose, Lambda, and the
// random augmentations RandomHorizontalFlip, RandomVerticalFlip, RandomRotation, RandomCrop,
// RandomAffine and GaussianNoise (their deterministic ops are in ./functional, exported here as
// `functional`).
// A transform is a function of one sample. Those that can also run on a whole batch at once
// carry a `batched` twin (same ops, a leading batch dim), which MNIST-family datasets use to
// build DataLoader batches with a few native calls instead of a few per sample. A random
// transform's twin draws parameters per sample (each image gets its own angle, crop, flip) and
// warps the whole batch in one native call.
//
// Randomness comes from flint's generator (native.randomBits), so manualSeed(s) fixes every
// augmentation. The per-sample and batched forms draw the same distributions but consume the
// generator in a different order (sample by sample vs transform by transform), so under one seed
// they give different, equally distributed, augmentations; each is reproducible on its own.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { shapeStr } from '../ops/util';
import { native } from '../native';
import * as F from './functional';
import {
  centreOf, channelsOf, checkBatch, checkFill, checkImage, Fill, InterpolationMode, inverseAffineMatrix, Padding, paddingLTRB,
  PaddingMode, padIndexed, shearPair, thetaFromCentred, warp,
} from './functional';

export { F as functional };
export type { Fill, InterpolationMode, Padding, PaddingMode } from './functional';

/** A sample transform; `batched`, when present, does the same to a batch [N, ...sample]. */
export type Transform<I = any, O = any> = ((x: I) => O) & {
  batched?: (xb: Tensor) => Tensor;
  /**
   * `batched(data[indices])` for a dataset's samples `data` [N, ...sample], gathering the rows
   * in the same native pass (ToTensor, and ToTensor + Normalize in a Compose, have one).
   */
  gathered?: (data: Tensor, indices: Int32Array) => Tensor;
  /** for printing: `ToTensor()`, `Normalize(mean=[0.5], std=[0.5])` */
  repr?: string;
};

function make<I, O>(fn: (x: I) => O, repr: string, batched?: (xb: Tensor) => Tensor,
  gathered?: (data: Tensor, indices: Int32Array) => Tensor): Transform<I, O> {
  const t = fn as Transform<I, O>;
  t.repr = repr;
  if (batched) t.batched = batched;
  if (gathered) t.gathered = gathered;
  t.toString = () => repr;
  return t;
}

/**
 * Frees an intermediate now rather than at garbage collection (fewer fresh allocations per
 * batch), unless autograd may still need it.
 */
function drop(t: Tensor): void {
  if (!t.requiresGrad) t.dispose();
}

function checkTensor(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a tensor but got ${x === null ? 'null' : typeof x}`);
  return x;
}

/** Marks on the transforms that Compose fuses (ToTensor followed by Normalize). */
interface Fusable {
  _toTensor?: true;
  _normalize?: { mean: number[]; std: number[] };
}

/**
 * ToTensor's conversion of x (an image, lead = 0, or a batch, lead = 1), with `norm` the
 * Normalize that follows it when Compose fused the two. uint8/float32/float64 without autograd
 * take one native pass (native scaleNormalize: the same arithmetic, in float32, as the op by op
 * path, so the same bits); anything else takes the ops. With `rows` (lead 1), x is a whole
 * dataset and the batch is x[rows], gathered in the same pass.
 */
function toTensorConvert(x: Tensor, lead: number, norm?: Transform & Fusable, rows?: Int32Array): Tensor {
  const rank = x.ndim - lead;
  if (rank !== 2 && rank !== 3) {
    const want = lead ? '[N, H, W] or [N, H, W, C]' : '[H, W] or [H, W, C]';
    throw new RangeError(`ToTensor: expected an image of shape ${want} but got ${shapeStr(x.shape)}`);
  }
  const s = rows ? [rows.length, ...x.shape.slice(1)] : x.shape;
  const channels = rank === 2 ? 1 : s[s.length - 1];
  const nm = norm?._normalize;
  const native1 = !x.requiresGrad && (x.dtype === 'uint8' || x.dtype === 'float32' || x.dtype === 'float64') &&
    (!nm || nm.mean.length === 1 || nm.mean.length === channels);
  if (!native1) {
    let xb = x;
    if (rows) {
      const idx = indexTensor(rows);
      xb = ops.indexSelect(x, 0, idx);
      idx.dispose();
    }
    const y = toTensorOps(xb, lead, rank);
    return norm ? norm(y) : y;
  }
  const div = x.dtype === 'uint8' ? 255 : 1;
  // [.., H, W]: one plane per image; [.., H, W, C]: channels interleaved (inner 1), permuted after
  const inner = rank === 2 ? Math.max(1, s[s.length - 1] * s[s.length - 2]) : 1;
  const idx = rows ? indexTensor(rows) : null;
  const y = new Tensor(native.scaleNormalize(x._h, 'float32', div, nm ? nm.mean : null, nm ? nm.std : null,
    nm && nm.mean.length > 1 ? channels : 1, inner, idx ? idx._h : null));
  idx?.dispose();
  if (rank === 2) return ops.reshape(y, lead ? [s[0], 1, s[1], s[2]] : [1, s[0], s[1]]);
  const c = ops.contiguous(lead ? ops.permute(y, [0, 3, 1, 2]) : ops.permute(y, [2, 0, 1]));
  if (!c._h.sameStorage(y._h)) drop(y); // one channel: the permuted view is already contiguous
  return c;
}

function indexTensor(rows: Int32Array): Tensor {
  return ops.tensor(rows, { dtype: 'int32', shape: [rows.length] });
}

/** ToTensor op by op (differentiable; any dtype). */
function toTensorOps(x: Tensor, lead: number, rank: number): Tensor {
  let y = ops.cast(x, 'float32');
  if (x.dtype === 'uint8') {
    const f = y;
    y = ops.div(f, 255);
    drop(f);
  }
  if (rank === 2) {
    const s = x.shape;
    return ops.reshape(y, lead ? [s[0], 1, s[1], s[2]] : [1, s[0], s[1]]);
  }
  const c = ops.contiguous(lead ? ops.permute(y, [0, 3, 1, 2]) : ops.permute(y, [2, 0, 1]));
  if (y !== x && !c._h.sameStorage(y._h)) drop(y);
  return c;
}

/**
 * Converts an image tensor to float32 [C, H, W]: uint8 [H, W] -> [1, H, W] and uint8 [H, W, C] ->
 * [C, H, W], scaled to [0, 1] by dividing by 255. Float input is cast to float32 and not scaled
 * (as torchvision does for non-uint8 arrays).
 * Example: `ToTensor()(mnist.data.select(0, 0))` has shape [1, 28, 28].
 */
export function ToTensor(): Transform<Tensor, Tensor> {
  const t = make(
    (x: Tensor) => toTensorConvert(checkTensor('ToTensor', x), 0),
    'ToTensor()',
    (xb: Tensor) => toTensorConvert(checkTensor('ToTensor', xb), 1),
    (data: Tensor, rows: Int32Array) => toTensorConvert(checkTensor('ToTensor', data), 1, undefined, rows),
  );
  (t as Fusable)._toTensor = true;
  return t;
}

/**
 * Normalizes each channel of a float tensor [..., C, H, W]: (x - mean[c]) / std[c].
 * One mean/std applies to every channel. Works on single images and on batches [N, C, H, W].
 * Example: `Normalize([0.5], [0.5])` maps [0, 1] to [-1, 1].
 */
export function Normalize(mean: number[], std: number[]): Transform<Tensor, Tensor> {
  const bad = (a: unknown) => !Array.isArray(a) || a.length === 0 || a.some((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad(mean) || bad(std)) throw new TypeError('Normalize: expected mean and std to be non-empty arrays of finite numbers');
  if (mean.length !== std.length) {
    throw new RangeError(`Normalize: mean has ${mean.length} values but std has ${std.length}`);
  }
  if (std.some((s) => s === 0)) throw new RangeError(`Normalize: std evaluated to zero in [${std.join(', ')}], leading to division by zero`);
  const c = mean.length;
  // per-channel constants [C, 1, 1] for the op-by-op (autograd) path, made on first use
  let m: Tensor | null = null;
  let s: Tensor | null = null;
  const fn = (x: Tensor): Tensor => {
    checkTensor('Normalize', x);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw new TypeError(`Normalize: expected a float tensor but got ${x.dtype} (apply ToTensor first)`);
    }
    if (x.ndim < 3) {
      throw new RangeError(`Normalize: expected a tensor image [..., C, H, W] but got shape ${shapeStr(x.shape)}`);
    }
    const xc = x.shape[x.ndim - 3];
    if (c !== 1 && xc !== c) {
      throw new RangeError(`Normalize: mean and std have ${c} values but the image has ${xc} channels (shape ${shapeStr(x.shape)})`);
    }
    if (!x.requiresGrad) {
      // one native pass, the same float arithmetic as the ops below
      const inner = Math.max(1, x.shape[x.ndim - 1] * x.shape[x.ndim - 2]);
      return new Tensor(native.scaleNormalize(x._h, x.dtype, 1, mean, std, c === 1 ? 1 : c, inner));
    }
    if (c === 1) {
      const d = ops.sub(x, mean[0]);
      const y = ops.div(d, std[0]);
      drop(d);
      return y;
    }
    if (!m || !s || m.dtype !== x.dtype) {
      m = ops.tensor(mean, { dtype: x.dtype, shape: [c, 1, 1] });
      s = ops.tensor(std, { dtype: x.dtype, shape: [c, 1, 1] });
    }
    const d = ops.sub(x, m);
    const y = ops.div(d, s);
    drop(d);
    return y;
  };
  const t = make(fn, `Normalize(mean=[${mean.join(', ')}], std=[${std.join(', ')}])`, fn);
  (t as Fusable)._normalize = { mean: mean.slice(), std: std.slice() };
  return t;
}

/** ToTensor then Normalize as one transform (one native pass where it can). */
function fuseToTensorNormalize(toT: Transform, norm: Transform): Transform {
  const one = (x: Tensor) => toTensorConvert(checkTensor('ToTensor', x), 0, norm);
  const batched = (xb: Tensor) => toTensorConvert(checkTensor('ToTensor', xb), 1, norm);
  const gathered = (data: Tensor, rows: Int32Array) => toTensorConvert(checkTensor('ToTensor', data), 1, norm, rows);
  return make(one, `${toT.repr}\n${norm.repr}`, batched, gathered);
}

/**
 * Chains transforms: `Compose([ToTensor(), Normalize([0.5], [0.5])])`. It has a batched form
 * when every member has one. A ToTensor directly followed by a Normalize runs as one native
 * pass (same values as the two in turn).
 */
export function Compose(list: Transform[]): Transform {
  if (!Array.isArray(list)) throw new TypeError('Compose: expected an array of transforms');
  list.forEach((t, i) => {
    if (typeof t !== 'function') throw new TypeError(`Compose: element ${i} is not a transform (a function)`);
  });
  const ts = list.slice();
  const repr = `Compose(\n${ts.map((t) => `    ${t.repr ?? t.name ?? 'Lambda()'}`).join('\n')}\n)`;
  const stages: Transform[] = [];
  for (let i = 0; i < ts.length; i++) {
    if ((ts[i] as Fusable)._toTensor && (ts[i + 1] as Fusable | undefined)?._normalize) {
      stages.push(fuseToTensorNormalize(ts[i], ts[i + 1]));
      i++;
    } else stages.push(ts[i]);
  }
  const batched = stages.every((t) => typeof t.batched === 'function')
    ? (xb: Tensor) => stages.reduce((x, t) => t.batched!(x), xb)
    : undefined;
  const gathered = batched && stages.length > 0 && stages[0].gathered
    ? (data: Tensor, rows: Int32Array) => stages.slice(1).reduce((x, t) => t.batched!(x), stages[0].gathered!(data, rows))
    : undefined;
  return make((x: unknown) => stages.reduce((v, t) => t(v), x), repr, batched, gathered);
}

/** Wraps a user function as a transform (no batched form). */
export function Lambda<I, O>(fn: (x: I) => O): Transform<I, O> {
  if (typeof fn !== 'function') throw new TypeError('Lambda: expected a function');
  return make((x: I) => fn(x), 'Lambda()');
}

// ---- random augmentations ----

/** A uniform draw in [a, b) from flint's generator (torch.empty(1).uniform_(a, b)). */
function uniform(a: number, b: number): number {
  return a + (b - a) * (native.randomBits() / 4294967296);
}
/** A uniform integer in [lo, hi) (torch.randint(lo, hi)). */
function randint(lo: number, hi: number): number {
  return lo + Math.floor((native.randomBits() / 4294967296) * (hi - lo));
}
/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function checkProb(op: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: p must be a probability in [0, 1] but got ${p}`);
  return p;
}

/** A range [lo, hi] from one number v (-> [-v, v], v >= 0) or a pair (torchvision's _setup_angle). */
function symRange(op: string, name: string, v: unknown): [number, number] {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${op}: if ${name} is a single number, it must be non-negative but got ${v}`);
    return [-v, v];
  }
  if (!Array.isArray(v) || v.length !== 2 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new TypeError(`${op}: ${name} must be a number or [min, max] but got ${JSON.stringify(v)}`);
  }
  if (v[0] > v[1]) throw new RangeError(`${op}: ${name} must be [min, max] with min <= max but got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

function fmt(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/**
 * Flips the image left to right with probability p (torchvision.transforms.RandomHorizontalFlip).
 * Works on [..., H, W]; the batched form flips each sample of [N, H, W] / [N, C, H, W] on its own.
 * Example: `Compose([RandomHorizontalFlip(), ToTensor()])`
 */
export function RandomHorizontalFlip(p = 0.5): Transform<Tensor, Tensor> {
  return randomFlip('RandomHorizontalFlip', checkProb('RandomHorizontalFlip', p), true);
}

/** Flips the image top to bottom with probability p (torchvision.transforms.RandomVerticalFlip). */
export function RandomVerticalFlip(p = 0.5): Transform<Tensor, Tensor> {
  return randomFlip('RandomVerticalFlip', checkProb('RandomVerticalFlip', p), false);
}

function randomFlip(op: string, p: number, horizontal: boolean): Transform<Tensor, Tensor> {
  const one = (x: Tensor) => {
    checkImage(op, x);
    return uniform(0, 1) < p ? (horizontal ? F.hflip(x) : F.vflip(x)) : x;
  };
  const batched = (xb: Tensor) => {
    checkBatch(op, xb);
    const n = xb.shape[0];
    const [h, w] = xb.shape.slice(-2);
    const theta = new Float64Array(n * 6);
    let any = false;
    for (let i = 0; i < n; i++) {
      const flip = uniform(0, 1) < p;
      any ||= flip;
      if (horizontal) theta.set(flip ? [-1, 0, w - 1, 0, 1, 0] : [1, 0, 0, 0, 1, 0], i * 6);
      else theta.set(flip ? [1, 0, 0, 0, -1, h - 1] : [1, 0, 0, 0, 1, 0], i * 6);
    }
    return any ? warp(xb, theta, h, w, 'nearest', null, true) : xb;
  };
  return make(one, `${op}(p=${p})`, batched);
}

export interface RandomRotationOptions {
  /** 'nearest' (default, as torchvision) or 'bilinear' */
  interpolation?: InterpolationMode;
  /** centre of rotation [x, y] in pixels (default: the image centre) */
  center?: [number, number];
  /** colour outside the rotated image: one value or one per channel (default 0) */
  fill?: Fill;
}

/**
 * Rotates the image by an angle drawn uniformly from [-degrees, degrees] (or [min, max]),
 * counter-clockwise, about its centre, keeping its size; the corners take `fill`
 * (torchvision.transforms.RandomRotation with expand=False).
 * Example: `RandomRotation(10)` or `RandomRotation([-15, 15], { interpolation: 'bilinear' })`
 */
export function RandomRotation(degrees: number | [number, number], opts: RandomRotationOptions = {}): Transform<Tensor, Tensor> {
  const op = 'RandomRotation';
  const [lo, hi] = symRange(op, 'degrees', degrees);
  const mode = opts.interpolation ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') throw new TypeError(`${op}: interpolation must be 'nearest' or 'bilinear' but got ${JSON.stringify(mode)}`);
  const fill = checkFill(op, opts.fill ?? 0);
  if ((opts as { expand?: boolean }).expand) throw new RangeError(`${op}: expand is not supported (the output keeps the input's size)`);
  const one = (x: Tensor) => {
    checkImage(op, x);
    checkFill(op, fill, channelsOf(x));
    return F.rotate(x, uniform(lo, hi), { interpolation: mode, center: opts.center, fill });
  };
  const batched = (xb: Tensor) => {
    checkBatch(op, xb);
    checkFill(op, fill, channelsOf(xb));
    const n = xb.shape[0];
    const [h, w] = xb.shape.slice(-2);
    const c = centreOf(op, opts.center, h, w);
    const theta = new Float64Array(n * 6);
    for (let i = 0; i < n; i++) thetaFromCentred(inverseAffineMatrix(c, -uniform(lo, hi), [0, 0], 1, [0, 0]), h, w, h, w, theta, i * 6);
    return warp(xb, theta, h, w, mode, fill, true);
  };
  return make(one, `${op}(degrees=[${fmt(lo)}, ${fmt(hi)}], interpolation=${mode}, expand=False, fill=${JSON.stringify(opts.fill ?? 0)})`, batched);
}

export interface RandomAffineOptions {
  /** rotation range in degrees: v -> [-v, v], or [min, max]; 0 for none (required, as torchvision) */
  degrees: number | [number, number];
  /** maximum absolute fractions [a, b] of width and height for the shift: |dx| <= a*W, |dy| <= b*H
   * (rounded to whole pixels, as torchvision) */
  translate?: [number, number];
  /** scale range [min, max] (default: keep the scale) */
  scale?: [number, number];
  /** shear range in degrees: v -> x in [-v, v]; [min, max] for x; [xmin, xmax, ymin, ymax] */
  shear?: number | [number, number] | [number, number, number, number];
  interpolation?: InterpolationMode;
  /** colour outside the transformed image (default 0) */
  fill?: Fill;
  center?: [number, number];
}

/**
 * A random affine transformation keeping the image centre fixed
 * (torchvision.transforms.RandomAffine): rotation (clockwise, degrees), translation, scale and
 * shear drawn per image.
 * Example: `RandomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1] })`
 */
export function RandomAffine(opts: RandomAffineOptions): Transform<Tensor, Tensor>;
export function RandomAffine(degrees: number | [number, number], opts?: Omit<RandomAffineOptions, 'degrees'>): Transform<Tensor, Tensor>;
export function RandomAffine(a: RandomAffineOptions | number | [number, number], b: Omit<RandomAffineOptions, 'degrees'> = {}): Transform<Tensor, Tensor> {
  const op = 'RandomAffine';
  const o: RandomAffineOptions = typeof a === 'number' || Array.isArray(a) ? { ...b, degrees: a } : a;
  if (o === null || typeof o !== 'object' || o.degrees === undefined) {
    throw new TypeError(`${op}: expected degrees (a number or [min, max]), e.g. RandomAffine({ degrees: 10 })`);
  }
  const deg = symRange(op, 'degrees', o.degrees);
  let translate: [number, number] | null = null;
  if (o.translate !== undefined) {
    const t = o.translate;
    if (!Array.isArray(t) || t.length !== 2 || t.some((v) => typeof v !== 'number' || !(v >= 0 && v <= 1))) {
      throw new RangeError(`${op}: translate must be [a, b] with values between 0 and 1 but got ${JSON.stringify(t)}`);
    }
    translate = [t[0], t[1]];
  }
  let scale: [number, number] | null = null;
  if (o.scale !== undefined) {
    const s = o.scale;
    if (!Array.isArray(s) || s.length !== 2 || s.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v <= 0) || s[0] > s[1]) {
      throw new RangeError(`${op}: scale must be [min, max] with positive values, min <= max, but got ${JSON.stringify(s)}`);
    }
    scale = [s[0], s[1]];
  }
  let shear: number[] | null = null;
  if (o.shear !== undefined) {
    const s = o.shear;
    if (typeof s === 'number') shear = symRange(op, 'shear', s);
    else if (Array.isArray(s) && s.length === 2) shear = symRange(op, 'shear', s);
    else if (Array.isArray(s) && s.length === 4) shear = [...symRange(op, 'shear', [s[0], s[1]]), ...symRange(op, 'shear', [s[2], s[3]])];
    else throw new TypeError(`${op}: shear must be a number, [min, max] or [xmin, xmax, ymin, ymax] but got ${JSON.stringify(s)}`);
  }
  const mode = o.interpolation ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') throw new TypeError(`${op}: interpolation must be 'nearest' or 'bilinear' but got ${JSON.stringify(mode)}`);
  const fill = checkFill(op, o.fill ?? 0);

  // torchvision's get_params, in its order of draws: angle, tx, ty, scale, shear x, shear y
  const draw = (h: number, w: number, c: [number, number]): number[] => {
    const angle = uniform(deg[0], deg[1]);
    let t: [number, number] = [0, 0];
    if (translate) {
      const dx = translate[0] * w;
      const dy = translate[1] * h;
      t = [roundHalfEven(uniform(-dx, dx)), roundHalfEven(uniform(-dy, dy))];
    }
    const s = scale ? uniform(scale[0], scale[1]) : 1;
    const sh: [number, number] = [0, 0];
    if (shear) {
      sh[0] = uniform(shear[0], shear[1]);
      if (shear.length === 4) sh[1] = uniform(shear[2], shear[3]);
    }
    return inverseAffineMatrix(c, angle, t, s, shearPair(op, sh));
  };
  const one = (x: Tensor) => {
    checkImage(op, x);
    checkFill(op, fill, channelsOf(x));
    const [h, w] = x.shape.slice(-2);
    const theta = new Float64Array(6);
    thetaFromCentred(draw(h, w, centreOf(op, o.center, h, w)), h, w, h, w, theta);
    return warp(x, theta, h, w, mode, fill);
  };
  const batched = (xb: Tensor) => {
    checkBatch(op, xb);
    checkFill(op, fill, channelsOf(xb));
    const n = xb.shape[0];
    const [h, w] = xb.shape.slice(-2);
    const c = centreOf(op, o.center, h, w);
    const theta = new Float64Array(n * 6);
    for (let i = 0; i < n; i++) thetaFromCentred(draw(h, w, c), h, w, h, w, theta, i * 6);
    return warp(xb, theta, h, w, mode, fill, true);
  };
  const parts = [`degrees=[${fmt(deg[0])}, ${fmt(deg[1])}]`];
  if (translate) parts.push(`translate=(${translate.join(', ')})`);
  if (scale) parts.push(`scale=(${scale.join(', ')})`);
  if (shear) parts.push(`shear=[${shear.map(fmt).join(', ')}]`);
  if (mode !== 'nearest') parts.push(`interpolation=${mode}`);
  return make(one, `${op}(${parts.join(', ')})`, batched);
}

export interface RandomCropOptions {
  /** padding added first: all sides, [left/right, top/bottom] or [left, top, right, bottom] */
  padding?: Padding;
  /** pad (both sides, by the shortfall) when the image is smaller than the crop */
  padIfNeeded?: boolean;
  /** the constant padding's colour (default 0) */
  fill?: Fill;
  /** 'constant' (default), 'edge', 'reflect' or 'symmetric' */
  paddingMode?: PaddingMode;
}

/**
 * Crops a region of `size` (a number for a square, or [height, width]) at a uniformly drawn
 * position, after optional padding (torchvision.transforms.RandomCrop).
 * Example: `RandomCrop(28, { padding: 4 })`, the CIFAR-style shift augmentation.
 */
export function RandomCrop(size: number | [number, number], opts: RandomCropOptions = {}): Transform<Tensor, Tensor> {
  const op = 'RandomCrop';
  const sz = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(sz) || sz.length !== 2 || sz.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new TypeError(`${op}: size must be a positive integer or [height, width] but got ${JSON.stringify(size)}`);
  }
  const [th, tw] = sz;
  const base = opts.padding === undefined ? [0, 0, 0, 0] : paddingLTRB(op, opts.padding);
  const mode = opts.paddingMode ?? 'constant';
  if (!['constant', 'edge', 'reflect', 'symmetric'].includes(mode)) {
    throw new TypeError(`${op}: paddingMode must be 'constant', 'edge', 'reflect' or 'symmetric' but got ${JSON.stringify(mode)}`);
  }
  const fill = checkFill(op, opts.fill ?? 0);

  // The padding [l, t, r, b] for an h x w image: `padding`, then pad_if_needed's both-sides
  // padding by the shortfall.
  const padFor = (h: number, w: number): [number, number, number, number] => {
    const [l, t, r, b] = base;
    const p: [number, number, number, number] = [l, t, r, b];
    if (opts.padIfNeeded) {
      const pw = w + l + r;
      const ph = h + t + b;
      if (pw < tw) { p[0] += tw - pw; p[2] += tw - pw; }
      if (ph < th) { p[1] += th - ph; p[3] += th - ph; }
    }
    return p;
  };
  // The crop's top-left corner (torchvision's get_params: no draw when the sizes are equal).
  const corner = (hp: number, wp: number): [number, number] => {
    if (hp < th || wp < tw) {
      throw new RangeError(`${op}: required crop size (${th}, ${tw}) is larger than the (padded) input image size (${hp}, ${wp})`);
    }
    if (hp === th && wp === tw) return [0, 0];
    return [randint(0, hp - th + 1), randint(0, wp - tw + 1)];
  };
  // Constant padding folds into the crop offsets (outside reads `fill`); other modes pad first.
  const run = (x: Tensor, n: number, perSample: boolean) => {
    const [h, w] = x.shape.slice(-2);
    const p = padFor(h, w);
    const hp = h + p[1] + p[3];
    const wp = w + p[0] + p[2];
    const padded = mode === 'constant' || p.every((v) => v === 0) ? null : padIndexed(op, x, p, mode);
    const theta = new Float64Array(n * 6);
    for (let k = 0; k < n; k++) {
      const [i, j] = corner(hp, wp);
      theta.set(padded ? [1, 0, j, 0, 1, i] : [1, 0, j - p[0], 0, 1, i - p[1]], k * 6);
    }
    const y = warp(padded ?? x, theta, th, tw, 'nearest', padded ? null : fill, perSample);
    padded?.dispose();
    return y;
  };
  const one = (x: Tensor) => {
    checkImage(op, x);
    checkFill(op, fill, channelsOf(x));
    return run(x, 1, false);
  };
  const batched = (xb: Tensor) => {
    checkBatch(op, xb);
    checkFill(op, fill, channelsOf(xb));
    return run(xb, xb.shape[0], true);
  };
  const parts = [`size=(${th}, ${tw})`];
  if (opts.padding !== undefined) parts.push(`padding=${JSON.stringify(opts.padding)}`);
  return make(one, `${op}(${parts.join(', ')})`, batched);
}

/**
 * Adds Gaussian noise N(mean, sigma^2) to each element of a float image and, with `clip`
 * (default true), clamps the result to [0, 1] (torchvision.transforms.v2.GaussianNoise). Use
 * after ToTensor; the same transform serves single images and batches.
 * Example: `Compose([ToTensor(), GaussianNoise(0, 0.05), Normalize([0.5], [0.5])])`
 */
export function GaussianNoise(mean = 0, sigma = 0.1, opts: { clip?: boolean } = {}): Transform<Tensor, Tensor> {
  const op = 'GaussianNoise';
  if (typeof mean !== 'number' || !Number.isFinite(mean)) throw new TypeError(`${op}: mean must be a finite number but got ${mean}`);
  if (typeof sigma !== 'number' || !(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new RangeError(`${op}: sigma must be a non-negative number but got ${sigma}`);
  }
  const clip = opts.clip ?? true;
  const fn = (x: Tensor) => {
    if (checkImage(op, x).dtype === 'uint8') throw new TypeError(`${op}: expected a float image but got uint8 (apply ToTensor first)`);
    return F.gaussianNoise(x, mean, sigma, clip);
  };
  return make(fn, `${op}(mean=${mean}, sigma=${sigma}, clip=${clip ? 'True' : 'False'})`, fn);
}
