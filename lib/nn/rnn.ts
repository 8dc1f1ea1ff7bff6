// Recurrent layers: nn.RNN, nn.LSTM, nn.GRU (multi-layer, bidirectional, batchFirst, dropout
// between layers) and the single-step cells nn.RNNCell, nn.LSTMCell, nn.GRUCell, with PyTorch's
// parameter names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse; the cells:
// weight_ih, weight_hh, bias_ih, bias_hh), layouts (gates stacked i, f, g, o for LSTM and r, z, n
// for GRU) and default initialisation (every parameter U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize))).
// Each layer runs in one native call forward and one backward (lib/ops/rnn.ts).
import { Tensor, isFloat } from '../tensor';
import * as ops from '../ops';
import { rnn, rnnLayer, RnnMode, rnnModeName } from '../ops/rnn';
import { shapeStr, live } from '../ops/util';
import * as init from './init';
import { Module, Parameter } from './module';

type FloatDType = 'float32' | 'float64';

export interface RNNBaseOptions {
  /** stacked layers, each taking the previous one's output [default 1] */
  numLayers?: number;
  /** false: no bias_ih / bias_hh [default true] */
  bias?: boolean;
  /** input and output are [batch, seq, feature] instead of [seq, batch, feature] [default false] */
  batchFirst?: boolean;
  /** dropout probability on the outputs of every layer but the last, in training mode [default 0] */
  dropout?: number;
  /** run a second, reversed direction and concatenate the outputs [default false] */
  bidirectional?: boolean;
  /** parameter dtype [default float32] */
  dtype?: FloatDType;
}

export interface RNNOptions extends RNNBaseOptions {
  /** 'tanh' (default) or 'relu' */
  nonlinearity?: 'tanh' | 'relu';
}

