// Dropout: the mask's statistics (fraction dropped, scale 1/(1-p), mean kept), determinism under
// manualSeed, identity in eval, the gradient through the same mask, and edge probabilities.
import * as flint from '../../lib';

const { nn, F, tensor } = flint;

describe('F.dropout', () => {
  test('drops a fraction p and scales the rest by 1/(1-p): statistics over 200k elements', () => {
    flint.manualSeed(11);
    const n = 200000;
    for (const p of [0.1, 0.3, 0.5, 0.9]) {
      const x = flint.ones([n]);
      const y = Array.from(F.dropout(x, p).dataSync() as Float32Array);
      const zeros = y.filter((v) => v === 0).length;
      const scale = Math.fround(1 / (1 - p));
      expect(y.every((v) => v === 0 || v === scale)).toBe(true);
      // binomial: 6 standard deviations
      expect(Math.abs(zeros / n - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / n));
      const mean = y.reduce((a, v) => a + v, 0) / n;
      expect(Math.abs(mean - 1)).toBeLessThan(6 * Math.sqrt(p / (1 - p) / n));
    }
  });
  test('keeps values: y is 0 or x / (1 - p) elementwise', () => {
    flint.manualSeed(12);
    const x = flint.randn([1000], { dtype: 'float64' });
    const y = F.dropout(x, 0.25).dataSync() as Float64Array;
    const xv = x.dataSync() as Float64Array;
    for (let i = 0; i < y.length; i++) expect(y[i] === 0 || Math.abs(y[i] - xv[i] / 0.75) < 1e-15 * Math.abs(xv[i]) + 1e-300).toBe(true);
  });
  test('reproducible under manualSeed; fresh masks on later calls', () => {
    const x = flint.ones([4096]);
    flint.manualSeed(5);
    const a = F.dropout(x, 0.5).dataSync();
    const b = F.dropout(x, 0.5).dataSync();
    flint.manualSeed(5);
    expect(F.dropout(x, 0.5).dataSync()).toEqual(a);
    expect(F.dropout(x, 0.5).dataSync()).toEqual(b);
    expect(b).not.toEqual(a);
  });
  test('the same mask whatever the thread count', () => {
    const x = flint.ones([100000]);
    const prev = flint.getNumThreads();
    try {
      flint.setNumThreads(1);
      flint.manualSeed(9);
      const a = F.dropout(x, 0.4).dataSync();
      flint.setNumThreads(4);
      flint.manualSeed(9);
      expect(F.dropout(x, 0.4).dataSync()).toEqual(a);
    } finally {
      flint.setNumThreads(prev);
    }
  });
  test('gradient is the upstream gradient times the same mask', () => {
    flint.manualSeed(13);
    const x = flint.randn([500], { dtype: 'float64', requiresGrad: true });
    const y = F.dropout(x, 0.3);
    const g = flint.randn([500], { dtype: 'float64' });
    y.backward(g);
    const yv = y.dataSync() as Float64Array, xv = x.dataSync() as Float64Array, gv = g.dataSync() as Float64Array;
    const gx = x.grad!.dataSync() as Float64Array;
    for (let i = 0; i < 500; i++) {
      const kept = yv[i] !== 0;
      expect(gx[i]).toBeCloseTo(kept ? gv[i] / 0.7 : 0, 14);
      if (kept) expect(yv[i]).toBeCloseTo(xv[i] / 0.7, 14);
    }
  });
  test('not training or p = 0: the input itself; p = 1: zeros (NaN stays NaN)', () => {
    const x = tensor([1, 2, 3]);
    expect(F.dropout(x, 0.5, false)).toBe(x);
    expect(F.dropout(x, 0)).toBe(x);
    expect(Array.from(F.dropout(tensor([1, -2, NaN]), 1).dataSync() as Float32Array)).toEqual([0, -0, NaN]);
  });
});

describe('nn.Dropout', () => {
  test('train: drops; eval: identity; default p 0.5; no parameters', () => {
    const d = new nn.Dropout();
    expect(d.p).toBe(0.5);
    expect(d.parameters()).toEqual([]);
    flint.manualSeed(1);
    const x = flint.ones([1000]);
    const y = Array.from(d.forward(x).dataSync() as Float32Array);
    expect(y.some((v) => v === 0) && y.some((v) => v === 2)).toBe(true);
    d.eval();
    expect(d.forward(x)).toBe(x);
    const m = new nn.Sequential(new nn.Linear(3, 3), new nn.Dropout(0.2));
    m.eval();
    expect(m.at(1).training).toBe(false);
    expect(new nn.Dropout(0.2).toString()).toBe('Dropout(p=0.2)');
  });
});
