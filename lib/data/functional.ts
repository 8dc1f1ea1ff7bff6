// transforms.functional (torchvision.transforms.functional on tensors): the deterministic image
// ops that the random transforms draw parameters for. hflip, vflip, rotate, affine, crop and pad
// (constant) are one native affineWarp call (native/cpu/augment.cc), which also takes one matrix
// per sample so a whole batch is warped at once; gaussianNoise is one native call.
//
// Images are tensors [..., H, W] (uint8, float32 or float64); the leading dims are channels and
// any batch dims, all given the same parameters (as torchvision does). Coordinates follow
// torchvision: angles in degrees, rotate counter-clockwise and affine clockwise, the centre of
// rotation the image centre, and sampling by grid_sample(align_corners=False) with fill blended
// through a mask. These ops are not differentiable (augmentation runs on data, not parameters).
import { native } from '../native';
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { shapeStr } from '../ops/util';

export type InterpolationMode = 'nearest' | 'bilinear';
/** A fill colour: one value, or one per channel. */
export type Fill = number | number[];

/** Padding as torchvision: all sides, [left/right, top/bottom], or [left, top, right, bottom]. */
export type Padding = number | [number, number] | [number, number, number, number];
export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** @internal checks an image tensor [..., H, W] */
export function checkImage(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected an image tensor [..., H, W] but got ${x === null ? 'null' : typeof x}`);
  if (x.ndim < 2) throw new RangeError(`${op}: expected an image tensor [..., H, W] but got shape ${shapeStr(x.shape)}`);
  if (x.dtype !== 'uint8' && x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new TypeError(`${op}: expected a uint8, float32 or float64 image but got ${x.dtype}`);
  }
  return x;
}

/** @internal checks a batch [N, H, W] or [N, C, H, W] for a batched (per-sample) transform */
export function checkBatch(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a batch tensor but got ${x === null ? 'null' : typeof x}`);
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new RangeError(`${op}: expected a batch of images [N, H, W] or [N, C, H, W] but got shape ${shapeStr(x.shape)}`);
  }
  return checkImage(op, x);
}

/** @internal checks a fill value against the channel count (1 value or one per channel) */
export function checkFill(op: string, fill: unknown, channels?: number): number[] {
  const vals = typeof fill === 'number' ? [fill] : fill;
  if (!Array.isArray(vals) || vals.length === 0 || vals.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new TypeError(`${op}: fill must be a finite number or a non-empty array of finite numbers but got ${JSON.stringify(fill)}`);
  }
  if (channels !== undefined && vals.length !== 1 && vals.length !== channels) {
    throw new RangeError(`${op}: fill has ${vals.length} values but the image has ${channels} channels`);
  }
  return vals.slice();
}

/** @internal channels of an image [..., C, H, W] (1 for [H, W]) */
export function channelsOf(x: Tensor): number {
  return x.ndim >= 3 ? x.shape[x.ndim - 3] : 1;
}

/**
 * @internal Warps `x` with one matrix (`theta` of 6) for the whole tensor, or, when `perSample`,
 * one matrix per leading-dim sample (x [N, H, W] or [N, C, H, W], theta of 6N). theta maps output
 * pixel (x, y, 1) to input pixel coordinates. Returns [..., oh, ow] in x's dtype.
 */
export function warp(x: Tensor, theta: Float64Array, oh: number, ow: number, mode: InterpolationMode, fill: number[] | null,
  perSample = false): Tensor {
  const s = x.shape;
  const H = s[s.length - 2];
  const W = s[s.length - 1];
  let x4: Tensor;
  if (perSample) x4 = ops.reshape(x, [s[0], s.length === 4 ? s[1] : 1, H, W]);
  else if (s.length === 2) x4 = ops.reshape(x, [1, 1, H, W]);
  else x4 = ops.reshape(x, [-1, s[s.length - 3], H, W]);
  const th = ops.tensor(theta, { dtype: 'float64', shape: [theta.length / 6, 6] });
  const h = native.affineWarp(x4._h, th._h, oh, ow, mode === 'nearest' ? 0 : 1, fill);
  th.dispose();
  if (x4 !== x) x4.dispose();
  const y = new Tensor(h);
  return ops.reshape(y, [...s.slice(0, -2), oh, ow]);
}

