// Activations and softmax: float64 finite-difference gradient checks (contiguous and strided
// inputs, several dims), the native softmax against its composition oracle, and the module and
// Tensor-method forms. PyTorch goldens for these are in nn_goldens.test.ts.
import * as flint from '../../lib';
import { gradcheck, GradcheckInput, uniform } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';

const { nn, F, tensor } = flint;
type T = flint.Tensor;
const inp = inputMaker(7001);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}

describe('gradcheck: pointwise activations', () => {
  const cases: [string, (x: T) => T, { lo?: number; hi?: number; away?: boolean }][] = [
    ['leakyRelu', (x) => F.leakyRelu(x), { away: true, lo: -3, hi: 3 }],
    ['leakyRelu 0.2', (x) => F.leakyRelu(x, 0.2), { away: true, lo: -3, hi: 3 }],
    ['leakyRelu -0.5 (negative slope)', (x) => F.leakyRelu(x, -0.5), { away: true }],
    ['elu', (x) => F.elu(x), { away: true, lo: -4, hi: 3 }],
    ['elu 0.5', (x) => F.elu(x, 0.5), { away: true, lo: -4, hi: 3 }],
    ['gelu', (x) => F.gelu(x), { lo: -5, hi: 5 }],
    ['gelu tanh', (x) => F.gelu(x, 'tanh'), { lo: -5, hi: 5 }],
    ['silu', (x) => F.silu(x), { lo: -8, hi: 8 }],
  ];
  for (const [name, f, o] of cases) {
    test(name, () => {
      gc(f, [inp([3, 5], o)]);
      gc(f, [inp([4, 3], { ...o, nc: true })]);
      gc(f, [inp([7], { ...o, nc: true })]);
      gc(f, [inp([], o)]);
      gc(f, [inp([2, 3, 4], o)]);
    });
  }
  test('tails and large values (all branches of the formulas)', () => {
    const data = [-30, -12, -6, -2.5, -0.3, 0.3, 2.5, 6, 12, 30];
    for (const f of [(x: T) => F.gelu(x), (x: T) => F.gelu(x, 'tanh'), (x: T) => F.silu(x), (x: T) => F.elu(x, 2)]) {
      gc(f, [{ data, shape: [10] }]);
    }
  });
  test('inside a graph', () => {
    gc((x, w) => F.gelu(flint.linear(x, w)).mul(F.silu(x).sum()), [inp([3, 4]), inp([2, 4])]);
  });
});

describe('gradcheck: softmax and logSoftmax', () => {
  for (const [name, f] of [['softmax', F.softmax], ['logSoftmax', F.logSoftmax]] as const) {
    test(`${name}: every dim of a 3-D input, strided inputs, 0-d and size-1 dims`, () => {
      for (const dim of [0, 1, 2, -1, -3]) gc((x) => f(x, dim), [inp([3, 4, 5], { lo: -3, hi: 3 })]);
      gc((x) => f(x, 0), [inp([4, 3], { lo: -3, hi: 3, nc: true })]);
      gc((x) => f(x, 1), [inp([4, 3], { lo: -3, hi: 3, nc: true })]);
      gc((x) => f(x, 0), [inp([7], { nc: true })]);
      gc((x) => f(x, 0), [inp([])]);
      gc((x) => f(x, 1), [inp([3, 1])]);
      gc((x) => f(x, 2), [inp([2, 3, 4], { nc: true })]);
      gc((x) => f(x, 0), [inp([3, 70])]); // more lines than one block of the kernel (64)
      gc((x) => f(x, 1), [inp([2, 3, 67], { nc: true })]);
    });
    test(`${name}: large shifts (stability)`, () => {
      gc((x) => f(x.mul(100), 1), [{ data: [0.5, 0.51, -0.2, 0.1, 0.11, 0.1], shape: [2, 3] }]);
      gc((x) => f(x.add(1000), 0), [inp([5])]);
    });
  }
  test('composed with nll: logSoftmax then nllLoss equals crossEntropy', () => {
    const x = tensor(uniform(12, 5, -3, 3), { shape: [4, 3], dtype: 'float64' });
    const t = tensor([2, 0, 1, 1], { dtype: 'int64' });
    expect(F.nllLoss(F.logSoftmax(x, 1), t).item()).toBeCloseTo(F.crossEntropy(x, t).item(), 14);
  });
});

