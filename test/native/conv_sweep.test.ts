// The fast conv2d (im2col + packed GEMM) against its naive twin (direct loops, native/cpu/conv.cc),
// forward and all three gradients, float32 and float64, over a sweep of shapes: odd sizes
// (1, 7, 63, 65 channels), strides, asymmetric padding, dilation, groups (one per channel too),
// the pointwise path, several image chunks, empty batches; and the backward from the forward's
// saved im2col buffer.
//
// Bound, per element: |fast - naive| <= tol * S, where S is the same sum taken over absolute
// values (the naive kernel run on |x|, |w|, |dy|) and tol is 1e-5 (float32) or 1e-13 (float64):
// rounding in any summation order stays far below it, and a wrong tap, offset or group moves
// an element by the size of a whole term.
import * as flint from '../../lib';
import { native } from '../../lib/native';
import { uniform } from '../helpers/gradcheck';

type T = flint.Tensor;
type Dt = 'float32' | 'float64';
const TOL: Record<Dt, number> = { float32: 1e-5, float64: 1e-13 };

interface Cfg {
  x: number[];
  w: number[];
  stride?: number[];
  pad?: number[]; // top, bottom, left, right
  dil?: number[];
  groups?: number;
  bias?: boolean;
  scale?: number;
}

const CASES: [string, Cfg][] = [
  ['all ones 1x1x1x1', { x: [1, 1, 1, 1], w: [1, 1, 1, 1] }],
  ['3x3 basic', { x: [2, 3, 7, 7], w: [5, 3, 3, 3] }],
  ['odd sizes, stride 2, asymmetric padding', { x: [3, 7, 13, 11], w: [6, 7, 3, 2], stride: [2, 2], pad: [1, 0, 2, 1] }],
  ['63 -> 65 channels', { x: [2, 63, 9, 9], w: [65, 63, 3, 3], pad: [1, 1, 1, 1] }],
  ['depthwise 65 groups', { x: [2, 65, 5, 5], w: [65, 1, 3, 3], groups: 65, pad: [1, 1, 1, 1] }],
  ['groups 2 (= threads)', { x: [2, 4, 8, 8], w: [6, 2, 3, 3], groups: 2 }],
  ['groups 3, stride 3, dilation 2', { x: [1, 6, 14, 13], w: [9, 2, 3, 3], groups: 3, stride: [3, 3], dil: [2, 2] }],
  ['dilation 3 stride [1, 2], padding only on one side', { x: [2, 2, 12, 12], w: [3, 2, 3, 3], dil: [3, 3], stride: [1, 2], pad: [0, 3, 3, 0] }],
  ['1x1 pointwise (no im2col)', { x: [3, 7, 5, 6], w: [4, 7, 1, 1] }],
  ['1x1 padded (im2col)', { x: [2, 3, 4, 4], w: [4, 3, 1, 1], pad: [1, 1, 1, 1] }],
  ['kernel 7 on 2x2 with padding', { x: [1, 2, 2, 2], w: [3, 2, 7, 5], pad: [3, 2, 2, 1] }],
  ['seed CNN conv1', { x: [4, 1, 28, 28], w: [32, 1, 3, 3] }],
  ['seed CNN conv2', { x: [4, 32, 13, 13], w: [64, 32, 3, 3] }],
  ['input gradient in rounds of 7 + 7 + 2 images', { x: [16, 32, 13, 13], w: [64, 32, 3, 3] }],
  ['several image chunks (2 + 1)', { x: [3, 2, 300, 300], w: [2, 2, 3, 3] }],
  ['one image per chunk', { x: [2, 4, 300, 300], w: [2, 4, 3, 3] }],
  ['large magnitudes', { x: [2, 3, 6, 6], w: [4, 3, 3, 3], pad: [1, 1, 1, 1], scale: 1e4 }],
  ['no bias', { x: [2, 3, 6, 5], w: [4, 3, 2, 2], bias: false }],
  ['empty batch', { x: [0, 3, 6, 5], w: [4, 3, 2, 2] }],
];

let seed = 700;
function rnd(shape: number[], dtype: Dt, scale = 1): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = uniform(n, seed++, -scale, scale);
  return flint.tensor(v, { shape, dtype: 'float64' }).to(dtype);
}

function expectWithin(fast: T, naive: T, bound: T, tol: number, what: string): void {
  expect(fast.shape).toEqual(naive.shape);
  const f = fast.dataSync() as Float64Array, n = naive.dataSync() as Float64Array, s = bound.dataSync() as Float64Array;
  for (let i = 0; i < n.length; i++) {
    const err = Math.abs(f[i] - n[i]);
    if (!(err <= tol * s[i] + 1e-300)) {
      throw new Error(`${what}: element ${i} is ${f[i]} but the naive kernel gives ${n[i]} (|diff| ${err}, bound ${tol * s[i]})`);
    }
  }
}

