#!/usr/bin/env node
// npm run bench [-- --threads 1,2] [--only gemm|mlp] [--quick] [--json] [--out FILE] [--python PATH] [--ref-dir DIR]
//                  [--fma-peak FILE.c|none]
//
// (a) GEMM GFLOP/s (2*M*N*K / seconds, median of the timed samples after warm-up) on the shapes
//     of the benchmark sheet, each in its layouts, on each thread count, side by side with
//     numpy (OpenBLAS) and torch.mm measured in the same run by scripts/bench_ref.py. The
//     Python helper stays up for the whole run and flint's samples alternate with its samples
//     shape by shape and pass by pass, so a neighbour's burst of CPU hits both sides alike.
// (b) The seed MLP (784-512-256-10, ReLU, CrossEntropyLoss, SGD lr 0.01, batch 64) on synthetic
//     data (random inputs and labels: no dataset needed): samples/s and peak RSS, each in a fresh
//     child process (so the RSS is the training's own), and PyTorch's figure for the same recipe.
//
// flint's GEMM figure is native.gemm('blis', a, b, out): the production GEMM (gemm_f32, including
// its small-product paths) plus the N-API call, writing into a preallocated output as numpy
// and torch do (out=). The "+alloc" column is native.gemm('blis', a, b), a new output tensor
// per call (handle, allocator, finalizer: about 1 us on this kind of machine), as matmul pays.
// (c) The FMA ceiling: fma_peak.c (the shared benchmark folder's) compiled and run in the same
//     run, per thread count, before and after that count's GEMM rows; flint's n >= 512 square
//     products are printed as a percentage of the higher of the two medians. With the AVX-512
//     kernel in use, a 512-bit twin of fma_peak.c is built and run too, and the percentages
//     against it are the ones that measure the kernel (against the 256-bit figure they exceed 100).
// The "other" column is the CPU that other processes used while the row was measured (in
// cores, from /proc/stat): on a shared machine a row with other > 0.2 is not to be trusted.
import { spawn, spawnSync, ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { parseArgs } from 'util';
import * as flint from '../lib';
import { native } from '../lib/native';
import type { Tensor } from '../lib/tensor';
import type { NativeTensor } from '../binding';

// ---- the shapes (the benchmark sheet: float32, row-major) ----

type Layout = 'nn' | 'nt' | 'tn';
interface GemmCase { name: string; M: number; K: number; N: number; layout: Layout }

/**
 * nn = A(MxK) @ B(KxN) both contiguous; nt = A @ W^T with W (N x K) contiguous (Linear
 * forward); tn = X^T @ B with X (K x M) contiguous (weight gradients).
 */
export function gemmCases(): GemmCase[] {
  const c: GemmCase[] = [];
  const add = (name: string, M: number, K: number, N: number, layouts: Layout[]) => {
    for (const layout of layouts) c.push({ name, M, K, N, layout });
  };
  for (const n of [32, 64, 128, 256, 512, 1024, 2048]) add(`sq${n}`, n, n, n, ['nn']);
  add('fc1_fwd', 64, 784, 512, ['nn', 'nt']);
  add('fc2_fwd', 64, 512, 256, ['nn', 'nt']);
  add('fc3_fwd', 64, 256, 10, ['nn', 'nt']);
  add('fc1_bwd_w', 784, 64, 512, ['nn', 'tn']);
  add('fc1_bwd_x', 64, 512, 784, ['nn']);
  add('conv2_im2col', 64 * 11 * 11, 32 * 9, 64, ['nn']); // the seed CNN's second convolution
  add('lstm_gates', 64, 128, 512, ['nt']); // one LSTM(., 128) step, hidden part
  add('gemv_row', 1, 784, 512, ['nt']); // batch-1 inference
  return c;
}

// ---- options ----

interface Opts {
  threads: number[];
  only: 'gemm' | 'mlp' | null;
  quick: boolean;
  json: boolean;
  out: string | null;
  python: string | null;
  refDir: string | null;
  fmaPeak: string | null;
  passes: number;
  samples: number;
  minSampleS: number;
  settleMs: number;
  steps: number;
  warmup: number;
  cases: string[] | null;
}

const USAGE = `Usage: npm run bench -- [options]
  --threads 1,2        thread counts to measure (default 1,2)
  --only gemm|mlp      run one part
  --quick              fewer samples and steps (a smoke run, about a minute)
  --json               print one JSON object instead of the tables
  --out FILE           also write that JSON object to FILE
  --python PATH        the Python with numpy/torch for the reference figures (default /usr/bin/python3;
                       --python none skips them)
  --ref-dir DIR        also run DIR/gemm_bench.py (the shared reference script) and show its numpy figure
  --fma-peak FILE.c    the FMA-peak program to compile and run with the GEMM part (default: fma_peak.c in
                       --ref-dir, else ../shared/bench/fma_peak.c beside the repository; none skips it)
  --passes N --samples N --min-sample-s S    GEMM sampling (default 3 x 5, each sample >= 0.03 s)
  --steps N --warmup N MLP steps timed / untimed (default 300 / 20)
  --cases a,b          only the named GEMM shapes (e.g. sq512,fc1_fwd)`;

function parseOpts(argv: string[]): Opts {
  const { values } = parseArgs({
    args: argv,
    options: {
      threads: { type: 'string', default: '1,2' },
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      python: { type: 'string', default: '/usr/bin/python3' },
      'ref-dir': { type: 'string' },
      'fma-peak': { type: 'string' },
      passes: { type: 'string' },
      samples: { type: 'string' },
      'min-sample-s': { type: 'string' },
      'settle-ms': { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      cases: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, dflt: number, min = 1): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) usage(`--${name} expects an integer >= ${min} but got '${v}'`);
    return n;
  };
  const threads = String(values.threads).split(',').map((s) => int('threads', s.trim(), 1));
  if (values.only !== undefined && values.only !== 'gemm' && values.only !== 'mlp') usage(`--only expects gemm or mlp but got '${values.only}'`);
  const quick = values.quick === true;
  const minS = values['min-sample-s'] === undefined ? (quick ? 0.01 : 0.03) : Number(values['min-sample-s']);
  if (!(minS > 0)) usage(`--min-sample-s expects a positive number but got '${values['min-sample-s']}'`);
  const names = new Set(gemmCases().map((c) => c.name));
  const cases = values.cases ? values.cases.split(',').map((s) => s.trim()) : null;
  for (const c of cases ?? []) if (!names.has(c)) usage(`--cases: unknown shape '${c}' (known: ${[...names].join(', ')})`);
  return {
    threads,
    only: (values.only as 'gemm' | 'mlp' | undefined) ?? null,
    quick,
    json: values.json === true,
    out: values.out ?? null,
    python: values.python === 'none' ? null : String(values.python),
    refDir: values['ref-dir'] ?? null,
    fmaPeak: fmaPeakSource(values['fma-peak'], values['ref-dir']),
    passes: int('passes', values.passes, quick ? 1 : 3),
    samples: int('samples', values.samples, 5),
    minSampleS: minS,
    settleMs: int('settle-ms', values['settle-ms'], 100, 0),
    steps: int('steps', values.steps, quick ? 60 : 300),
    warmup: int('warmup', values.warmup, quick ? 10 : 20, 0),
    cases,
  };
}

/** The fma_peak.c to use: the option, else the reference folder's, else the shared folder beside the repo. */
function fmaPeakSource(opt: string | undefined, refDir: string | undefined): string | null {
  if (opt === 'none') return null;
  if (opt !== undefined) return opt;
  const repo = path.resolve(__dirname, fs.existsSync(path.join(__dirname, '..', 'package.json')) ? '..' : '../..');
  for (const dir of [refDir, path.join(repo, '..', 'shared', 'bench')]) {
    if (dir && fs.existsSync(path.join(dir, 'fma_peak.c'))) return path.join(dir, 'fma_peak.c');
  }
  return null;
}

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

// ---- measuring ----

export const now = (): number => Number(process.hrtime.bigint()) / 1e9;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Stats { gflops_median: number; gflops_p25: number; gflops_p75: number; gflops_best: number; us_per_call_median: number; n_samples: number; calls_per_sample: number }

export function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Per-call seconds -> GFLOP/s statistics (p25 of GFLOP/s is the 75th percentile of time). */
function stats(flop: number, secs: number[], calls: number): Stats {
  const s = secs.slice().sort((a, b) => a - b);
  const g = (t: number) => round(flop / t / 1e9, 2);
  return {
    gflops_median: g(quantile(s, 0.5)),
    gflops_p25: g(quantile(s, 0.75)),
    gflops_p75: g(quantile(s, 0.25)),
    gflops_best: g(s[0]),
    us_per_call_median: round(quantile(s, 0.5) * 1e6, 2),
    n_samples: s.length,
    calls_per_sample: calls,
  };
}

export function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Repetitions per sample so one sample lasts >= minS (after two warm-up calls), as gemm_bench.py. */
function calibrate(fn: () => void, minS: number): number {
  fn();
  fn();
  let k = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < k; i++) fn();
    const dt = now() - t0;
    if (dt >= minS || k >= 1 << 20) return k;
    k = Math.max(k * 2, Math.floor((k * minS) / Math.max(dt, 1e-9) * 1.2));
  }
}

