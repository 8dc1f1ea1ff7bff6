// Pooling layers: nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d (no parameters; the math is
// in lib/ops/pool.ts).
import { Tensor } from '../tensor';
import { IntPair, intPair, optionsFrom } from '../ops/conv';
import {
  AdaptiveSize, AvgPool2dOptions, MaxPool2dOptions, adaptiveAvgPool2dAs, avgPool2dAs, maxPool2dAs,
} from '../ops/pool';
import { Module } from './module';

const pairStr = (p: readonly number[]) => `[${p.join(', ')}]`;

/**
 * 2-D max pooling: each output element is the largest input element of its window.
 *
 * Args: kernelSize (int or [kH, kW]), then positionally in PyTorch's order or as one options object:
 * stride (default kernelSize), padding (default 0, implicit -infinity, at most half the kernel),
 * dilation (default 1), returnIndices (only false: a module's forward returns one tensor; use
 * F.maxPool2d for the indices), ceilMode (default false).
 *
 * Shape: [N, C, H, W] or [C, H, W] -> [N, C, Hout, Wout] with
 *   Hout = floor((H + 2 padding[0] - dilation[0] (kernelSize[0] - 1) - 1) / stride[0] + 1)
 * (ceil in ceilMode, keeping the last window starting inside the input).
 * The gradient goes to the first maximum of each window.
 *
 * Example: `const pool = new nn.MaxPool2d(2); pool.forward(x)` ([64, 32, 26, 26] -> [64, 32, 13, 13]).
 */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;
  constructor(kernelSize: IntPair, opts?: Omit<MaxPool2dOptions, 'returnIndices'>);
  constructor(kernelSize: IntPair, stride?: IntPair | null, padding?: IntPair, dilation?: IntPair, returnIndices?: false,
              ceilMode?: boolean);
  constructor(kernelSize: IntPair, ...rest: unknown[]) {
    super();
    const op = 'MaxPool2d';
    // nn.MaxPool2d's order puts returnIndices before ceilMode (F.max_pool2d's the other way round)
    const opts = optionsFrom<MaxPool2dOptions>(op, ['stride', 'padding', 'dilation', 'returnIndices', 'ceilMode'], rest);
    if (opts.returnIndices) {
      throw new RangeError(`${op}: returnIndices is not supported on the module; use F.maxPool2d(x, k, { returnIndices: true })`);
    }
    this.kernelSize = intPair(op, 'kernelSize', kernelSize, 1);
    this.stride = opts.stride === undefined || opts.stride === null ? this.kernelSize : intPair(op, 'stride', opts.stride, 1);
    this.padding = intPair(op, 'padding', opts.padding ?? 0, 0);
    this.dilation = intPair(op, 'dilation', opts.dilation ?? 1, 1);
    this.ceilMode = opts.ceilMode ?? false;
  }
  forward(x: Tensor): Tensor {
    return maxPool2dAs('MaxPool2d', x, this.kernelSize, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode,
    })[0];
  }
  protected extraRepr(): string {
    return `kernelSize=${pairStr(this.kernelSize)}, stride=${pairStr(this.stride)}, padding=${pairStr(this.padding)}, ` +
      `dilation=${pairStr(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

/**
 * 2-D average pooling: each output element is the mean of its window.
 *
 * Args: kernelSize (int or [kH, kW]), then positionally in PyTorch's order or as one options object:
 * stride (default kernelSize), padding (default 0, zeros, at most half the kernel), ceilMode
 * (default false), countIncludePad (default true: the padding counts in the divisor),
 * divisorOverride (divide every window sum by this instead).
 *
 * Shape: [N, C, H, W] or [C, H, W] -> [N, C, Hout, Wout], Hout = floor((H + 2 padding[0] - kernelSize[0]) / stride[0] + 1).
 *
 * Example: `new nn.AvgPool2d(3, 2, 1).forward(x)` or `new nn.AvgPool2d(3, { stride: 2, padding: 1 })`.
 */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(kernelSize: IntPair, opts?: AvgPool2dOptions);
  constructor(kernelSize: IntPair, stride?: IntPair | null, padding?: IntPair, ceilMode?: boolean, countIncludePad?: boolean,
              divisorOverride?: number | null);
  constructor(kernelSize: IntPair, ...rest: unknown[]) {
    super();
    const op = 'AvgPool2d';
    const opts = optionsFrom<AvgPool2dOptions>(op, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'], rest);
    this.kernelSize = intPair(op, 'kernelSize', kernelSize, 1);
    this.stride = opts.stride === undefined || opts.stride === null ? this.kernelSize : intPair(op, 'stride', opts.stride, 1);
    this.padding = intPair(op, 'padding', opts.padding ?? 0, 0);
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    const d = opts.divisorOverride ?? null;
    if (d !== null && !(Number.isInteger(d) && d > 0)) {
      throw new RangeError(`${op}: expected divisorOverride to be a positive integer but got ${d}`);
    }
    this.divisorOverride = d;
  }
  forward(x: Tensor): Tensor {
    return avgPool2dAs('AvgPool2d', x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }
  protected extraRepr(): string {
    return `kernelSize=${pairStr(this.kernelSize)}, stride=${pairStr(this.stride)}, padding=${pairStr(this.padding)}`;
  }
}

/**
 * 2-D adaptive average pooling to a fixed output size, whatever the input size: output cell i
 * averages input rows [floor(i H / oh), ceil((i + 1) H / oh)) (and likewise for columns).
 *
 * Args: outputSize (an int for both dims, or [oh, ow] where null keeps that input dim).
 * Shape: [N, C, H, W] or [C, H, W] -> [N, C, oh, ow].
 * Example: `new nn.AdaptiveAvgPool2d(1)` (global average pooling), `new nn.AdaptiveAvgPool2d([7, 7])`.
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(public readonly outputSize: AdaptiveSize) {
    super();
    const raw = Array.isArray(outputSize) && outputSize.length === 2 ? outputSize.map((v) => v ?? 0) : outputSize;
    intPair('AdaptiveAvgPool2d', 'outputSize', raw, 0);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2dAs('AdaptiveAvgPool2d', x, this.outputSize);
  }
  protected extraRepr(): string {
    const o = this.outputSize;
    return `outputSize=${Array.isArray(o) ? `[${o.map((v) => (v === null ? 'null' : v)).join(', ')}]` : o}`;
  }
}
