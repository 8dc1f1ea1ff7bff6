// The seed autoencoder: examples/autoencoder.ts run as a program, and `flint train --model
// autoencoder`, on real MNIST (--limit: the first 6400 / 640 images): the reconstruction MSE
// lines, the MSE falling, the reconstructions PNG, PyTorch's keys for nn.Sequential(enc, dec).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flint from '../../lib';
import { load } from '../../lib/io';
import { main, Io } from '../../scripts/flint';
import { autoencoder } from '../../examples/autoencoder';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';
import { readPng, runExample } from './run_example';

const KEYS = ['0.0.weight', '0.0.bias', '0.2.weight', '0.2.bias', '0.4.weight', '0.4.bias',
  '1.0.weight', '1.0.bias', '1.2.weight', '1.2.bias', '1.4.weight', '1.4.bias'];

test('the seed autoencoder: 784-128-64-32-64-128-784, PyTorch keys, output in [-1, 1]', () => {
  const m = autoencoder();
  const sd = m.stateDict();
  expect(Object.keys(sd)).toEqual(KEYS);
  expect(KEYS.filter((k) => k.endsWith('weight')).map((k) => sd[k].shape)).toEqual([
    [128, 784], [64, 128], [32, 64], [64, 32], [128, 64], [784, 128]]);
  const y = m.forward(flint.randn([5, 784]).mul(10));
  expect(y.shape).toEqual([5, 784]);
  expect(y.abs().max().item()).toBeLessThanOrEqual(1);
});

describeMnist('the autoencoder on MNIST', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-ae-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('examples/autoencoder.ts --limit 6400: MSE lines, the MSE falls, the reconstructions PNG', () => {
    const png = path.join(tmp, 'rec.png');
    const out = path.join(tmp, 'ae.safetensors');
    const r = runExample('autoencoder', ['--data', MNIST_DIR, '--limit', '6400', '--samples', png, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const num = (re: RegExp) => Number(r.lines.map((l) => re.exec(l)).find((m) => m)![1]);
    const untrained = num(/^test MSE before training: (\d\.\d{4})$/);
    const first = num(/^mean loss of the first 10 batches: (\d\.\d{4})$/);
    const after = num(/^test MSE after epoch 1: (\d\.\d{4})$/);
    expect(r.lines).toContainEqual(expect.stringMatching(/^\[1, {3}100\] loss: \d\.\d{4}$/));
    expect(r.lines).toContainEqual(expect.stringMatching(/^epoch 1: [\d.]+ s, 100 batches, \d+ samples\/s$/));
    expect(r.lines).toContain(`reconstruction MSE: first 10 batches ${first.toFixed(4)} -> test ${after.toFixed(4)} after 1 epoch ` +
      `(${(first / after).toFixed(1)}x lower)`);
    expect(untrained).toBeGreaterThan(0.5); // tanh(~0) against mostly -1 pixels
    expect(after).toBeLessThan(first / 2); // 100 Adam steps: about 0.78 -> 0.25
    const img = readPng(png);
    expect([img.width, img.height]).toEqual([482, 62]); // 16 x (28 + 2) + 2 by 2 rows
    expect(Object.keys(load(out)).sort()).toEqual([...KEYS].sort());
  });

  test('flint train --model autoencoder: the reconstruction MSE instead of accuracy, in the JSON too', async () => {
    let text = '';
    const io: Io = { out: (s) => (text += s), err: (s) => (text += s), tty: false };
    const out = path.join(tmp, 'cli_ae.safetensors');
    const code = await main(['train', '--model', 'autoencoder', '--data', MNIST_DIR, '--limit', '640', '--seed', '2',
      '--out', out, '--samples', path.join(tmp, 'cli_rec.png'), '--json'], io);
    expect(code).toBe(0);
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^training autoencoder on MNIST \(640 images .*\) for 1 epoch, batch 64, Adam lr 0\.001, seed 2, \d+ threads$/);
    const mse = Number(lines.map((l) => /^Reconstruction MSE on the 640 test images: (\d\.\d{4})$/.exec(l)).find((m) => m)![1]);
    expect(mse).toBeGreaterThan(0);
    expect(mse).toBeLessThan(0.9); // untrained: about 0.93
    const j = JSON.parse(lines[lines.length - 1]);
    expect(j).toMatchObject({ model: 'autoencoder', epochs: 1, seed: 2, lr: 0.001 });
    expect(j.testMse).toBeCloseTo(mse, 4);
    expect(j).not.toHaveProperty('testAccuracy');
    expect(Object.keys(load(out)).sort()).toEqual([...KEYS].sort());
  });
});
