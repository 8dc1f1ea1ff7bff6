// matmul and linear: finite-difference gradient checks (float64) and PyTorch goldens.
import * as flint from '../../lib';
import { native } from '../../lib/native';
import { gradcheck, GradcheckInput } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import { runGoldens } from '../helpers/goldens';

type T = flint.Tensor;
const { matmul, linear } = flint;
const { linearRelu } = flint.nn.functional;
const inp = inputMaker(2001);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}

describe('gradcheck: matmul', () => {
  const cases: [string, number[], number[]][] = [
    ['1-D x 1-D', [7], [7]],
    ['1-D x 1-D size 1', [1], [1]],
    ['1-D x 2-D', [4], [4, 3]],
    ['2-D x 1-D', [3, 4], [4]],
    ['2-D x 2-D', [3, 4], [4, 5]],
    ['2-D x 2-D odd', [1, 7], [7, 1]],
    ['column x row (K = 1)', [5, 1], [1, 3]],
    ['batched x 2-D', [2, 3, 4], [4, 5]],
    ['2-D x batched', [3, 4], [2, 4, 5]],
    ['batched x batched', [2, 3, 4], [2, 4, 2]],
    ['batched broadcast both', [2, 1, 3, 4], [3, 4, 2]],
    ['batch dim 1 vs 2', [1, 3, 4], [2, 4, 2]],
    ['1-D x batched', [4], [2, 4, 3]],
    ['batched x 1-D', [2, 3, 4], [4]],
  ];
  for (const [name, sa, sb] of cases) {
    test(`${name} [${sa}] @ [${sb}]`, () => gc(matmul, [inp(sa), inp(sb)]));
  }
  test('transposed / non-contiguous operands', () => {
    gc(matmul, [inp([3, 4], { nc: true }), inp([4, 5])]);
    gc(matmul, [inp([3, 4]), inp([4, 5], { nc: true })]);
    gc(matmul, [inp([3, 4], { nc: true }), inp([4, 5], { nc: true })]);
    gc(matmul, [inp([2, 3, 4], { nc: true }), inp([2, 4, 5], { nc: true })]);
    gc(matmul, [inp([4], { nc: true }), inp([4, 3], { nc: true })]);
    gc(matmul, [inp([3, 4], { nc: true }), inp([4], { nc: true })]);
  });
  test('views made inside the graph (x.t(), narrow, expand)', () => {
    gc((a, b) => matmul(a.t(), b), [inp([4, 3]), inp([4, 5])]);
    gc((a, b) => matmul(a, b.transpose(0, 1)), [inp([3, 4]), inp([5, 4])]);
    gc((a, b) => matmul(a.narrow(1, 1, 3), b), [inp([3, 5]), inp([3, 2])]);
    gc((a, b) => matmul(a.expand(2, 3, 4), b), [inp([3, 4]), inp([2, 4, 2])]);
    gc((a, b) => matmul(a.permute(1, 0, 2), b), [inp([3, 2, 4]), inp([4, 2])]);
  });
  test('one operand constant', () => {
    gc(matmul, [inp([3, 4]), inp([4, 5], { rg: false })]);
    gc(matmul, [inp([3, 4], { rg: false }), inp([4, 5])]);
  });
  test('x @ x (same tensor twice)', () => gc((a) => matmul(a, a), [inp([4, 4])]));
});

describe('gradcheck: linear', () => {
  test('with bias', () => gc((x, w, b) => linear(x, w, b), [inp([3, 4]), inp([5, 4]), inp([5])]));
  test('without bias', () => gc((x, w) => linear(x, w), [inp([3, 4]), inp([5, 4])]));
  test('null bias', () => gc((x, w) => linear(x, w, null), [inp([3, 4]), inp([2, 4])]));
  test('3-D input', () => gc((x, w, b) => linear(x, w, b), [inp([2, 3, 4]), inp([5, 4]), inp([5])]));
  test('1-D input', () => gc((x, w, b) => linear(x, w, b), [inp([4]), inp([3, 4]), inp([3])]));
  test('odd sizes (1, 7)', () => {
    gc((x, w, b) => linear(x, w, b), [inp([1, 7]), inp([1, 7]), inp([1])]);
    gc((x, w, b) => linear(x, w, b), [inp([7, 1]), inp([7, 1]), inp([7])]);
  });
  test('non-contiguous input and weight', () => {
    gc((x, w, b) => linear(x, w, b), [inp([3, 4], { nc: true }), inp([5, 4], { nc: true }), inp([5], { nc: true })]);
    gc((x, w) => linear(x, w), [inp([2, 3, 4], { nc: true }), inp([5, 4])]);
  });
  test('weight used transposed from a view', () => {
    gc((x, w) => linear(x, w.t()), [inp([3, 4]), inp([4, 5])]);
  });
  test('only some inputs require grad', () => {
    gc((x, w, b) => linear(x, w, b), [inp([3, 4], { rg: false }), inp([5, 4]), inp([5], { rg: false })]);
    gc((x, w, b) => linear(x, w, b), [inp([3, 4]), inp([5, 4], { rg: false }), inp([5])]);
  });
});

