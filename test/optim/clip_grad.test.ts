// nn.utils.clipGradNorm_ / clipGradValue_ against torch.nn.utils (test/fixtures/optim.json):
// total norm (p = 1, 2, 3.5, inf) and the clipped gradients, a parameter without a gradient,
// non-finite gradients, and the errorIfNonfinite error.
import * as flint from '../../lib';
import { DTYPES, expectMatch, expectNumber, fixture, tensorOf } from './optim_fixture';

const { clipGradNorm_, clipGradValue_ } = flint.nn.utils;

describe('gradient clipping vs torch.nn.utils', () => {
  for (const c of fixture.clip) {
    for (const dtype of DTYPES) {
      test(`${c.name} [${dtype}]`, () => {
        const ps = c.grads.map((g) => {
          const p = flint.zeros(g.shape, { dtype, requiresGrad: true });
          p.grad = g.data === null ? null : tensorOf(g.data, g.shape, dtype);
          return p;
        });
        const exp = c.expected[dtype];
        const o = c.options;
        if (exp.error !== undefined) {
          const before = ps.map((p) => (p.grad ? Array.from(p.grad.dataSync() as Float64Array) : null));
          expect(() => clipGradNorm_(ps, o.maxNorm!, o.normType ?? 2, { errorIfNonfinite: o.errorIfNonfinite }))
            .toThrow(/clipGradNorm_: the total norm of order 2 for gradients from parameters is non-finite \(Infinity\), so it cannot be clipped/);
          expect(exp.error).toMatch(/is non-finite, so it cannot be clipped/);
          // nothing was scaled
          ps.forEach((p, i) => expect(p.grad ? Array.from(p.grad.dataSync() as Float64Array) : null).toEqual(before[i]));
          return;
        }
        if (c.fn === 'norm') {
          const total = clipGradNorm_(ps, o.maxNorm!, o.normType ?? 2, { errorIfNonfinite: o.errorIfNonfinite ?? false });
          expect(total.shape).toEqual([]);
          expect(total.dtype).toBe(exp.total_dtype);
          expectNumber(total.item(), exp.total!, `${c.name} ${dtype} total norm`, dtype === 'float64' ? 1e-12 : 1e-6);
        } else {
          expect(clipGradValue_(ps, o.clipValue!)).toBeUndefined();
        }
        ps.forEach((p, i) => {
          const e = exp.grads![i];
          if (e === null) return expect(p.grad).toBeNull();
          expectMatch(p.grad!.dataSync() as Float64Array, e, dtype, `${c.name} ${dtype} grad ${i}`);
        });
      });
    }
  }

  test('a single tensor, no gradients, strided gradients', () => {
    const p = flint.zeros([2], { requiresGrad: true });
    p.grad = flint.tensor([3, 4]);
    expect(clipGradNorm_(p, 1).item()).toBeCloseTo(5, 6);
    const g = p.grad.dataSync();
    expect(g[0]).toBeCloseTo(0.6, 6);
    expect(g[1]).toBeCloseTo(0.8, 6);
    const none = clipGradNorm_([flint.zeros([2], { requiresGrad: true })], 1);
    expect([none.item(), none.dtype]).toEqual([0, 'float32']);
    // a transposed (non-contiguous) gradient is scaled in place, element by element
    const w = flint.zeros([2, 3], { dtype: 'float64', requiresGrad: true });
    w.grad = flint.tensor([[1, 2], [3, 4], [5, 6]], { dtype: 'float64' }).t();
    const n = clipGradNorm_([w], 1, 'inf');
    expect(n.item()).toBe(6);
    const c = 1 / (6 + 1e-6);
    expect(w.grad.toArray()).toEqual([[1 * c, 3 * c, 5 * c], [2 * c, 4 * c, 6 * c]]);
    clipGradValue_([w], 0.5);
    expect(Math.max(...(w.grad.dataSync() as Float64Array))).toBeLessThanOrEqual(0.5);
  });

  test('float32 gradients too large to square in float32 still give the right norm', () => {
    const p = flint.zeros([2], { requiresGrad: true });
    p.grad = flint.tensor([3e20, 4e20]);
    expect(clipGradNorm_(p, 1).item() / 5e20).toBeCloseTo(1, 6);
  });

  test('invalid arguments', () => {
    const p = flint.zeros([2], { requiresGrad: true });
    p.grad = flint.ones([2]);
    expect(() => clipGradNorm_([p], -1)).toThrow(/clipGradNorm_: invalid maxNorm -1 \(expected a number >= 0\)/);
    expect(() => clipGradNorm_([p], NaN)).toThrow(/clipGradNorm_: invalid maxNorm NaN/);
    expect(() => clipGradNorm_([p], 1, 0)).toThrow(/clipGradNorm_: invalid normType 0 \(expected a number > 0 or Infinity\)/);
    expect(() => clipGradNorm_([p], 1, 'two' as any)).toThrow(/clipGradNorm_: invalid normType two/);
    expect(() => clipGradNorm_(null as any, 1)).toThrow(/clipGradNorm_: expected a tensor or an iterable of tensors as parameters/);
    expect(() => clipGradNorm_([p, 3 as any], 1)).toThrow(/clipGradNorm_: parameter 1 is not a tensor/);
    expect(() => clipGradValue_([p], -0.5)).toThrow(/clipGradValue_: invalid clipValue -0.5 \(expected a number >= 0\)/);
    expect(Array.from(p.grad.dataSync())).toEqual([1, 1]);
  });

  test('exported as nn.utils', () => {
    expect(typeof flint.nn.utils.clipGradNorm_).toBe('function');
    expect(typeof flint.nn.utils.clipGradValue_).toBe('function');
  });
});
