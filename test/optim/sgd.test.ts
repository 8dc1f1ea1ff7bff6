// optim.SGD parity with torch.optim.SGD: 5 steps on fixed parameters and gradients for each
// combination of lr, momentum, dampening, nesterov, weightDecay and maximize, in float64 and
// float32 (test/fixtures/sgd.json from scripts/gen_goldens.py). Parameters are compared
// after every step at the golden tolerance (test/helpers/goldens.ts).
import * as flint from '../../lib';
import { Dtype, expectClose, loadFixture, values } from '../helpers/goldens';

interface SgdCase {
  name: string;
  options: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean };
  params: { shape: number[]; data: (number | string)[] }[];
  grads: (number | string)[][][]; // [step][param] -> values
  expected: Record<Dtype, (number | string)[][][]>; // [step][param] -> values after the step
}

const fx = loadFixture<SgdCase>('sgd');
const tensorOf = (data: (number | string)[], shape: number[], dtype: Dtype) =>
  flint.tensor(Float64Array.from(values(data, 'float32')), { shape: shape.slice(), dtype: 'float64' }).to(dtype);

describe('SGD vs torch.optim.SGD', () => {
  test('fixture covers every option', () => {
    const opts = fx.cases.map((c) => c.options);
    expect(opts.some((o) => o.momentum > 0 && o.dampening > 0)).toBe(true);
    expect(opts.some((o) => o.nesterov)).toBe(true);
    expect(opts.some((o) => o.weightDecay > 0)).toBe(true);
    expect(opts.some((o) => o.maximize)).toBe(true);
  });
  for (const c of fx.cases) {
    for (const dtype of ['float64', 'float32'] as Dtype[]) {
      test(`${c.name} [${dtype}]`, () => {
        const ps = c.params.map((p) => tensorOf(p.data, p.shape, dtype).requiresGrad_(true));
        const opt = new flint.optim.SGD(ps, c.options);
        for (let s = 0; s < c.grads.length; s++) {
          ps.forEach((p, i) => (p.grad = tensorOf(c.grads[s][i], p.shape, dtype)));
          const grads = ps.map((p) => p.grad!.dataSync().slice());
          opt.step();
          ps.forEach((p, i) => {
            expectClose(p.dataSync() as Float32Array, c.expected[dtype][s][i], dtype, `${c.name} ${dtype} step ${s + 1} param ${i}`);
            // the step leaves the gradient alone
            expect(Array.from(p.grad!.dataSync() as Float32Array)).toEqual(Array.from(grads[i] as Float32Array));
          });
        }
      });
    }
  }
  test('param groups with their own options', () => {
    const a = flint.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const b = flint.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const opt = new flint.optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    a.grad = flint.ones([2], { dtype: 'float64' });
    b.grad = flint.ones([2], { dtype: 'float64' });
    opt.step();
    expect(a.toArray()).toEqual([0.9, 1.9]);
    expect(b.toArray()).toEqual([0.5, 1.5]);
  });
  test('parameters without a gradient are skipped', () => {
    const a = flint.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    new flint.optim.SGD([a], { lr: 0.1, momentum: 0.9 }).step();
    expect(a.toArray()).toEqual([1, 2]);
  });
  test('invalid options name the option', () => {
    const p = [flint.zeros([1], { requiresGrad: true })];
    expect(() => new flint.optim.SGD(p, { lr: -1 })).toThrow(/SGD: invalid learning rate -1/);
    expect(() => new flint.optim.SGD(p, { lr: 0.1, momentum: -0.5 })).toThrow(/SGD: invalid momentum/);
    expect(() => new flint.optim.SGD(p, { lr: 0.1, weightDecay: -1 })).toThrow(/SGD: invalid weightDecay/);
    expect(() => new flint.optim.SGD(p, { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum and zero dampening/);
    expect(() => new flint.optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
  });
});

test('SGD checks every gradient before updating any parameter', () => {
  const a = flint.tensor([1, 2, 3], { requiresGrad: true });
  const b = flint.tensor([4, 5], { requiresGrad: true });
  a.grad = flint.tensor([1, 1, 1]);
  b.grad = flint.tensor([1, 1, 1]); // wrong shape
  const opt = new flint.optim.SGD([a, b], { lr: 0.5 });
  expect(() => opt.step()).toThrow(/SGD: parameter 1 is \[2\] float32 but its gradient is \[3\] float32/);
  expect(Array.from(a.dataSync())).toEqual([1, 2, 3]);
  expect(Array.from(b.dataSync())).toEqual([4, 5]);
});
