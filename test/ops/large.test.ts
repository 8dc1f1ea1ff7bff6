// Sizes past the thread pool's grain (elementwise 32768 elements, cross-entropy 256 rows) and
// strided/broadcast walks over many elements, against plain-JS float64 references. The
// goldens use small shapes, so these are the tests of the threaded and strided loops.
import * as flint from '../../lib';
import { uniform } from '../helpers/gradcheck';

const N = 100_003; // odd, > 3 * 32768
const f64 = (data: Float64Array, shape: number[]) => flint.tensor(data, { shape, dtype: 'float64' });

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what: string) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= rtol * Math.abs(e) + atol)) throw new Error(`${what}: element ${i} is ${a}, expected ${e}`);
  }
}

describe('threaded elementwise loops', () => {
  const x = uniform(N, 1, -3, 3);
  const y = uniform(N, 2, 0.5, 2);
  const ref = (f: (a: number, b: number) => number) => Float64Array.from(x, (v, i) => f(v, y[i]));
  test.each<[string, (a: flint.Tensor, b: flint.Tensor) => flint.Tensor, (a: number, b: number) => number]>([
    ['add', (a, b) => a.add(b), (a, b) => a + b],
    ['sub', (a, b) => a.sub(b), (a, b) => a - b],
    ['mul', (a, b) => a.mul(b), (a, b) => a * b],
    ['div', (a, b) => a.div(b), (a, b) => a / b],
    ['exp', (a) => a.exp(), (a) => Math.exp(a)],
    ['log', (_, b) => b.log(), (_, b) => Math.log(b)],
    ['tanh', (a) => a.tanh(), (a) => Math.tanh(a)],
    ['sigmoid', (a) => a.sigmoid(), (a) => 1 / (1 + Math.exp(-a))],
    ['relu', (a) => a.relu(), (a) => Math.max(a, 0)],
    ['scalar mul', (a) => a.mul(-2.5), (a) => a * -2.5],
    ['pow', (_, b) => b.pow(1.5), (_, b) => Math.pow(b, 1.5)],
  ])('%s (float64 and float32)', (_, f, r) => {
    const expected = ref(r);
    const a = f64(x, [N]), b = f64(y, [N]);
    expectAllClose(f(a, b).dataSync() as Float64Array, expected, 1e-14, 1e-300, 'float64');
    const out32 = f(a.float(), b.float()).dataSync() as Float32Array;
    const exp32 = Float64Array.from(x, (v, i) => r(Math.fround(v), Math.fround(y[i])));
    expectAllClose(out32, exp32, 2e-7, 1e-30, 'float32');
  });
  test('gradients through the threaded loops', () => {
    const a = f64(x, [N]).requiresGrad_();
    a.mul(a).tanh().sum().backward();
    const g = a.grad!.dataSync() as Float64Array;
    expectAllClose(g, Float64Array.from(x, (v) => 2 * v * (1 - Math.tanh(v * v) ** 2)), 1e-12, 1e-15, 'grad');
  });
});

describe('strided and broadcast walks over many elements', () => {
  const R = 317, C = 401; // 127117 elements
  const x = uniform(R * C, 3);
  const col = uniform(R, 4);
  test('transposed + column broadcast, and its gradient', () => {
    const a = f64(x, [C, R]).requiresGrad_(); // viewed as [R, C] through t()
    const b = f64(col, [R, 1]).requiresGrad_();
    const out = a.t().mul(b).add(b);
    const o = out.dataSync() as Float64Array;
    const expected = new Float64Array(R * C);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) expected[i * C + j] = x[j * R + i] * col[i] + col[i];
    expectAllClose(o, expected, 1e-15, 1e-300, 'forward');
    out.sum().backward();
    const gb = b.grad!.dataSync() as Float64Array;
    const gbRef = new Float64Array(R);
    for (let i = 0; i < R; i++) {
      let s = 0;
      for (let j = 0; j < C; j++) s += x[j * R + i] + 1;
      gbRef[i] = s;
    }
    expectAllClose(gb, gbRef, 1e-12, 1e-12, 'grad of the broadcast column');
    expectAllClose(a.grad!.dataSync() as Float64Array, Float64Array.from(x, (_, k) => col[k % R]), 0, 0, 'grad of the transposed input');
  });
  test('sum and mean over each dim of a large non-contiguous tensor', () => {
    const a = f64(x, [C, R]).t(); // [R, C], strides [1, R]
    const rowSums = new Float64Array(R), colSums = new Float64Array(C);
    let total = 0;
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) {
      const v = x[j * R + i];
      rowSums[i] += v;
      colSums[j] += v;
      total += v;
    }
    expectAllClose(a.sum(1).dataSync() as Float64Array, rowSums, 1e-12, 1e-12, 'sum(1)');
    expectAllClose(a.sum(0).dataSync() as Float64Array, colSums, 1e-12, 1e-12, 'sum(0)');
    expectAllClose([a.sum().item()], [total], 1e-12, 1e-10, 'sum()');
    expectAllClose([a.mean().item()], [total / (R * C)], 1e-12, 1e-14, 'mean()');
    const f32 = a.float().sum(0).dataSync() as Float32Array;
    expectAllClose(f32, colSums, 1e-5, 1e-5, 'float32 sum(0)');
  });
  test('max along each dim', () => {
    const a = f64(x, [R, C]);
    const { values, indices } = a.max(1);
    const v = values.dataSync() as Float64Array;
    const ix = indices.dataSync() as BigInt64Array;
    for (let i = 0; i < R; i++) {
      let best = -Infinity, bi = -1;
      for (let j = 0; j < C; j++) if (x[i * C + j] > best) { best = x[i * C + j]; bi = j; }
      expect(v[i]).toBe(best);
      expect(Number(ix[i])).toBe(bi);
    }
  });
});

describe('cross-entropy over many rows (threaded)', () => {
  test('matches a JS log-softmax reference, forward and backward', () => {
    const Nr = 1031, Cc = 13;
    const x = uniform(Nr * Cc, 5, -4, 4);
    const tv = Array.from({ length: Nr }, (_, i) => (i * 7) % Cc);
    const logits = f64(x, [Nr, Cc]).requiresGrad_();
    const loss = flint.crossEntropy(logits, flint.tensor(tv, { dtype: 'int64' }));
    let ref = 0;
    const gref = new Float64Array(Nr * Cc);
    for (let i = 0; i < Nr; i++) {
      let m = -Infinity;
      for (let j = 0; j < Cc; j++) m = Math.max(m, x[i * Cc + j]);
      let s = 0;
      for (let j = 0; j < Cc; j++) s += Math.exp(x[i * Cc + j] - m);
      ref += m + Math.log(s) - x[i * Cc + tv[i]];
      for (let j = 0; j < Cc; j++) gref[i * Cc + j] = (Math.exp(x[i * Cc + j] - m) / s - (j === tv[i] ? 1 : 0)) / Nr;
    }
    expectAllClose([loss.item()], [ref / Nr], 1e-12, 0, 'loss');
    loss.backward();
    expectAllClose(logits.grad!.dataSync() as Float64Array, gref, 1e-10, 1e-15, 'grad');
  });
});
