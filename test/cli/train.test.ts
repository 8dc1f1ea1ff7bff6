// flint train's fit flags on a few hundred MNIST images: --val-split, --early-stopping,
// --checkpoint / --resume (the resumed run ends where the uninterrupted one does), --plot, and
// their usage errors.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load, readHeader, save } from '../../lib/io';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';
import { run, lastJson } from './run';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cli-train-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const base = ['train', '--data', MNIST_DIR, '--threads', '1'];

test('train --help lists the fit flags', async () => {
  const r = await run(['train', '--help']);
  expect(r.code).toBe(0);
  for (const flag of ['--val-split F', '--early-stopping N', '--checkpoint FILE', '--resume FILE', '--plot FILE']) expect(r.out).toContain(flag);
});

test.each([
  [['--val-split', '1.5'], "--val-split expects a fraction between 0 and 1 (such as 0.15) but got '1.5'"],
  [['--val-split', '0'], "--val-split expects a fraction between 0 and 1"],
  [['--early-stopping', '2'], '--early-stopping needs --val-split (it watches the validation loss)'],
  [['--early-stopping', 'x', '--val-split', '0.1'], "--early-stopping expects a patience (an integer >= 0) but got 'x'"],
  [['--checkpoint', ''], '--checkpoint expects a path'],
  [['--model', 'gan', '--val-split', '0.1'], '--val-split is for the classifiers (mlp, cnn, lstm, gru, rnn), not --model gan'],
  // a negative number is the option's value (not parseArgs' "ambiguous"), so its range is what is reported
  [['--lr', '-1'], "--lr expects a positive number but got '-1'"],
  [['--seed', '-3'], "--seed expects an integer >= 0 but got '-3'"],
  [['--limit', '-5'], "--limit expects an integer >= 1 but got '-5'"],
  [['--epochs', '-0.5'], "--epochs expects an integer >= 1 but got '-0.5'"],
  [['--threads', String(4 * os.cpus().length + 1)], `--threads ${4 * os.cpus().length + 1} is more than 4 per CPU (this machine has ${os.cpus().length}; at most ${4 * os.cpus().length})`],
  [['--checkpoint', 'm.safetensors', '--out', './m.safetensors'], '--out and --checkpoint name the same file (./m.safetensors); give them different files'],
  [['--plot', 'c.svg', '--checkpoint', 'c.svg'], '--checkpoint and --plot name the same file'],
  [['--resume', 'ck.safetensors', '--out', 'ck.safetensors'], '--out and --resume name the same file (ck.safetensors): the weights would overwrite the checkpoint'],
])('train %j is a usage error (exit 2)', async (args, msg) => {
  const r = await run([...base, ...(args as string[])]);
  expect(r.code).toBe(2);
  expect(r.err).toContain(`flint: ${msg}`);
  expect(r.out).toBe('');
});

test('train --help says how --threads is bounded and that --lr defaults to the checkpoint\'s when resuming', async () => {
  const r = await run(['train', '--help']);
  expect(r.out).toContain('at most 4 per CPU');
  expect(r.out).toContain("with --resume: the checkpoint's");
});

test('paths that cannot be written or read fail before any data is loaded or trained (exit 1, one line)', async () => {
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, 'x');
  const cases: [string[], string][] = [
    [['--out', tmp], `--out: ${tmp} is a folder; give a file name (such as ${path.join(tmp, 'out.safetensors')})`],
    [['--checkpoint', tmp + '/'], `--checkpoint: ${tmp}/ names a folder; give a file name`],
    [['--checkpoint', tmp], `--checkpoint: ${tmp} is a folder`],
    [['--plot', tmp], `--plot: ${tmp} is a folder; give a file name (such as ${path.join(tmp, 'out.svg')})`],
    [['--model', 'gan', '--samples', tmp], `--samples: ${tmp} is a folder; give a file name (such as ${path.join(tmp, 'out.png')})`],
    [['--out', path.join(file, 'm.safetensors')], `--out: ${file} is not a folder`],
    [['--data', file], `--data: ${file} is not a folder (give the folder holding the IDX .gz files)`],
  ];
  for (const [args, msg] of cases) {
    const t0 = Date.now();
    const r = await run(['train', '--data', MNIST_DIR, '--threads', '1', '--limit', '64', ...args]);
    expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 1, err: expect.stringContaining(`flint: error: ${msg}`) });
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
    expect(Date.now() - t0).toBeLessThan(5000);
  }
});

