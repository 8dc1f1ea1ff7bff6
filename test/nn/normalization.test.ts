// Batch norm and layer norm: float64 finite-difference gradient checks (training and eval,
// strided inputs, with and without affine), the modules' PyTorch semantics (parameters, buffers,
// state-dict keys, running statistics, momentum null, trackRunningStats false) and their JS
// float64 oracle. PyTorch goldens, including three training steps of the modules, are in
// nn_goldens.test.ts.
import * as flint from '../../lib';
import { gradcheck, GradcheckInput, uniform } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import { loadFixture, values, GoldenCase } from '../helpers/goldens';

const { nn, F, tensor } = flint;
type T = flint.Tensor;
const inp = inputMaker(7201);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}
const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });

describe('gradcheck: batchNorm', () => {
  test('training (batch statistics): [N, C], [N, C, L], [N, C, H, W], strided, no affine', () => {
    gc((x, w, b) => F.batchNorm(x, null, null, w, b, true), [inp([5, 3]), inp([3]), inp([3])]);
    gc((x, w, b) => F.batchNorm(x, null, null, w, b, true), [inp([3, 2, 4], { nc: true }), inp([2]), inp([2])]);
    gc((x, w, b) => F.batchNorm(x, null, null, w, b, true, 0.1, 1e-3), [inp([2, 3, 2, 3]), inp([3]), inp([3])]);
    gc((x) => F.batchNorm(x, null, null, null, null, true), [inp([4, 3], { nc: true })]);
    gc((x, w) => F.batchNorm(x, null, null, w, null, true), [inp([2, 2]), inp([2])]);
  });
  test('training with running statistics given (they are updated, the gradient is the same)', () => {
    gc((x, w, b) => F.batchNorm(x, f64([0, 0, 0]), f64([1, 1, 1]), w, b, true), [inp([4, 3]), inp([3]), inp([3])]);
  });
  test('eval (running statistics): input, weight and bias', () => {
    const rm = f64([0.5, -1, 0.25]), rv = f64([2, 0.5, 1]);
    gc((x, w, b) => F.batchNorm(x, rm, rv, w, b, false), [inp([4, 3]), inp([3]), inp([3])]);
    gc((x) => F.batchNorm(x, rm, rv, null, null, false), [inp([2, 3, 4], { nc: true })]);
  });
  test('inside a graph', () => {
    gc((x, w) => F.batchNorm(flint.linear(x, w), null, null, null, null, true).tanh().sum(), [inp([5, 3]), inp([4, 3])]);
  });
  test('matches the definition in JS float64', () => {
    const N = 6, C = 3, L = 2;
    const data = uniform(N * C * L, 42, -3, 3);
    const x = tensor(data, { shape: [N, C, L], dtype: 'float64' });
    const w = f64([1.5, -0.5, 2]), b = f64([0, 1, -1]);
    const y = F.batchNorm(x, null, null, w, b, true, 0.1, 1e-5).dataSync() as Float64Array;
    for (let c = 0; c < C; c++) {
      const vs: number[] = [];
      for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) vs.push(data[(n * C + c) * L + l]);
      const m = vs.reduce((a, v) => a + v, 0) / vs.length;
      const v = vs.reduce((a, u) => a + (u - m) ** 2, 0) / vs.length;
      for (let n = 0; n < N; n++) {
        for (let l = 0; l < L; l++) {
          const i = (n * C + c) * L + l;
          const want = ((data[i] - m) / Math.sqrt(v + 1e-5)) * [1.5, -0.5, 2][c] + [0, 1, -1][c];
          expect(y[i]).toBeCloseTo(want, 13);
        }
      }
    }
  });
});

