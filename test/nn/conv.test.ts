// nn.Conv2d and the pooling modules: PyTorch's parameter names, layouts and default
// initialisation; the seed's SimpleCNN against PyTorch (its state dict, logits, loss and every
// parameter gradient, through test/python/torch_cnn.py), and a short training run on real MNIST.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flint from '../../lib';
import { load, save } from '../../lib/io';
import { DataLoader, Subset, datasets, transforms } from '../../lib/data';
import { SimpleCNN } from '../../examples/cnn';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';
import { main as flintCli } from '../../scripts/flint';

type T = flint.Tensor;
const { nn, F } = flint;

describe('nn.Conv2d parameters', () => {
  test('PyTorch keys and layouts', () => {
    const c = new nn.Conv2d(6, 8, [3, 2], { groups: 2 });
    const sd = c.stateDict();
    expect(Object.keys(sd)).toEqual(['weight', 'bias']);
    expect(sd.weight.shape).toEqual([8, 3, 3, 2]);
    expect(sd.bias.shape).toEqual([8]);
    expect(c.parameters().length).toBe(2);
    const nb = new nn.Conv2d(1, 4, 5, { bias: false });
    expect(Object.keys(nb.stateDict())).toEqual(['weight']);
    expect(nb.bias).toBeNull();
    expect(new nn.Conv2d(1, 2, 3, { dtype: 'float64' }).weight.dtype).toBe('float64');
  });

  test('default init: kaiming_uniform(a=sqrt(5)) weight and U(-1/sqrt(fanIn), 1/sqrt(fanIn)) bias', () => {
    flint.manualSeed(11);
    const c = new nn.Conv2d(64, 128, 3, { groups: 2 }); // fanIn = 32 * 9
    const bound = 1 / Math.sqrt(32 * 9);
    for (const [t, n] of [[c.weight, 128 * 32 * 9], [c.bias!, 128]] as [T, number][]) {
      const v = t.dataSync() as Float32Array;
      expect(v.length).toBe(n);
      let max = 0, sum = 0, sq = 0;
      for (const x of v) {
        max = Math.max(max, Math.abs(x));
        sum += x;
        sq += x * x;
      }
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.9 * bound);
      if (n > 1000) {
        // U(-b, b): mean 0, standard deviation b / sqrt(3)
        expect(Math.abs(sum / n)).toBeLessThan(0.02 * bound);
        expect(Math.sqrt(sq / n) / (bound / Math.sqrt(3))).toBeCloseTo(1, 1);
      }
    }
  });

  test('manualSeed fixes the initialisation', () => {
    flint.manualSeed(5);
    const a = new nn.Conv2d(3, 4, 3).weight.dataSync();
    flint.manualSeed(5);
    const b = new nn.Conv2d(3, 4, 3).weight.dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  test('repr', () => {
    expect(new nn.Conv2d(1, 32, 3).toString()).toBe('Conv2d(1, 32, kernelSize=[3, 3], stride=[1, 1])');
    expect(new nn.Conv2d(4, 8, [3, 5], { stride: 2, padding: [1, 2], dilation: 2, groups: 4, bias: false }).toString())
      .toBe('Conv2d(4, 8, kernelSize=[3, 5], stride=[2, 2], padding=[1, 2], dilation=[2, 2], groups=4, bias=false)');
    expect(new nn.Conv2d(4, 8, 3, { padding: 'same' }).toString()).toBe("Conv2d(4, 8, kernelSize=[3, 3], stride=[1, 1], padding='same')");
    expect(new nn.MaxPool2d(2).toString()).toBe('MaxPool2d(kernelSize=[2, 2], stride=[2, 2], padding=[0, 0], dilation=[1, 1], ceilMode=false)');
    expect(new nn.AdaptiveAvgPool2d([null, 7]).toString()).toBe('AdaptiveAvgPool2d(outputSize=[null, 7])');
  });

  test("PyTorch's positional arguments: nn.Conv2d(in, out, k, stride, padding, dilation, groups, bias) and F.conv2d(x, w, b, stride, ...)", () => {
    const c = new nn.Conv2d(4, 6, 3, 2, 1, 1, 2, false);
    expect(c.toString()).toBe('Conv2d(4, 6, kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], groups=2, bias=false)');
    const x = flint.randn([2, 4, 7, 7]);
    const a = c.forward(x), b = F.conv2d(x, c.weight, null, 2, 1, 1, 2), o = F.conv2d(x, c.weight, null, { stride: 2, padding: 1, groups: 2 });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(Array.from(o.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(new nn.Conv2d(1, 32, 3, 1).stride).toEqual([1, 1]);
    expect(() => new nn.Conv2d(1, 2, 3, { stride: 2 } as never, 1 as never)).toThrow(/^Conv2d: pass either an options object or positional arguments \(stride, padding, dilation, groups, bias, paddingMode\), not both$/);
  });

  test('the layer computes F.conv2d with its own parameters; unbatched input', () => {
    const c = new nn.Conv2d(2, 3, 3, { padding: 'same', dilation: 2 });
    const x = flint.randn([2, 2, 7, 6]);
    const y = c.forward(x);
    expect(y.shape).toEqual([2, 3, 7, 6]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(F.conv2d(x, c.weight, c.bias, { padding: 'same', dilation: 2 }).dataSync()));
    const y0 = c.forward(x.select(0, 1));
    expect(y0.shape).toEqual([3, 7, 6]);
    expect(Array.from(y0.dataSync())).toEqual(Array.from(y.select(0, 1).dataSync()));
  });

  test('Sequential CNN with pooling modules trains its parameters (gradients reach every one)', () => {
    const m = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(4, 4, 3, { padding: 1 }),
      new nn.AvgPool2d(2), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 3));
    const x = flint.randn([5, 1, 10, 10]);
    const loss = flint.crossEntropy(m.forward(x), flint.tensor(new BigInt64Array([0n, 1n, 2n, 1n, 0n]), { shape: [5] }));
    loss.backward();
    expect(Object.keys(m.stateDict())).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias']);
    for (const p of m.parameters()) {
      expect(p.grad).not.toBeNull();
      expect(p.grad!.shape).toEqual(p.shape);
    }
  });
});

const PYTHON = process.env.FLINT_PYTHON ?? '/usr/bin/python3';
const HAVE_TORCH = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 }).status === 0;
const describeTorch = HAVE_TORCH ? describe : describe.skip;
const PY_DIR = path.join(__dirname, '..', 'python');

