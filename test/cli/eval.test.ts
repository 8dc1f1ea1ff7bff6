// flint eval on an MLP trained for a few seconds: the metrics table, the JSON equal to sklearn's
// metrics on the same predictions, the confusion-matrix SVG, checkpoints as weights, a model
// that does not fit the weights, and the exit codes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as flint from '../../lib';
import { DataLoader, Subset, datasets } from '../../lib/data';
import { callbacks, evaluate } from '../../lib/train';
import { seedTransform } from '../../scripts/cli/common';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';
import { MLP, loaders } from '../train/helpers';
import { run, lastJson } from './run';

const { nn, optim } = flint;
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cli-eval-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('eval --help, and usage errors exit 2', async () => {
  const h = await run(['eval', '--help']);
  expect(h.code).toBe(0);
  expect(h.out).toContain('Usage: flint eval --model NAME --weights FILE [options]');
  expect(h.out).toContain('--confusion FILE');
  const cases: [string[], string][] = [
    [['--weights', 'w.safetensors'], '--model is required (one of: mlp, cnn, lstm, gru, rnn)'],
    [['--model', 'mlp'], '--weights is required'],
    [['--model', 'gan', '--weights', 'w'], '--model gan is not a classifier'],
    [['--model', 'resnet', '--weights', 'w'], "unknown model 'resnet'"],
    [['--model', 'mlp', '--weights', 'w', '--dataset', 'cifar'], "unknown dataset 'cifar'"],
    [['--model', 'mlp', '--weights', 'w', '--frobnicate'], "unknown option '--frobnicate'"],
  ];
  for (const [args, msg] of cases) {
    const r = await run(['eval', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`flint: ${msg}`);
    expect(r.err).toContain("Run 'flint eval --help' for usage.");
  }
  const missing = await run(['eval', '--model', 'mlp', '--weights', path.join(tmp, 'none.safetensors')]);
  expect(missing.code).toBe(1);
  expect(missing.err).toBe(`flint: error: weights file ${path.join(tmp, 'none.safetensors')} does not exist\n`);
});

test('eval: negative numbers get the range message (exit 2); folders and files in the wrong place fail before evaluating (exit 1)', async () => {
  const usage: [string[], string][] = [
    [['--batch-size', '-8'], "--batch-size expects an integer >= 1 but got '-8'"],
    [['--threads', '-2'], "--threads expects an integer >= 1 but got '-2'"],
    [['--threads', String(4 * os.cpus().length + 1)], `--threads ${4 * os.cpus().length + 1} is more than 4 per CPU (this machine has ${os.cpus().length}`],
  ];
  for (const [args, msg] of usage) {
    const r = await run(['eval', '--model', 'mlp', '--weights', 'w', ...args]);
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(r.err).toContain(`flint: ${msg}`);
  }
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, 'x');
  const failures: [string[], string][] = [
    // checked before the weights are loaded or anything is evaluated
    [['--weights', path.join(tmp, 'none.safetensors'), '--confusion', tmp], `--confusion: ${tmp} is a folder; give a file name (such as ${path.join(tmp, 'out.svg')})`],
    [['--weights', path.join(tmp, 'none.safetensors'), '--confusion', tmp + '/'], `--confusion: ${tmp}/ names a folder`],
    [['--weights', tmp], `weights file ${tmp} is a folder, not a file`],
    [['--weights', path.join(tmp, 'none.safetensors'), '--data', file], `--data: ${file} is not a folder`],
  ];
  for (const [args, msg] of failures) {
    const r = await run(['eval', '--model', 'mlp', ...args]);
    expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 1, err: expect.stringContaining(`flint: error: ${msg}`) });
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toContain('EISDIR');
  }
});