function checkSize(layer: string, name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${layer}: ${name} must be an integer >= ${min} but got ${String(v)}`);
  }
  return v;
}

function checkDtype(layer: string, dtype: unknown): FloatDType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new TypeError(`${layer}: dtype must be 'float32' or 'float64' but got ${String(dtype)}`);
  }
  return dtype;
}

/** The state of a layer as given by the user: a tensor (or null) checked against the expected shape. */
function checkState(layer: string, what: string, t: unknown, want: number[], dtype: string): Tensor {
  const x = live(t as Tensor, layer, what);
  if (x.dtype !== dtype) throw new TypeError(`${layer}: expected ${what} of dtype ${dtype} (like the input) but got ${x.dtype}`);
  if (shapeStr(x.shape) !== shapeStr(want)) {
    throw new RangeError(`${layer}: expected ${what} of shape ${shapeStr(want)} but got ${shapeStr(x.shape)}`);
  }
  return x;
}

/**
 * Shared by RNN, LSTM and GRU: hyper-parameters, the weights in PyTorch's order and the
 * checks of input and initial states.
 */
export abstract class RNNBase extends Module {
  readonly mode: RnnMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** PyTorch's _flat_weights_names: 4 per layer and direction (biases only with bias) */
  private readonly _weightNames: string[];
  declare readonly weight_ih_l0: Parameter;
  declare readonly weight_hh_l0: Parameter;
  declare readonly bias_ih_l0: Parameter | undefined;
  declare readonly bias_hh_l0: Parameter | undefined;

  protected constructor(mode: RnnMode, layer: string, inputSize: number, hiddenSize: number, opts: RNNBaseOptions) {
    super();
    if (typeof opts !== 'object' || opts === null) throw new TypeError(`${layer}: options must be an object`);
    this.mode = mode;
    this.inputSize = checkSize(layer, 'inputSize', inputSize, 1);
    this.hiddenSize = checkSize(layer, 'hiddenSize', hiddenSize, 1);
    this.numLayers = checkSize(layer, 'numLayers', opts.numLayers ?? 1, 1);
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.bidirectional = opts.bidirectional ?? false;
    const p = opts.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new RangeError(`${layer}: dropout must be a probability in [0, 1] but got ${String(p)}`);
    }
    this.dropout = p;
    const dtype = checkDtype(layer, opts.dtype ?? 'float32');
    const G = mode === RnnMode.Lstm ? 4 : mode === RnnMode.Gru ? 3 : 1;
    const D = this.bidirectional ? 2 : 1;
    const names: string[] = [];
    const self = this as unknown as Record<string, Parameter>;
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? inputSize : hiddenSize * D;
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const shapes: [string, number[]][] = [
          [`weight_ih${sfx}`, [G * hiddenSize, inSize]],
          [`weight_hh${sfx}`, [G * hiddenSize, hiddenSize]],
        ];
        if (this.bias) shapes.push([`bias_ih${sfx}`, [G * hiddenSize]], [`bias_hh${sfx}`, [G * hiddenSize]]);
        for (const [name, shape] of shapes) {
          self[name] = new Parameter(ops.empty(shape, { dtype }));
          names.push(name);
        }
      }
    }
    this._weightNames = names;
    this.resetParameters();
  }

  /** Every parameter U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch. */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -stdv, stdv);
  }

  /** PyTorch's all_weights: per layer and direction, [weight_ih, weight_hh, bias_ih, bias_hh]. */
  get allWeights(): Parameter[][] {
    const per = this.bias ? 4 : 2;
    const self = this as unknown as Record<string, Parameter>;
    const out: Parameter[][] = [];
    for (let i = 0; i < this._weightNames.length; i += per) out.push(this._weightNames.slice(i, i + per).map((n) => self[n]));
    return out;
  }

  protected get layerName(): string {
    return rnnModeName(this.mode);
  }

  /** The weights as the ops want them: 4 per layer and direction, null for absent biases. */
  private flatWeights(): (Tensor | null)[] {
    const self = this as unknown as Record<string, Parameter | undefined>;
    const out: (Tensor | null)[] = [];
    const D = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        for (const n of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) {
          const p = self[n + sfx];
          if (p === undefined && n.startsWith('weight')) throw new Error(`${this.layerName}: parameter ${n + sfx} is missing`);
          out.push(p ?? null);
        }
      }
    }
    return out;
  }

  /**
   * Runs the stack. states: the initial states (h_0, and c_0 for LSTM), each [numLayers *
   * numDirections, N, H] ([numLayers * numDirections, H] for an unbatched input) or absent.
   */
  protected runStack(input: Tensor, states: (Tensor | null | undefined)[], stateNames: string[]): { output: Tensor; hN: Tensor; cN: Tensor | null } {
    const layer = this.layerName;
    live(input, layer, 'input');
    const weights = this.flatWeights();
    const pdtype = weights[0]!.dtype;
    if (!isFloat(input.dtype) || input.dtype !== pdtype) {
      throw new TypeError(`${layer}: expected input of dtype ${pdtype} (the layer's parameters) but got ${input.dtype}`);
    }
    if (input.ndim !== 3 && input.ndim !== 2) {
      const order = this.batchFirst ? '[batch, seq_len, inputSize]' : '[seq_len, batch, inputSize]';
      throw new RangeError(
        `${layer}: expected input of 3 dimensions ${order} or 2 for an unbatched sequence [seq_len, inputSize], ` +
          `but got shape ${shapeStr(input.shape)}`,
      );
    }
    const batched = input.ndim === 3;
    const I = input.shape[input.ndim - 1];
    if (I !== this.inputSize) {
      throw new RangeError(`${layer}: expected input with last dimension ${this.inputSize} (inputSize) but got shape ${shapeStr(input.shape)}`);
    }
    const T = batched ? input.shape[this.batchFirst ? 1 : 0] : input.shape[0];
    if (T === 0) throw new RangeError(`${layer}: expected a sequence length > 0 but got input of shape ${shapeStr(input.shape)}`);
    const N = batched ? input.shape[this.batchFirst ? 0 : 1] : 1;
    const LD = this.numLayers * (this.bidirectional ? 2 : 1);
    const want = batched ? [LD, N, this.hiddenSize] : [LD, this.hiddenSize];
    const hs = states.map((s, i) => {
      if (s === undefined || s === null) return null;
      const t = checkState(layer, stateNames[i], s, want, input.dtype);
      return batched ? t : ops.unsqueeze(t, 1);
    });
    const x = batched ? input : ops.unsqueeze(input, this.batchFirst ? 0 : 1);
    const r = rnn(this.mode, x, hs[0] ?? null, hs[1] ?? null, weights, {
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      batchFirst: this.batchFirst,
      dropout: this.dropout,
      training: this.training,
    });
    if (batched) return r;
    return {
      output: ops.squeeze(r.output, this.batchFirst ? 0 : 1),
      hN: ops.squeeze(r.hN, 1),
      cN: r.cN ? ops.squeeze(r.cN, 1) : null,
    };
  }

  protected extraRepr(): string {
    const parts = [`${this.inputSize}`, `${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/**
 * Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked numLayers deep.
 *
 * Args: inputSize, hiddenSize, { numLayers, nonlinearity: 'tanh' | 'relu', bias, batchFirst,
 * dropout, bidirectional, dtype }.
 * Shape: input [L, N, inputSize] ([N, L, inputSize] with batchFirst, or [L, inputSize]
 * unbatched); h_0 [numLayers * D, N, hiddenSize] (optional, zeros) where D = 2 if bidirectional.
 * Returns [output [L, N, D * hiddenSize], h_n [numLayers * D, N, hiddenSize]].
 * Parameters: weight_ih_l{k} [hiddenSize, inputSize (k = 0) or D * hiddenSize], weight_hh_l{k}
 * [hiddenSize, hiddenSize], bias_ih_l{k}, bias_hh_l{k} [hiddenSize]; _reverse for the second direction.
 * Example: `const rnn = new nn.RNN(10, 20, { numLayers: 2 }); const [out, hn] = rnn.forward(x);`
 */
export class RNN extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    const nl = opts?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new RangeError(`RNN: unknown nonlinearity '${String(nl)}' (expected 'tanh' or 'relu')`);
    super(nl === 'relu' ? RnnMode.RnnRelu : RnnMode.RnnTanh, 'RNN', inputSize, hiddenSize, opts);
  }
  get nonlinearity(): 'tanh' | 'relu' {
    return this.mode === RnnMode.RnnRelu ? 'relu' : 'tanh';
  }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const r = this.runStack(input, [hx], ['hx']);
    return [r.output, r.hN];
  }
  protected extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'relu' ? ", nonlinearity='relu'" : '');
  }
}

/**
 * Long short-term memory, PyTorch's formulation: gates i, f, o = sigmoid(.), g = tanh(.) of
 * x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh (stacked i, f, g, o); c_t = f * c_{t-1} + i * g,
 * h_t = o * tanh(c_t).
 *
 * Args: inputSize, hiddenSize, { numLayers, bias, batchFirst, dropout, bidirectional, dtype }.
 * Shape: input [L, N, inputSize] ([N, L, inputSize] with batchFirst, or [L, inputSize]
 * unbatched); optional [h_0, c_0], each [numLayers * D, N, hiddenSize].
 * Returns [output [L, N, D * hiddenSize], [h_n, c_n]].
 * Parameters: weight_ih_l{k} [4 * hiddenSize, in], weight_hh_l{k} [4 * hiddenSize, hiddenSize],
 * bias_ih_l{k}, bias_hh_l{k} [4 * hiddenSize]; _reverse for the second direction.
 * Example: `const lstm = new nn.LSTM(28, 128, { batchFirst: true }); const [out, [hn, cn]] = lstm.forward(x);`
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    super(RnnMode.Lstm, 'LSTM', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2 || !hx[0] || !hx[1])) {
      throw new TypeError('LSTM: expected hx to be a pair [h_0, c_0] of tensors');
    }
    const r = this.runStack(input, hx ? [hx[0], hx[1]] : [], ['hx[0] (h_0)', 'hx[1] (c_0)']);
    return [r.output, [r.hN, r.cN!]];
  }
}

/**
 * Gated recurrent unit, PyTorch's formulation: r, z = sigmoid(.) of x_t W_i{r,z}^T + b_i{r,z} +
 * h_{t-1} W_h{r,z}^T + b_h{r,z}; n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn));
 * h_t = (1 - z) * n + z * h_{t-1}. Gates stacked r, z, n.
 *
 * Args, shapes and parameters as nn.RNN, with 3 * hiddenSize rows in each weight and bias.
 * Returns [output, h_n].
 * Example: `const gru = new nn.GRU(28, 128, { batchFirst: true }); const [out, hn] = gru.forward(x);`
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    super(RnnMode.Gru, 'GRU', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const r = this.runStack(input, [hx], ['hx']);
    return [r.output, r.hN];
  }
}

// ---- cells: one timestep ----

/** Shared by the cells: weight_ih [G * hiddenSize, inputSize], weight_hh, bias_ih, bias_hh. */
export abstract class RNNCellBase extends Module {
  readonly mode: RnnMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  protected constructor(mode: RnnMode, layer: string, inputSize: number, hiddenSize: number, opts: { bias?: boolean; dtype?: FloatDType }) {
    super();
    if (typeof opts !== 'object' || opts === null) throw new TypeError(`${layer}: options must be an object`);
    this.mode = mode;
    this.inputSize = checkSize(layer, 'inputSize', inputSize, 1);
    this.hiddenSize = checkSize(layer, 'hiddenSize', hiddenSize, 1);
    this.bias = opts.bias ?? true;
    const dtype = checkDtype(layer, opts.dtype ?? 'float32');
    const GH = (mode === RnnMode.Lstm ? 4 : mode === RnnMode.Gru ? 3 : 1) * hiddenSize;
    this.weight_ih = new Parameter(ops.empty([GH, inputSize], { dtype }));
    this.weight_hh = new Parameter(ops.empty([GH, hiddenSize], { dtype }));
    this.bias_ih = this.bias ? new Parameter(ops.empty([GH], { dtype })) : null;
    this.bias_hh = this.bias ? new Parameter(ops.empty([GH], { dtype })) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -stdv, stdv);
  }

  /** One step: input [N, inputSize] or [inputSize]; states [N, hiddenSize] or [hiddenSize] (zeros when absent). */
  protected step(input: Tensor, states: (Tensor | null | undefined)[], stateNames: string[]): { h: Tensor; c: Tensor | null } {
    const layer = `${rnnModeName(this.mode)}Cell`;
    live(input, layer, 'input');
    const pdtype = this.weight_ih.dtype;
    if (input.dtype !== pdtype) {
      throw new TypeError(`${layer}: expected input of dtype ${pdtype} (the layer's parameters) but got ${input.dtype}`);
    }
    if (input.ndim !== 1 && input.ndim !== 2) {
      throw new RangeError(`${layer}: expected input of shape [batch, inputSize] or [inputSize] but got ${shapeStr(input.shape)}`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new RangeError(`${layer}: expected input with last dimension ${this.inputSize} (inputSize) but got shape ${shapeStr(input.shape)}`);
    }
    const batched = input.ndim === 2;
    const want = batched ? [input.shape[0], this.hiddenSize] : [this.hiddenSize];
    const lead = batched ? [1] : [1, 1];
    const hs = states.map((s, i) => {
      if (s === undefined || s === null) return null;
      const t = checkState(layer, stateNames[i], s, want, input.dtype);
      return ops.reshape(t, [...lead, ...t.shape]);
    });
    const x = ops.reshape(input, [...lead, ...input.shape]);
    const r = rnnLayer(this.mode, x, hs[0] ?? null, hs[1] ?? null, [this.weight_ih, this.weight_hh, this.bias_ih, this.bias_hh]);
    return { h: ops.reshape(r.hN, want), c: r.cN ? ops.reshape(r.cN, want) : null };
  }

  protected extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).
 * Args: inputSize, hiddenSize, { bias, nonlinearity, dtype }. forward(input [N, inputSize] or
 * [inputSize], hx [N, hiddenSize] (zeros when absent)) -> h' [N, hiddenSize].
 */
export class RNNCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean; nonlinearity?: 'tanh' | 'relu'; dtype?: FloatDType } = {}) {
    const nl = opts?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new RangeError(`RNNCell: unknown nonlinearity '${String(nl)}' (expected 'tanh' or 'relu')`);
    super(nl === 'relu' ? RnnMode.RnnRelu : RnnMode.RnnTanh, 'RNNCell', inputSize, hiddenSize, opts);
  }
  get nonlinearity(): 'tanh' | 'relu' {
    return this.mode === RnnMode.RnnRelu ? 'relu' : 'tanh';
  }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.step(input, [hx], ['hx']).h;
  }
}

/**
 * One LSTM step (gates i, f, g, o). forward(input, [h, c]?) -> [h', c'].
 * Args: inputSize, hiddenSize, { bias, dtype }.
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean; dtype?: FloatDType } = {}) {
    super(RnnMode.Lstm, 'LSTMCell', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2 || !hx[0] || !hx[1])) {
      throw new TypeError('LSTMCell: expected hx to be a pair [h, c] of tensors');
    }
    const r = this.step(input, hx ? [hx[0], hx[1]] : [], ['hx[0] (h)', 'hx[1] (c)']);
    return [r.h, r.c!];
  }
}

/**
 * One GRU step (gates r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn))). forward(input, hx?) -> h'.
 * Args: inputSize, hiddenSize, { bias, dtype }.
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, opts: { bias?: boolean; dtype?: FloatDType } = {}) {
    super(RnnMode.Gru, 'GRUCell', inputSize, hiddenSize, opts);
  }
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.step(input, [hx], ['hx']).h;
  }
}