function runPython(args: string[]): Record<string, unknown> {
  const r = spawnSync(PYTHON, [path.join(PY_DIR, 'torch_cnn.py'), ...args], {
    cwd: PY_DIR, encoding: 'utf8', timeout: 300_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`torch_cnn.py failed (status ${r.status}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** max |got - want| relative to max |want| */
function relErr(got: T, want: T): number {
  expect(got.shape).toEqual(want.shape);
  const g = got.dataSync() as Float32Array | Float64Array, w = want.dataSync() as Float32Array | Float64Array;
  let d = 0, m = 0;
  for (let i = 0; i < w.length; i++) {
    d = Math.max(d, Math.abs(g[i] - w[i]));
    m = Math.max(m, Math.abs(w[i]));
  }
  return d / m;
}

describeTorch("the seed's SimpleCNN against PyTorch", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cnn-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a torch state dict loads; logits and loss match (float32), and every gradient (float64)', () => {
    runPython(['make', dir]);
    const model = new SimpleCNN();
    const sd = load(path.join(dir, 'torch_cnn.safetensors'));
    const mine = model.stateDict();
    // PyTorch's keys in PyTorch's order (the safetensors file itself is sorted by name)
    expect(Object.keys(mine)).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(Object.keys(sd).sort()).toEqual(Object.keys(mine).sort());
    for (const k of Object.keys(sd)) expect(sd[k].shape).toEqual(mine[k].shape);
    model.loadStateDict(sd);
    const io = load(path.join(dir, 'torch_cnn_io.safetensors'));
    const y = flint.noGrad(() => model.forward(io.x));
    expect(relErr(y, io.y)).toBeLessThan(1e-5);
    const loss = flint.crossEntropy(y, io.t).item();
    expect(Math.abs(loss - io.loss.item())).toBeLessThan(1e-5 * Math.abs(io.loss.item()));

    // float64: the same weights, and the gradients of the loss (see torch_cnn.py for why not float32)
    const m64 = new SimpleCNN({ dtype: 'float64' });
    m64.loadStateDict(sd);
    const y64 = m64.forward(io.x.to('float64'));
    expect(relErr(y64, io.y64)).toBeLessThan(1e-12);
    const loss64 = flint.crossEntropy(y64, io.t);
    expect(Math.abs(loss64.item() - io.loss64.item())).toBeLessThan(1e-12 * Math.abs(io.loss64.item()));
    loss64.backward();
    for (const [k, p] of m64.namedParameters()) {
      const e = relErr(p.grad!, io[`grad64.${k}`]);
      if (!(e < 1e-12)) throw new Error(`grad of ${k}: error ${e} relative to its largest element`);
    }
  });

  test('flint-initialised weights load into torch and give the same logits', () => {
    flint.manualSeed(3);
    const model = new SimpleCNN();
    const x = flint.randn([4, 1, 28, 28]);
    save(model.stateDict(), path.join(dir, 'flint_cnn.safetensors'));
    save({ x, y: flint.noGrad(() => model.forward(x)) }, path.join(dir, 'flint_cnn_io.safetensors'));
    const r = runPython(['check', dir]);
    expect(r.ok).toBe(true);
    expect(r.maxRelErr as number).toBeLessThan(1e-5);
    expect(r.allclose).toBe(true);
  });
});

describeMnist('SimpleCNN on real MNIST', () => {
  test('100 Adam steps of 64 images: accuracy on the first 1000 test images above 90%', () => {
    flint.manualSeed(0);
    const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
    const train = new datasets.MNIST({ root: MNIST_DIR, train: true, transform: tf });
    const test = new datasets.MNIST({ root: MNIST_DIR, train: false, transform: tf });
    const first = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
    const loader = new DataLoader(new Subset(train, first(6400)), { batchSize: 64, shuffle: true });
    const model = new SimpleCNN();
    const opt = new flint.optim.Adam(model.parameters(), { lr: 1e-3 });
    const losses: number[] = [];
    for (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = flint.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    expect(losses.length).toBe(100);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.5 * mean(losses.slice(0, 10)));
    model.eval();
    let correct = 0;
    for (const [x, y] of new DataLoader(new Subset(test, first(1000)), { batchSize: 500 })) {
      const pred = flint.noGrad(() => model.forward(x).argmax(1)).dataSync() as BigInt64Array;
      const want = (y as T).dataSync() as BigInt64Array;
      for (let i = 0; i < pred.length; i++) if (pred[i] === want[i]) correct++;
    }
    expect(correct / 1000).toBeGreaterThan(0.9);
  });

  test("flint train --model cnn: the seed recipe (Adam lr 0.001), loss lines, accuracy and JSON", async () => {
    let out = '';
    let err = '';
    const code = await flintCli(['train', '--model', 'cnn', '--data', MNIST_DIR, '--limit', '256', '--seed', '2', '--json', '--threads', '1'],
      { out: (s) => (out += s), err: (s) => (err += s), tty: false });
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^training cnn on MNIST .* batch 64, Adam lr 0.001, seed 2, 1 threads$/);
    expect(lines).toContainEqual(expect.stringMatching(/^Accuracy on the 256 test images: \d+\.\d %$/));
    const j = JSON.parse(lines[lines.length - 1]);
    expect(j).toMatchObject({ model: 'cnn', dataset: 'mnist', epochs: 1, lr: 0.001, batchSize: 64 });
  });
});
