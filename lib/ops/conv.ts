// conv2d: the forward is one native call (im2col + packed GEMM, native/cpu/conv.cc) and the
// backward one more, which returns the input, weight and bias gradients that are needed.
// Arguments are checked here first so that errors name the layer (nn.Conv2d passes 'Conv2d')
// and use the TypeScript argument names; the native checks stay as the safety net.
import type { NativeTensor } from '../../binding';
import { isGradEnabled } from '../autograd/grad_mode';
import { native } from '../native';
import { isFloat, record, Tensor } from '../tensor';
import { live, shapeStr } from './util';
import { squeeze, unsqueeze } from './view';

/** An int used for both spatial dims, or [h, w]. */
export type IntPair = number | readonly number[];
export type Conv2dPadding = IntPair | 'same' | 'valid';

export interface ConvOptions {
  /** default 1 */
  stride?: IntPair;
  /** zeros added on each side (default 0), or 'same' (output size = input size, stride 1 only) or 'valid' (0) */
  padding?: Conv2dPadding;
  /** spacing between kernel taps (default 1) */
  dilation?: IntPair;
  /** input and output channels split into this many independent groups (default 1) */
  groups?: number;
}

/** @internal [h, w] from an int or a pair of ints >= min; errors name op and arg. */
export function intPair(op: string, arg: string, v: unknown, min: number): [number, number] {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= 2147483647;
  if (ok(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1])) return [v[0], v[1]];
  const what = min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
  const got = Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? `'${v}'` : String(v);
  throw new RangeError(`${op}: expected ${arg} to be ${what} or a pair of them but got ${got}`);
}

/** @internal groups: a positive integer. */
export function checkGroups(op: string, groups: unknown): number {
  if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1 || groups > 2147483647) {
    throw new RangeError(`${op}: expected groups to be a positive integer but got ${String(groups)}`);
  }
  return groups;
}

/**
 * @internal Padding as [top, bottom, left, right]. 'same' pads dilation * (k - 1) in total per dim,
 * the odd one on the bottom/right as PyTorch does; it needs stride 1.
 */
export function convPadding(op: string, padding: unknown, kernel: [number, number], stride: [number, number],
                            dilation: [number, number]): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new RangeError(`${op}: padding 'same' is not supported for strided convolutions (stride [${stride.join(', ')}])`);
    }
    const th = dilation[0] * (kernel[0] - 1), tw = dilation[1] * (kernel[1] - 1);
    return [th >> 1, th - (th >> 1), tw >> 1, tw - (tw >> 1)];
  }
  if (typeof padding === 'string') {
    throw new RangeError(`${op}: expected padding to be 'same', 'valid', a non-negative integer or a pair of them but got '${padding}'`);
  }
  const [ph, pw] = intPair(op, 'padding', padding, 0);
  return [ph, ph, pw, pw];
}

/**
 * @internal PyTorch's optional arguments, positional in its order (`F.conv2d(x, w, b, 2, 1)`),
 * or one options object in their place (`F.conv2d(x, w, b, { stride: 2, padding: 1 })`), as the
 * house convention has it (docs/design-notes.md). undefined skips a positional argument.
 */
export function optionsFrom<O extends object>(op: string, names: readonly (keyof O & string)[], args: readonly unknown[]): O {
  const first = args[0];
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    if (args.slice(1).some((a) => a !== undefined)) {
      throw new TypeError(`${op}: pass either an options object or positional arguments (${names.join(', ')}), not both`);
    }
    return first as O;
  }
  if (args.length > names.length) {
    throw new TypeError(`${op}: expected at most ${names.length} optional arguments (${names.join(', ')}) but got ${args.length}`);
  }
  const o: Record<string, unknown> = {};
  names.forEach((n, i) => {
    if (args[i] !== undefined) o[n] = args[i];
  });
  return o as O;
}

const CONV_ARGS = ['stride', 'padding', 'dilation', 'groups'] as const;

