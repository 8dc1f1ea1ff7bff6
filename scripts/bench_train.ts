#!/usr/bin/env node
// npm run bench:train [-- --threads 1,2] [--recipes mlp,cnn,lstm,tiny_lstm] [--quick] [--json] [--out FILE]
//                        [--samples N] [--batches N] [--data DIR] [--python PATH] [--ref FILE]
//
// Training throughput of the seed recipes in flint beside PyTorch, measured in the same run:
//   mlp        MLP 784-512-256-10 ReLU, CrossEntropyLoss, SGD lr 0.01, batch 64 (examples/mlp.ts)
//   cnn        SimpleCNN, Adam lr 1e-3, batch 64 (examples/cnn.ts)
//   lstm       LSTM(28, 128) over the 28 rows of an MNIST image, Linear(128, 10) on the last step,
//              Adam lr 1e-3, batch 64 (examples/rnn.ts)
//   tiny_lstm  LSTM(10, 20) -> Linear(20, 1) on one [1, 5, 10] sequence, MSELoss, 5 repetitions of
//              100 steps after 10 warm-up steps, with SGD 0.01 and with Adam 1e-3: the per-op
//              overhead case (examples/lstm.ts), as pytorch_reference.py's tiny_lstm task
// The reference is the shared pytorch_reference.py (../shared/bench beside the repository, or
// --ref FILE). A sample is one fresh process: flint (this script with --child) and PyTorch take
// turns, the order flipping every sample, so a neighbour's burst of CPU hits both sides alike.
// Each process reports its own peak RSS.
//
// Figures: mlp/cnn/lstm give samples/s = 64 / (median step time), where a step is zeroGrad,
// forward, loss, backward, optimizer step on a batch of real MNIST (batching itself untimed, on
// both sides); tiny_lstm gives the median time of 100 steps. Each figure is the median over the
// samples; flint/torch is a speed ratio (above 1: flint is faster). tiny_lstm's SGD run comes
// first in its process, as in the reference, so its repetitions include V8 compiling flint's
// JavaScript (the JSON's runs show each repetition). At more than one thread,
// PyTorch's first sample tries torch/OpenBLAS threads t/t, 1/t and t/1 (its two thread pools
// fight over the cores: the reference sheet saw the MLP 3.6x slower at 2/2) and keeps the
// fastest for the other samples.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import * as flint from '../lib';
import { DataLoader, datasets, transforms } from '../lib/data';
import type { Tensor } from '../lib/tensor';
import { MLP } from '../examples/mlp';
import { SimpleCNN } from '../examples/cnn';
import { RNNClassifier } from '../examples/rnn';
import { ChildResult, CpuMonitor, f1, f2, now, quantile, round, runJsonChild, table } from './bench';

type RecipeName = 'mlp' | 'cnn' | 'lstm' | 'tiny_lstm';
const RECIPES: RecipeName[] = ['mlp', 'cnn', 'lstm', 'tiny_lstm'];

/** Timed batches per sample (tiny_lstm: steps per repetition), and the untimed warm-up. */
const BATCHES: Record<RecipeName, { full: number; quick: number; warmup: number }> = {
  mlp: { full: 200, quick: 50, warmup: 10 },
  cnn: { full: 60, quick: 10, warmup: 10 },
  lstm: { full: 60, quick: 10, warmup: 10 },
  tiny_lstm: { full: 100, quick: 100, warmup: 10 },
};

/** A figure of a recipe: one table row. tiny_lstm gives two (its SGD and Adam runs). */
interface Metric { key: string; recipe: RecipeName; unit: 'samples/s' | 'ms/100 steps'; higherIsBetter: boolean }

const METRICS: Metric[] = [
  { key: 'mlp', recipe: 'mlp', unit: 'samples/s', higherIsBetter: true },
  { key: 'cnn', recipe: 'cnn', unit: 'samples/s', higherIsBetter: true },
  { key: 'lstm', recipe: 'lstm', unit: 'samples/s', higherIsBetter: true },
  { key: 'tiny_lstm_sgd', recipe: 'tiny_lstm', unit: 'ms/100 steps', higherIsBetter: false },
  { key: 'tiny_lstm_adam', recipe: 'tiny_lstm', unit: 'ms/100 steps', higherIsBetter: false },
];

