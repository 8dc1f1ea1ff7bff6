// The addon is context-aware: flint loads and trains inside worker_threads, each instance with
// its own allocator, thread pool and RNG (per-environment instance data, no static state).
// The workers load lib/*.ts through @swc/core (the same compiler jest uses), so the test
// needs no build of dist/.
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as flint from '../lib';

const LIB = path.resolve(__dirname, '..', 'lib', 'index.ts');
const SWC = require.resolve('@swc/core');

// Runs inside the worker: registers a .ts loader, loads flint, trains a tiny MLP with SGD.
const WORKER_SRC = `
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const swc = require(workerData.swc);
require.extensions['.ts'] = (m, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },
  });
  m._compile(code, filename);
};
const flint = require(workerData.lib);
${trainSource()}
const out = train(flint, workerData);
parentPort.postMessage(out);
`;

/** The training run, as source shared by the workers and the main thread (same code path). */
function trainSource(): string {
  return `
function train(flint, { seed, steps, threads, draws }) {
  if (threads) flint.setNumThreads(threads);
  flint.manualSeed(seed);
  const { nn, optim } = flint;
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
  const x = flint.randn([16, 4]);
  const y = x.narrow(1, 0, 3).argmax(1); // a learnable rule: the largest of the first 3 features
  const lossFn = new nn.CrossEntropyLoss();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const losses = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  // extra draws move this instance's generator; another instance must not notice
  for (let i = 0; i < (draws || 0); i++) flint.rand([1000]);
  return { losses, threads: flint.getNumThreads(), live: flint.memoryStats().liveBytes };
}`;
}

// eslint-disable-next-line no-new-func
const trainHere = new Function('flint', 'opts', `${trainSource()}\nreturn train(flint, opts);`) as (
  f: typeof flint,
  o: { seed: number; steps: number; threads?: number; draws?: number },
) => { losses: number[]; threads: number; live: number };

interface Result {
  losses: number[];
  threads: number;
  live: number;
}

function runWorker(opts: { seed: number; steps: number; threads?: number; draws?: number }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SRC, { eval: true, workerData: { ...opts, lib: LIB, swc: SWC } });
    let result: Result | null = null;
    w.on('message', (m) => (result = m));
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`worker exited with code ${code}`))));
  });
}

describe('worker_threads', () => {
  test('an error inside a worker comes back as a message, the worker exits cleanly', async () => {
    const src = WORKER_SRC.replace('const out = train(flint, workerData);', "const out = (() => { try { flint.matmul(flint.ones([2, 3]), flint.ones([4, 5])); } catch (e) { return { error: e.message }; } })();");
    const msg = await new Promise((resolve, reject) => {
      const w = new Worker(src, { eval: true, workerData: { lib: LIB, swc: SWC } });
      w.on('message', resolve);
      w.on('error', reject);
    });
    expect(msg).toEqual({ error: 'matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 columns vs 4 rows)' });
  });

  test('trains a tiny model with SGD inside a worker and posts the losses back', async () => {
    const r = await runWorker({ seed: 1, steps: 30 });
    expect(r.losses).toHaveLength(30);
    r.losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
    expect(r.losses[29]).toBeLessThan(r.losses[0] * 0.7);
    // the same seed on the main thread gives the very same run: per-instance RNG, same kernels
    const here = trainHere(flint, { seed: 1, steps: 30 });
    expect(r.losses).toEqual(here.losses);
  });

  test('two workers at once: each has its own generator, thread pool and allocator', async () => {
    const mainThreads = flint.getNumThreads();
    flint.manualSeed(99);
    const before = flint.rand([5]).dataSync();
    const [a, b, c] = await Promise.all([
      runWorker({ seed: 7, steps: 20, threads: 1, draws: 50 }),
      runWorker({ seed: 7, steps: 20, threads: 2 }),
      runWorker({ seed: 8, steps: 20, threads: 1 }),
    ]);
    // same seed -> same losses, whatever the other workers did to their own generators
    expect(a.losses).toEqual(b.losses);
    expect(c.losses).not.toEqual(a.losses);
    expect(a.threads).toBe(1);
    expect(b.threads).toBe(2);
    // the main thread's state is untouched: thread count, and its generator continues where it was
    expect(flint.getNumThreads()).toBe(mainThreads);
    const after = flint.rand([5]).dataSync();
    flint.manualSeed(99);
    flint.rand([5]);
    expect(Array.from(after)).toEqual(Array.from(flint.rand([5]).dataSync()));
    expect(before.length).toBe(5);
  });

  test('workers can come and go, and be terminated mid-run, without harming the process', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await runWorker({ seed: 3, steps: 3 });
      expect(r.losses).toHaveLength(3);
    }
    // Terminated while loading, and while inside native calls: a native call that can no longer
    // throw into JS used to escape as a C++ exception and abort the whole process.
    for (const ms of [50, 200, 400, 600]) {
      const w = new Worker(WORKER_SRC, { eval: true, workerData: { seed: 4, steps: 100000, lib: LIB, swc: SWC } });
      w.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, ms));
      expect([0, 1]).toContain(await w.terminate()); // 0 when stopped before its first line ran
    }
    expect(flint.tensor([1, 2, 3]).sum().item()).toBe(6);
  });
});
