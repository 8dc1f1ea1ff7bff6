// Recurrent layers as ops: rnnLayer runs one layer (every timestep, both directions) in one
// native call and records one autograd node whose backward is one native call; rnn stacks
// layers the way torch's _VF.rnn_tanh / lstm / gru do (time-major inside, dropout between
// layers, h_n stacked over layers and directions).
//
// The native forward returns one flat tensor, packed = [output | h_n | c_n]; the node owns it
// and output, h_n and c_n are views of it, so gradients reaching any of them meet in that one
// node (the engine sums them) and its backward sees all three at once.
import { native } from '../native';
import { isGradEnabled } from '../autograd/grad_mode';
import { record, Tensor } from '../tensor';
import { cat } from './indexing';
import { dropout } from './dropout';
import { narrow, transpose, view } from './view';

/** The modes of native/cpu/rnn.h (PyTorch's cuDNN order). */
export enum RnnMode {
  RnnRelu = 0,
  RnnTanh = 1,
  Lstm = 2,
  Gru = 3,
}

export function rnnModeName(mode: RnnMode): string {
  return mode === RnnMode.Lstm ? 'LSTM' : mode === RnnMode.Gru ? 'GRU' : 'RNN';
}

export interface RnnResult {
  /** [T, N, D*H] (time-major) */
  output: Tensor;
  /** [D, N, H] */
  hN: Tensor;
  /** [D, N, H], LSTM only */
  cN: Tensor | null;
}

/**
 * One recurrent layer over a time-major sequence.
 * x [T, N, I]; hx, cx [D, N, H] or null (zeros; cx for LSTM only); weights: [w_ih, w_hh, b_ih, b_hh]
 * per direction (D = 1 or 2), PyTorch's layouts (gates stacked i, f, g, o for LSTM and r, z, n for
 * GRU); biases may be null.
 */
export function rnnLayer(mode: RnnMode, x: Tensor, hx: Tensor | null, cx: Tensor | null, weights: (Tensor | null)[]): RnnResult {
  const name = rnnModeName(mode);
  const ins = [x, hx, cx, ...weights];
  const needGrad = isGradEnabled() && ins.some((t) => t !== null && t.requiresGrad);
  const wh = weights.map((w) => (w ? w._h : null));
  const [ph, wsh] = native.rnnForward(mode, x._h, hx ? hx._h : null, cx ? cx._h : null, wh, needGrad);
  const inputs = ins.filter((t): t is Tensor => t !== null);
  const packed = record(name.toLowerCase(), ph, inputs, (g) => {
    const needW = weights.some((w) => w !== null && w.requiresGrad);
    const [dx, dhx, dcx, dw] = native.rnnBackward(mode, x._h, hx ? hx._h : null, cx ? cx._h : null, wh, ph, wsh, g._h,
      x.requiresGrad, needW);
    const grads: (Tensor | null)[] = [dx ? new Tensor(dx) : null];
    if (hx) grads.push(new Tensor(dhx));
    if (cx) grads.push(dcx ? new Tensor(dcx) : null);
    weights.forEach((w, i) => {
      if (w) grads.push(dw[i] ? new Tensor(dw[i]!) : null);
    });
    return grads;
  });
  packed.gradFn?.own(wsh); // the workspace (gates of every step) is the backward's alone
  const [T, N] = x.shape;
  const D = weights.length / 4;
  const H = weights[1]!.shape[1];
  const nOut = T * N * D * H, nState = D * N * H;
  const output = view(narrow(packed, 0, 0, nOut), [T, N, D * H]);
  const hN = view(narrow(packed, 0, nOut, nState), [D, N, H]);
  const cN = mode === RnnMode.Lstm ? view(narrow(packed, 0, nOut + nState, nState), [D, N, H]) : null;
  return { output, hN, cN };
}

export interface RnnOptions {
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  /** dropout probability on the outputs of each layer but the last, in training only */
  dropout: number;
  training: boolean;
}

/**
 * A stack of recurrent layers (torch's _VF.lstm and friends). input [T, N, I] ([N, T, I] with
 * batchFirst); hx, cx [numLayers * D, N, H] or null; weights: 4 per layer and direction in
 * PyTorch's parameter order (layer 0, layer 0 reverse, layer 1, ...).
 */
export function rnn(mode: RnnMode, input: Tensor, hx: Tensor | null, cx: Tensor | null, weights: (Tensor | null)[],
  opts: RnnOptions): RnnResult {
  const D = opts.bidirectional ? 2 : 1;
  const L = opts.numLayers;
  if (weights.length !== 4 * D * L) {
    throw new RangeError(`${rnnModeName(mode)}: expected ${4 * D * L} weights (4 per layer and direction) but got ${weights.length}`);
  }
  let x = opts.batchFirst ? transpose(input, 0, 1) : input;
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  for (let l = 0; l < L; l++) {
    const hl = hx ? (L === 1 ? hx : narrow(hx, 0, l * D, D)) : null;
    const cl = cx ? (L === 1 ? cx : narrow(cx, 0, l * D, D)) : null;
    const r = rnnLayer(mode, x, hl, cl, weights.slice(4 * D * l, 4 * D * (l + 1)));
    x = r.output;
    if (opts.training && opts.dropout > 0 && l < L - 1) x = dropout(x, opts.dropout, true);
    hs.push(r.hN);
    if (r.cN) cs.push(r.cN);
  }
  return {
    output: opts.batchFirst ? transpose(x, 0, 1) : x,
    hN: L === 1 ? hs[0] : cat(hs, 0),
    cN: cs.length === 0 ? null : L === 1 ? cs[0] : cat(cs, 0),
  };
}
