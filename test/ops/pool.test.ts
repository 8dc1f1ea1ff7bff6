// maxPool2d, avgPool2d, adaptiveAvgPool2d: float64 finite-difference gradient checks (their
// PyTorch goldens, ties and NaN included, are replayed by test/ops/conv.test.ts from conv.json),
// and the output shapes of PyTorch's size formula.
import * as flint from '../../lib';
import { gradcheck, GradcheckInput } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import type { AvgPool2dOptions, MaxPool2dOptions } from '../../lib/ops/pool';

type T = flint.Tensor;
const { F, nn } = flint;
const inp = inputMaker(9301);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}

describe('gradcheck: maxPool2d (values kept apart: no ties)', () => {
  const cases: [string, number[], number | number[], MaxPool2dOptions][] = [
    ['kernel 2', [2, 2, 4, 4], 2, {}],
    ['kernel 2, odd input (last row and column dropped)', [1, 2, 5, 7], 2, {}],
    ['kernel 3 stride 2 padding 1', [1, 2, 5, 5], 3, { stride: 2, padding: 1 }],
    ['kernel 2 ceil mode', [1, 1, 5, 5], 2, { ceilMode: true }],
    ['kernel 3 stride 2 padding 1 ceil mode', [1, 1, 6, 6], 3, { stride: 2, padding: 1, ceilMode: true }],
    ['dilation 2', [1, 1, 6, 6], 2, { dilation: 2, stride: 1 }],
    ['rectangular [2, 3] stride [1, 2]', [2, 1, 4, 7], [2, 3], { stride: [1, 2] }],
    ['overlapping kernel 3 stride 1', [1, 2, 4, 5], 3, { stride: 1 }],
  ];
  for (const [name, s, k, o] of cases) test(`${name} [${s}]`, () => gc((x) => F.maxPool2d(x, k, o), [inp(s, { away: true })]));
  test('non-contiguous input', () => gc((x) => F.maxPool2d(x, 2), [inp([2, 2, 4, 6], { away: true, nc: true })]));
  test('unbatched 3-D input', () => gc((x) => F.maxPool2d(x, 2), [inp([2, 4, 4], { away: true })]));
  test('the module', () => gc((x) => new nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(x), [inp([1, 2, 5, 6], { away: true })]));
});

describe('gradcheck: avgPool2d', () => {
  const cases: [string, number[], number | number[], AvgPool2dOptions][] = [
    ['kernel 2', [2, 2, 4, 4], 2, {}],
    ['kernel 3 stride 2 padding 1', [1, 2, 5, 6], 3, { stride: 2, padding: 1 }],
    ['kernel 3 stride 2 padding 1, countIncludePad false', [1, 2, 5, 6], 3, { stride: 2, padding: 1, countIncludePad: false }],
    ['kernel 3 stride 2 padding 1 ceil mode', [1, 1, 6, 6], 3, { stride: 2, padding: 1, ceilMode: true }],
    ['ceil mode, countIncludePad false', [1, 1, 6, 6], 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }],
    ['divisorOverride 5', [1, 2, 4, 4], 2, { padding: 1, divisorOverride: 5 }],
    ['rectangular [3, 2] stride [2, 1]', [2, 1, 5, 4], [3, 2], { stride: [2, 1] }],
  ];
  for (const [name, s, k, o] of cases) test(`${name} [${s}]`, () => gc((x) => F.avgPool2d(x, k, o), [inp(s)]));
  test('non-contiguous input', () => gc((x) => F.avgPool2d(x, 2, { stride: 1 }), [inp([2, 2, 4, 5], { nc: true })]));
  test('unbatched 3-D input', () => gc((x) => F.avgPool2d(x, 3, { padding: 1, stride: 1 }), [inp([2, 4, 3])]));
  test('the module', () => gc((x) => new nn.AvgPool2d(2, { ceilMode: true }).forward(x), [inp([1, 2, 5, 5])]));
});

describe('gradcheck: adaptiveAvgPool2d', () => {
  const cases: [string, number[], number | (number | null)[]][] = [
    ['5x7 -> 3x2 (overlapping windows)', [2, 2, 5, 7], [3, 2]],
    ['global (1)', [2, 3, 4, 5], 1],
    ['3x2 -> 5x4 (larger output)', [1, 2, 3, 2], [5, 4]],
    ['null keeps a dim', [1, 1, 4, 6], [null, 4]],
  ];
  for (const [name, s, o] of cases) test(`${name} [${s}]`, () => gc((x) => F.adaptiveAvgPool2d(x, o), [inp(s)]));
  test('non-contiguous input', () => gc((x) => F.adaptiveAvgPool2d(x, [2, 3]), [inp([1, 2, 5, 5], { nc: true })]));
  test('unbatched 3-D input and the module', () => gc((x) => new nn.AdaptiveAvgPool2d([2, 2]).forward(x), [inp([2, 5, 3])]));
});