function timeSample(fn: () => void, k: number): number {
  const t0 = now();
  for (let i = 0; i < k; i++) fn();
  return (now() - t0) / k;
}

/** CPU time used by everyone (from /proc/stat) and by given processes, to see interference. */
export class CpuMonitor {
  private hz = 100; // USER_HZ is 100 on every Linux the addon builds for
  private ok = fs.existsSync('/proc/stat');
  private busy(): number {
    const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return (v.reduce((a, b) => a + b, 0) - v[3] - v[4]) / this.hz;
  }
  private procCpu(pid: number): number {
    try {
      const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / this.hz; // utime, stime
    } catch {
      return 0;
    }
  }
  /** Starts a window; the returned function gives the other processes' CPU (in cores) over it. */
  start(pids: number[] = [process.pid]): () => number {
    if (!this.ok) return () => NaN;
    const t0 = now(), b0 = this.busy(), o0 = pids.reduce((a, p) => a + this.procCpu(p), 0);
    return () => {
      const w = now() - t0, b = this.busy() - b0, o = pids.reduce((a, p) => a + this.procCpu(p), 0) - o0;
      return w > 0 ? Math.max(0, (b - o) / w) : NaN;
    };
  }
}

// ---- the Python reference helper (numpy / torch), a long-lived line-protocol child ----

