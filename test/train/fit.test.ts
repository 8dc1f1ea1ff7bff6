// fit on the seed MLP with a 70/15/15 split of MNIST's first 3000 training images: the history,
// early stopping, atomic checkpoints, bit-for-bit resuming, a checkpoint from another model,
// the scheduler hook, and evaluate's metrics against sklearn on the same predictions.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as flint from '../../lib';
import { DataLoader, TensorDataset } from '../../lib/data';
import { callbacks, evaluate, epochSeed } from '../../lib/train';
import { describeMnist } from '../data/mnist_files';
import { MLP, loaders } from './helpers';

const { nn, optim } = flint;

// A write that dies midway: safetensors' fs.writeSync goes through this hook when it is set.
let writeHook: ((real: typeof fs.writeSync, args: unknown[]) => number) | null = null;
jest.mock('fs', () => {
  const real = jest.requireActual('fs');
  return { ...real, writeSync: (...args: unknown[]) => (writeHook ? writeHook(real.writeSync, args) : real.writeSync(...args)) };
});
/** Makes the n-th fs.writeSync from now on throw. */
function failWrite(n: number): void {
  let calls = 0;
  writeHook = (real, args) => {
    if (++calls === n) throw new Error('simulated crash mid-write');
    return (real as any)(...args);
  };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-fit-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A tiny classification problem without MNIST: 64 samples of 4 features, 3 classes. */
function tiny(seed = 0) {
  flint.manualSeed(seed);
  const x = flint.randn([64, 4]);
  const y = flint.tensor(BigInt64Array.from({ length: 64 }, (_, i) => BigInt(i % 3)), { dtype: 'int64' });
  const ds = new TensorDataset(x, y);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
  return { ds, model, train: new DataLoader(ds, { batchSize: 16, shuffle: true }), val: new DataLoader(ds, { batchSize: 64 }) };
}

test('epochSeed: a 31-bit hash of (seed, epoch), different across epochs and seeds', () => {
  const seen = new Set<number>();
  for (const s of [0, 1, 2 ** 40 + 3]) {
    for (let e = 1; e <= 50; e++) {
      const v = epochSeed(s, e);
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 31).toBe(true);
      seen.add(v);
    }
  }
  expect(seen.size).toBe(150);
  expect(epochSeed(5, 3)).toBe(epochSeed(5, 3));
});

test('options are checked with clear messages', async () => {
  const { model, train } = tiny();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const loss = new nn.CrossEntropyLoss();
  const base = { train, epochs: 1, optimizer: opt, loss, progress: false as const };
  await expect(flint.fit(model, { ...base, epochs: 0 })).rejects.toThrow('fit: epochs must be an integer >= 1 but got 0');
  await expect(flint.fit(model, { ...base, train: [] as any })).rejects.toThrow('fit: train must be a DataLoader');
  await expect(flint.fit(model, { ...base, metrics: ['acc' as any] })).rejects.toThrow("fit: unknown metric 'acc' (available: accuracy, precision");
  await expect(flint.fit(model, { ...base, device: 'cuda' })).rejects.toThrow("fit: device 'cuda' is not available");
  await expect(flint.fit(model, { ...base, loss: 3 as any })).rejects.toThrow('fit: loss must be a loss module');
  // monitoring valLoss without val data
  await expect(flint.fit(model, { ...base, callbacks: [callbacks.earlyStopping()] }))
    .rejects.toThrow("earlyStopping: monitor 'valLoss' is not among the epoch's values (loss, lr, seconds, samplesPerSec); pass val to fit, or monitor 'loss'");
});

test('a ReduceLROnPlateau steps on the monitored value; a StepLR once per epoch', async () => {
  const { model, train, val } = tiny();
  const opt = new optim.SGD(model.parameters(), { lr: 0 }); // nothing changes: valLoss never improves
  const plateau = new optim.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
  const h = await flint.fit(model, { train, val, epochs: 3, optimizer: opt, loss: new nn.CrossEntropyLoss(), scheduler: plateau, progress: false });
  expect(plateau.lastEpoch).toBe(3);
  expect(plateau.numBadEpochs).toBe(0); // reset by the reductions
  const opt2 = new optim.SGD(model.parameters(), { lr: 0.1 });
  const step = new optim.lrScheduler.StepLR(opt2, { stepSize: 1, gamma: 0.5 });
  const h2 = await flint.fit(model, { train, epochs: 3, optimizer: opt2, loss: new nn.CrossEntropyLoss(), scheduler: step, progress: false });
  expect(h2.lr).toEqual([0.1, 0.05, 0.025]); // the lr each epoch trained with
  expect(h.lr).toEqual([0, 0, 0]);
});

