// 2-D pooling: maxPool2d (with its argmax indices, which its backward scatters through),
// avgPool2d and adaptiveAvgPool2d. Forward and backward are one native call each
// (native/cpu/pool.cc); inputs are [N, C, H, W] or unbatched [C, H, W]. Arguments are checked
// here first so that errors name the layer (nn.MaxPool2d passes 'MaxPool2d').
import { native } from '../native';
import { isFloat, record, Tensor } from '../tensor';
import { IntPair, intPair, optionsFrom } from './conv';
import { live, shapeStr } from './util';

export interface MaxPool2dOptions {
  /** default kernelSize */
  stride?: IntPair | null;
  /** implicit -infinity on each side (default 0); at most half the kernel size */
  padding?: IntPair;
  /** spacing between window taps (default 1) */
  dilation?: IntPair;
  /** ceil instead of floor in the output size (default false) */
  ceilMode?: boolean;
  /** also return the indices of the maxima (flat within each input plane: h * W + w) */
  returnIndices?: boolean;
}

export interface AvgPool2dOptions {
  /** default kernelSize */
  stride?: IntPair | null;
  /** implicit zeros on each side (default 0); at most half the kernel size */
  padding?: IntPair;
  /** ceil instead of floor in the output size (default false) */
  ceilMode?: boolean;
  /** count the zero padding in the divisor (default true) */
  countIncludePad?: boolean;
  /** divide every window sum by this instead */
  divisorOverride?: number | null;
}

// PyTorch's optional arguments in order (F.max_pool2d, F.avg_pool2d), for optionsFrom.
const MAX_ARGS = ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'] as const;
const AVG_ARGS = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'] as const;

/** PyTorch's pooling_output_shape (floor or ceil, the last window starting inside the input). */
export function poolOutputSize(input: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + pad) out--;
  return out;
}

interface Window {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  outShape: number[];
}

function checkInput(op: string, input: Tensor): void {
  live(input, op, 'input');
  if (!isFloat(input.dtype)) throw new TypeError(`${op}: expected a float32 or float64 input but got ${input.dtype}`);
  const s = input.shape;
  if (s.length !== 3 && s.length !== 4) {
    throw new RangeError(`${op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input but got shape ${shapeStr(s)}`);
  }
  if (s.slice(-3).some((d) => d === 0)) {
    throw new RangeError(`${op}: expected an input with non-zero channels, height and width but got shape ${shapeStr(s)}`);
  }
}

function windowOf(op: string, input: Tensor, kernelSize: unknown, o: MaxPool2dOptions & AvgPool2dOptions, dilated: boolean): Window {
  checkInput(op, input);
  if (typeof o !== 'object' || o === null) throw new TypeError(`${op}: expected options to be an object`);
  const kernel = intPair(op, 'kernelSize', kernelSize, 1);
  const stride = o.stride === undefined || o.stride === null ? kernel : intPair(op, 'stride', o.stride, 1);
  const padding = intPair(op, 'padding', o.padding ?? 0, 0);
  const dilation = dilated ? intPair(op, 'dilation', o.dilation ?? 1, 1) : ([1, 1] as [number, number]);
  const ceilMode = o.ceilMode ?? false;
  if (padding[0] > kernel[0] >> 1 || padding[1] > kernel[1] >> 1) {
    throw new RangeError(`${op}: padding [${padding.join(', ')}] must be at most half of kernelSize [${kernel.join(', ')}]`);
  }
  const [H, W] = input.shape.slice(-2);
  const oh = poolOutputSize(H, kernel[0], padding[0], stride[0], dilation[0], ceilMode);
  const ow = poolOutputSize(W, kernel[1], padding[1], stride[1], dilation[1], ceilMode);
  if (oh < 1 || ow < 1) {
    const dil = dilation[0] !== 1 || dilation[1] !== 1 ? ` (dilated [${dilation[0] * (kernel[0] - 1) + 1}, ${dilation[1] * (kernel[1] - 1) + 1}])` : '';
    throw new RangeError(
      `${op}: kernelSize [${kernel.join(', ')}]${dil} is larger than the padded input [${H + 2 * padding[0]}, ${W + 2 * padding[1]}] ` +
        `(input shape ${shapeStr(input.shape)}, padding [${padding.join(', ')}])`,
    );
  }
  return { kernel, stride, padding, dilation, ceilMode, outShape: [...input.shape.slice(0, -2), oh, ow] };
}

/**
 * 2-D max pooling over [N, C, H, W] or [C, H, W], as torch.nn.functional.max_pool2d: kernelSize,
 * then stride (default kernelSize), padding, dilation, ceilMode, returnIndices positionally or as
 * an options object. With returnIndices returns [output, indices] (int64, flat within each input
 * plane: h * W + w).
 * Example: `F.maxPool2d(x, 2)` halves H and W; `F.maxPool2d(x, 3, 2, 1)`; `F.maxPool2d(x, 2, { returnIndices: true })`.
 */
