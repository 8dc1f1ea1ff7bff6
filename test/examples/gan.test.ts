// The seed GAN: examples/gan.ts run as a program, and `flint train --model gan`, on real MNIST
// (--limit: the first 6400 / 640 training images): D and G loss lines, no non-finite loss, the
// 8 x 8 PNG grid of samples (only with --samples), G's state dict with PyTorch's nn.Sequential keys.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flint from '../../lib';
import { load } from '../../lib/io';
import { main, Io } from '../../scripts/flint';
import { discriminator, generator, GAN } from '../../examples/gan';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';
import { ROOT, readPng, runExample } from './run_example';

const G_KEYS = ['0.bias', '0.weight', '2.bias', '2.weight', '4.bias', '4.weight'];

test('G and D: the seed\'s layers, PyTorch keys and shapes; one step gives finite losses and updates both', () => {
  flint.manualSeed(0);
  const G = generator();
  const D = discriminator();
  expect(Object.fromEntries(Object.entries(G.stateDict()).map(([k, v]) => [k, v.shape]))).toEqual({
    '0.weight': [128, 100], '0.bias': [128], '2.weight': [256, 128], '2.bias': [256], '4.weight': [784, 256], '4.bias': [784],
  });
  expect(Object.fromEntries(Object.entries(D.stateDict()).map(([k, v]) => [k, v.shape]))).toEqual({
    '0.weight': [128, 784], '0.bias': [128], '2.weight': [64, 128], '2.bias': [64], '4.weight': [1, 64], '4.bias': [1],
  });
  expect(String(G)).toContain('LeakyReLU');
  const gan = new GAN();
  const before = [gan.G.stateDict()['0.weight'].clone(), gan.D.stateDict()['0.weight'].clone()];
  const [lossD, lossG] = gan.step(flint.rand([8, 1, 28, 28]).mul(2).sub(1));
  expect(Number.isFinite(lossD) && Number.isFinite(lossG)).toBe(true);
  expect(lossD).toBeGreaterThan(0);
  expect(gan.G.stateDict()['0.weight'].sub(before[0]).abs().max().item()).toBeGreaterThan(0);
  expect(gan.D.stateDict()['0.weight'].sub(before[1]).abs().max().item()).toBeGreaterThan(0);
  const s = gan.sample(flint.randn([3, 100]));
  expect(s.shape).toEqual([3, 1, 28, 28]);
  expect(s.abs().max().item()).toBeLessThanOrEqual(1); // tanh
});

describeMnist('the GAN on MNIST', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-gan-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('examples/gan.ts --limit 6400: loss_D / loss_G lines, no non-finite loss, the PNG grid, G saved', () => {
    const png = path.join(tmp, 'grid.png');
    const out = path.join(tmp, 'G.safetensors');
    const r = runExample('gan', ['--data', MNIST_DIR, '--limit', '6400', '--epochs', '1', '--samples', png, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines).toContainEqual(expect.stringMatching(/^\[1, {3}100\] loss_D: \d+\.\d{3} loss_G: \d+\.\d{3}$/));
    expect(r.lines).toContainEqual(expect.stringMatching(/^epoch 1: [\d.]+ s, 100 iterations \([\d.]+ it\/s\), mean loss_D \d+\.\d{4} loss_G \d+\.\d{4}$/));
    expect(r.lines).toContain('non-finite losses: 0');
    expect(r.lines).toContain(`wrote 64 samples (8 x 8 grid) to ${png}`);
    const img = readPng(png);
    expect([img.width, img.height]).toEqual([242, 242]); // 8 x (28 + 2) + 2
    expect(img.pixels[0]).toBe(0); // black padding
    expect(Math.max(...img.pixels)).toBeGreaterThan(100); // G draws something
    expect(Object.keys(load(out)).sort()).toEqual(G_KEYS);
  });

  test('examples/gan.ts without --samples writes no grid (none into the current folder either)', () => {
    const before = fs.readdirSync(ROOT);
    const r = runExample('gan', ['--data', MNIST_DIR, '--limit', '640', '--epochs', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines).toContain('non-finite losses: 0');
    expect(r.lines.some((l) => l.startsWith('wrote '))).toBe(false);
    expect(fs.readdirSync(ROOT).filter((f) => !before.includes(f))).toEqual([]);
  });

  test('flint train --model gan: the same lines, JSON with both losses, --out saves G, --samples the grid', async () => {
    let text = '';
    const io: Io = { out: (s) => (text += s), err: (s) => (text += s), tty: false };
    const out = path.join(tmp, 'cli_G.safetensors');
    const png = path.join(tmp, 'cli_grid.png');
    const code = await main(['train', '--model', 'gan', '--data', MNIST_DIR, '--limit', '640', '--seed', '1',
      '--out', out, '--samples', png, '--json'], io);
    expect(code).toBe(0);
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^training gan on MNIST \(640 images from .*\) for 1 epoch, batch 64, Adam lr 0\.0002, seed 1, \d+ threads$/);
    expect(lines).toContainEqual(expect.stringMatching(/^epoch 1: [\d.]+ s, \d+ samples\/s, mean loss_D \d+\.\d{4} loss_G \d+\.\d{4}$/));
    expect(lines).toContain('non-finite losses: 0');
    const j = JSON.parse(lines[lines.length - 1]);
    expect(j).toMatchObject({ model: 'gan', dataset: 'mnist', epochs: 1, nonFiniteLosses: 0, seed: 1, lr: 0.0002 });
    expect(Number.isFinite(j.lossD) && Number.isFinite(j.lossG)).toBe(true);
    expect(Object.keys(load(out)).sort()).toEqual(G_KEYS);
    expect(readPng(png).width).toBe(242);
  });

  test('flint train: --samples only for gan and autoencoder; a missing --samples folder fails before training', async () => {
    let err = '';
    const io: Io = { out: () => undefined, err: (s) => (err += s), tty: false };
    expect(await main(['train', '--model', 'mlp', '--samples', 'x.png'], io)).toBe(2);
    expect(err).toContain('flint: --samples is for --model gan or autoencoder, not mlp');
    err = '';
    expect(await main(['train', '--model', 'gan', '--data', MNIST_DIR, '--samples', path.join(tmp, 'nope', 'g.png')], io)).toBe(1);
    expect(err).toContain(`flint: error: --samples: the folder ${path.join(tmp, 'nope')} does not exist (create it first)`);
  });
});
