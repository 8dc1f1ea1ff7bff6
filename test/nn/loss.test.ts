// Losses: float64 finite-difference gradient checks for every loss, reduction and option
// (weights, ignoreIndex, labelSmoothing, probability targets, posWeight, spatial dims), the
// definitions checked against plain JS on small cases, and the loss modules. PyTorch goldens
// (including logits of +-1e8, +-inf, NaN and probabilities of exactly 0 and 1) are in
// nn_goldens.test.ts.
import * as flint from '../../lib';
import { native } from '../../lib/native';
import { gradcheck, GradcheckInput, uniform } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';

const { nn, F, tensor } = flint;
type T = flint.Tensor;
const inp = inputMaker(7101);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}
const reductions = ['mean', 'sum', 'none'] as const;
const i64 = (v: number[] | number) => tensor(v as number[], { dtype: 'int64' });
const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });

describe('gradcheck: regression losses', () => {
  for (const reduction of reductions) {
    test(`mse, l1, smooth l1: ${reduction}`, () => {
      gc((x, t) => F.mseLoss(x, t, { reduction }), [inp([3, 4]), inp([3, 4])]);
      gc((x, t) => F.mseLoss(x, t, { reduction }), [inp([4, 3], { nc: true }), inp([4, 3], { rg: false })]);
      gc((x, t) => F.mseLoss(x, t, { reduction }), [inp([3, 4]), inp([4])]);
      // values kept apart so that x - t never crosses 0 (|.|) or +-beta within eps
      gc((x, t) => F.l1Loss(x, t, { reduction }), [inp([3, 4], { away: true }), inp([3, 4], { rg: false, lo: 0, hi: 0 })]);
      gc((x, t) => F.l1Loss(x, t, { reduction }), [inp([5], { away: true, nc: true }), inp([5], { lo: 0, hi: 0 })]);
      for (const beta of [1, 0.5]) {
        gc((x, t) => F.smoothL1Loss(x, t, { reduction, beta }),
          [{ data: [-3, -1.2, -0.7, -0.2, 0.1, 0.4, 0.8, 2.5], shape: [2, 4] }, inp([2, 4], { lo: 0, hi: 0 })]);
        gc((x, t) => F.smoothL1Loss(x, t, { reduction, beta }), [inp([4, 3], { lo: -0.3, hi: 0.3, nc: true }), inp([4, 3], { lo: -0.1, hi: 0.1 })]);
      }
      gc((x, t) => F.smoothL1Loss(x, t, { reduction, beta: 0 }), [inp([3, 4], { away: true }), inp([3, 4], { lo: 0, hi: 0 })]);
    });
  }
  test('definitions', () => {
    const x = f64([1, -2, 0.5, 3]), t = f64([0, 0, 0, 1]);
    expect(F.mseLoss(x, t).item()).toBeCloseTo((1 + 4 + 0.25 + 4) / 4, 15);
    expect(F.l1Loss(x, t, { reduction: 'sum' }).item()).toBeCloseTo(1 + 2 + 0.5 + 2, 15);
    expect(F.smoothL1Loss(x, t, { reduction: 'none' }).toArray()).toEqual([0.5, 1.5, 0.125, 1.5]);
    expect(F.smoothL1Loss(x, t, { reduction: 'none', beta: 2 }).toArray()).toEqual([0.25, 1, 0.0625, 1]);
  });
});