export function maxPool2d(input: Tensor, kernelSize: IntPair, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: IntPair, opts?: MaxPool2dOptions): Tensor;
export function maxPool2d(input: Tensor, kernelSize: IntPair, stride: IntPair | null | undefined, padding: IntPair | undefined,
                          dilation: IntPair | undefined, ceilMode: boolean | undefined, returnIndices: true): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: IntPair, stride?: IntPair | null, padding?: IntPair, dilation?: IntPair,
                          ceilMode?: boolean, returnIndices?: false): Tensor;
export function maxPool2d(input: Tensor, kernelSize: IntPair, ...rest: unknown[]): Tensor | [Tensor, Tensor] {
  const opts = optionsFrom<MaxPool2dOptions>('max_pool2d', MAX_ARGS, rest);
  const [out, indices] = maxPool2dAs('max_pool2d', input, kernelSize, opts);
  return opts.returnIndices ? [out, indices] : out;
}

/** @internal max pooling whose errors name `op`; returns the output and the indices. */
export function maxPool2dAs(op: string, input: Tensor, kernelSize: unknown, opts: MaxPool2dOptions): [Tensor, Tensor] {
  const w = windowOf(op, input, kernelSize, opts, true);
  const [vh, ih] = native.maxPool2d(input._h, w.kernel, w.stride, w.padding, w.dilation, w.ceilMode);
  const indices = new Tensor(ih);
  const inShape = input.shape.slice();
  const out = record('max_pool2d', vh, [input], (g) => [new Tensor(native.maxPool2dBackward(g._h, indices._h, inShape))]);
  if (!opts.returnIndices) out.gradFn?.own(ih); // the caller never sees them
  return [out, indices];
}

/**
 * 2-D average pooling over [N, C, H, W] or [C, H, W], as torch.nn.functional.avg_pool2d: kernelSize,
 * then stride (default kernelSize), padding, ceilMode, countIncludePad (default true),
 * divisorOverride positionally or as an options object.
 * Example: `F.avgPool2d(x, 3, 2, 1)` or `F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })`.
 */
export function avgPool2d(input: Tensor, kernelSize: IntPair, opts?: AvgPool2dOptions): Tensor;
export function avgPool2d(input: Tensor, kernelSize: IntPair, stride?: IntPair | null, padding?: IntPair, ceilMode?: boolean,
                          countIncludePad?: boolean, divisorOverride?: number | null): Tensor;
export function avgPool2d(input: Tensor, kernelSize: IntPair, ...rest: unknown[]): Tensor {
  return avgPool2dAs('avg_pool2d', input, kernelSize, optionsFrom<AvgPool2dOptions>('avg_pool2d', AVG_ARGS, rest));
}

/** @internal average pooling whose errors name `op`. */
export function avgPool2dAs(op: string, input: Tensor, kernelSize: unknown, opts: AvgPool2dOptions): Tensor {
  const w = windowOf(op, input, kernelSize, opts, false);
  const div = opts.divisorOverride ?? 0;
  if (opts.divisorOverride !== undefined && opts.divisorOverride !== null &&
      !(Number.isInteger(div) && div > 0 && div <= 2147483647)) {
    throw new RangeError(`${op}: expected divisorOverride to be a positive integer but got ${String(opts.divisorOverride)}`);
  }
  const cip = opts.countIncludePad ?? true;
  const inShape = input.shape.slice();
  const h = native.avgPool2d(input._h, w.kernel, w.stride, w.padding, w.ceilMode, cip, div);
  return record('avg_pool2d', h, [input], (g) => [
    new Tensor(native.avgPool2dBackward(g._h, inShape, w.kernel, w.stride, w.padding, w.ceilMode, cip, div)),
  ]);
}

/** An output size: one int for both dims, or [h, w] where null keeps that input dim. */
export type AdaptiveSize = number | readonly (number | null)[];

/**
 * 2-D adaptive average pooling to a fixed output size (each output cell averages the window
 * [floor(i H / oh), ceil((i + 1) H / oh)) of its input), as torch.nn.functional.adaptive_avg_pool2d.
 * Example: `F.adaptiveAvgPool2d(x, 1)` is global average pooling.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvgPool2dAs('adaptive_avg_pool2d', input, outputSize);
}

/** @internal adaptive average pooling whose errors name `op`. */
export function adaptiveAvgPool2dAs(op: string, input: Tensor, outputSize: unknown): Tensor {
  checkInput(op, input);
  const [H, W] = input.shape.slice(-2);
  const raw = Array.isArray(outputSize) && outputSize.length === 2
    ? [outputSize[0] ?? H, outputSize[1] ?? W]
    : outputSize;
  const size = intPair(op, 'outputSize', raw, 0);
  const inShape = input.shape.slice();
  const h = native.adaptiveAvgPool2d(input._h, size);
  return record('adaptive_avg_pool2d', h, [input], (g) => [new Tensor(native.adaptiveAvgPool2dBackward(g._h, inShape))]);
}