/**
 * 2-D convolution, as torch.nn.functional.conv2d: input [N, C, H, W] or [C, H, W], weight
 * [outChannels, C / groups, kH, kW], optional bias [outChannels]; then stride, padding, dilation,
 * groups positionally or as an options object. See nn.Conv2d for the shapes.
 * Example: `F.conv2d(x, w, b, 1, 'same')`, `F.conv2d(x, w, null, { stride: 2, groups: 4 })`.
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor;
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null | undefined, stride?: IntPair,
                       padding?: Conv2dPadding, dilation?: IntPair, groups?: number): Tensor;
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, ...rest: unknown[]): Tensor {
  return conv2dAs('conv2d', input, weight, bias ?? null, optionsFrom<ConvOptions>('conv2d', CONV_ARGS, rest));
}

/** @internal conv2d whose errors name `op` (the layer that called it). */
export function conv2dAs(op: string, input: Tensor, weight: Tensor, bias: Tensor | null, opts: ConvOptions): Tensor {
  live(input, op, 'input');
  live(weight, op, 'weight');
  if (bias !== null) live(bias, op, 'bias');
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`${op}: expected options to be an object`);
  if (!isFloat(input.dtype)) throw new TypeError(`${op}: expected a float32 or float64 input but got ${input.dtype}`);
  if (weight.dtype !== input.dtype || (bias && bias.dtype !== input.dtype)) {
    throw new TypeError(
      `${op}: expected input, weight and bias of one dtype but got ${input.dtype}, ${weight.dtype}` +
        (bias ? ` and ${bias.dtype}` : ''),
    );
  }
  const ws = weight.shape;
  if (ws.length !== 4) {
    throw new RangeError(`${op}: expected a 4-D weight [outChannels, inChannels / groups, kH, kW] but got shape ${shapeStr(ws)}`);
  }
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new RangeError(`${op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input but got shape ${shapeStr(input.shape)}`);
  }
  const stride = intPair(op, 'stride', opts.stride ?? 1, 1);
  const dilation = intPair(op, 'dilation', opts.dilation ?? 1, 1);
  const groups = checkGroups(op, opts.groups ?? 1);
  const kernel: [number, number] = [ws[2], ws[3]];
  const pad = convPadding(op, opts.padding ?? 0, kernel, stride, dilation);
  const [C, H, W] = input.shape.slice(-3);
  if (ws[0] % groups !== 0) {
    throw new RangeError(`${op}: weight shape ${shapeStr(ws)} has ${ws[0]} output channels, which is not divisible by groups ${groups}`);
  }
  if (C !== ws[1] * groups) {
    throw new RangeError(
      `${op}: expected input with ${ws[1] * groups} channels but got ${C} ` +
        `(input shape ${shapeStr(input.shape)}, weight shape ${shapeStr(ws)}, groups ${groups})`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== ws[0])) {
    throw new RangeError(`${op}: expected bias of shape [${ws[0]}] but got ${shapeStr(bias.shape)}`);
  }
  const hp = H + pad[0] + pad[1], wp = W + pad[2] + pad[3];
  const ekh = dilation[0] * (kernel[0] - 1) + 1, ekw = dilation[1] * (kernel[1] - 1) + 1;
  if (hp < ekh || wp < ekw) {
    const dil = dilation[0] !== 1 || dilation[1] !== 1 ? ` (dilated [${ekh}, ${ekw}])` : '';
    throw new RangeError(
      `${op}: kernel size [${kernel.join(', ')}]${dil} is larger than the padded input [${hp}, ${wp}] ` +
        `(input shape ${shapeStr(input.shape)}, padding [${pad.join(', ')}] top, bottom, left, right)`,
    );
  }

  const batched = input.ndim === 4;
  const x = batched ? input : unsqueeze(input, 0);
  // When the weight will need its gradient, the forward's im2col buffer is kept for it (the
  // backward would otherwise build the same buffer again).
  let h: NativeTensor;
  let col: NativeTensor | null = null;
  if (isGradEnabled() && weight.requiresGrad) {
    [h, col] = native.conv2d(x._h, weight._h, bias ? bias._h : null, stride, pad, dilation, groups, true);
  } else {
    h = native.conv2d(x._h, weight._h, bias ? bias._h : null, stride, pad, dilation, groups);
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const out = record('conv2d', h, inputs, (g) => {
    const [gx, gw, gb] = native.conv2dBackward(
      x._h, weight._h, g._h, stride, pad, dilation, groups,
      x.requiresGrad, weight.requiresGrad, bias !== null && bias.requiresGrad, col,
    );
    const grads = [gx && new Tensor(gx), gw && new Tensor(gw)];
    if (bias) grads.push(gb && new Tensor(gb));
    return grads;
  });
  out.gradFn?.own(col);
  return batched ? out : squeeze(out, 0);
}