describe('gradcheck: cross-entropy', () => {
  const w = () => f64([0.5, 2, 1, 0.25, 1.5]);
  for (const reduction of reductions) {
    test(`class indices with weight, ignoreIndex, labelSmoothing: ${reduction}`, () => {
      const t = i64([2, -100, 4, 0, 4, 1]);
      gc((x) => F.crossEntropy(x, t, { reduction, weight: w() }), [inp([6, 5], { lo: -3, hi: 3 })]);
      gc((x) => F.crossEntropy(x, t, { reduction }), [inp([6, 5], { lo: -3, hi: 3, nc: true })]);
      gc((x) => F.crossEntropy(x, t, { reduction, labelSmoothing: 0.2 }), [inp([6, 5], { lo: -3, hi: 3 })]);
      gc((x) => F.crossEntropy(x, t, { reduction, weight: w(), labelSmoothing: 0.3 }), [inp([6, 5], { lo: -3, hi: 3, nc: true })]);
      gc((x) => F.crossEntropy(x, i64([2, 1, 4, 0, 4, 1]), { reduction, weight: w(), ignoreIndex: 4, labelSmoothing: 0.1 }), [inp([6, 5])]);
    });
    test(`spatial [N, C, d1, d2] and 1-D [C]: ${reduction}`, () => {
      const t = tensor([[[0, 2], [-100, 1], [2, 2]], [[1, -100], [0, 0], [2, 1]]], { dtype: 'int64' });
      gc((x) => F.crossEntropy(x, t, { reduction, weight: f64([1, 2, 0.5]), labelSmoothing: 0.1 }), [inp([2, 3, 3, 2], { lo: -2, hi: 2 })]);
      gc((x) => F.crossEntropy(x, i64(3), { reduction, weight: f64([1, 2, 0.5, 3]) }), [inp([4])]);
    });
    test(`probability targets (gradients reach the target): ${reduction}`, () => {
      gc((x, p) => F.crossEntropy(x, p, { reduction }), [inp([4, 3], { lo: -2, hi: 2 }), inp([4, 3], { lo: 0, hi: 1 })]);
      gc((x, p) => F.crossEntropy(x, p, { reduction, labelSmoothing: 0.2, weight: f64([1, 2, 0.5]) }),
        [inp([4, 3], { nc: true }), inp([4, 3], { lo: 0, hi: 1, nc: true })]);
      gc((x, p) => F.crossEntropy(x, p, { reduction }), [inp([2, 3, 2]), inp([2, 3, 2], { lo: 0, hi: 1 })]);
    });
  }
  test('definitions: weighted mean divides by the counted weights; smoothing mixes in the uniform target', () => {
    const xs = [[1, 2, 0.5], [0, -1, 3], [2, 2, 2], [-1, 0, 1]];
    const x = tensor(xs, { dtype: 'float64' });
    const t = [2, -100, 0, 1];
    const wv = [0.5, 2, 1.5];
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    let num = 0, den = 0, numS = 0;
    xs.forEach((r, i) => {
      if (t[i] === -100) return;
      const nll = lse(r) - r[t[i]];
      const smooth = r.reduce((s, v, c) => s + wv[c] * (lse(r) - v), 0);
      num += wv[t[i]] * nll;
      numS += 0.9 * wv[t[i]] * nll + (0.1 / 3) * smooth;
      den += wv[t[i]];
    });
    expect(F.crossEntropy(x, i64(t), { weight: f64(wv) }).item()).toBeCloseTo(num / den, 14);
    expect(F.crossEntropy(x, i64(t), { weight: f64(wv), labelSmoothing: 0.1 }).item()).toBeCloseTo(numS / den, 14);
    const none = F.crossEntropy(x, i64(t), { reduction: 'none' }).toArray() as number[];
    expect(none[1]).toBe(0);
    expect(none[0]).toBeCloseTo(lse(xs[0]) - 0.5, 14);
  });
  test('all targets ignored: mean is NaN, sum 0, gradients 0', () => {
    const x = tensor(uniform(6, 1), { shape: [2, 3], dtype: 'float64', requiresGrad: true });
    const t = i64([-100, -100]);
    expect(F.crossEntropy(x, t).item()).toBeNaN();
    const s = F.crossEntropy(x, t, { reduction: 'sum' });
    expect(s.item()).toBe(0);
    s.backward();
    expect(Array.from(x.grad!.dataSync() as Float64Array)).toEqual([0, 0, 0, 0, 0, 0]);
  });
  test('the plain case is the fused fast path: the same numbers as the original crossEntropy export', () => {
    const x = tensor(uniform(64 * 10, 2, -4, 4), { shape: [64, 10] });
    const tv = Array.from({ length: 64 }, (_, i) => (i * 7) % 10);
    const t = i64(tv);
    for (const r of [0, 1, 2]) {
      const a = new flint.Tensor(native.crossEntropy(x._h, t._h, r)).dataSync();
      const red = (['none', 'mean', 'sum'] as const)[r];
      expect(F.crossEntropy(x, t, { reduction: red }).dataSync()).toEqual(a);
    }
  });
});

describe('gradcheck: nll', () => {
  for (const reduction of reductions) {
    test(reduction, () => {
      gc((x) => F.nllLoss(x, i64([2, -100, 4, 0]), { reduction, weight: f64([0.5, 2, 1, 0.25, 1.5]) }), [inp([4, 5])]);
      gc((x) => F.nllLoss(x, i64([1, 1, 0]), { reduction, ignoreIndex: 0 }), [inp([3, 2], { nc: true })]);
      gc((x) => F.nllLoss(x, tensor([[0, 2], [1, 1]], { dtype: 'int32' }), { reduction }), [inp([2, 3, 2])]);
      gc((x) => F.nllLoss(x, i64(1), { reduction }), [inp([3])]);
    });
  }
});