describe('gradcheck: layerNorm', () => {
  test('over the last dims, with and without weight and bias, strided', () => {
    gc((x, w, b) => F.layerNorm(x, [4], w, b), [inp([3, 4]), inp([4]), inp([4])]);
    gc((x, w, b) => F.layerNorm(x, [3, 4], w, b), [inp([2, 3, 4]), inp([3, 4]), inp([3, 4])]);
    gc((x) => F.layerNorm(x, 5), [inp([4, 5], { nc: true })]);
    gc((x, w) => F.layerNorm(x, [3], w, null, 1e-2), [inp([2, 2, 3]), inp([3])]);
    gc((x) => F.layerNorm(x, [2, 3, 4]), [inp([2, 3, 4], { nc: true })]);
    gc((x, w, b) => F.layerNorm(x, [1], w, b), [inp([3, 1]), inp([1]), inp([1])]);
  });
  test('float32 lands on the float64 values where torch float32 does not (input offset by 100)', () => {
    // test/fixtures/nn.json holds this case in float64 only: torch's float32 layer_norm is off by ~2e-5
    const c = loadFixture('nn').cases.find((k: GoldenCase) => k.name === 'layer_norm large offset')!;
    const [x, w, b] = c.inputs.map((ft) => tensor(values(ft.data, 'float32'), { shape: ft.shape, dtype: 'float64' }).float());
    const y = F.layerNorm(x, [8], w, b).dataSync() as Float32Array;
    const want = values(c.expected.float64!.out.data as (number | string)[], 'float64');
    for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - want[i])).toBeLessThanOrEqual(1e-5 * Math.abs(want[i]) + 1e-6);
  });
});

describe('nn.BatchNorm1d / BatchNorm2d', () => {
  test('parameters, buffers and state-dict keys as PyTorch (weight ones, bias zeros, running 0 / 1, count int64)', () => {
    const bn = new nn.BatchNorm1d(3);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.parameters().length).toBe(2);
    expect(bn.weight!.toArray()).toEqual([1, 1, 1]);
    expect(bn.bias!.toArray()).toEqual([0, 0, 0]);
    expect(bn.running_mean!.toArray()).toEqual([0, 0, 0]);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1]);
    expect(bn.num_batches_tracked!.dtype).toBe('int64');
    expect(bn.num_batches_tracked!.shape).toEqual([]);
    expect(Object.keys(new nn.BatchNorm2d(4, { affine: false }).stateDict())).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(Object.keys(new nn.BatchNorm2d(4, { trackRunningStats: false }).stateDict())).toEqual(['weight', 'bias']);
    expect(bn.toString()).toBe('BatchNorm1d(3, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
  });
  test('training updates the running statistics with momentum (unbiased variance); eval uses them', () => {
    const bn = new nn.BatchNorm1d(2, { dtype: 'float64' });
    const x = f64([1, 10, 2, 20, 3, 30, 6, 40]).view(4, 2);
    bn.forward(x);
    const m = [3, 25], uv = [(4 + 1 + 0 + 9) / 3, (225 + 25 + 25 + 225) / 3];
    (bn.running_mean!.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(0.1 * m[i], 14));
    (bn.running_var!.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(0.9 + 0.1 * uv[i], 13));
    expect(bn.num_batches_tracked!.item()).toBe(1);
    bn.eval();
    const rm = bn.running_mean!.toArray() as number[], rv = bn.running_var!.toArray() as number[];
    const y = bn.forward(x).toArray() as number[][];
    expect(y[1][1]).toBeCloseTo((20 - rm[1]) / Math.sqrt(rv[1] + 1e-5), 13);
    expect(bn.num_batches_tracked!.item()).toBe(1); // eval leaves the statistics alone
    expect(bn.running_mean!.toArray()).toEqual(rm);
  });
  test('momentum null: the running statistics are the cumulative average of the batch statistics', () => {
    const bn = new nn.BatchNorm1d(1, { momentum: null, dtype: 'float64' });
    const batches = [[1, 3], [5, 9, 1], [0, 2, 4, 6]];
    for (const b of batches) bn.forward(f64(b).view(-1, 1));
    const means = batches.map((b) => b.reduce((a, v) => a + v, 0) / b.length);
    const uvars = batches.map((b, i) => b.reduce((a, v) => a + (v - means[i]) ** 2, 0) / (b.length - 1));
    // running starts at 0 / 1 and takes weight 1/k at step k, so 1 and 0 drop out after step 1
    expect(bn.running_mean!.item()).toBeCloseTo(means.reduce((a, v) => a + v, 0) / 3, 14);
    expect(bn.running_var!.item()).toBeCloseTo(uvars.reduce((a, v) => a + v, 0) / 3, 13);
    expect(bn.num_batches_tracked!.item()).toBe(3);
  });
  test('trackRunningStats false: batch statistics in eval too, no buffers', () => {
    const bn = new nn.BatchNorm1d(2, { trackRunningStats: false, dtype: 'float64' });
    const x = f64([1, 10, 2, 20, 3, 30]).view(3, 2);
    const a = bn.forward(x).dataSync();
    bn.eval();
    expect(bn.forward(x).dataSync()).toEqual(a);
    expect(bn.running_mean).toBeNull();
  });
  test('BatchNorm2d normalises each channel over N, H and W; gradients reach weight and bias', () => {
    flint.manualSeed(1);
    const bn = new nn.BatchNorm2d(3, { dtype: 'float64' });
    const x = flint.randn([2, 3, 4, 5], { dtype: 'float64' }).mul(3).add(2);
    const y = bn.forward(x);
    const perC = y.permute(1, 0, 2, 3).reshape(3, -1);
    (perC.mean(1).toArray() as number[]).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
    y.pow(2).sum().backward();
    expect(bn.weight!.grad!.shape).toEqual([3]);
    expect(bn.bias!.grad!.shape).toEqual([3]);
  });
  test('loadStateDict round trip (PyTorch keys, num_batches_tracked included)', () => {
    const a = new nn.BatchNorm1d(2);
    a.forward(tensor([[1, 2], [3, 5], [0, 1]]));
    a.forward(tensor([[1, 2], [3, 5], [0, 1]]));
    const b = new nn.BatchNorm1d(2);
    b.loadStateDict(a.stateDict());
    expect(b.running_mean!.dataSync()).toEqual(a.running_mean!.dataSync());
    expect(b.running_var!.dataSync()).toEqual(a.running_var!.dataSync());
    expect(b.num_batches_tracked!.item()).toBe(2);
  });
  test('a failing forward leaves the running statistics and the count unchanged', () => {
    const bn = new nn.BatchNorm1d(3);
    bn.forward(tensor([[1, 2, 3], [4, 5, 7]]));
    const before = [bn.running_mean!.dataSync().slice(), bn.running_var!.dataSync().slice()];
    expect(() => bn.forward(tensor([[1, 2, 3]]))).toThrow(/batch_norm: expected more than 1 value per channel when training/);
    expect(() => bn.forward(tensor([[1, 2, 3], [1, 2, 3]], { dtype: 'float64' }))).toThrow(/batch_norm: expected weight of dtype float64 \(the input's\) but got float32/);
    expect(() => bn.forward(tensor([[1, 2], [1, 2]]))).toThrow(/BatchNorm1d: expected input with 3 channels/);
    expect([bn.running_mean!.dataSync(), bn.running_var!.dataSync()]).toEqual(before);
    expect(bn.num_batches_tracked!.item()).toBe(1);
  });
});