describeMnist('flint train with a validation split (MNIST, --limit 600)', () => {
  const small = [...base, '--limit', '600', '--val-split', '0.15', '--batch-size', '16', '--lr', '0.1', '--seed', '1'];

  test('--early-stopping stops when the validation loss stops improving and keeps the best epoch\'s weights', async () => {
    const out = path.join(tmp, 'es.safetensors');
    const r = await run([...small, '--epochs', '40', '--early-stopping', '2', '--json', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^training mlp on MNIST \(510 images from .*, 90 held out for validation\) for 40 epochs/);
    const j = lastJson(r.out);
    expect(j).toMatchObject({ valSplit: 0.15, valImages: 90, stoppedEarly: true });
    expect(j.epochsRun).toBeLessThan(40);
    expect(j.bestEpoch).toBe(j.epochsRun - 2);
    expect(j.bestValLoss).toBe(Math.min(...j.history.valLoss));
    expect(j.history.valLoss[j.bestEpoch - 1]).toBe(j.bestValLoss);
    expect(r.out).toContain(`early stopping after epoch ${j.epochsRun}: valLoss has not improved on ${j.bestValLoss.toFixed(4)} (epoch ${j.bestEpoch}) for 2 epochs\n`);
    expect(r.out).toContain(`restored the weights of epoch ${j.bestEpoch}`);
    const lines = r.out.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^epoch 1\/40: [\d.]+ s, \d+ samples\/s, loss \d\.\d{4}, accuracy \d\.\d{4}, val loss \d\.\d{4}, val accuracy \d\.\d{4}$/));
    expect(readHeader(out).metadata).toMatchObject({ epochs: String(j.epochsRun) });
  });

  test('--checkpoint then --resume continues to the same result as one uninterrupted run; --plot writes the curves', async () => {
    const full = await run([...small, '--epochs', '3', '--json', '--quiet', '--out', path.join(tmp, 'full.safetensors')]);
    expect(full.code).toBe(0);
    const ck = path.join(tmp, 'ck.safetensors');
    const first = await run([...small, '--epochs', '2', '--checkpoint', ck, '--quiet']);
    expect(first.code).toBe(0);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp'))).toEqual([]);
    // no --seed or --val-split: both come from the checkpoint
    const plot = path.join(tmp, 'curves.svg');
    const resumed = await run([...base, '--limit', '600', '--batch-size', '16', '--lr', '0.1', '--epochs', '3', '--resume', ck,
      '--plot', plot, '--json', '--out', path.join(tmp, 'resumed.safetensors')]);
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resuming at epoch 3 of 3\n');
    const a = lastJson(full.out);
    const b = lastJson(resumed.out);
    expect(b.seed).toBe(1);
    expect(b.resumedFrom).toBe(ck);
    expect(b.history).toEqual(a.history);
    expect(b.testAccuracy).toBe(a.testAccuracy);
    const wa = load(path.join(tmp, 'full.safetensors'));
    const wb = load(path.join(tmp, 'resumed.safetensors'));
    for (const k of Object.keys(wa)) expect(wb[k].dataSync()).toEqual(wa[k].dataSync());
    const svg = fs.readFileSync(plot, 'utf8');
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="960" height="370"/);
    for (const s of ['>Loss<', '>Accuracy<', '>training<', '>validation<', '>epoch<', '>mlp on MNIST<']) expect(svg).toContain(s);
    expect(svg.match(/<path d="M/g)!.length).toBeGreaterThanOrEqual(6); // 2 axes + 4 lines
    // a finished checkpoint has nothing left to do
    const done = await run([...base, '--limit', '600', '--epochs', '2', '--resume', ck]);
    expect(done.code).toBe(0);
    expect(done.out).toContain('nothing to train: the checkpoint has 2 of 2 epochs done');
  });

  test('--resume refuses another model, seed or split with a clear message (exit 1)', async () => {
    const ck = path.join(tmp, 'ck1.safetensors');
    expect((await run([...small, '--epochs', '1', '--checkpoint', ck, '--quiet'])).code).toBe(0);
    const cases: [string[], string][] = [
      [['--model', 'cnn'], `--resume: ${ck} is a checkpoint of --model mlp, not cnn`],
      [['--seed', '2'], `--resume: ${ck} was trained with --seed 1; leave --seed out to resume it`],
      [['--val-split', '0.2'], `--resume: ${ck} was trained with --val-split 0.15; leave --val-split out to resume it`],
      [['--limit', '700'], `--resume: ${ck} was trained on 600 training images, not 700`],
      // the optimizer state it resumes keeps lr 0.1: another --lr would be silently ignored
      [['--lr', '0.5'], `--resume: ${ck} was trained with --lr 0.1; leave --lr out to resume it`],
    ];
    for (const [args, msg] of cases) {
      const limit = args.includes('--limit') ? [] : ['--limit', '600'];
      const r = await run([...base, ...limit, '--epochs', '2', '--resume', ck, ...args]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`flint: error: ${msg}\n`);
    }
    const missing = await run([...base, '--limit', '600', '--resume', path.join(tmp, 'nope.safetensors')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('does not exist');
    const dir = await run([...base, '--limit', '600', '--resume', tmp]);
    expect(dir.code).toBe(1);
    expect(dir.err).toBe(`flint: error: --resume: ${tmp} is a folder, not a checkpoint file\n`);
  });

  test('--resume without --lr trains with the checkpoint\'s lr and says so; the same --lr is accepted', async () => {
    const ck = path.join(tmp, 'ck-lr.safetensors');
    expect((await run([...small, '--epochs', '1', '--checkpoint', ck, '--quiet'])).code).toBe(0); // --lr 0.1
    for (const lr of [[], ['--lr', '0.1']]) {
      const r = await run([...base, '--limit', '600', '--batch-size', '16', '--epochs', '2', '--resume', ck, '--json', ...lr]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^training mlp on MNIST .* SGD lr 0\.1, seed 1, /);
      expect(lastJson(r.out)).toMatchObject({ lr: 0.1, seed: 1, epochsRun: 2 });
      expect(lastJson(r.out).history.lr).toEqual([0.1, 0.1]);
    }
  });

  test('a checkpoint whose flint.cli metadata is not JSON: an error naming the file and the key', async () => {
    const ck = path.join(tmp, 'ck-meta.safetensors');
    expect((await run([...small, '--epochs', '1', '--checkpoint', ck, '--quiet'])).code).toBe(0);
    const bad = path.join(tmp, 'ck-bad-meta.safetensors');
    const meta = readHeader(ck).metadata!;
    save(load(ck), bad, { ...meta, 'flint.cli': meta['flint.cli'].slice(0, 34) });
    const r = await run([...base, '--limit', '600', '--epochs', '2', '--resume', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^flint: error: --resume: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: its metadata 'flint\\.cli' is not valid JSON \\(.*\\)\n$`));
    save(load(ck), bad, { ...meta, 'flint.optimizer': '{"param_groups": [' });
    const o = await run([...base, '--limit', '600', '--epochs', '2', '--resume', bad]);
    expect(o.code).toBe(1);
    expect(o.err).toContain(`--resume: ${bad} is damaged: its metadata 'flint.optimizer' is not valid JSON`);
    expect(o.err.trim().split('\n')).toHaveLength(1);
  });
});