describe('output shapes (PyTorch formula)', () => {
  const x = flint.zeros([2, 3, 7, 7]);
  test('max and avg', () => {
    expect(F.maxPool2d(x, 2).shape).toEqual([2, 3, 3, 3]);
    expect(F.maxPool2d(x, 2, { ceilMode: true }).shape).toEqual([2, 3, 4, 4]);
    expect(F.maxPool2d(x, 3, { stride: 2, padding: 1 }).shape).toEqual([2, 3, 4, 4]);
    expect(F.maxPool2d(x, 2, { dilation: 3, stride: 1 }).shape).toEqual([2, 3, 4, 4]);
    expect(F.avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 0] }).shape).toEqual([2, 3, 4, 6]);
    // ceil mode, where the last window would start in the right padding: dropped
    expect(F.avgPool2d(flint.zeros([1, 1, 5, 5]), 2, { stride: 2, padding: 1, ceilMode: true }).shape).toEqual([1, 1, 3, 3]);
    expect(F.maxPool2d(flint.zeros([3, 7, 7]), 2).shape).toEqual([3, 3, 3]);
  });
  test('returnIndices gives int64 indices within each plane', () => {
    const t = flint.tensor([[[[1, 5, 2, 0], [3, 4, 7, 6]]]]);
    const [y, i] = F.maxPool2d(t, 2, { returnIndices: true });
    expect(y.toArray()).toEqual([[[[5, 7]]]]);
    expect(i.dtype).toBe('int64');
    expect(i.toArray()).toEqual([[[[1, 6]]]]);
  });
  test('adaptive', () => {
    expect(F.adaptiveAvgPool2d(x, [4, null]).shape).toEqual([2, 3, 4, 7]);
    expect(F.adaptiveAvgPool2d(x, 1).toArray()).toEqual([[[[0]], [[0]], [[0]]], [[[0]], [[0]], [[0]]]]);
  });
});

describe('maxPool2d 2x2 stride 2 (the vectorised float32 path) against a scalar oracle', () => {
  // The first maximum of a window in PyTorch's order (row by row) wins; a NaN takes over from
  // whatever came before, a later NaN from an earlier one. Values from a small set make ties common.
  function oracle(x: Float32Array, planes: number, H: number, W: number): { v: number[]; i: number[] } {
    const OH = Math.floor(H / 2), OW = Math.floor(W / 2);
    const v: number[] = [], i: number[] = [];
    for (let q = 0; q < planes; q++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let m = -Infinity, k = -1;
          for (const [dh, dw] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
            const idx = (2 * oh + dh) * W + 2 * ow + dw;
            const val = x[q * H * W + idx];
            if (k < 0 || val > m || Number.isNaN(val)) [m, k] = [val, idx];
          }
          v.push(m);
          i.push(k);
        }
    return { v, i };
  }
  const special = [NaN, Infinity, -Infinity, 0, -0];
  for (const [H, W] of [[2, 2], [3, 3], [2, 8], [4, 9], [5, 16], [7, 17], [26, 26], [11, 11], [9, 24]]) {
    test(`[2, 3, ${H}, ${W}]`, () => {
      const n = 6 * H * W;
      let s = H * 131 + W;
      const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
      const data = Float32Array.from({ length: n }, () => {
        const r = rnd();
        return r < 0.05 ? special[Math.floor(rnd() * special.length)] : Math.floor(rnd() * 5) - 2;
      });
      const x = flint.tensor(data, { shape: [2, 3, H, W] });
      const [y, ind] = F.maxPool2d(x, 2, { returnIndices: true });
      const want = oracle(data, 6, H, W);
      expect(Array.from(y.dataSync() as Float32Array)).toEqual(want.v);
      expect(Array.from(ind.dataSync() as BigInt64Array, Number)).toEqual(want.i);
    });
  }
});

describe("PyTorch's positional arguments, or one options object", () => {
  const x = flint.randn([2, 3, 9, 8]);
  const same = (a: T, b: T) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
  test('F.maxPool2d(x, k, stride, padding, dilation, ceilMode, returnIndices)', () => {
    same(F.maxPool2d(x, 3, 2, 1), F.maxPool2d(x, 3, { stride: 2, padding: 1 }));
    same(F.maxPool2d(x, 2, undefined, 0, 2, true), F.maxPool2d(x, 2, { dilation: 2, ceilMode: true }));
    const [y, i] = F.maxPool2d(x, 2, null, 0, 1, false, true);
    same(y, F.maxPool2d(x, 2));
    expect(i.dtype).toBe('int64');
  });
  test('F.avgPool2d(x, k, stride, padding, ceilMode, countIncludePad, divisorOverride)', () => {
    same(F.avgPool2d(x, 3, 2, 1, true, false), F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }));
    same(F.avgPool2d(x, 2, 1, 0, false, true, 3), F.avgPool2d(x, 2, { stride: 1, divisorOverride: 3 }));
  });
  test('nn.MaxPool2d(k, stride, padding, dilation, returnIndices, ceilMode) and nn.AvgPool2d(k, stride, padding, ceilMode, ...)', () => {
    same(new nn.MaxPool2d(3, 2, 1, 1, false, true).forward(x), F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }));
    same(new nn.AvgPool2d(3, 2, 1, false, false).forward(x), F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }));
  });
  test('both at once, or too many, is an error naming the arguments', () => {
    expect(() => F.maxPool2d(x, 2, { stride: 1 } as never, 1 as never)).toThrow(
      /^max_pool2d: pass either an options object or positional arguments \(stride, padding, dilation, ceilMode, returnIndices\), not both$/);
    expect(() => (F.avgPool2d as (...a: unknown[]) => T)(x, 2, 1, 0, false, true, null, 7)).toThrow(
      /^avg_pool2d: expected at most 5 optional arguments \(stride, padding, ceilMode, countIncludePad, divisorOverride\) but got 6$/);
  });
});

