// The workflow on all of MNIST's training set: the seed MLP (784-512-256-10, SGD lr 0.01, batch 64)
// on a seeded 70/15/15 split of the 60000 training images (42000 / 9000 / 9000), early stopping
// on the validation loss, a checkpoint after every epoch, a resume from the epoch-1 checkpoint
// that reproduces epoch 2 exactly, and the held-out 15 % evaluated with every classification
// metric, compared with scikit-learn on the same predictions when python3-sklearn is present.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as flint from '../../lib';
import { DataLoader } from '../../lib/data';
import { callbacks, evaluate } from '../../lib/train';
import { describeMnist } from '../data/mnist_files';
import { MLP, splits } from './helpers';

const { nn, optim } = flint;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-full-split-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const python = '/usr/bin/python3';
const haveSklearn = fs.existsSync(python) && spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;

describeMnist('the seed MLP on a 70/15/15 split of the whole MNIST training set', () => {
  jest.setTimeout(120_000);

  test('early stopping, checkpoints, an exact resume, and metrics equal to sklearn\'s', async () => {
    const s = splits(60000, 0);
    expect([s.train.length, s.val.length, s.test.length]).toEqual([42000, 9000, 9000]);
    // the three parts are disjoint and cover the training set
    const seen = new Uint8Array(60000);
    for (const part of [s.train, s.val, s.test]) for (const i of part.indices) seen[i]++;
    expect(seen.every((c) => c === 1)).toBe(true);

    const val = new DataLoader(s.val, { batchSize: 1000 });
    const run = async (epochs: number, resumeFrom?: string) => {
      flint.manualSeed(resumeFrom ? 123 : 7); // a resumed run starts from other weights: the checkpoint replaces them
      const model = new MLP();
      const es = callbacks.earlyStopping({ monitor: 'valLoss', patience: 1, restoreBest: true });
      const h = await flint.fit(model, {
        train: new DataLoader(s.train, { batchSize: 64, shuffle: true }), val, epochs,
        optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), loss: new nn.CrossEntropyLoss(),
        metrics: ['accuracy'], seed: resumeFrom ? undefined : 3, resumeFrom, progress: false,
        callbacks: [es, callbacks.checkpoint({ path: path.join(tmp, resumeFrom ? 'r-{epoch}.safetensors' : 'e-{epoch}.safetensors') })],
      });
      return { model, h, es };
    };

    const a = await run(2);
    expect(a.h.epoch).toEqual([1, 2]);
    expect(a.h.valLoss![1]).toBeLessThan(a.h.valLoss![0]); // still improving: no early stop, best = epoch 2
    expect(a.es.bestEpoch).toBe(2);
    expect(a.h.valAccuracy![1]).toBeGreaterThan(0.87);
    for (const e of [1, 2]) expect(fs.existsSync(path.join(tmp, `e-${e}.safetensors`))).toBe(true);
    expect(fs.readdirSync(tmp).filter((f) => !f.endsWith('.safetensors'))).toEqual([]); // no temporary files left

    // resuming from the epoch-1 checkpoint: epoch 2 again, bit for bit
    const b = await run(2, path.join(tmp, 'e-1.safetensors'));
    expect(b.h.epoch).toEqual([1, 2]);
    for (const k of ['loss', 'valLoss', 'accuracy', 'valAccuracy']) expect(b.h[k]![1]).toBe(a.h[k]![1]);
    expect(b.model.stateDict()['fc3.weight'].dataSync()).toEqual(a.model.stateDict()['fc3.weight'].dataSync());

    // the held-out 15 %: every metric
    const r = evaluate(a.model, new DataLoader(s.test, { batchSize: 1000 }), {
      loss: new nn.CrossEntropyLoss(), metrics: ['accuracy', 'precision', 'recall', 'f1'],
    });
    expect(r.samples).toBe(9000);
    expect(r.metrics.accuracy).toBeGreaterThan(0.87);
    const t = r.yTrue, p = r.yPred;
    const ours = {
      accuracy: r.metrics.accuracy, precision: r.metrics.precision, recall: r.metrics.recall, f1: r.metrics.f1,
      microF1: flint.metrics.f1(t, p, { average: 'micro' }),
      perClassPrecision: flint.metrics.precision(t, p, { average: null }),
      perClassRecall: flint.metrics.recall(t, p, { average: null }),
      cm: flint.metrics.confusionMatrix(t, p).toArray(),
    };
    // the confusion matrix's diagonal is the accuracy's count: an oracle without sklearn
    const cm = ours.cm as number[][];
    expect(cm.reduce((sum, row, i) => sum + row[i], 0)).toBe(Math.round(ours.accuracy * 9000));
    if (!haveSklearn) {
      console.log('full split: sklearn comparison skipped (apt-get install python3-sklearn)');
      return;
    }
    const script = [
      'import json, sys',
      'from sklearn import metrics as m',
      'd = json.load(sys.stdin); t, p = d["t"], d["p"]',
      'kw = dict(zero_division=0)',
      'print(json.dumps({"accuracy": m.accuracy_score(t, p), "precision": m.precision_score(t, p, average="macro", **kw),',
      ' "recall": m.recall_score(t, p, average="macro", **kw), "f1": m.f1_score(t, p, average="macro", **kw),',
      ' "microF1": m.f1_score(t, p, average="micro", **kw),',
      ' "perClassPrecision": m.precision_score(t, p, average=None, **kw).tolist(),',
      ' "perClassRecall": m.recall_score(t, p, average=None, **kw).tolist(), "cm": m.confusion_matrix(t, p).tolist()}))',
    ].join('\n');
    const py = spawnSync(python, ['-c', script], { input: JSON.stringify({ t: Array.from(t), p: Array.from(p) }), encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const sk = JSON.parse(py.stdout);
    for (const k of ['accuracy', 'precision', 'recall', 'f1', 'microF1'] as const) {
      expect(Math.abs(ours[k] - sk[k])).toBeLessThanOrEqual(1e-12);
    }
    for (const k of ['perClassPrecision', 'perClassRecall'] as const) {
      (ours[k] as number[]).forEach((v, i) => expect(Math.abs(v - sk[k][i])).toBeLessThanOrEqual(1e-12));
    }
    expect(ours.cm).toEqual(sk.cm);
  });
});