describe('native softmax against its composition oracle exp(x - max) / sum', () => {
  // The naive twin: the same math from elementwise ops and reductions, in float64.
  function oracle(x: T, dim: number, log: boolean): T {
    const m = x.max(dim, true).values;
    const z = x.sub(m);
    const s = z.exp().sum(dim, true);
    return log ? z.sub(s.log()) : z.exp().div(s);
  }
  for (const shape of [[1], [7], [65], [257], [3, 65], [65, 7], [2, 63, 3], [5, 1, 9]]) {
    test(`shape [${shape}] every dim`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = tensor(uniform(n, n, -20, 20), { shape, dtype: 'float64' });
      for (let d = 0; d < shape.length; d++) {
        for (const log of [false, true]) {
          const got = log ? F.logSoftmax(x, d) : F.softmax(x, d);
          const want = oracle(x, d, log);
          const g = got.dataSync() as Float64Array, w = want.dataSync() as Float64Array;
          for (let i = 0; i < n; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w[i])));
        }
      }
    });
  }
  test('rows sum to one; float32 agrees with float64', () => {
    const x = tensor(uniform(6 * 50, 3, -10, 10), { shape: [6, 50], dtype: 'float64' });
    const s = F.softmax(x, 1).sum(1).dataSync() as Float64Array;
    s.forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(1e-14));
    const a = F.logSoftmax(x.float(), 1).dataSync() as Float32Array;
    const b = F.logSoftmax(x, 1).dataSync() as Float64Array;
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(b[i])));
  });
  test('threaded lines: a large input gives the same values with 1 thread and many', () => {
    const x = tensor(uniform(64 * 300, 9, -5, 5), { shape: [64, 300] });
    const prev = flint.getNumThreads();
    try {
      flint.setNumThreads(1);
      const one = F.softmax(x, 0).dataSync();
      flint.setNumThreads(4);
      expect(F.softmax(x, 0).dataSync()).toEqual(one);
    } finally {
      flint.setNumThreads(prev);
    }
  });
});

describe('modules, functional and Tensor methods agree', () => {
  const x = tensor(uniform(24, 11, -3, 3), { shape: [2, 3, 4] });
  const same = (a: T, b: T) => expect(Array.from(a.dataSync() as Float32Array)).toEqual(Array.from(b.dataSync() as Float32Array));
  test('each module is its functional form', () => {
    same(new nn.Sigmoid().forward(x), flint.sigmoid(x));
    same(new nn.Tanh().forward(x), flint.tanh(x));
    same(new nn.LeakyReLU().forward(x), F.leakyRelu(x, 0.01));
    same(new nn.LeakyReLU(0.3).forward(x), F.leakyRelu(x, 0.3));
    same(new nn.LeakyReLU({ negativeSlope: 0.3 }).forward(x), F.leakyRelu(x, 0.3));
    same(new nn.ELU().forward(x), F.elu(x, 1));
    same(new nn.ELU(0.5).forward(x), F.elu(x, 0.5));
    same(new nn.GELU().forward(x), F.gelu(x));
    same(new nn.GELU('tanh').forward(x), F.gelu(x, 'tanh'));
    same(new nn.SiLU().forward(x), F.silu(x));
    same(new nn.Softmax(1).forward(x), F.softmax(x, 1));
    same(new nn.LogSoftmax(-1).forward(x), F.logSoftmax(x, -1));
    same(x.softmax(2), flint.softmax(x, 2));
    same(x.logSoftmax(0), flint.logSoftmax(x, 0));
  });
  test('a few exact values', () => {
    const v = tensor([-2, -0.5, 0, 1.5], { dtype: 'float64' });
    expect(F.leakyRelu(v, 0.1).toArray()).toEqual([-0.2, -0.05, 0, 1.5]);
    expect(F.elu(v).toArray()).toEqual([Math.expm1(-2), Math.expm1(-0.5), 0, 1.5]);
    expect((F.silu(v).toArray() as number[])[3]).toBeCloseTo(1.5 / (1 + Math.exp(-1.5)), 15);
    expect((F.gelu(v).toArray() as number[])[2]).toBe(0);
    expect((F.softmax(tensor([1, 1, 1, 1]), 0).toArray() as number[])).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
  test('no parameters; repr', () => {
    expect(new nn.GELU('tanh').parameters()).toEqual([]);
    expect(new nn.Softmax(1).toString()).toBe('Softmax(dim=1)');
    expect(new nn.LeakyReLU(0.2).toString()).toBe('LeakyReLU(negativeSlope=0.2)');
    expect(new nn.GELU().toString()).toBe("GELU(approximate='none')");
  });
  test('in a Sequential with gradients', () => {
    flint.manualSeed(3);
    const m = new nn.Sequential(new nn.Linear(4, 8), new nn.GELU(), new nn.Linear(8, 3), new nn.LogSoftmax(1));
    const y = m.forward(flint.randn([5, 4]));
    F.nllLoss(y, tensor([0, 1, 2, 1, 0], { dtype: 'int64' })).backward();
    for (const p of m.parameters()) expect(p.grad).not.toBeNull();
  });
});
