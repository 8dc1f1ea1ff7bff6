// The seed CNN's training trajectory against PyTorch's (scripts/goldens_trajectory.py ->
// test/fixtures/cnn_trajectory.*): the same initial weights (PyTorch's, loaded from safetensors
// with loadStateDict), the same 20 batches (1280 consecutive MNIST training images from the
// fixture's offset, ToTensor + Normalize([0.5], [0.5])), 20 Adam(lr 1e-3) steps on cross-entropy.
//   float32: every step's loss within 1e-4 relative of PyTorch's float32 run;
//   float64: within 1e-10 of PyTorch's float64 run (both are exact to rounding: ~1e-16 seen).
// The first step's per-layer outputs and parameter gradients are compared too, so a failure names
// the op where a drift starts. The batches are ones where the float32 trajectory is well
// conditioned (PyTorch's own runs from weights moved by +-1 ulp stay within 1e-6): on the first
// 1280 images a max-pool window whose two largest inputs differ by less than an ulp makes any two
// float32 implementations part at step 7 (see the script's header).
import * as fs from 'fs';
import * as path from 'path';
import * as flint from '../../lib';
import { DataLoader, Subset, datasets, transforms } from '../../lib/data';
import type { Tensor } from '../../lib/tensor';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';

const { nn, F, optim } = flint;
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'cnn_trajectory');

type Float = 'float32' | 'float64';
interface Stats { shape: number[]; sum: number; norm: number; probe: { index: number[]; value: number[] } }
interface Step0 { forward: Record<string, Stats>; grads: Record<string, Stats> }
interface Fixture {
  offset: number; steps: number; batch: number; lr: number;
  losses: number[]; losses_f64: number[]; input_sums: number[];
  step0: Step0; step0_f64: Step0;
  final_norms: Record<string, number>;
}

/** The seed's SimpleCNN, every stage of the forward pass kept (names as in the Python script). */
class SimpleCNN extends nn.Module {
  conv1: flint.nn.Conv2d;
  conv2: flint.nn.Conv2d;
  fc1: flint.nn.Linear;
  fc2: flint.nn.Linear;
  constructor(dtype: Float) {
    super();
    this.conv1 = new nn.Conv2d(1, 32, 3, { stride: 1, dtype });
    this.conv2 = new nn.Conv2d(32, 64, 3, { stride: 1, dtype });
    this.fc1 = new nn.Linear(1600, 128, { dtype });
    this.fc2 = new nn.Linear(128, 10, { dtype });
  }
  stages(x: Tensor): Record<string, Tensor> {
    const s: Record<string, Tensor> = {};
    s.conv1 = this.conv1.forward(x); // [N, 32, 26, 26]
    s.pool1 = F.maxPool2d(flint.relu(s.conv1), 2); // [N, 32, 13, 13]
    s.conv2 = this.conv2.forward(s.pool1); // [N, 64, 11, 11]
    s.pool2 = F.maxPool2d(flint.relu(s.conv2), 2); // [N, 64, 5, 5]
    s.fc1 = this.fc1.forward(s.pool2.flatten(1)); // [N, 128]
    s.logits = this.fc2.forward(flint.relu(s.fc1)); // [N, 10]
    return s;
  }
  forward(x: Tensor): Tensor {
    return this.stages(x).logits;
  }
}

/** Differences between a tensor and PyTorch's summary of it, as readable lines (none: they agree). */
function compare(name: string, t: Tensor, want: Stats, rtol: number): string[] {
  if (t.shape.join() !== want.shape.join()) return [`${name}: shape [${t.shape}] vs torch [${want.shape}]`];
  const d = t.dataSync() as Float32Array | Float64Array;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < d.length; i++) {
    sum += d[i];
    sq += d[i] * d[i];
  }
  const norm = Math.sqrt(sq);
  const rms = want.norm / Math.sqrt(d.length);
  const bad: string[] = [];
  if (Math.abs(norm - want.norm) > rtol * want.norm) bad.push(`${name}: norm ${norm} vs torch ${want.norm}`);
  // a sum can cancel: measured against the size of its terms
  if (Math.abs(sum - want.sum) > rtol * rms * d.length) bad.push(`${name}: sum ${sum} vs torch ${want.sum}`);
  want.probe.index.forEach((i, k) => {
    const v = want.probe.value[k];
    if (Math.abs(d[i] - v) > rtol * Math.max(Math.abs(v), rms)) bad.push(`${name}[${i}]: ${d[i]} vs torch ${v}`);
  });
  return bad;
}