/**
 * torchvision's `_get_inverse_affine_matrix`: the 2x3 matrix taking output points to input
 * points, in coordinates centred on the image (pixel corners at half-integers).
 * center [cx, cy], angle and shear in degrees, translate [tx, ty] in pixels.
 * @internal
 */
export function inverseAffineMatrix(center: [number, number], angle: number, translate: [number, number], scale: number,
  shear: [number, number]): number[] {
  const rot = (angle * Math.PI) / 180;
  const sx = (shear[0] * Math.PI) / 180;
  const sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  // RSS without scaling
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  // inverted rotation matrix with scale and shear (det([[a, b], [c, d]]) == 1)
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  // inverse of the translation and of the centre translation: RSS^-1 * C^-1 * T^-1, then C
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/**
 * @internal theta (absolute pixel coordinates) from a centred inverse matrix m, as torchvision's
 * `_gen_affine_grid` + grid_sample(align_corners=False) compose them: output pixel x has centred
 * coordinate x + 0.5 - ow/2, and a centred input coordinate u is pixel u + w/2 - 0.5.
 */
export function thetaFromCentred(m: number[], h: number, w: number, oh: number, ow: number, out: Float64Array, at = 0): void {
  const ox = 0.5 - ow / 2;
  const oy = 0.5 - oh / 2;
  out[at] = m[0];
  out[at + 1] = m[1];
  out[at + 2] = m[0] * ox + m[1] * oy + m[2] + w / 2 - 0.5;
  out[at + 3] = m[3];
  out[at + 4] = m[4];
  out[at + 5] = m[3] * ox + m[4] * oy + m[5] + h / 2 - 0.5;
}

/** @internal the centre option as torchvision's centred coordinates ([0, 0] = the image centre) */
export function centreOf(op: string, center: [number, number] | undefined, h: number, w: number): [number, number] {
  if (center === undefined) return [0, 0];
  if (!Array.isArray(center) || center.length !== 2 || center.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new TypeError(`${op}: center must be [x, y] (two finite numbers) but got ${JSON.stringify(center)}`);
  }
  return [center[0] - w * 0.5, center[1] - h * 0.5];
}

function checkInterp(op: string, mode: unknown): InterpolationMode {
  if (mode !== 'nearest' && mode !== 'bilinear') throw new TypeError(`${op}: interpolation must be 'nearest' or 'bilinear' but got ${JSON.stringify(mode)}`);
  return mode;
}

function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: ${name} must be a finite number but got ${JSON.stringify(v)}`);
  return v;
}

/** Mirrors the image left to right (the last dim reversed). */
export function hflip(img: Tensor): Tensor {
  const x = checkImage('hflip', img);
  const [h, w] = x.shape.slice(-2);
  return warp(x, Float64Array.of(-1, 0, w - 1, 0, 1, 0), h, w, 'nearest', null);
}

/** Mirrors the image top to bottom (dim -2 reversed). */
export function vflip(img: Tensor): Tensor {
  const x = checkImage('vflip', img);
  const [h, w] = x.shape.slice(-2);
  return warp(x, Float64Array.of(1, 0, 0, 0, -1, h - 1), h, w, 'nearest', null);
}

export interface WarpOptions {
  /** 'nearest' (default, as torchvision) or 'bilinear' */
  interpolation?: InterpolationMode;
  /** centre of rotation [x, y] in pixels, corners at 0 and W (default: the image centre) */
  center?: [number, number];
  /** colour of the area outside the input (default: none, i.e. zeros without the mask blend) */
  fill?: Fill;
}

/**
 * Rotates the image by `angle` degrees counter-clockwise about its centre (torchvision's
 * F.rotate with expand=False): the output keeps the input's size.
 * Example: `rotate(img, 90)` on a square image is a quarter turn, exactly.
 */
export function rotate(img: Tensor, angle: number, opts: WarpOptions = {}): Tensor {
  const op = 'rotate';
  const x = checkImage(op, img);
  finite(op, 'angle', angle);
  const [h, w] = x.shape.slice(-2);
  const mode = checkInterp(op, opts.interpolation ?? 'nearest');
  const fill = opts.fill === undefined ? null : checkFill(op, opts.fill, channelsOf(x));
  // torchvision: rotate passes -angle (affine's angles are clockwise)
  const m = inverseAffineMatrix(centreOf(op, opts.center, h, w), -angle, [0, 0], 1, [0, 0]);
  const theta = new Float64Array(6);
  thetaFromCentred(m, h, w, h, w, theta);
  return warp(x, theta, h, w, mode, fill);
}

/** @internal [sx, sy] from a number (x only) or a pair */
export function shearPair(op: string, shear: number | [number, number]): [number, number] {
  if (typeof shear === 'number') return [finite(op, 'shear', shear), 0];
  if (!Array.isArray(shear) || shear.length !== 2) throw new TypeError(`${op}: shear must be a number or [sx, sy] but got ${JSON.stringify(shear)}`);
  return [finite(op, 'shear[0]', shear[0]), finite(op, 'shear[1]', shear[1])];
}

/**
 * Affine transformation keeping the centre fixed (torchvision's F.affine): rotate by `angle`
 * degrees clockwise, scale, shear (degrees, x then y) and translate by [tx, ty] pixels.
 * Example: `affine(img, 0, [1, 0], 1, 0)` moves the content one pixel to the right.
 */
export function affine(img: Tensor, angle: number, translate: [number, number], scale: number, shear: number | [number, number],
  opts: WarpOptions = {}): Tensor {
  const op = 'affine';
  const x = checkImage(op, img);
  finite(op, 'angle', angle);
  if (!Array.isArray(translate) || translate.length !== 2) {
    throw new TypeError(`${op}: translate must be [tx, ty] but got ${JSON.stringify(translate)}`);
  }
  const t: [number, number] = [finite(op, 'translate[0]', translate[0]), finite(op, 'translate[1]', translate[1])];
  if (finite(op, 'scale', scale) <= 0) throw new RangeError(`${op}: scale must be positive but got ${scale}`);
  const sh = shearPair(op, shear);
  const [h, w] = x.shape.slice(-2);
  const mode = checkInterp(op, opts.interpolation ?? 'nearest');
  const fill = opts.fill === undefined ? null : checkFill(op, opts.fill, channelsOf(x));
  const m = inverseAffineMatrix(centreOf(op, opts.center, h, w), angle, t, scale, sh);
  const theta = new Float64Array(6);
  thetaFromCentred(m, h, w, h, w, theta);
  return warp(x, theta, h, w, mode, fill);
}

/**
 * The region of `height` x `width` pixels whose top-left corner is (top, left) (torchvision's
 * F.crop). Parts of the region outside the image are zeros.
 */
export function crop(img: Tensor, top: number, left: number, height: number, width: number): Tensor {
  const op = 'crop';
  const x = checkImage(op, img);
  for (const [k, v] of Object.entries({ top, left, height, width })) {
    if (!Number.isInteger(v)) throw new TypeError(`${op}: ${k} must be an integer but got ${v}`);
  }
  if (height < 1 || width < 1) throw new RangeError(`${op}: expected a positive crop size but got ${height}x${width}`);
  return warp(x, Float64Array.of(1, 0, left, 0, 1, top), height, width, 'nearest', null);
}

/** @internal [left, top, right, bottom] from torchvision's padding forms */
export function paddingLTRB(op: string, padding: Padding): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : padding;
  if (!Array.isArray(p) || ![1, 2, 4].includes(p.length) || p.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new TypeError(`${op}: padding must be a non-negative integer, [left/right, top/bottom] or [left, top, right, bottom] ` +
      `but got ${JSON.stringify(padding)}`);
  }
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  return [p[0], p[1], p[2], p[3]];
}

/** Source index of padded position i (in [-before, n + after)) along a dim of n, per mode. */
function padIndex(mode: PaddingMode, i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'edge': return i < 0 ? 0 : n - 1;
    case 'reflect': return i < 0 ? -i : 2 * (n - 1) - i;
    case 'symmetric': return i < 0 ? -i - 1 : 2 * n - 1 - i;
    default: return -1;
  }
}

/** @internal pads dims -2 and -1 with a non-constant mode: two index selects */
export function padIndexed(op: string, x: Tensor, ltrb: [number, number, number, number], mode: PaddingMode): Tensor {
  const [l, t, r, b] = ltrb;
  const [h, w] = x.shape.slice(-2);
  const limit = mode === 'reflect' ? [h - 1, w - 1] : mode === 'symmetric' ? [h, w] : [Infinity, Infinity];
  if (Math.max(t, b) > limit[0] || Math.max(l, r) > limit[1]) {
    throw new RangeError(`${op}: padding ${JSON.stringify(ltrb)} (left, top, right, bottom) is too large for ${mode} padding of an ` +
      `image of ${h}x${w} (at most ${mode === 'reflect' ? 'size - 1' : 'size'} per side)`);
  }
  const rows = Int32Array.from({ length: t + h + b }, (_, i) => padIndex(mode, i - t, h));
  const cols = Int32Array.from({ length: l + w + r }, (_, i) => padIndex(mode, i - l, w));
  const ri = ops.tensor(rows, { dtype: 'int32', shape: [rows.length] });
  const ci = ops.tensor(cols, { dtype: 'int32', shape: [cols.length] });
  const y1 = ops.indexSelect(x, x.ndim - 2, ri);
  const y = ops.indexSelect(y1, x.ndim - 1, ci);
  y1.dispose();
  ri.dispose();
  ci.dispose();
  return y;
}

/**
 * Pads the image on each side (torchvision's F.pad): padding as one number (all sides),
 * [left/right, top/bottom] or [left, top, right, bottom]; mode 'constant' (with fill), 'edge',
 * 'reflect' (mirrors without repeating the edge) or 'symmetric' (repeats it).
 */
export function pad(img: Tensor, padding: Padding, fill: Fill = 0, paddingMode: PaddingMode = 'constant'): Tensor {
  const op = 'pad';
  const x = checkImage(op, img);
  const ltrb = paddingLTRB(op, padding);
  if (!['constant', 'edge', 'reflect', 'symmetric'].includes(paddingMode)) {
    throw new TypeError(`${op}: paddingMode must be 'constant', 'edge', 'reflect' or 'symmetric' but got ${JSON.stringify(paddingMode)}`);
  }
  const [l, t, r, b] = ltrb;
  const [h, w] = x.shape.slice(-2);
  if (paddingMode !== 'constant') return padIndexed(op, x, ltrb, paddingMode);
  const f = checkFill(op, fill, channelsOf(x));
  return warp(x, Float64Array.of(1, 0, -l, 0, 1, -t), h + t + b, w + l + r, 'nearest', f);
}

/**
 * Adds Gaussian noise N(mean, sigma^2) to every element of a float image, then clamps to [0, 1]
 * when `clip` (torchvision.transforms.v2.functional.gaussian_noise). Draws from flint's generator.
 */
export function gaussianNoise(img: Tensor, mean = 0, sigma = 0.1, clip = true): Tensor {
  const op = 'gaussianNoise';
  const x = checkImage(op, img);
  if (x.dtype === 'uint8') throw new TypeError(`${op}: expected a float image but got uint8 (apply ToTensor first)`);
  finite(op, 'mean', mean);
  if (finite(op, 'sigma', sigma) < 0) throw new RangeError(`${op}: sigma must be non-negative but got ${sigma}`);
  return new Tensor(native.gaussianNoise(x._h, mean, sigma, clip));
}