// ---- options ----

interface Opts {
  threads: number[];
  recipes: RecipeName[];
  quick: boolean;
  json: boolean;
  out: string | null;
  samples: number;
  batches: number | null;
  data: string;
  python: string | null;
  ref: string;
}

const USAGE = `Usage: npm run bench:train -- [options]
  --threads 1,2        thread counts to measure (default 1,2)
  --recipes a,b        recipes to run (default mlp,cnn,lstm,tiny_lstm)
  --quick              3 samples of fewer batches (a smoke run)
  --json               print one JSON object instead of the tables
  --out FILE           also write that JSON object to FILE
  --samples N          processes per side, recipe and thread count (default 7; --quick 3)
  --batches N          timed batches per sample for every recipe (tiny_lstm: steps per repetition);
                       default mlp 200, cnn 60, lstm 60, tiny_lstm 100 (--quick: 50, 10, 10, 100)
  --data DIR           the MNIST IDX .gz files (default: $FLINT_DATA/mnist, ./data/mnist or ../shared/data/mnist)
  --python PATH        the Python with torch (default /usr/bin/python3; --python none skips PyTorch)
  --ref FILE           the PyTorch reference program (default ../shared/bench/pytorch_reference.py)`;

const ROOT = path.resolve(__dirname, fs.existsSync(path.join(__dirname, '..', 'package.json')) ? '..' : '../..');

function defaultData(): string {
  const c = [process.env.FLINT_DATA ? path.join(process.env.FLINT_DATA, 'mnist') : '', path.join(ROOT, 'data', 'mnist'),
    path.resolve(ROOT, '..', 'shared', 'data', 'mnist')];
  return c.find((d) => d && fs.existsSync(path.join(d, 'train-images-idx3-ubyte.gz'))) ?? path.join(ROOT, 'data', 'mnist');
}