const haveFixture = fs.existsSync(FIXTURE + '.json') && fs.existsSync(FIXTURE + '.safetensors');
(haveFixture ? describeMnist : describe.skip)('SimpleCNN trajectory vs PyTorch (20 Adam steps from the same weights)', () => {
  let fx: Fixture;
  let batches: [Tensor, Tensor][];
  let init: Record<string, Tensor>;
  const fresh = (dtype: Float) => {
    const m = new SimpleCNN(dtype);
    m.loadStateDict(init); // float32 values, cast to the parameters' dtype as PyTorch's copy_
    return m;
  };

  beforeAll(() => {
    fx = JSON.parse(fs.readFileSync(FIXTURE + '.json', 'utf8'));
    init = flint.load(FIXTURE + '.safetensors');
    const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
    const train = new datasets.MNIST({ root: MNIST_DIR, train: true, transform: tf });
    const window = new Subset(train, Int32Array.from({ length: fx.steps * fx.batch }, (_, i) => fx.offset + i));
    batches = [...new DataLoader(window, { batchSize: fx.batch })] as [Tensor, Tensor][];
  });

  test('the batches are the ones PyTorch saw (float64 sums of the float32 inputs)', () => {
    expect(batches).toHaveLength(fx.steps);
    batches.forEach(([x, y], k) => {
      expect(x.shape).toEqual([fx.batch, 1, 28, 28]);
      expect(y.shape).toEqual([fx.batch]);
      const s = (x.dataSync() as Float32Array).reduce((a, v) => a + v, 0);
      expect(Math.abs(s - fx.input_sums[k])).toBeLessThan(1e-9 * Math.abs(fx.input_sums[k]) + 1e-9);
    });
  });

  test.each([['float32', 1e-5], ['float64', 1e-10]] as const)(
    '%s, step 0: every layer\'s output and every parameter\'s gradient within %p of PyTorch\'s', (dtype, rtol) => {
      const want = dtype === 'float32' ? fx.step0 : fx.step0_f64;
      const model = fresh(dtype);
      const stages = model.stages(batches[0][0].to(dtype));
      F.crossEntropy(stages.logits, batches[0][1]).backward();
      const bad: string[] = [];
      for (const [name, w] of Object.entries(want.forward)) bad.push(...compare(name, stages[name], w, rtol));
      const params = Object.fromEntries(model.namedParameters());
      for (const [name, w] of Object.entries(want.grads)) bad.push(...compare(`${name}.grad`, params[name].grad!, w, rtol));
      expect(bad).toEqual([]);
    });

  test.each([['float32', 1e-4], ['float64', 1e-10]] as const)(
    '%s: 20 Adam steps, every loss within %p relative of PyTorch\'s; the final weights too', (dtype, rtol) => {
      const want = dtype === 'float32' ? fx.losses : fx.losses_f64;
      const model = fresh(dtype);
      const optimizer = new optim.Adam(model.parameters(), { lr: fx.lr });
      const criterion = new nn.CrossEntropyLoss();
      const losses: number[] = [];
      for (const [x, y] of batches) {
        optimizer.zeroGrad();
        const loss = criterion.forward(model.forward(x.to(dtype)), y);
        loss.backward();
        optimizer.step();
        losses.push(loss.item());
      }
      const bad = losses.flatMap((l, k) => {
        const r = Math.abs(l - want[k]) / Math.abs(want[k]);
        return r > rtol ? [`step ${k}: ${l} vs torch ${want[k]} (relative ${r.toExponential(2)})`] : [];
      });
      expect(bad).toEqual([]);
      expect(want[fx.steps - 1]).toBeLessThan(want[0] * 0.6); // it learns: 2.29 -> 0.85
      const sd = model.stateDict();
      for (const [name, norm] of Object.entries(fx.final_norms)) {
        const d = Array.from(sd[name].dataSync() as Float32Array | Float64Array);
        expect(Math.abs(Math.sqrt(d.reduce((a, v) => a + v * v, 0)) - norm) / norm).toBeLessThan(1e-4);
      }
    });
});