describe('linearRelu: bias and ReLU in the GEMM epilogue', () => {
  test('gradcheck (float64): with and without bias, 3-D and 1-D input, non-contiguous', () => {
    gc((x, w, b) => linearRelu(x, w, b), [inp([3, 4]), inp([5, 4]), inp([5])]);
    gc((x, w) => linearRelu(x, w), [inp([3, 4]), inp([5, 4])]);
    gc((x, w, b) => linearRelu(x, w, b), [inp([2, 3, 4]), inp([5, 4]), inp([5])]);
    gc((x, w, b) => linearRelu(x, w, b), [inp([4]), inp([3, 4]), inp([3])]);
    gc((x, w, b) => linearRelu(x, w, b), [inp([3, 4], { nc: true }), inp([5, 4], { nc: true }), inp([5], { nc: true })]);
  });

  test('float32: equals the unfused relu(matmul(x, w^T) + b) bit for bit, value and gradients, on every GEMM path', () => {
    // gemv (M = 1), the tiny loop, dot products (N <= 12), BLIS reading A in place (N <= 64),
    // BLIS packed with several K blocks.
    const shapes: [number, number, number][] = [[1, 784, 512], [5, 7, 9], [64, 256, 10], [33, 70, 40], [64, 784, 512]];
    flint.manualSeed(77);
    for (const [M, K, N] of shapes) {
      const mk = (shape: number[]) => flint.randn(shape).requiresGrad_(true);
      const x = mk([M, K]), w = mk([N, K]), b = mk([N]);
      const g = flint.randn([M, N]);
      const fused = linearRelu(x, w, b);
      fused.backward(g);
      const gf = [x, w, b].map((t) => t.grad!.dataSync() as Float32Array);
      const x2 = x.detach().requiresGrad_(true), w2 = w.detach().requiresGrad_(true), b2 = b.detach().requiresGrad_(true);
      const unfused = flint.relu(flint.add(flint.matmul(x2, w2.t()), b2));
      unfused.backward(g);
      const gu = [x2, w2, b2].map((t) => t.grad!.dataSync() as Float32Array);
      const fv = fused.dataSync() as Float32Array, uv = unfused.dataSync() as Float32Array;
      expect([M, K, N, fv.every((v, i) => Object.is(v, uv[i]))]).toEqual([M, K, N, true]);
      expect([M, K, N, fv.some((v) => v > 0) && fv.some((v) => v === 0)]).toEqual([M, K, N, true]);
      for (let k = 0; k < 3; k++) {
        const worst = gf[k].reduce((m, v, i) => Math.max(m, Math.abs(v - gu[k][i]) / (1 + Math.abs(gu[k][i]))), 0);
        expect([M, K, N, k, worst <= 1e-6]).toEqual([M, K, N, k, true]);
      }
      // linear's bias epilogue equals matmul + add too.
      const lv = linear(x, w, b).dataSync() as Float32Array;
      const mv = flint.add(flint.matmul(x, w.t()), b).dataSync() as Float32Array;
      expect([M, K, N, lv.every((v, i) => Object.is(v, mv[i]))]).toEqual([M, K, N, true]);
    }
  });

  test('errors name linearRelu', () => {
    expect(() => linearRelu(flint.randn([2, 3]), flint.randn([4, 5]))).toThrow(/linear: expected input with last dimension 5/);
    const x = flint.randn([2, 3]);
    x.dispose();
    expect(() => linearRelu(x, flint.randn([4, 3]))).toThrow(/linearRelu/);
  });
});

describe('native.matmul transpose flags (the backward of linear and matmul)', () => {
  test('equal matmul on transposed views bit for bit, 2-D and batched, float32 and float64', () => {
    flint.manualSeed(5);
    const cases: [number[], number[], boolean, boolean][] = [
      [[64, 10], [64, 256], true, false], // linear's weight gradient g^T x
      [[7, 5], [9, 5], false, true],
      [[5, 7], [9, 5], true, true],
      [[3, 6, 4], [3, 5, 4], false, true], // batched
      [[2, 3, 6, 4], [6, 5], true, false], // batch broadcast
    ];
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [sa, sb, ta, tb] of cases) {
        const a = flint.randn(sa, { dtype }), b = flint.randn(sb, { dtype });
        const got = new flint.Tensor(native.matmul(a._h, b._h, ta, tb)).dataSync();
        const want = flint.matmul(ta ? a.transpose(-2, -1) : a, tb ? b.transpose(-2, -1) : b).dataSync();
        expect([dtype, sa, sb, got.length === want.length && got.every((v, i) => Object.is(v, want[i]))]).toEqual([dtype, sa, sb, true]);
      }
    }
  });

  test('a transposed 1-D operand or mismatched shapes are refused, naming matmul', () => {
    expect(() => native.matmul(flint.randn([4])._h, flint.randn([4, 2])._h, true, false)).toThrow(/matmul: cannot transpose input of shape \[4\]/);
    expect(() => native.matmul(flint.randn([4, 2])._h, flint.randn([3])._h, false, true)).toThrow(/matmul: cannot transpose other of shape \[3\]/);
    expect(() => native.matmul(flint.randn([4, 2])._h, flint.randn([4, 3])._h, false, false)).toThrow(/matmul: shapes \[4, 2\] and \[4, 3\]/);
  });
});

describe('goldens vs PyTorch', () => {
  runGoldens('linalg');
});