function refScript(): string | null {
  for (const p of [path.join(__dirname, 'bench_ref.py'), path.resolve(__dirname, '..', '..', 'scripts', 'bench_ref.py')]) {
    if (fs.existsSync(p)) return p;
  }
  return null;
}

class RefGemm {
  private lines: string[] = [];
  private waiting: ((l: string | null) => void)[] = [];
  private closed = false;
  stderr = '';
  info: Record<string, unknown> = {};
  libs: string[] = [];
  calls: Record<string, number>[] = [];

  private constructor(private child: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: child.stdout }).on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    child.stderr.on('data', (d) => (this.stderr += String(d)));
    child.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
    child.on('error', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private async request(obj: object): Promise<Record<string, unknown>> {
    if (this.closed) throw new Error(`the reference helper exited: ${this.stderr.trim().split('\n').pop() ?? ''}`);
    this.child.stdin.write(JSON.stringify(obj) + '\n');
    const l = this.lines.shift() ?? (await new Promise<string | null>((r) => this.waiting.push(r)));
    if (l === null) throw new Error(`the reference helper exited: ${this.stderr.trim().split('\n').pop() ?? ''}`);
    return JSON.parse(l);
  }

  /** Starts the helper for one thread count and builds every case; null (with a reason) when unavailable. */
  static async start(python: string, threads: number, cases: GemmCase[], minS: number): Promise<RefGemm | string> {
    const script = refScript();
    if (!script) return 'scripts/bench_ref.py not found';
    if (!fs.existsSync(python)) return `${python} not found`;
    const child = spawn(python, [script, 'gemm', '--threads', String(threads)], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const ref = new RefGemm(child);
    try {
      const r = await ref.request({ cmd: 'setup', cases: cases.map(({ M, K, N, layout }) => ({ M, K, N, layout })), min_sample_s: minS });
      if (!r.ok) {
        child.kill();
        return String(r.error);
      }
      ref.info = r;
      ref.libs = r.libs as string[];
      ref.calls = r.calls_per_sample as Record<string, number>[];
      return ref;
    } catch (e) {
      child.kill();
      return (e as Error).message;
    }
  }

  async sample(i: number, n: number): Promise<Record<string, number[]>> {
    return (await this.request({ cmd: 'sample', case: i, samples: n })) as Record<string, number[]>;
  }

  quit(): void {
    if (!this.closed) this.child.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
  }
}

// ---- (c) the FMA ceiling ----

/** width: 256 = fma_peak.c as given (AVX2 FMAs); 512 = its AVX-512 twin (see buildFmaPeak). */
interface FmaPeak { threads: number; width: 256 | 512; gflops_median: number; ghz: number; runs: number[] }

/**
 * Compiles fma_peak.c once (cc -O3 -mavx2 -mfma -fopenmp); the binary, or a reason. width 512:
 * the same program with its 8-wide vectors made 16-wide (__m256 -> __m512, _mm256_ -> _mm512_,
 * 8 -> 16 floats per FMA in the FLOP count), built with -mavx512f: the ceiling of the AVX-512
 * GEMM kernel, which a core with 512-bit FMA units (Zen 5) runs at twice the AVX2 rate.
 */
function buildFmaPeak(src: string, width: 256 | 512 = 256): string | { error: string } {
  if (!fs.existsSync(src)) return { error: `${src} not found` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-fma-'));
  const exe = path.join(dir, `fma_peak${width}`);
  let file = src;
  const flags = ['-O3', '-mavx2', '-mfma', '-fopenmp'];
  if (width === 512) {
    const text = fs.readFileSync(src, 'utf8');
    const wide = text.replace(/__m256/g, '__m512').replace(/_mm256_/g, '_mm512_').replace(/\*12\*8\*2/g, '*12*16*2')
      .replace(/float o\[8\]/g, 'float o[16]');
    if (!/\*12\*16\*2/.test(wide) || /_mm256_|__m256/.test(wide)) {
      return { error: `${path.basename(src)} does not have the shape the 512-bit variant is derived from` };
    }
    file = path.join(dir, 'fma_peak512.c');
    fs.writeFileSync(file, wide);
    flags.push('-mavx512f');
  }
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, [...flags, '-o', exe, file], { encoding: 'utf8' });
  if (r.status !== 0) return { error: `${cc} could not build ${path.basename(file)}: ${(r.stderr || String(r.error)).trim().split('\n')[0]}` };
  return exe;
}

/** One run of the FMA-peak program at t threads (reps samples, median). */
function runFmaPeak(exe: string, width: 256 | 512, t: number, reps: number): FmaPeak | string {
  const r = spawnSync(exe, [String(t), String(reps)], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) return `fma_peak (${width}-bit) exited with ${r.status ?? r.signal}`;
  try {
    const j = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    return { threads: t, width, gflops_median: j.gflops_median, ghz: j.ghz_from_add_chain_median, runs: j.gflops_all };
  } catch {
    return 'fma_peak printed no JSON';
  }
}

// ---- (a) GEMM ----

interface GemmRow extends GemmCase {
  threads: number;
  flop: number;
  flint: Stats;
  flint_alloc: Stats;
  ratio_alloc_numpy?: number;
  /** % of the FMA peak of the kernel's vector width (512-bit with the AVX-512 kernel) */
  pct_fma_peak?: number;
  /** % of fma_peak.c as given (256-bit) */
  pct_fma_peak_256?: number;
  numpy?: Stats;
  torch?: Stats;
  numpy_ref_script?: number;
  ratio_numpy?: number;
  ratio_torch?: number;
  other_cpus_flint: number;
  other_cpus_ref?: number;
}

function flintOperands(c: GemmCase): [Tensor, Tensor] {
  const { M, K, N, layout } = c;
  if (layout === 'nn') return [flint.randn([M, K]), flint.randn([K, N])];
  if (layout === 'nt') return [flint.randn([M, K]), flint.randn([N, K]).t()];
  return [flint.randn([K, M]).t(), flint.randn([K, N])];
}

function checkFlint(a: NativeTensor, b: NativeTensor, c: GemmCase): void {
  // A sanity check before timing, as the reference script does: blis against the naive twin.
  if (c.M * c.N * c.K > 64 * 784 * 512) return;
  const n = c.M * c.N;
  const x = native.gemm('blis', a, b), y = native.gemm('naive', a, b);
  const gx = x.read(new Float32Array(n)), gy = y.read(new Float32Array(n));
  x.dispose();
  y.dispose();
  for (let i = 0; i < n; i++) {
    if (!(Math.abs(gx[i] - gy[i]) <= 1e-3 * (1 + Math.abs(gy[i])))) throw new Error(`bench: gemm ${c.name} ${c.layout} disagrees with the naive oracle`);
  }
}

async function benchGemm(o: Opts, log: (s: string) => void): Promise<{ rows: GemmRow[]; refInfo: Record<string, unknown>[]; notes: string[]; peaks: FmaPeak[] }> {
  const cases = gemmCases().filter((c) => !o.cases || o.cases.includes(c.name));
  const rows: GemmRow[] = [];
  const refInfo: Record<string, unknown>[] = [];
  const notes: string[] = [];
  const mon = new CpuMonitor();
  const peaks: FmaPeak[] = [];
  // fma_peak.c measures 256-bit FMAs; with the AVX-512 kernel in use its 512-bit twin is
  // measured too, and that is the ceiling the kernel's percentages refer to.
  const widths: (256 | 512)[] = flint.buildInfo().gemmKernel.startsWith('avx512') ? [256, 512] : [256];
  const fmaExe = new Map<256 | 512, string>();
  if (o.fmaPeak) {
    for (const w of widths) {
      const b = buildFmaPeak(o.fmaPeak, w);
      if (typeof b === 'string') fmaExe.set(w, b);
      else notes.push(`no ${w}-bit FMA peak: ${b.error}`);
    }
  }
  const fmaReps = o.quick ? 3 : 5;
  const peakRun = (t: number): FmaPeak[] => {
    const got: FmaPeak[] = [];
    for (const [w, exe] of fmaExe) {
      log(`gemm: FMA peak (${w}-bit), ${t} thread${t > 1 ? 's' : ''}...`);
      const r = runFmaPeak(exe, w, t, fmaReps);
      if (typeof r === 'string') notes.push(`FMA peak at ${t} threads: ${r}`);
      else got.push(r);
    }
    return got;
  };
  flint.manualSeed(0);
  const ops = cases.map(flintOperands);
  const outs = cases.map((c) => flint.empty([c.M, c.N]));
  for (const t of o.threads) {
    flint.setNumThreads(t);
    const peakBefore = peakRun(t);
    let ref: RefGemm | null = null;
    if (o.python) {
      log(`gemm: starting the numpy/torch reference (${t} thread${t > 1 ? 's' : ''})...`);
      const r = await RefGemm.start(o.python, t, cases, o.minSampleS);
      if (typeof r === 'string') notes.push(`no numpy/torch figures at ${t} thread${t > 1 ? 's' : ''}: ${r}`);
      else {
        ref = r;
        refInfo.push({ threads: t, ...r.info, calls_per_sample: undefined });
      }
    }
    const fns = ops.map(([a, b], i) => () => native.gemm('blis', a._h, b._h, outs[i]._h));
    const allocFns = ops.map(([a, b]) => () => native.gemm('blis', a._h, b._h).dispose());
    cases.forEach((c, i) => checkFlint(ops[i][0]._h, ops[i][1]._h, c));
    const ks = fns.map((fn) => calibrate(fn, o.minSampleS));
    const kas = allocFns.map((fn) => calibrate(fn, o.minSampleS));
    const fl: number[][] = cases.map(() => []);
    const fa: number[][] = cases.map(() => []);
    const refS: Record<string, number[]>[] = cases.map(() => ({}));
    const othF: number[][] = cases.map(() => []);
    const othR: number[][] = cases.map(() => []);
    for (let p = 0; p < o.passes; p++) {
      for (let i = 0; i < cases.length; i++) {
        if (ref) {
          const done = mon.start([process.pid, ref.pid]);
          const r = await ref.sample(i, o.samples);
          othR[i].push(done());
          for (const [lib, s] of Object.entries(r)) (refS[i][lib] ??= []).push(...s);
          await sleep(o.settleMs); // let OpenBLAS's idle threads stop spinning before flint runs
        }
        const done = mon.start();
        for (let s = 0; s < o.samples; s++) {
          fl[i].push(timeSample(fns[i], ks[i]));
          fa[i].push(timeSample(allocFns[i], kas[i]));
        }
        othF[i].push(done());
      }
      log(`gemm: ${t} thread${t > 1 ? 's' : ''}, pass ${p + 1}/${o.passes} done`);
    }
    ref?.quit();
    const peakAfter = peakRun(t);
    const bestOf = (w: number): FmaPeak | undefined => [...peakBefore, ...peakAfter].filter((x) => x.width === w)
      .sort((x, y) => y.gflops_median - x.gflops_median)[0];
    const peak256 = bestOf(256);
    const peakBest = bestOf(Math.max(...widths)) ?? peak256;
    peaks.push(...peakBefore, ...peakAfter);
    const mean = (v: number[]) => round(v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1), 2);
    cases.forEach((c, i) => {
      const flop = 2 * c.M * c.N * c.K;
      const row: GemmRow = { ...c, threads: t, flop, flint: stats(flop, fl[i], ks[i]), flint_alloc: stats(flop, fa[i], kas[i]),
        other_cpus_flint: mean(othF[i]) };
      if (peakBest) row.pct_fma_peak = round((100 * row.flint.gflops_median) / peakBest.gflops_median, 1);
      if (peak256) row.pct_fma_peak_256 = round((100 * row.flint.gflops_median) / peak256.gflops_median, 1);
      if (ref) {
        for (const lib of ref.libs) (row as unknown as Record<string, Stats>)[lib] = stats(flop, refS[i][lib], ref.calls[i][lib]);
        if (row.numpy) row.ratio_numpy = round(row.flint.gflops_median / row.numpy.gflops_median, 2);
        if (row.numpy) row.ratio_alloc_numpy = round(row.flint_alloc.gflops_median / row.numpy.gflops_median, 2);
        if (row.torch) row.ratio_torch = round(row.flint.gflops_median / row.torch.gflops_median, 2);
        row.other_cpus_ref = mean(othR[i]);
      }
      rows.push(row);
    });
    if (o.refDir) {
      const r = runSharedGemmBench(o, t, log);
      if (typeof r === 'string') notes.push(`--ref-dir: ${r}`);
      else {
        for (const row of rows.filter((x) => x.threads === t)) {
          const m = r.find((x) => x.case === row.name && x.layout === row.layout);
          if (m) row.numpy_ref_script = m.numpy.gflops_median;
        }
      }
    }
  }
  for (const [a, b] of ops) {
    a.dispose();
    b.dispose();
  }
  for (const x of outs) x.dispose();
  return { rows, refInfo, notes, peaks };
}

