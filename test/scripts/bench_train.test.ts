// scripts/bench_train.ts (npm run bench:train) in its quickest mode: one sample of two batches of
// the LSTM classifier and of the tiny LSTM, at one thread, flint beside PyTorch, as JSON. Only that
// it runs and what it prints is checked here, not the figures. Without python3-torch the PyTorch
// side is skipped (--python none) and the test says so.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { haveMnist, MNIST_DIR } from '../data/mnist_files';

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = '/usr/bin/python3';
const REF = path.resolve(ROOT, '..', 'shared', 'bench', 'pytorch_reference.py');

function haveTorch(): boolean {
  // find_spec locates the package without importing it (an import of torch takes seconds)
  const r = spawnSync(PYTHON, ['-c', 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("torch") and u.find_spec("threadpoolctl") else 1)']);
  return r.status === 0 && fs.existsSync(REF);
}

test('bench:train --quick on two batches prints well-formed JSON', () => {
  const torch = haveTorch();
  if (!torch) console.log(`bench_train test: PyTorch side skipped (no python3-torch/threadpoolctl for ${PYTHON}, or no ${REF})`);
  const recipes = haveMnist ? ['lstm', 'tiny_lstm'] : ['tiny_lstm'];
  const args = ['--quick', '--samples', '1', '--batches', '2', '--threads', '1', '--recipes', recipes.join(','), '--json',
    '--data', MNIST_DIR, '--python', torch ? PYTHON : 'none', '--ref', REF];
  const r = spawnSync(process.execPath, ['-r', path.join(ROOT, 'test', 'examples', 'swc_register.js'), path.join(ROOT, 'scripts', 'bench_train.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
  const j = JSON.parse(r.stdout);
  expect(j.meta).toMatchObject({ quick: true, samples: 1 });
  const metrics = [...(haveMnist ? ['lstm'] : []), 'tiny_lstm_sgd', 'tiny_lstm_adam'];
  expect(j.rows.map((x: { metric: string }) => x.metric)).toEqual(metrics);
  for (const row of j.rows) {
    expect(row).toMatchObject({ threads: 1, flint_samples: [expect.any(Number)] });
    expect(row.flint).toBeGreaterThan(0);
    expect(row.flint_peak_rss_mb).toBeGreaterThan(0);
    if (torch) {
      expect(row.torch).toBeGreaterThan(0);
      expect(row.ratio).toBeGreaterThan(0);
      expect(row.torch_blas_threads).toBe('1/1');
    }
  }
  if (torch) expect(j.notes).toEqual([]);
});