test('progress: plain lines without a terminal, a redrawn bar with ETA on one', async () => {
  const { model, train, val } = tiny();
  const run = async (tty: boolean) => {
    let out = '';
    await flint.fit(model, {
      train, val, epochs: 2, optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: new nn.CrossEntropyLoss(),
      metrics: ['accuracy'], progress: { out: (s) => (out += s), tty, lossEvery: 2 },
    });
    return out;
  };
  const plain = await run(false);
  expect(plain).not.toContain('\r');
  const lines = plain.trim().split('\n');
  expect(lines).toContainEqual(expect.stringMatching(/^\[1, {5}2\] loss: \d\.\d{3}$/));
  expect(lines).toContainEqual(expect.stringMatching(
    /^epoch 2\/2: [\d.]+ s, \d+ samples\/s, loss \d\.\d{4}, accuracy \d\.\d{4}, val loss \d\.\d{4}, val accuracy \d\.\d{4}$/));
  const bar = await run(true);
  expect(bar).toMatch(/\r\x1b\[Kepoch 1\/2 \[#+\.*\] \d\/4 [\d.]+s [\d.]+k samples\/s loss \d\.\d{3}( ETA \d+s)?/);
  expect(bar).toContain('ETA ');
});

describeMnist('fit: the seed MLP on a 70/15/15 split of 3000 MNIST images', () => {
  test('history: loss, valLoss, metrics and val metrics per epoch; the model learns', async () => {
    const l = loaders();
    expect([l.train.dataset.length, l.val.dataset.length, l.test.dataset.length]).toEqual([2100, 450, 450]);
    flint.manualSeed(1);
    const model = new MLP();
    const h = await flint.fit(model, {
      train: l.train, val: l.val, epochs: 3, optimizer: new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
      loss: new nn.CrossEntropyLoss(), metrics: ['accuracy', 'f1'], seed: 1, progress: false,
    });
    expect(Object.keys(h).sort()).toEqual(['accuracy', 'epoch', 'f1', 'loss', 'lr', 'seconds', 'valAccuracy', 'valF1', 'valLoss']);
    expect(h.epoch).toEqual([1, 2, 3]);
    for (const k of Object.keys(h)) expect(h[k]).toHaveLength(3);
    expect(h.loss[2]).toBeLessThan(h.loss[0]);
    expect(h.valAccuracy![2]).toBeGreaterThan(0.85);
    const r = evaluate(model, l.test, { loss: new nn.CrossEntropyLoss(), metrics: ['accuracy'] });
    expect(r.samples).toBe(450);
    expect(r.metrics.accuracy).toBeGreaterThan(0.85);
    expect(model.training).toBe(true); // evaluate restores the mode
  });

  test('early stopping on valLoss: lr 0 never improves, patience 1 stops after epoch 2 of 10', async () => {
    const l = loaders();
    const model = new MLP();
    const es = callbacks.earlyStopping({ monitor: 'valLoss', patience: 1 });
    let out = '';
    const h = await flint.fit(model, {
      train: l.train, val: l.val, epochs: 10, optimizer: new optim.SGD(model.parameters(), { lr: 0 }),
      loss: new nn.CrossEntropyLoss(), callbacks: [es], progress: { out: (s) => (out += s), tty: false },
    });
    expect(h.epoch).toEqual([1, 2]);
    expect(h.valLoss![1]).toBe(h.valLoss![0]);
    expect(es.stoppedEpoch).toBe(2);
    expect(es.bestEpoch).toBe(1);
    expect(out).toMatch(/early stopping after epoch 2: valLoss has not improved on \d\.\d{4} \(epoch 1\) for 1 epoch\n/);
  });

  test('early stopping with restoreBest ends with the best epoch\'s weights', async () => {
    const l = loaders();
    const model = new MLP();
    const snapshots: Float32Array[] = [];
    // mode 'max' on the falling training loss: epoch 1 stays the best, patience 2 stops after epoch 3
    const es = callbacks.earlyStopping({ monitor: 'loss', mode: 'max', patience: 2, restoreBest: true });
    const h = await flint.fit(model, {
      train: l.train, epochs: 6, optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: new nn.CrossEntropyLoss(),
      callbacks: [es, callbacks.lambda((_e, _l, s) => void snapshots.push(s.model.stateDict()['fc3.weight'].dataSync() as Float32Array))],
      progress: false,
    });
    expect(h.epoch).toEqual([1, 2, 3]);
    expect(snapshots[2]).not.toEqual(snapshots[0]);
    expect(model.stateDict()['fc3.weight'].dataSync()).toEqual(snapshots[0]);
  });

  test('resuming from a checkpoint reproduces the uninterrupted run\'s next epochs bit for bit (Adam + StepLR + early stopping)', async () => {
    const l = loaders(1500);
    const run = async (resumeFrom?: string) => {
      flint.manualSeed(resumeFrom ? 99 : 5); // the resumed run starts from other weights: the checkpoint must replace them
      const model = new MLP();
      const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.7 });
      const h = await flint.fit(model, {
        train: l.train, val: l.val, epochs: 3, optimizer: opt, loss: new nn.CrossEntropyLoss(), metrics: ['accuracy'],
        scheduler: sched, seed: resumeFrom ? undefined : 11, resumeFrom, progress: false,
        callbacks: [callbacks.earlyStopping({ patience: 5 }), callbacks.checkpoint({ path: path.join(tmp, 'resume-{epoch}.safetensors') })],
      });
      return { h, model };
    };
    const a = await run();
    expect(fs.existsSync(path.join(tmp, 'resume-1.safetensors'))).toBe(true);
    const b = await run(path.join(tmp, 'resume-1.safetensors'));
    expect(b.h.epoch).toEqual([1, 2, 3]); // the checkpoint's history carries on
    for (const k of ['loss', 'valLoss', 'accuracy', 'valAccuracy', 'lr']) {
      for (let e = 0; e < 3; e++) expect(b.h[k]![e]).toBe(a.h[k]![e]); // exact, not close
    }
    expect(b.model.stateDict()['fc1.weight'].dataSync()).toEqual(a.model.stateDict()['fc1.weight'].dataSync());
    // the checkpoint holds what it promises
    const ck = flint.loadCheckpoint(path.join(tmp, 'resume-2.safetensors'));
    expect(ck.epoch).toBe(2);
    expect(ck.signature[0]).toEqual(['fc1.weight', [512, 784]]);
    expect(ck.optimizerClass).toBe('Adam');
    expect(ck.scheduler!.class).toBe('StepLR');
    expect(ck.fit).toEqual({ seed: 11, epochs: 3 });
    expect(ck.history!.loss).toEqual(a.h.loss.slice(0, 2));
    expect((ck.callbacks!.earlyStopping.json as any).bestEpoch).toBeGreaterThan(0);
    // the model's weights load on their own (flint eval --weights reads checkpoints too)
    const m = new MLP();
    flint.loadWeights(m, path.join(tmp, 'resume-3.safetensors'));
    expect(m.stateDict()['fc3.bias'].dataSync()).toEqual(a.model.stateDict()['fc3.bias'].dataSync());
  });

  test('a checkpoint from a different model: a clear error naming the first mismatching key and shape', async () => {
    const l = loaders(600);
    const file = path.join(tmp, 'mlp.safetensors');
    const model = new MLP();
    await flint.fit(model, {
      train: l.train, epochs: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), loss: new nn.CrossEntropyLoss(),
      callbacks: [callbacks.checkpoint({ path: file })], progress: false,
    });
    const other = new MLP(128);
    const fitOther = () => flint.fit(other, {
      train: l.train, epochs: 2, optimizer: new optim.SGD(other.parameters(), { lr: 0.01 }), loss: new nn.CrossEntropyLoss(),
      resumeFrom: file, progress: false,
    });
    await expect(fitOther()).rejects.toThrow(`checkpoint ${file} does not fit MLP: fc1.weight is [512, 784] there but [128, 784] in the model`);
    const lin = new nn.Sequential(new nn.Linear(784, 10));
    expect(() => flint.loadWeights(lin, file)).toThrow(/does not fit Sequential: the model's 0\.weight \[10, 784\] is not in it \(it holds fc1\.weight \[512, 784\]/);
    // another optimizer
    const same = new MLP();
    await expect(flint.fit(same, {
      train: l.train, epochs: 2, optimizer: new optim.Adam(same.parameters()), loss: new nn.CrossEntropyLoss(), resumeFrom: file, progress: false,
    })).rejects.toThrow('was trained with SGD, but fit was given Adam');
    // a plain state dict is not a checkpoint
    flint.save(same.stateDict(), path.join(tmp, 'plain.safetensors'));
    await expect(flint.fit(same, {
      train: l.train, epochs: 2, optimizer: new optim.SGD(same.parameters(), { lr: 0.01 }), loss: new nn.CrossEntropyLoss(),
      resumeFrom: path.join(tmp, 'plain.safetensors'), progress: false,
    })).rejects.toThrow("plain.safetensors is not a flint checkpoint (its metadata format is missing");
  });

  test('checkpoints are atomic: a write failing midway leaves the previous file intact and no temporary file', async () => {
    const l = loaders(600);
    const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'));
    const file = path.join(dir, 'ck.safetensors');
    const model = new MLP();
    const opts = () => ({
      train: l.train, epochs: 2, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), loss: new nn.CrossEntropyLoss(),
      callbacks: [callbacks.checkpoint({ path: file })], progress: false as const,
    });
    // the first write dies after its header: no file at all
    failWrite(2);
    try {
      await expect(flint.fit(model, opts())).rejects.toThrow('simulated crash mid-write');
    } finally {
      writeHook = null;
    }
    expect(fs.readdirSync(dir)).toEqual([]);
    // a good run, then a failing write in epoch 2: epoch 1's checkpoint survives unchanged
    await flint.fit(model, { ...opts(), epochs: 1 });
    const before = fs.readFileSync(file);
    failWrite(3);
    try {
      await expect(flint.fit(model, { ...opts(), resumeFrom: file })).rejects.toThrow('simulated crash mid-write');
    } finally {
      writeHook = null;
    }
    expect(fs.readdirSync(dir)).toEqual(['ck.safetensors']);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(flint.loadCheckpoint(file).epoch).toBe(1);
  });

  test('saveBestOnly writes only improving epochs; a missing folder fails before training', async () => {
    const l = loaders(600);
    const model = new MLP();
    const file = path.join(tmp, 'best.safetensors');
    const ck = callbacks.checkpoint({ path: file, monitor: 'valLoss', saveBestOnly: true });
    await flint.fit(model, {
      train: l.train, val: l.val, epochs: 3, optimizer: new optim.SGD(model.parameters(), { lr: 0 }), loss: new nn.CrossEntropyLoss(),
      callbacks: [ck], progress: false,
    });
    expect(ck.lastSaved).toBe(1); // lr 0: epochs 2 and 3 do not improve
    expect(flint.loadCheckpoint(file).epoch).toBe(1);
    let batches = 0;
    await expect(flint.fit(model, {
      train: l.train, epochs: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0 }), loss: new nn.CrossEntropyLoss(),
      callbacks: [callbacks.checkpoint({ path: path.join(tmp, 'nope', 'x.safetensors') }), { onBatchEnd: () => void batches++ }], progress: false,
    })).rejects.toThrow(`checkpoint: the folder ${path.join(tmp, 'nope')} does not exist`);
    expect(batches).toBe(0);
  });

  const python = '/usr/bin/python3';
  const haveSklearn = fs.existsSync(python) && spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
  (haveSklearn ? test : test.skip)('evaluate\'s metrics equal sklearn\'s on the same predictions', async () => {
    const l = loaders(1500);
    flint.manualSeed(2);
    const model = new MLP();
    await flint.fit(model, { train: l.train, epochs: 1, optimizer: new optim.SGD(model.parameters(), { lr: 0.02 }), loss: new nn.CrossEntropyLoss(), progress: false });
    const r = evaluate(model, l.test, { metrics: ['accuracy', 'precision', 'recall', 'f1'] });
    const script = [
      'import json, sys',
      'from sklearn import metrics as m',
      'd = json.load(sys.stdin); t, p = d["t"], d["p"]',
      'print(json.dumps({"accuracy": m.accuracy_score(t, p), "precision": m.precision_score(t, p, average="macro", zero_division=0),',
      ' "recall": m.recall_score(t, p, average="macro", zero_division=0), "f1": m.f1_score(t, p, average="macro", zero_division=0),',
      ' "perClassF1": m.f1_score(t, p, average=None, zero_division=0).tolist(), "cm": m.confusion_matrix(t, p).tolist()}))',
    ].join('\n');
    const py = spawnSync(python, ['-c', script], { input: JSON.stringify({ t: Array.from(r.yTrue), p: Array.from(r.yPred) }), encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const sk = JSON.parse(py.stdout);
    for (const k of ['accuracy', 'precision', 'recall', 'f1']) expect(Math.abs(r.metrics[k] - sk[k])).toBeLessThanOrEqual(1e-12);
    const perClass = flint.metrics.f1(r.yTrue, r.yPred, { average: null });
    perClass.forEach((v, i) => expect(Math.abs(v - sk.perClassF1[i])).toBeLessThanOrEqual(1e-12));
    expect(flint.metrics.confusionMatrix(r.yTrue, r.yPred).toArray()).toEqual(sk.cm);
  });
});