describeMnist('flint eval on MNIST', () => {
  let weights: string;
  let ckpt: string;
  let model: InstanceType<typeof MLP>;
  beforeAll(async () => {
    const l = loaders(1500);
    flint.manualSeed(3);
    model = new MLP();
    ckpt = path.join(tmp, 'ck.safetensors');
    await flint.fit(model, {
      train: l.train, epochs: 2, optimizer: new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
      loss: new nn.CrossEntropyLoss(), callbacks: [callbacks.checkpoint({ path: ckpt })], progress: false,
    });
    weights = path.join(tmp, 'mlp.safetensors');
    flint.save(model.stateDict(), weights);
  });
  const args = () => ['eval', '--model', 'mlp', '--weights', weights, '--data', MNIST_DIR, '--limit', '600'];

  test('prints a table of accuracy, macro precision / recall / F1 and per-class values; writes the confusion matrix', async () => {
    const cm = path.join(tmp, 'cm.svg');
    const r = await run([...args(), '--confusion', cm]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`mlp (${weights}) on the 600 MNIST test images`);
    for (const re of [/^ {2}accuracy +0\.\d{4}$/m, /^ {2}macro precision +0\.\d{4}$/m, /^ {2}macro recall +0\.\d{4}$/m, /^ {2}macro F1 +0\.\d{4}$/m,
      /^ {2}class +precision +recall +f1-score +support$/m, /^ {2}7 - seven +[01]\.\d{4} +[01]\.\d{4} +[01]\.\d{4} +\d+$/m, /^ {2}macro avg /m]) {
      expect(r.out).toMatch(re);
    }
    const svg = fs.readFileSync(cm, 'utf8');
    expect(svg).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg.match(/<rect x="\d+" y="\d+" width="\d+" height="\d+" fill="#[0-9a-f]{6}" stroke="#ffffff"/g)).toHaveLength(100);
    for (const s of ['>predicted label<', '>true label<', 'accuracy']) expect(svg).toContain(s);
  });

  const python = '/usr/bin/python3';
  const haveSklearn = fs.existsSync(python) && spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
  (haveSklearn ? test : test.skip)('--json: every metric equals sklearn\'s on the same predictions', async () => {
    const r = await run([...args(), '--json']);
    expect(r.code).toBe(0);
    const j = lastJson(r.out);
    // the same predictions, in-process
    const test = new datasets.MNIST({ root: MNIST_DIR, train: false, transform: seedTransform() });
    const p = evaluate(model, new DataLoader(new Subset(test, Int32Array.from({ length: 600 }, (_, i) => i)), { batchSize: 100 }));
    const script = [
      'import json, sys',
      'from sklearn import metrics as m',
      'd = json.load(sys.stdin); t, p = d["t"], d["p"]; L = list(range(10))',
      'prf = lambda avg: m.precision_recall_fscore_support(t, p, labels=L, average=avg, zero_division=0)',
      'pc = prf(None); ma = prf("macro"); we = prf("weighted")',
      'print(json.dumps({"accuracy": m.accuracy_score(t, p),',
      ' "macro": {"precision": ma[0], "recall": ma[1], "f1": ma[2]}, "weighted": {"precision": we[0], "recall": we[1], "f1": we[2]},',
      ' "perClass": [{"precision": pc[0][c], "recall": pc[1][c], "f1": pc[2][c], "support": int(pc[3][c])} for c in L],',
      ' "cm": m.confusion_matrix(t, p, labels=L).tolist()}))',
    ].join('\n');
    const py = spawnSync(python, ['-c', script], { input: JSON.stringify({ t: Array.from(p.yTrue), p: Array.from(p.yPred) }), encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const sk = JSON.parse(py.stdout);
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12);
    close(j.accuracy, sk.accuracy);
    for (const avg of ['macro', 'weighted']) for (const k of ['precision', 'recall', 'f1']) close(j[avg][k], sk[avg][k]);
    expect(j.perClass).toHaveLength(10);
    j.perClass.forEach((c: any, i: number) => {
      expect(c.class).toBe(test.classes[i]);
      for (const k of ['precision', 'recall', 'f1']) close(c[k], sk.perClass[i][k]);
      expect(c.support).toBe(sk.perClass[i].support);
    });
    expect(j.confusionMatrix).toEqual(sk.cm);
    expect(j.samples).toBe(600);
  });

  test('a checkpoint is weights too; weights of another model are a clear error (exit 1)', async () => {
    const a = lastJson((await run([...args(), '--json'])).out);
    const b = lastJson((await run(['eval', '--model', 'mlp', '--weights', ckpt, '--data', MNIST_DIR, '--limit', '600', '--json'])).out);
    expect(b.checkpoint).toBe(true);
    expect(b.accuracy).toBe(a.accuracy);
    const r = await run(['eval', '--model', 'cnn', '--weights', weights, '--data', MNIST_DIR, '--limit', '10']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^flint: error: weights file ${weights.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} does not fit SimpleCNN: ` +
      "the model's conv1\\.weight \\[32, 1, 3, 3\\] is not in it \\(it holds fc1\\.bias \\[512\\]"));
  });
});