function sweep(dtype: Dt) {
  for (const [name, c] of CASES) {
    test(`${name}: x [${c.x}] w [${c.w}]`, () => {
      const stride = c.stride ?? [1, 1], pad = c.pad ?? [0, 0, 0, 0], dil = c.dil ?? [1, 1], g = c.groups ?? 1;
      const x = rnd(c.x, dtype, c.scale), w = rnd(c.w, dtype, c.scale);
      const b = c.bias === false ? null : rnd([c.w[0]], dtype, c.scale);
      const [yh, col] = native.conv2d(x._h, w._h, b ? b._h : null, stride, pad, dil, g, true);
      const y = new flint.Tensor(yh);
      const yn = new flint.Tensor(native.conv2dNaive(x._h, w._h, b ? b._h : null, stride, pad, dil, g));
      const ax = flint.abs(x), aw = flint.abs(w), ab = b ? flint.abs(b) : null;
      const ys = new flint.Tensor(native.conv2dNaive(ax._h, aw._h, ab ? ab._h : null, stride, pad, dil, g));
      expectWithin(y, yn, ys, TOL[dtype], 'output');

      const dy = rnd(yn.shape, dtype);
      const [dx, dw, db] = native.conv2dBackward(x._h, w._h, dy._h, stride, pad, dil, g, true, true, true);
      const [dxn, dwn, dbn] = native.conv2dBackwardNaive(x._h, w._h, dy._h, stride, pad, dil, g);
      const [dxs, dws, dbs] = native.conv2dBackwardNaive(ax._h, aw._h, flint.abs(dy)._h, stride, pad, dil, g);
      const W = (h: unknown) => new flint.Tensor(h as T['_h']);
      expectWithin(W(dx), W(dxn), W(dxs), TOL[dtype], 'grad of input');
      expectWithin(W(dw), W(dwn), W(dws), TOL[dtype], 'grad of weight');
      expectWithin(W(db), W(dbn), W(dbs), TOL[dtype], 'grad of bias');
      // the forward's im2col buffer (kept for a single image) gives the same weight gradient
      if (col) {
        expect(col.shape).toEqual([c.w[1] * c.w[2] * c.w[3] * g, yn.shape[0] * yn.shape[2] * yn.shape[3]]);
        const [dx2, dw2] = native.conv2dBackward(x._h, w._h, dy._h, stride, pad, dil, g, true, true, false, col);
        expect(Array.from(W(dw2).dataSync())).toEqual(Array.from(W(dw).dataSync()));
        expect(Array.from(W(dx2).dataSync())).toEqual(Array.from(W(dx).dataSync()));
      }
    });
  }
}

describe('fast conv2d vs the naive kernel, float32', () => sweep('float32'));
describe('fast conv2d vs the naive kernel, float64', () => sweep('float64'));

describe('threads', () => {
  const saved = flint.getNumThreads();
  afterAll(() => flint.setNumThreads(saved));
  test('results are identical on 1 and 3 threads (each output element has one summation order)', () => {
    const x = rnd([5, 8, 12, 12], 'float32'), w = rnd([12, 4, 3, 3], 'float32'), b = rnd([12], 'float32');
    const run = () => {
      const y = F(native.conv2d(x._h, w._h, b._h, [1, 1], [1, 1, 1, 1], [1, 1], 2));
      const dy = flint.onesLike(y).mul(0.5);
      const g = native.conv2dBackward(x._h, w._h, dy._h, [1, 1], [1, 1, 1, 1], [1, 1], 2, true, true, true);
      return [y, ...g.map((h) => F(h!))].map((t) => Array.from(t.dataSync() as Float32Array));
    };
    flint.setNumThreads(1);
    const one = run();
    flint.setNumThreads(3);
    const three = run();
    expect(three).toEqual(one);
  });
});

function F(h: unknown): T {
  return new flint.Tensor(h as T['_h']);
}

test('backward computes only the gradients asked for', () => {
  const x = rnd([1, 2, 4, 4], 'float64'), w = rnd([3, 2, 3, 3], 'float64'), dy = rnd([1, 3, 2, 2], 'float64');
  const r = native.conv2dBackward(x._h, w._h, dy._h, [1, 1], [0, 0, 0, 0], [1, 1], 1, false, true, false);
  expect(r[0]).toBeNull();
  expect(r[1]).not.toBeNull();
  expect(r[2]).toBeNull();
});