/** DIR/gemm_bench.py (the shared reference script) at one thread count, as a cross-check of bench_ref.py. */
function runSharedGemmBench(o: Opts, t: number, log: (s: string) => void): { case: string; layout: string; numpy: { gflops_median: number } }[] | string {
  const script = path.join(o.refDir as string, 'gemm_bench.py');
  if (!fs.existsSync(script)) return `${script} not found`;
  if (!o.python) return 'no python';
  const out = path.join(os.tmpdir(), `flint-gemm-bench-${process.pid}-${t}.json`);
  log(`gemm: running ${script} (${t} thread${t > 1 ? 's' : ''})...`);
  const r = spawnSync(o.python, [script, '--threads', String(t), '--out', out, ...(o.quick ? ['--passes', '1'] : [])], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t) },
  });
  if (r.status !== 0) return `${script} failed: ${(r.stderr || '').trim().split('\n').pop()}`;
  try {
    return JSON.parse(fs.readFileSync(out, 'utf8')).results;
  } finally {
    fs.rmSync(out, { force: true });
  }
}

// ---- (b) MLP training ----

export interface ChildResult { ok: boolean; error?: string; samples_per_s?: number; step_ms_median?: number; peak_rss_mb?: number; [k: string]: unknown }

type LoopMode = 'sync' | 'yield';