function usage(msg: string): never {
  process.stderr.write(`bench:train: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseOpts(argv: string[]): Opts {
  const { values } = parseArgs({
    args: argv,
    options: {
      threads: { type: 'string', default: '1,2' },
      recipes: { type: 'string', default: RECIPES.join(',') },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      samples: { type: 'string' },
      batches: { type: 'string' },
      data: { type: 'string' },
      python: { type: 'string', default: '/usr/bin/python3' },
      ref: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) usage(`--${name} expects an integer >= 1 but got '${v}'`);
    return n;
  };
  const recipes = String(values.recipes).split(',').map((s) => s.trim()) as RecipeName[];
  for (const r of recipes) if (!RECIPES.includes(r)) usage(`--recipes: unknown recipe '${r}' (known: ${RECIPES.join(', ')})`);
  const quick = values.quick === true;
  return {
    threads: String(values.threads).split(',').map((s) => int('threads', s.trim())),
    recipes,
    quick,
    json: values.json === true,
    out: values.out ?? null,
    samples: values.samples === undefined ? (quick ? 3 : 7) : int('samples', values.samples),
    batches: values.batches === undefined ? null : int('batches', values.batches),
    data: values.data ?? defaultData(),
    python: values.python === 'none' ? null : String(values.python),
    ref: values.ref ?? path.resolve(ROOT, '..', 'shared', 'bench', 'pytorch_reference.py'),
  };
}

// ---- the flint side: one recipe in this process (--child) ----

const B = 64;

function mnistLoader(data: string): DataLoader<any> {
  const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  return new DataLoader(new datasets.MNIST({ root: data, train: true, transform: tf }), { batchSize: B, shuffle: true });
}

/** warmup + n steps of a classifier on MNIST batches; the step times (s) of the last n. */
function classifierSteps(recipe: 'mlp' | 'cnn' | 'lstm', data: string, n: number, warmup: number): { times: number[]; loss: number } {
  const model = recipe === 'mlp' ? new MLP() : recipe === 'cnn' ? new SimpleCNN() : new RNNClassifier('lstm');
  const opt = recipe === 'mlp' ? new flint.optim.SGD(model.parameters(), { lr: 0.01 }) : new flint.optim.Adam(model.parameters(), { lr: 1e-3 });
  const lossFn = new flint.nn.CrossEntropyLoss();
  const loader = mnistLoader(data);
  const times: number[] = [];
  let loss: Tensor | null = null;
  for (let i = 0; times.length < n;) {
    for (const [x, y] of loader) {
      const ts = now();
      opt.zeroGrad();
      loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      opt.step();
      if (i++ >= warmup) times.push(now() - ts);
      if (times.length >= n) break;
    }
  }
  return { times, loss: loss ? loss.item() : NaN };
}

/** pytorch_reference.py's tiny_lstm: per optimizer, 10 warm-up steps, then 5 x `steps` steps. */
function tinyLstm(optName: 'sgd' | 'adam', steps: number, warmup: number): { totals: number[]; loss: number } {
  const { nn, optim } = flint;
  flint.manualSeed(0);
  const lstm = new nn.LSTM(10, 20, { batchFirst: true });
  const fc = new nn.Linear(20, 1);
  const params = [...lstm.parameters(), ...fc.parameters()];
  const opt = optName === 'sgd' ? new optim.SGD(params, { lr: 0.01 }) : new optim.Adam(params, { lr: 1e-3 });
  const x = flint.randn([1, 5, 10]);
  const y = flint.randn([1, 5, 1]);
  const lossFn = new nn.MSELoss();
  let loss: Tensor | null = null;
  const step = () => {
    opt.zeroGrad();
    const [o] = lstm.forward(x);
    loss = lossFn.forward(fc.forward(o), y);
    loss.backward();
    opt.step();
  };
  for (let i = 0; i < warmup; i++) step();
  const totals: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const t0 = now();
    for (let i = 0; i < steps; i++) step();
    totals.push(now() - t0);
  }
  return { totals, loss: loss ? (loss as Tensor).item() : NaN };
}

const median = (v: number[]): number => quantile(v.slice().sort((a, b) => a - b), 0.5);

function child(recipe: RecipeName, threads: number, batches: number, warmup: number, data: string): ChildResult {
  flint.setNumThreads(threads);
  flint.manualSeed(0);
  const mon = new CpuMonitor().start();
  const r: ChildResult = { ok: true, recipe, threads: flint.getNumThreads(), batches, warmup, figures: {} };
  const figures = r.figures as Record<string, number>;
  if (recipe === 'tiny_lstm') {
    for (const o of ['sgd', 'adam'] as const) {
      const { totals, loss } = tinyLstm(o, batches, warmup);
      figures[`tiny_lstm_${o}`] = round((median(totals) * 1e3 * 100) / batches, 3);
      r[`reps_ms_${o}`] = totals.map((t) => round(t * 1e3, 2)); // the first ones carry V8's JIT warm-up
      r[`final_loss_${o}`] = loss;
    }
  } else {
    const { times, loss } = classifierSteps(recipe, data, batches, warmup);
    r.step_ms_median = round(median(times) * 1e3, 4);
    figures[recipe] = round(B / median(times), 1);
    r.final_loss = loss;
  }
  r.peak_rss_mb = round(process.resourceUsage().maxRSS / 1024, 1);
  r.other_cpus = round(mon(), 2);
  return r;
}

// ---- the PyTorch side: one pytorch_reference.py process ----

function torchRun(o: Opts, recipe: RecipeName, torchThreads: number, blasThreads: number, batches: number): ChildResult {
  const out = path.join(os.tmpdir(), `flint-bench-train-${process.pid}-${recipe}.json`);
  const args = [o.ref, '--task', recipe, '--threads', String(torchThreads), '--blas_threads', String(blasThreads), '--out', out, '--data', o.data];
  // the reference's own warm-up is 10 steps (mlp: none; it always runs whole epochs)
  if (recipe === 'mlp') args.push('--epochs', '1');
  if (recipe === 'cnn') args.push('--cnn_batches', String(batches + 10));
  if (recipe === 'lstm') args.push('--steps', String(batches));
  const r = runJsonChild(o.python as string, args, { OMP_NUM_THREADS: String(torchThreads), OPENBLAS_NUM_THREADS: String(blasThreads) });
  fs.rmSync(out, { force: true });
  if (r.ok === false) return r; // (its last line, the result, has no ok field)
  const figures: Record<string, number> = {};
  if (recipe === 'tiny_lstm') {
    for (const k of ['sgd', 'adam']) figures[`tiny_lstm_${k}`] = (r[k] as { total_100_steps_ms_median_of5: number }).total_100_steps_ms_median_of5;
  } else {
    figures[recipe] = round(B / ((r.step as { median_ms: number }).median_ms / 1e3), 1);
  }
  const other = (r.interference as { other_cpus?: number } | undefined)?.other_cpus;
  const reps: Record<string, number[]> = {};
  if (recipe === 'tiny_lstm') for (const k of ['sgd', 'adam']) reps[`reps_ms_${k}`] = (r[k] as { total_100_steps_ms_all: number[] }).total_100_steps_ms_all;
  return { ok: true, figures, peak_rss_mb: r.peak_rss_mb, step_ms_median: (r.step as { median_ms?: number } | undefined)?.median_ms,
    torch_threads: torchThreads, blas_threads: blasThreads, other_cpus: other, final_loss: r.final_loss, ...reps };
}

// ---- the run ----

interface Row {
  metric: string;
  unit: string;
  threads: number;
  flint: number;
  flint_samples: number[];
  flint_peak_rss_mb: number;
  torch?: number;
  torch_samples?: number[];
  torch_peak_rss_mb?: number;
  torch_blas_threads?: string;
  ratio?: number;
  rss_ratio?: number;
  other_cpus: number;
  /** every process's own report (step times, losses, tiny_lstm's repetitions), flint's then torch's */
  runs: { flint: ChildResult[]; torch: ChildResult[] };
}

function benchTrain(o: Opts, log: (s: string) => void): { rows: Row[]; notes: string[] } {
  const rows: Row[] = [];
  const notes: string[] = [];
  let python = o.python;
  if (python && !fs.existsSync(python)) {
    notes.push(`no PyTorch figures: ${python} not found`);
    python = null;
  } else if (python && !fs.existsSync(o.ref)) {
    notes.push(`no PyTorch figures: ${o.ref} not found (--ref FILE)`);
    python = null;
  }
  const sideName = (t: number) => `${t} thread${t > 1 ? 's' : ''}`;
  for (const t of o.threads) {
    for (const recipe of o.recipes) {
      const batches = o.batches ?? (o.quick ? BATCHES[recipe].quick : BATCHES[recipe].full);
      const fl: ChildResult[] = [];
      const tr: ChildResult[] = [];
      let torchCfg: [number, number] | null = null;
      const runFlint = () => {
        const r = runJsonChild(process.execPath, [...process.execArgv, __filename, '--child', recipe, String(t), String(batches),
          String(BATCHES[recipe].warmup), o.data], { FLINT_NUM_THREADS: String(t) });
        if (!r.ok) throw new Error(`bench:train: the flint ${recipe} run failed: ${r.error}`);
        fl.push(r);
      };
      const runTorch = () => {
        if (!python) return;
        const cfgs: [number, number][] = torchCfg ? [torchCfg] : t > 1 ? [[t, t], [1, t], [t, 1]] : [[t, t]];
        const tried = cfgs.map(([tt, bt]) => torchRun({ ...o, python }, recipe, tt, bt, batches));
        const ok = tried.filter((r) => r.ok);
        for (const r of tried) if (!r.ok) notes.push(`PyTorch ${recipe} at ${sideName(t)} failed: ${r.error}`);
        if (!ok.length) return;
        const m = METRICS.find((x) => x.recipe === recipe) as Metric;
        const score = (r: ChildResult) => (r.figures as Record<string, number>)[m.key] * (m.higherIsBetter ? 1 : -1);
        const best = ok.reduce((a, b) => (score(b) > score(a) ? b : a));
        torchCfg ??= [best.torch_threads as number, best.blas_threads as number];
        tr.push(best);
      };
      for (let s = 0; s < o.samples; s++) {
        log(`${recipe}, ${sideName(t)}: sample ${s + 1}/${o.samples} (${batches} batches)...`);
        if (s % 2 === 0) {
          runFlint();
          runTorch();
        } else {
          runTorch();
          runFlint();
        }
      }
      for (const m of METRICS.filter((x) => x.recipe === recipe)) {
        const fv = fl.map((r) => (r.figures as Record<string, number>)[m.key]);
        const row: Row = { metric: m.key, unit: m.unit, threads: t, flint: round(median(fv), 2), flint_samples: fv,
          flint_peak_rss_mb: round(median(fl.map((r) => r.peak_rss_mb as number)), 1),
          other_cpus: round(Math.max(...fl.map((r) => r.other_cpus as number), ...tr.map((r) => (r.other_cpus as number) ?? 0)), 2),
          runs: { flint: fl, torch: tr } };
        if (tr.length) {
          const tv = tr.map((r) => (r.figures as Record<string, number>)[m.key]);
          row.torch = round(median(tv), 2);
          row.torch_samples = tv;
          row.torch_peak_rss_mb = round(median(tr.map((r) => r.peak_rss_mb as number)), 1);
          row.torch_blas_threads = torchCfg ? `${torchCfg[0]}/${torchCfg[1]}` : undefined;
          row.ratio = round(m.higherIsBetter ? row.flint / row.torch : row.torch / row.flint, 2);
          row.rss_ratio = round(row.flint_peak_rss_mb / row.torch_peak_rss_mb, 2);
        }
        rows.push(row);
      }
    }
  }
  return { rows, notes };
}

function printRows(rows: Row[], o: Opts): string {
  const head = ['recipe', 'threads', 'unit', 'flint', 'torch', 'flint/torch', 'flint RSS MB', 'torch RSS MB', 'RSS ratio', 'torch/BLAS thr', 'other'];
  const body = rows.map((r) => [r.metric, r.threads, r.unit, f1(r.flint), f1(r.torch), f2(r.ratio), f1(r.flint_peak_rss_mb), f1(r.torch_peak_rss_mb),
    f2(r.rss_ratio), r.torch_blas_threads ?? '-', f2(r.other_cpus)]);
  return [`Seed recipes, training on MNIST (batch 64), medians of ${o.samples} processes per side`,
    table(head, body, head.map((_, j) => j !== 0 && j !== 2)),
    'flint/torch: speed ratio (above 1 = flint faster; samples/s from the median step, tiny_lstm from ms per 100 steps).',
    'RSS: peak resident set of the training process. torch/BLAS thr: torch.set_num_threads / OpenBLAS threads used.',
    'other: CPUs used by other processes during the samples (above about 0.2 the row is noisy).', ''].join('\n');
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const r = child(argv[1] as RecipeName, Number(argv[2]), Number(argv[3]), Number(argv[4]), argv[5]);
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const o = parseOpts(argv);
  const log = (s: string) => process.stderr.write(s + '\n');
  const cpus = os.cpus();
  const meta = { date: new Date().toISOString(), cpu: cpus[0]?.model ?? 'unknown', logical_cpus: cpus.length, node: process.version,
    gemm_kernel: flint.buildInfo().gemmKernel, quick: o.quick, samples: o.samples, loadavg_start: os.loadavg().map((x) => round(x, 2)) };
  const t0 = now();
  const { rows, notes } = benchTrain(o, log);
  const result = { meta: { ...meta, loadavg_end: os.loadavg().map((x) => round(x, 2)), wall_s: round(now() - t0, 1) }, rows, notes };
  if (o.out) fs.writeFileSync(o.out, JSON.stringify(result, null, 1) + '\n');
  if (o.json) process.stdout.write(JSON.stringify(result, null, 1) + '\n');
  else {
    process.stdout.write(printRows(rows, o));
    for (const n of notes) process.stdout.write(`note: ${n}\n`);
    process.stdout.write(`${result.meta.wall_s} s in all\n`);
  }
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