describe('nn.LayerNorm', () => {
  test('parameters of normalizedShape (ones, zeros); PyTorch keys; options', () => {
    const ln = new nn.LayerNorm([3, 4]);
    expect(Object.keys(ln.stateDict())).toEqual(['weight', 'bias']);
    expect(ln.weight!.shape).toEqual([3, 4]);
    expect((ln.weight!.toArray() as number[][]).flat().every((v) => v === 1)).toBe(true);
    expect((ln.bias!.toArray() as number[][]).flat().every((v) => v === 0)).toBe(true);
    expect(new nn.LayerNorm(5, { elementwiseAffine: false }).parameters()).toEqual([]);
    expect(Object.keys(new nn.LayerNorm(5, { bias: false }).stateDict())).toEqual(['weight']);
    expect(new nn.LayerNorm(5).normalizedShape).toEqual([5]);
  });
  test('each slice has mean 0 and variance 1 before the affine; train and eval agree', () => {
    flint.manualSeed(2);
    const ln = new nn.LayerNorm(16, { dtype: 'float64' });
    const x = flint.randn([4, 3, 16], { dtype: 'float64' }).mul(5).add(3);
    const y = ln.forward(x);
    (y.mean(-1).reshape(-1).toArray() as number[]).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
    (y.pow(2).mean(-1).reshape(-1).toArray() as number[]).forEach((v) => expect(v).toBeCloseTo(1, 5));
    ln.eval();
    expect(ln.forward(x).dataSync()).toEqual(y.dataSync());
  });
});