/**
 * The training loop itself; runs in a child process (`--mlp-child`) so its peak RSS is its own.
 * mode 'sync': a plain for loop, as a PyTorch user writes it. mode 'yield': the same loop giving
 * the event loop a turn after every step (await setImmediate), as an async data pipeline does;
 * Node runs N-API finalizers (which free the native memory of collected tensors) only then.
 */
async function mlpChild(threads: number, steps: number, warmup: number, mode: LoopMode): Promise<ChildResult> {
  const rssStart = process.resourceUsage().maxRSS / 1024;
  flint.setNumThreads(threads);
  flint.manualSeed(0);
  const { nn, optim } = flint;
  const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const lossFn = new nn.CrossEntropyLoss();
  const B = 64, POOL = 16;
  const xs = Array.from({ length: POOL }, () => flint.randn([B, 784]));
  const ys = Array.from({ length: POOL }, () => flint.rand([B]).mul(10).to('int64')); // labels 0..9
  const step = (i: number): Tensor => {
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(xs[i % POOL]), ys[i % POOL]);
    loss.backward();
    opt.step();
    return loss;
  };
  const tick = () => new Promise<void>((r) => setImmediate(r));
  for (let i = 0; i < warmup; i++) {
    step(i);
    if (mode === 'yield') await tick();
  }
  const rssWarm = process.resourceUsage().maxRSS / 1024;
  const mon = new CpuMonitor().start();
  const times: number[] = [];
  let loss: Tensor | null = null;
  const t0 = now();
  for (let i = 0; i < steps; i++) {
    const ts = now();
    loss = step(i);
    if (mode === 'yield') await tick();
    times.push(now() - ts);
  }
  const total = now() - t0;
  times.sort((a, b) => a - b);
  const mem = flint.memoryStats();
  return {
    ok: true,
    mode,
    threads: flint.getNumThreads(),
    steps,
    warmup,
    samples_per_s: round((steps * B) / total, 1),
    step_ms_median: round(quantile(times, 0.5) * 1e3, 4),
    total_s: round(total, 4),
    final_loss: loss ? loss.item() : NaN,
    rss_start_mb: round(rssStart, 1),
    rss_after_warmup_mb: round(rssWarm, 1),
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    native_live_mb_end: round(mem.liveBytes / 2 ** 20, 1),
    native_cached_mb_end: round(mem.cachedBytes / 2 ** 20, 1),
    other_cpus: round(mon(), 2),
  };
}