describe('gradcheck: binary cross-entropies', () => {
  for (const reduction of reductions) {
    test(`binaryCrossEntropy: ${reduction}`, () => {
      gc((x, t) => F.binaryCrossEntropy(x, t, { reduction }), [inp([3, 4], { lo: 0.05, hi: 0.95 }), inp([3, 4], { lo: 0, hi: 1 })]);
      gc((x, t) => F.binaryCrossEntropy(x, t, { reduction, weight: f64([0.5, 2, 1, 3]) }),
        [inp([3, 4], { lo: 0.05, hi: 0.95, nc: true }), inp([3, 4], { lo: 0, hi: 1, rg: false })]);
    });
    test(`binaryCrossEntropyWithLogits: ${reduction}`, () => {
      gc((x, t) => F.binaryCrossEntropyWithLogits(x, t, { reduction }), [inp([3, 4], { lo: -4, hi: 4 }), inp([3, 4], { lo: 0, hi: 1 })]);
      gc((x, t) => F.binaryCrossEntropyWithLogits(x, t, { reduction, weight: f64([0.5, 2, 1, 3]), posWeight: f64([3, 1, 0.5, 2]) }),
        [inp([3, 4], { lo: -4, hi: 4, nc: true }), inp([3, 4], { lo: 0, hi: 1 })]);
      gc((x, t) => F.binaryCrossEntropyWithLogits(x, t, { reduction, posWeight: f64([2]) }), [inp([5], { lo: -30, hi: 30 }), inp([5], { lo: 0, hi: 1 })]);
    });
  }
  test('definitions, and the logits form equals sigmoid then BCE', () => {
    const x = f64([0.2, 0.9, 0, 1]), t = f64([0, 1, 1, 0]);
    const l = F.binaryCrossEntropy(x, t, { reduction: 'none' }).toArray() as number[];
    expect(l[0]).toBeCloseTo(-Math.log(0.8), 15);
    expect(l[1]).toBeCloseTo(-Math.log(0.9), 15);
    expect(l.slice(2)).toEqual([100, 100]); // log(0) clamped at -100
    const z = f64([-3, -0.5, 0.25, 4]);
    const a = F.binaryCrossEntropyWithLogits(z, f64([0, 1, 0.3, 1]), { reduction: 'none', posWeight: f64([2]) }).toArray() as number[];
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    [-3, -0.5, 0.25, 4].forEach((v, i) => {
      const tv = [0, 1, 0.3, 1][i];
      expect(a[i]).toBeCloseTo(-(2 * tv * Math.log(s(v)) + (1 - tv) * Math.log(1 - s(v))), 13);
    });
    expect(F.binaryCrossEntropyWithLogits(f64([1e8, -1e8]), f64([1, 0]), { reduction: 'sum' }).item()).toBe(0);
  });
});

describe('loss modules', () => {
  test('modules are their functional forms, with PyTorch defaults', () => {
    const x = tensor(uniform(12, 4, -2, 2), { shape: [4, 3], dtype: 'float64' });
    const t = tensor(uniform(12, 5, 0, 1), { shape: [4, 3], dtype: 'float64' });
    const y = i64([0, 2, -100, 1]);
    const w = f64([1, 2, 0.5]);
    expect(new nn.MSELoss().forward(x, t).item()).toBe(F.mseLoss(x, t).item());
    expect(new nn.L1Loss({ reduction: 'sum' }).forward(x, t).item()).toBe(F.l1Loss(x, t, { reduction: 'sum' }).item());
    expect(new nn.SmoothL1Loss({ beta: 0.5 }).forward(x, t).item()).toBe(F.smoothL1Loss(x, t, { beta: 0.5 }).item());
    expect(new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).forward(x, y).item())
      .toBe(F.crossEntropy(x, y, { weight: w, labelSmoothing: 0.1 }).item());
    expect(new nn.CrossEntropyLoss().forward(x, t).item()).toBe(F.crossEntropy(x, t).item());
    expect(new nn.NLLLoss({ ignoreIndex: 2 }).forward(x, i64([0, 2, 2, 1])).item()).toBe(F.nllLoss(x, i64([0, 2, 2, 1]), { ignoreIndex: 2 }).item());
    expect(new nn.BCELoss().forward(flint.sigmoid(x), t).item()).toBe(F.binaryCrossEntropy(flint.sigmoid(x), t).item());
    expect(new nn.BCEWithLogitsLoss({ posWeight: w }).forward(x, t).item()).toBe(F.binaryCrossEntropyWithLogits(x, t, { posWeight: w }).item());
    const ce = new nn.CrossEntropyLoss();
    expect([ce.ignoreIndex, ce.reduction, ce.labelSmoothing, ce.weight]).toEqual([-100, 'mean', 0, null]);
  });
  test('class weights are buffers with PyTorch keys; no parameters', () => {
    const w = f64([1, 2, 0.5]);
    expect(Object.keys(new nn.CrossEntropyLoss({ weight: w }).stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.CrossEntropyLoss().stateDict())).toEqual([]);
    expect(Object.keys(new nn.NLLLoss({ weight: w }).stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.BCELoss({ weight: w }).stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.BCEWithLogitsLoss({ weight: w, posWeight: w }).stateDict())).toEqual(['weight', 'pos_weight']);
    expect(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: w }).stateDict())).toEqual(['pos_weight']);
    expect(new nn.BCEWithLogitsLoss({ weight: w }).parameters()).toEqual([]);
  });
  test('a loss module inside a model contributes its buffer under its name', () => {
    class Net extends nn.Module {
      fc = new nn.Linear(3, 2);
      loss = new nn.CrossEntropyLoss({ weight: tensor([1, 3]) });
      forward(x: T): T { return this.fc.forward(x); }
    }
    expect(Object.keys(new Net().stateDict())).toEqual(['fc.weight', 'fc.bias', 'loss.weight']);
  });
});
