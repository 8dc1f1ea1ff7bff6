// The `flint train` command, run in-process on a few hundred MNIST images (the hidden --limit):
// its output lines, JSON, saved weights, determinism, progress bar and exit codes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, Io, lossLine } from '../../scripts/flint';
import { load } from '../../lib/io';
import { describeMnist, MNIST_DIR } from './mnist_files';

async function run(argv: string[], tty = false): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s), tty };
  const code = await main(argv, io);
  return { code, out, err };
}

const small = ['train', '--data', MNIST_DIR, '--limit', '480', '--batch-size', '4', '--seed', '3'];

test('lossLine is the seed\'s \'[%d, %5d] loss: %.3f\'', () => {
  expect(lossLine(1, 100, 2.1537)).toBe('[1,   100] loss: 2.154');
  expect(lossLine(12, 12000, 0.5)).toBe('[12, 12000] loss: 0.500');
});

describeMnist('flint train on MNIST (--limit 480)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cli-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('prints the running loss, the accuracy and a last line of JSON; saves the state dict', async () => {
    const file = path.join(tmp, 'mlp.safetensors');
    const r = await run([...small, '--json', '--out', file, '--threads', '1']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^\[1, {3}100\] loss: \d\.\d{3}$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Accuracy on the 480 test images: \d+\.\d %$/));
    const j = JSON.parse(lines[lines.length - 1]);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['model', 'dataset', 'epochs', 'testAccuracy', 'samplesPerSec',
      'epochSeconds', 'peakRssMB', 'threads']));
    expect(j).toMatchObject({ model: 'mlp', dataset: 'mnist', epochs: 1, threads: 1, seed: 3 });
    // 120 SGD steps already learn a lot: 25-58 % over seeds 10-39 (mean 43 %), 31 % for seed 3
    expect(j.testAccuracy).toBeGreaterThan(20);
    expect(j.epochSeconds).toHaveLength(1);
    expect(j.samplesPerSec).toBeGreaterThan(0);
    expect(j.peakRssMB).toBeGreaterThan(0);
    const sd = load(file);
    expect(Object.keys(sd).sort()).toEqual(['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight', 'fc3.bias', 'fc3.weight']);
    expect(sd['fc1.weight'].shape).toEqual([512, 784]);
    expect(sd['fc3.bias'].shape).toEqual([10]);
  });

  test('the same seed gives the same losses and accuracy; --quiet leaves only the JSON', async () => {
    const a = await run([...small, '--epochs', '2']);
    const b = await run([...small, '--epochs', '2']);
    const losses = (s: string) => s.split('\n').filter((l) => l.startsWith('['));
    expect(losses(a.out)).toHaveLength(2);
    expect(losses(a.out)[1]).toMatch(/^\[2, {3}100\] loss: /);
    expect(losses(b.out)).toEqual(losses(a.out));
    const acc = (s: string) => /Accuracy on the 480 test images: (.*) %/.exec(s)![1];
    expect(acc(b.out)).toBe(acc(a.out));
    const q = await run([...small, '--epochs', '2', '--quiet', '--json']);
    const ql = q.out.trim().split('\n');
    expect(ql).toHaveLength(1);
    expect(JSON.parse(ql[0]).testAccuracy.toFixed(1)).toBe(acc(a.out));
  });

  test('draws a progress bar on a terminal', async () => {
    const r = await run(small, true);
    expect(r.code).toBe(0);
    expect(r.out).toContain('\r\x1b[Kepoch 1/1 [');
    expect(r.out).toMatch(/120\/120 [\d.]+s [\d.]+k samples\/s loss \d\.\d{3}/);
    expect(r.out).toContain('\r\x1b[K[1,   100] loss: ');
  });

  test('--model lstm | gru | rnn: the row-by-row classifier with Adam, PyTorch keys in the saved weights', async () => {
    const file = path.join(tmp, 'lstm.safetensors');
    const r = await run(['train', '--data', MNIST_DIR, '--limit', '256', '--batch-size', '32', '--seed', '3', '--model', 'lstm',
      '--json', '--out', file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/training lstm on MNIST .* batch 32, Adam lr 0\.001, seed 3/);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).toMatchObject({ model: 'lstm', lr: 0.001 });
    const sd = load(file);
    expect(Object.keys(sd).sort()).toEqual(['fc.bias', 'fc.weight', 'rnn.bias_hh_l0', 'rnn.bias_ih_l0', 'rnn.weight_hh_l0',
      'rnn.weight_ih_l0']);
    expect(sd['rnn.weight_ih_l0'].shape).toEqual([512, 28]);
    for (const m of ['gru', 'rnn']) {
      const q = await run(['train', '--data', MNIST_DIR, '--limit', '64', '--batch-size', '32', '--seed', '3', '--model', m, '--quiet', '--json']);
      expect(q.code).toBe(0);
      expect(JSON.parse(q.out.trim())).toMatchObject({ model: m });
    }
  });
});

describe('flint usage and failures', () => {
  test('--help and train --help exit 0; no command exits 2', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Usage: flint <command> [options]');
    const t = await run(['train', '--help']);
    expect(t.code).toBe(0);
    expect(t.out).toContain('Usage: flint train [options]');
    expect(t.out).toContain('--batch-size N');
    expect(t.out).not.toContain('--limit');
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: flint <command>');
    const v = await run(['--version']);
    expect(v.out).toMatch(/^flint \d+\.\d+\.\d+/);
  });

  test.each([
    [['train', '--bogus'], "flint: unknown option '--bogus'"],
    // a prefix: the list grows as models are added (autoencoder, gan, ...)
    [['train', '--model', 'resnet'], "flint: unknown model 'resnet' (available: mlp, lstm, gru, rnn, cnn"],
    [['train', '--dataset', 'cifar'], "flint: unknown dataset 'cifar' (available: mnist, fashion-mnist)"],
    [['train', '--epochs', '0'], "flint: --epochs expects an integer >= 1 but got '0'"],
    [['train', '--lr', 'fast'], "flint: --lr expects a positive number but got 'fast'"],
    [['train', 'extra'], "flint: unexpected argument 'extra'"],
    [['fit'], "flint: unknown command 'fit' (available: train, eval, predict, bench)"],
  ])('%j is a usage error (exit 2)', async (argv, msg) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(msg);
    expect(r.err).toContain('--help');
    expect(r.out).toBe('');
  });

  test('missing data is a runtime failure (exit 1) with a clean message', async () => {
    const nowhere = path.join(os.tmpdir(), 'flint-cli-no-data');
    const r = await run(['train', '--data', nowhere]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^flint: error: MNIST: cannot find the training set/);
    expect(r.err).toContain(`  ${nowhere} (does not exist)`);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('an --out folder that does not exist fails before training (exit 1)', async () => {
    const bad = path.join(os.tmpdir(), 'flint-cli-no-such-folder', 'm.safetensors');
    const t0 = Date.now();
    const r = await run([...small, '--out', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--out: the folder ${path.dirname(bad)} does not exist`);
    expect(r.out).not.toContain('loss:'); // nothing was trained
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