export function runJsonChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.error) return { ok: false, error: r.error.message };
  const last = (r.stdout || '').trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(last);
    return r.status === 0 ? j : { ok: false, error: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`, ...j };
  } catch {
    return { ok: false, error: `exit ${r.status}: ${(r.stderr || last).trim().split('\n').pop()}` };
  }
}

interface MlpRow { threads: number; mode: LoopMode; flint: ChildResult; torch?: ChildResult; ratio_torch?: number }

function benchMlp(o: Opts, log: (s: string) => void): { rows: MlpRow[]; notes: string[] } {
  const rows: MlpRow[] = [];
  const notes: string[] = [];
  const script = refScript();
  for (const t of o.threads) {
    // torch at t threads: torch.set_num_threads(t) with OpenBLAS at t, and, since torch's OpenMP
    // pool and OpenBLAS's pool fight over the cores when both have t > 1 (the reference sheet
    // saw the MLP 3.6x slower so), also torch at 1 with OpenBLAS at t; the faster one is shown.
    let torch: ChildResult | undefined;
    if (o.python && script && fs.existsSync(o.python)) {
      const tried: ChildResult[] = [];
      for (const tt of t > 1 ? [t, 1] : [t]) {
        log(`mlp: torch (torch ${tt} thread${tt > 1 ? 's' : ''}, OpenBLAS ${t}), ${o.steps} steps...`);
        const tr = runJsonChild(o.python, [script, 'mlp', '--threads', String(tt), '--blas-threads', String(t), '--steps', String(o.steps),
          '--warmup', String(o.warmup)], { OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(tt) });
        if (tr.ok) tried.push(tr);
        else notes.push(`no torch MLP figure with torch ${tt} / OpenBLAS ${t} thread${t > 1 ? 's' : ''}: ${tr.error}`);
      }
      if (tried.length) {
        torch = tried.reduce((a, b) => ((b.samples_per_s as number) > (a.samples_per_s as number) ? b : a));
        torch.configs_tried = tried.map((r) => ({ torch_threads: r.torch_num_threads, blas_threads: r.blas_threads, samples_per_s: r.samples_per_s }));
      }
    } else if (o.python) notes.push(`no torch MLP figure: ${o.python} or scripts/bench_ref.py not found`);
    for (const mode of ['sync', 'yield'] as LoopMode[]) {
      log(`mlp: flint (${mode} loop), ${t} thread${t > 1 ? 's' : ''}, ${o.steps} steps...`);
      const fl = runJsonChild(process.execPath, [__filename, '--mlp-child', String(t), String(o.steps), String(o.warmup), mode], {
        FLINT_NUM_THREADS: String(t),
      });
      if (!fl.ok) throw new Error(`bench: the flint MLP run failed: ${fl.error}`);
      const row: MlpRow = { threads: t, mode, flint: fl, torch };
      if (torch) row.ratio_torch = round((fl.samples_per_s as number) / (torch.samples_per_s as number), 2);
      rows.push(row);
    }
  }
  return { rows, notes };
}

// ---- output ----

export function table(head: string[], body: (string | number)[][], right: boolean[]): string {
  const cells = [head, ...body.map((r) => r.map(String))];
  const w = head.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (right[j] ? c.padStart(w[j]) : c.padEnd(w[j]))).join('  ').trimEnd();
  return [line(cells[0]), line(w.map((n) => '-'.repeat(n))), ...cells.slice(1).map(line)].join('\n');
}

export const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));
export const f2 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(2));

function printGemm(rows: GemmRow[], peaks: FmaPeak[], o: Opts): string {
  const out: string[] = [];
  for (const t of o.threads) {
    const rs = rows.filter((r) => r.threads === t);
    const hasRef = rs.some((r) => r.numpy), hasScript = rs.some((r) => r.numpy_ref_script !== undefined);
    const head = ['shape', 'layout', 'M x K x N', 'flint', 'p25-p75', 'us/call', '+alloc'];
    if (hasRef) head.push('numpy', 'torch', 'flint/numpy', 'flint/torch', '+alloc/numpy');
    if (hasScript) head.push('numpy (gemm_bench.py)');
    head.push('other');
    const body = rs.map((r) => {
      const row: (string | number)[] = [r.name, r.layout, `${r.M}x${r.K}x${r.N}`, f1(r.flint.gflops_median),
        `${f1(r.flint.gflops_p25)}-${f1(r.flint.gflops_p75)}`, f1(r.flint.us_per_call_median), f1(r.flint_alloc.gflops_median)];
      if (hasRef) row.push(f1(r.numpy?.gflops_median), f1(r.torch?.gflops_median), f2(r.ratio_numpy), f2(r.ratio_torch), f2(r.ratio_alloc_numpy));
      if (hasScript) row.push(f1(r.numpy_ref_script));
      row.push(f2(Math.max(r.other_cpus_flint, r.other_cpus_ref ?? 0)));
      return row;
    });
    const n = rs[0] ? rs[0].flint.n_samples : 0;
    out.push(`GEMM, ${t} thread${t > 1 ? 's' : ''}: GFLOP/s = 2MNK/s, median of ${n} samples per library; flint, numpy and torch`);
    out.push('write into a preallocated output (out=); +alloc: flint with a new output tensor per call');
    out.push(table(head, body, head.map((_, j) => j >= 2)));
    const big = rs.filter((r) => /^sq\d+$/.test(r.name) && r.M >= 512 && r.pct_fma_peak !== undefined);
    for (const w of [256, 512]) {
      const pk = peaks.filter((p) => p.threads === t && p.width === w);
      if (!pk.length) continue;
      const best = Math.max(...pk.map((p) => p.gflops_median));
      const name = w === 256 ? 'fma_peak.c, 256-bit' : 'fma_peak.c made 512-bit';
      const kernelWidth = peaks.some((p) => p.width === 512) ? 512 : 256;
      const pct = (r: GemmRow) => (w === kernelWidth ? r.pct_fma_peak : r.pct_fma_peak_256);
      out.push(`FMA peak (${name}, ${t} thread${t > 1 ? 's' : ''}): ${pk.map((p) => `${f1(p.gflops_median)} GFLOP/s at ${p.ghz.toFixed(2)} GHz`).join(', then ')}` +
        (big.length ? `; flint n >= 512 as % of ${f1(best)}: ${big.map((r) => `${r.name} ${f1(pct(r))} %`).join(', ')}` : '') +
        (w === kernelWidth ? ' (the ceiling of the kernel in use)' : ''));
    }
    out.push('');
  }
  return out.join('\n');
}

function printMlp(rows: MlpRow[], o: Opts): string {
  const head = ['threads', 'flint loop', 'flint samples/s', 'step ms', 'peak RSS MB', 'native live MB', 'torch samples/s', 'step ms',
    'peak RSS MB', 'torch/BLAS thr', 'flint/torch', 'other'];
  const body = rows.map((r) => [r.threads, r.mode, f1(r.flint.samples_per_s), f2(r.flint.step_ms_median), f1(r.flint.peak_rss_mb),
    f1(r.flint.native_live_mb_end as number), f1(r.torch?.samples_per_s), f2(r.torch?.step_ms_median), f1(r.torch?.peak_rss_mb),
    r.torch ? `${r.torch.torch_num_threads}/${r.torch.blas_threads}` : '-', f2(r.ratio_torch), f2(Math.max(r.flint.other_cpus as number, (r.torch?.other_cpus as number | undefined) ?? 0))]);
  return [`MLP 784-512-256-10 (ReLU, CrossEntropyLoss, SGD lr 0.01), batch 64, synthetic data: ${o.steps} timed steps after ${o.warmup}`,
    table(head, body, head.map((_, j) => j !== 1)),
    'torch/BLAS thr: torch.set_num_threads / OpenBLAS threads of the torch figure (the faster of t/t and 1/t).',
    'flint loop: sync = a plain for loop; yield = await setImmediate after each step (N-API finalizers, which free',
    'the native memory of collected tensors, run only when the event loop turns). other = CPUs used by other processes.',
    ''].join('\n');
}

// ---- main ----

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--mlp-child') {
    const r = await mlpChild(Number(argv[1]), Number(argv[2]), Number(argv[3]), argv[4] === 'yield' ? 'yield' : 'sync');
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const o = parseOpts(argv);
  const log = (s: string) => process.stderr.write(s + '\n');
  const cpus = os.cpus();
  const meta = {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    logical_cpus: cpus.length,
    node: process.version,
    gemm_kernel: flint.buildInfo().gemmKernel,
    default_threads: flint.getNumThreads(),
    loadavg_start: os.loadavg().map((x) => round(x, 2)),
    quick: o.quick,
    gemm_method: `${o.passes} pass(es) x ${o.samples} samples, each sample >= ${o.minSampleS}s of back-to-back calls, after 2 warm-up calls; median`,
  };
  if (!o.json) {
    log(`flint bench: ${meta.cpu} (${meta.logical_cpus} CPUs), Node ${meta.node}, GEMM micro-kernel ${meta.gemm_kernel}, load average ${meta.loadavg_start.join(' ')}`);
  }
  const result: Record<string, unknown> = { meta };
  const notes: string[] = [];
  if (o.only !== 'mlp') {
    const g = await benchGemm(o, log);
    result.gemm = g.rows;
    result.reference = g.refInfo;
    result.fma_peak = g.peaks;
    notes.push(...g.notes);
    if (!o.json) process.stdout.write(printGemm(g.rows, g.peaks, o) + '\n');
  }
  if (o.only !== 'gemm') {
    const m = benchMlp(o, log);
    result.mlp = m.rows;
    notes.push(...m.notes);
    if (!o.json) process.stdout.write(printMlp(m.rows, o) + '\n');
  }
  (meta as Record<string, unknown>).loadavg_end = os.loadavg().map((x) => round(x, 2));
  result.notes = notes;
  if (o.out) fs.writeFileSync(o.out, JSON.stringify(result, null, 1) + '\n');
  if (o.json) process.stdout.write(JSON.stringify(result, null, 1) + '\n');
  else {
    for (const n of notes) process.stdout.write(`note: ${n}\n`);
    process.stdout.write(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}` +
      ` ("other" = CPUs busy with other processes during the row; above about 0.2 the row is noisy)\n`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
