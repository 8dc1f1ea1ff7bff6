// nn.Conv2d: PyTorch's layer, parameters and default initialisation; the math is ops.conv2d.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { Conv2dPadding, IntPair, checkGroups, conv2dAs, intPair, optionsFrom } from '../ops/conv';
import * as init from './init';
import { Module, Parameter } from './module';

export interface Conv2dOptions {
  /** default 1 */
  stride?: IntPair;
  /** default 0; 'same' keeps H and W (stride 1 only), 'valid' is 0 */
  padding?: Conv2dPadding;
  /** default 1 */
  dilation?: IntPair;
  /** default 1; inChannels and outChannels must both be divisible by it */
  groups?: number;
  /** default true */
  bias?: boolean;
  /** only 'zeros' (the default) is supported */
  paddingMode?: 'zeros';
  /** default 'float32' */
  dtype?: 'float32' | 'float64';
}

const pairStr = (p: [number, number]) => `[${p[0]}, ${p[1]}]`;

/**
 * Applies a 2-D convolution over an input of several channels:
 *   out[n, o] = bias[o] + sum over c in o's group of weight[o, c] (cross-correlated with) input[n, c].
 *
 * Args: inChannels, outChannels, kernelSize (an int or [kH, kW]), then, positionally as in PyTorch
 * or as one options object: stride (default 1), padding (int, [h, w], 'same' or 'valid'; default
 * 0), dilation (default 1), groups (default 1), bias (default true), paddingMode ('zeros' only);
 * dtype (default 'float32') in the options object.
 *
 * Shape: input [N, inChannels, H, W] or [inChannels, H, W] -> output [N, outChannels, Hout, Wout] with
 *   Hout = floor((H + 2 padding[0] - dilation[0] (kernelSize[0] - 1) - 1) / stride[0] + 1), same for W.
 *
 * Parameters as PyTorch's (same state-dict keys and layouts): weight [outChannels, inChannels / groups,
 * kH, kW] initialised kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with
 * fanIn = inChannels / groups * kH * kW; bias [outChannels] U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 *
 * Example:
 *   const conv = new nn.Conv2d(1, 32, 3, 1);            // 28x28 -> 26x26 (PyTorch's positional stride)
 *   const y = conv.forward(x);                          // x [64, 1, 28, 28] -> y [64, 32, 26, 26]
 *   const same = new nn.Conv2d(32, 64, 3, { padding: 'same' });
 */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode = 'zeros';

  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, opts?: Conv2dOptions);
  constructor(inChannels: number, outChannels: number, kernelSize: IntPair, stride?: IntPair, padding?: Conv2dPadding,
              dilation?: IntPair, groups?: number, bias?: boolean, paddingMode?: 'zeros');
  constructor(
    public readonly inChannels: number,
    public readonly outChannels: number,
    kernelSize: IntPair,
    ...rest: unknown[]
  ) {
    super();
    const op = 'Conv2d';
    for (const [n, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${n} must be a non-negative integer but got ${v}`);
    }
    const opts = optionsFrom<Conv2dOptions>(op, ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode'], rest);
    this.kernelSize = intPair(op, 'kernelSize', kernelSize, 1);
    this.stride = intPair(op, 'stride', opts.stride ?? 1, 1);
    this.dilation = intPair(op, 'dilation', opts.dilation ?? 1, 1);
    this.groups = checkGroups(op, opts.groups ?? 1);
    const p = opts.padding ?? 0;
    if (p === 'same' || p === 'valid') {
      if (p === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
        throw new RangeError(`${op}: padding 'same' is not supported for strided convolutions (stride ${pairStr(this.stride)})`);
      }
      this.padding = p;
    } else {
      if (typeof p === 'string') throw new RangeError(`${op}: expected padding to be 'same', 'valid', a non-negative integer or a pair of them but got '${p}'`);
      this.padding = intPair(op, 'padding', p, 0);
    }
    if ((opts.paddingMode ?? 'zeros') !== 'zeros') {
      throw new RangeError(`${op}: paddingMode '${opts.paddingMode}' is not supported (only 'zeros')`);
    }
    if (inChannels % this.groups !== 0) {
      throw new RangeError(`${op}: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    }
    if (outChannels % this.groups !== 0) {
      throw new RangeError(`${op}: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    }
    const dtype = opts.dtype ?? 'float32';
    this.weight = new Parameter(ops.empty([outChannels, inChannels / this.groups, ...this.kernelSize], { dtype }));
    this.bias = opts.bias === false ? null : new Parameter(ops.empty([outChannels], { dtype }));
    this.resetParameters();
  }

  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = this.weight.numel() > 0 ? init.calculateFanInAndFanOut(this.weight) : [0];
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    return conv2dAs('Conv2d', x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups,
    });
  }

  protected extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${pairStr(this.kernelSize)}, stride=${pairStr(this.stride)}`;
    const p = this.padding;
    if (typeof p === 'string') s += `, padding='${p}'`;
    else if (p[0] !== 0 || p[1] !== 0) s += `, padding=${pairStr(p)}`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=${pairStr(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}
