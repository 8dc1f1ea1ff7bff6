// The GEMM (native/cpu/gemm.cc) against its naive twin: every size 1..70 (M = N = K, plus
// random triples), the blocking edges (127, 255, 257, 1000 against small other dims, K past
// KC = 256, M past MC = 72 / 96, N past NC = 4080 / 4064 for the 6 x 16 / 8 x 32 kernels), all four transpositions as transposed views,
// strided (narrow()ed) operands, 1 vs 2 threads, and the portable micro-kernel (and, on a CPU
// with AVX-512, the AVX2 one) in a child process (FLINT_GEMM_KERNEL is read once per process).
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as flint from '../../lib';
import { native } from '../../lib/native';
import type { Tensor } from '../../lib';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const oracle = require('./gemm_oracle.js') as {
  compareToNaive(n: typeof native, a: unknown, b: unknown, label: string): { worst: number; failure: string | null };
  prng(seed: number): () => number;
};

type Layout = 'nn' | 'nt' | 'tn' | 'tt';
const LAYOUTS: Layout[] = ['nn', 'nt', 'tn', 'tt'];

/**
 * A logical [rows, cols] operand. trans: stored as [cols, rows] and viewed through .t();
 * strided: stored wider and narrow()ed, so the leading dimension exceeds the logical width.
 */
function operand(rows: number, cols: number, trans: boolean, strided = false): Tensor {
  const pad = strided ? 3 : 0;
  if (trans) {
    const s = flint.randn([cols, rows + pad]);
    return (strided ? s.narrow(1, 2, rows) : s).t();
  }
  const s = flint.randn([rows, cols + pad]);
  return strided ? s.narrow(1, 1, cols) : s;
}

function operands(M: number, N: number, K: number, layout: Layout, strided = false): [Tensor, Tensor] {
  return [operand(M, K, layout[0] === 't', strided), operand(K, N, layout[1] === 't', strided)];
}

/** Runs the oracle on every case; returns the failures (empty when all pass) and the worst err/tol. */
function sweep(cases: [number, number, number][], layouts: Layout[], strided = false): { failures: string[]; worst: number } {
  const failures: string[] = [];
  let worst = 0;
  for (const [M, N, K] of cases) {
    for (const layout of layouts) {
      const [a, b] = operands(M, N, K, layout, strided);
      const r = oracle.compareToNaive(native, a._h, b._h, `${layout}${strided ? ' strided' : ''}`);
      if (r.failure) failures.push(r.failure);
      else worst = Math.max(worst, r.worst);
      a.dispose();
      b.dispose();
    }
  }
  return { failures: failures.slice(0, 10), worst };
}

function randomTriples(seed: number, count: number, max: number): [number, number, number][] {
  const rnd = oracle.prng(seed);
  const d = () => 1 + Math.floor(rnd() * max);
  return Array.from({ length: count }, () => [d(), d(), d()] as [number, number, number]);
}

const BIG = [127, 255, 257, 1000];
/** Each big size in each position, with small (edge-sized) other dims; a few big pairs. */
function bigCases(): [number, number, number][] {
  const rnd = oracle.prng(7);
  const small = () => [1, 5, 6, 7, 16, 17, 33][Math.floor(rnd() * 7)];
  const out: [number, number, number][] = [];
  for (const s of BIG) {
    out.push([s, small(), small()], [small(), s, small()], [small(), small(), s]);
  }
  out.push([257, 257, 20], [127, 9, 1000], [13, 255, 257], [257, 127, 255], [73, 70, 513]);
  return out;
}

beforeAll(() => {
  flint.manualSeed(1234);
});

describe('gemm: BLIS path vs the naive oracle', () => {
  test('the addon reports a known micro-kernel', () => {
    expect(['avx512-8x32', 'avx2-6x16', 'portable-6x16']).toContain(flint.buildInfo().gemmKernel);
  });

  test('M = N = K for every size 1..70, all four transpositions', () => {
    const cases = Array.from({ length: 70 }, (_, i) => [i + 1, i + 1, i + 1] as [number, number, number]);
    const r = sweep(cases, LAYOUTS);
    expect(r.failures).toEqual([]);
  });

  test('random (M, N, K) triples covering 1..70 in each dimension, all four transpositions', () => {
    // Plus every size 1..70 in each position against a random pair, so each value is hit per dim.
    const rnd = oracle.prng(99);
    const d = () => 1 + Math.floor(rnd() * 70);
    const cases = randomTriples(42, 200, 70);
    for (let s = 1; s <= 70; s++) cases.push([s, d(), d()], [d(), s, d()], [d(), d(), s]);
    const r = sweep(cases, LAYOUTS);
    expect(r.failures).toEqual([]);
  });

  test('sizes 127, 255, 257, 1000 and blocking edges, all four transpositions', () => {
    const r = sweep(bigCases(), LAYOUTS);
    expect(r.failures).toEqual([]);
  });

  test('N past the NC = 4080 (4064) block and K past several KC = 256 blocks', () => {
    const r = sweep([[7, 4100, 3], [13, 4097, 20], [6, 17, 1100]], ['nn', 'tt']);
    expect(r.failures).toEqual([]);
  });

  test('strided operands (leading dimension > width, via narrow), all four transpositions', () => {
    const cases: [number, number, number][] = [[1, 1, 1], [5, 7, 3], [6, 16, 8], [17, 33, 65], [70, 70, 70], [127, 20, 257], [1, 300, 64]];
    const r = sweep(cases, LAYOUTS, true);
    expect(r.failures).toEqual([]);
    // The narrowed view really has a leading dimension wider than its logical width.
    const [a] = operands(5, 7, 3, 'nn', true);
    expect(a.strides).toEqual([6, 1]);
  });

  test('neither stride unit (every other column), through asStrided', () => {
    const M = 37, N = 41, K = 29;
    const sa = flint.randn([M * 2 * K]);
    const sb = flint.randn([K * N * 2 + 1]);
    const a = native.asStrided(sa._h, [M, K], [2 * K, 2], 0);
    const b = native.asStrided(sb._h, [K, N], [1, 2 * K], 1); // column stride 2K, row stride 1
    const r = oracle.compareToNaive(native, a, b, 'strided both');
    expect(r.failure).toBeNull();
  });

  test('integer-valued data gives bit-exact results (every partial sum is exact in float32)', () => {
    const rnd = oracle.prng(5);
    const ints = (n: number) => Float32Array.from({ length: n }, () => Math.floor(rnd() * 7) - 3);
    const mismatches: string[] = [];
    for (const [M, N, K] of [[1, 1, 1], [6, 16, 1], [7, 17, 9], [64, 64, 64], [70, 33, 257], [257, 10, 1000]]) {
      for (const layout of LAYOUTS) {
        const sa = flint.tensor(ints(M * K), { shape: layout[0] === 't' ? [K, M] : [M, K] });
        const sb = flint.tensor(ints(K * N), { shape: layout[1] === 't' ? [N, K] : [K, N] });
        const a = layout[0] === 't' ? sa.t() : sa;
        const b = layout[1] === 't' ? sb.t() : sb;
        const got = native.gemm('blis', a._h, b._h).read(new Float32Array(M * N));
        const ref = native.gemm('naive', a._h, b._h).read(new Float32Array(M * N));
        if (!got.every((v, i) => v === ref[i])) mismatches.push(`${layout} ${M}x${N}x${K}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  test('empty and K = 0 products', () => {
    const z = native.gemm('blis', flint.empty([3, 0])._h, flint.empty([0, 4])._h);
    expect(z.shape).toEqual([3, 4]);
    expect(Array.from(z.read(new Float32Array(12)))).toEqual(new Array(12).fill(0));
    expect(native.gemm('blis', flint.empty([0, 5])._h, flint.randn([5, 4])._h).shape).toEqual([0, 4]);
    expect(native.gemm('blis', flint.randn([3, 5])._h, flint.empty([5, 0])._h).shape).toEqual([3, 0]);
  });

  test('bad arguments throw errors that name gemm', () => {
    expect(() => native.gemm('blis', flint.randn([3, 4])._h, flint.randn([5, 2])._h)).toThrow(/gemm: shapes \[3, ?4\] and \[5, ?2\]/);
    expect(() => native.gemm('blis', flint.randn([3])._h, flint.randn([3, 2])._h)).toThrow(/gemm: expected two 2-D float32/);
    expect(() => native.gemm('fast' as 'blis', flint.randn([3, 4])._h, flint.randn([4, 2])._h)).toThrow(/gemm: unknown kernel 'fast'/);
  });
});

describe('gemm: epilogue (bias per column or row, ReLU) and out=', () => {
  // Shapes that reach every path: gemv (M = 1), the tiny loop (<= 24^3), dot products (N <= 12),
  // BLIS with A in place (N <= 64) and packed (N > 64), several K blocks (K > 320), edges.
  const CASES: [number, number, number][] = [[1, 37, 70], [1, 10, 256], [5, 7, 9], [23, 10, 256], [64, 10, 256],
    [33, 7, 70], [70, 64, 40], [37, 65, 333], [13, 100, 700], [64, 12, 17], [150, 200, 64]];

  /** blis with the epilogue vs the naive oracle with the same epilogue (naive, then bias, then ReLU). */
  function check(M: number, N: number, K: number, layout: Layout, perRow: boolean, relu: boolean): string | null {
    const [a, b] = operands(M, N, K, layout);
    const bias = flint.randn([perRow ? M : N]);
    const got = native.gemm('blis', a._h, b._h, null, bias._h, perRow, relu).read(new Float32Array(M * N));
    const ref = native.gemm('naive', a._h, b._h, null, bias._h, perRow, relu).read(new Float32Array(M * N));
    const bound = native.gemm('naive', flint.abs(a)._h, flint.abs(b)._h).read(new Float32Array(M * N));
    const bv = bias.dataSync() as Float32Array;
    for (let i = 0; i < M * N; i++) {
      const tol = (K + 1) * 2 ** -23 * (bound[i] + Math.abs(bv[perRow ? Math.floor(i / N) : i % N]));
      if (!(Math.abs(got[i] - ref[i]) <= tol)) return `${layout} ${M}x${N}x${K} perRow=${perRow} relu=${relu}: [${i}] ${got[i]} vs ${ref[i]}`;
    }
    if (relu && got.some((v) => v < 0)) return `${layout} ${M}x${N}x${K}: a negative value after ReLU`;
    return null;
  }

  test('every path, all four transpositions, bias per column / per row, with and without ReLU', () => {
    const failures: string[] = [];
    for (const [M, N, K] of CASES) {
      for (const layout of LAYOUTS) {
        for (const [perRow, relu] of [[false, false], [false, true], [true, false], [true, true]] as [boolean, boolean][]) {
          const f = check(M, N, K, layout, perRow, relu);
          if (f) failures.push(f);
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  test('the fused epilogue equals the unfused path (product, then + bias, then relu) on integer data, bit for bit', () => {
    const rnd = oracle.prng(17);
    const ints = (n: number) => Float32Array.from({ length: n }, () => Math.floor(rnd() * 7) - 3);
    const bad: string[] = [];
    for (const [M, N, K] of CASES) {
      for (const layout of ['nn', 'nt'] as Layout[]) {
        const sa = flint.tensor(ints(M * K), { shape: [M, K] });
        const sb = flint.tensor(ints(K * N), { shape: layout === 'nt' ? [N, K] : [K, N] });
        const b = layout === 'nt' ? sb.t() : sb;
        const bias = flint.tensor(ints(N), { shape: [N] });
        const fused = native.gemm('blis', sa._h, b._h, null, bias._h, false, true).read(new Float32Array(M * N));
        const unfused = flint.relu(flint.add(flint.matmul(sa, b), bias)).dataSync() as Float32Array;
        if (!fused.every((v, i) => v === unfused[i])) bad.push(`${layout} ${M}x${N}x${K}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test('ReLU keeps NaN (as torch.relu) and maps negatives to +0', () => {
    for (const [M, N, K] of [[6, 16, 8], [64, 10, 256], [1, 20, 30], [3, 3, 3]] as [number, number, number][]) {
      const av = new Float32Array(M * K).fill(1);
      av[0] = NaN;
      const a = flint.tensor(av, { shape: [M, K] });
      const b = flint.tensor(new Float32Array(K * N).fill(-1), { shape: [K, N] });
      const c = native.gemm('blis', a._h, b._h, null, null, false, true).read(new Float32Array(M * N));
      expect(Number.isNaN(c[0])).toBe(true);
      expect(Array.from(c.slice(N)).every((v) => Object.is(v, 0))).toBe(true);
    }
  });

  test('out= writes into the given tensor and returns it; a wrong out or bias throws', () => {
    const a = flint.randn([20, 30]), b = flint.randn([30, 40]);
    const out = flint.empty([20, 40]);
    const r = native.gemm('blis', a._h, b._h, out._h);
    expect(r).toBe(out._h);
    const ref = native.gemm('blis', a._h, b._h).read(new Float32Array(800));
    expect(Array.from(out.dataSync() as Float32Array)).toEqual(Array.from(ref));
    expect(() => native.gemm('blis', a._h, b._h, flint.empty([20, 41])._h)).toThrow(/gemm: expected out to be a contiguous float32 tensor of shape \[20, ?40\]/);
    expect(() => native.gemm('blis', a._h, b._h, flint.empty([40, 20]).t()._h)).toThrow(/gemm: expected out/);
    expect(() => native.gemm('blis', a._h, b._h, null, flint.randn([20])._h)).toThrow(/gemm: expected bias to be a contiguous float32 tensor of shape \[40\]/);
    expect(() => native.gemm('blis', a._h, b._h, null, flint.randn([40])._h, true)).toThrow(/gemm: expected bias .* shape \[20\]/);
  });
});

describe('gemm: threads', () => {
  const saved = flint.getNumThreads();
  afterAll(() => flint.setNumThreads(saved));

  test('1, 2 and 3 threads give bit-identical results', () => {
    // Threads split whole MR x NR tiles (or rows / columns on the small path), so every element
    // is summed in the same order whatever the thread count.
    const cases: [number, number, number][] = [[1, 512, 784], [6, 16, 8], [23, 45, 67], [64, 512, 784], [64, 10, 256],
      [784, 512, 64], [257, 300, 257], [1000, 7, 33], [5, 4100, 3], [150, 150, 600]];
    const differs: string[] = [];
    for (const [M, N, K] of cases) {
      for (const layout of ['nn', 'nt', 'tn'] as Layout[]) {
        const [a, b] = operands(M, N, K, layout);
        const outs = [1, 2, 3].map((t) => {
          flint.setNumThreads(t);
          const c = native.gemm('blis', a._h, b._h);
          const v = c.read(new Float32Array(M * N));
          c.dispose();
          return v;
        });
        for (const t of [1, 2]) {
          if (!outs[t].every((v, i) => Object.is(v, outs[0][i]))) differs.push(`${layout} ${M}x${N}x${K} at ${t + 1} threads`);
        }
        a.dispose();
        b.dispose();
      }
    }
    expect(differs).toEqual([]);
  });

  test('2 threads also pass the oracle on blocking edges', () => {
    flint.setNumThreads(2);
    const r = sweep([[73, 70, 257], [145, 33, 20], [6, 4097, 7]], LAYOUTS);
    expect(r.failures).toEqual([]);
  });
});

/** The oracle sweep in a child process whose kernel choice is capped by FLINT_GEMM_KERNEL. */
function childSweep(force: string): { kernel: string; failures: string[]; checked: number } {
  const script = path.join(__dirname, 'gemm_oracle.js');
  const res = spawnSync(process.execPath, [script, '11'], {
    env: { ...process.env, FLINT_GEMM_KERNEL: force },
    encoding: 'utf8',
    timeout: 60000,
  });
  expect({ status: res.status, stderr: res.stderr.slice(-2000) }).toMatchObject({ status: 0 });
  return JSON.parse(res.stdout.trim().split('\n').pop() as string);
}

describe('gemm: portable micro-kernel (FLINT_GEMM_KERNEL=portable, child process)', () => {
  test('matches the naive oracle on the same sweep', () => {
    const out = childSweep('portable');
    expect(out.kernel).toBe('portable-6x16');
    expect(out.failures).toEqual([]);
    expect(out.checked).toBeGreaterThan(800);
  });
});

// On a CPU with AVX-512 the in-process sweeps above run the 8 x 32 kernel; the 6 x 16 AVX2
// kernel, which such a CPU would otherwise never run, gets the sweep in a child. Without
// AVX-512 the in-process sweeps run the AVX2 kernel and this one is skipped (as is any check
// of the AVX-512 kernel: it needs the instructions).
const hasAvx512 = flint.buildInfo().gemmKernel === 'avx512-8x32';
describe('gemm: AVX2 micro-kernel beside AVX-512 (FLINT_GEMM_KERNEL=avx2, child process)', () => {
  (hasAvx512 ? test : test.skip)('matches the naive oracle on the same sweep', () => {
    const out = childSweep('avx2');
    expect(out.kernel).toBe('avx2-6x16');
    expect(out.failures).toEqual([]);
    expect(out.checked).toBeGreaterThan(800);
  });
});

describe('matmul and linear route through the same GEMM', () => {
  test('matmul on transposed views and linear (x W^T + b) agree with the oracle', () => {
    const tol = (K: number, bound: number) => K * 2 ** -23 * bound;
    for (const [M, N, K] of [[64, 512, 784], [1, 10, 256], [33, 7, 70]] as [number, number, number][]) {
      for (const layout of LAYOUTS) {
        const [a, b] = operands(M, N, K, layout);
        const got = flint.matmul(a, b).dataSync() as Float32Array;
        const ref = native.gemm('naive', a._h, b._h).read(new Float32Array(M * N));
        const bound = native.gemm('naive', flint.abs(a)._h, flint.abs(b)._h).read(new Float32Array(M * N));
        const bad = got.findIndex((v, i) => !(Math.abs(v - ref[i]) <= tol(K, bound[i])));
        expect([layout, M, N, K, bad]).toEqual([layout, M, N, K, -1]);
      }
      const x = flint.randn([M, K]);
      const w = flint.randn([N, K]);
      const bias = flint.randn([N]);
      const y = flint.linear(x, w, bias).dataSync() as Float32Array;
      const ref = native.gemm('naive', x._h, w.t()._h).read(new Float32Array(M * N));
      const bound = native.gemm('naive', flint.abs(x)._h, flint.abs(w).t()._h).read(new Float32Array(M * N));
      const bv = bias.dataSync() as Float32Array;
      const bad = y.findIndex((v, i) => !(Math.abs(v - (ref[i] + bv[i % N])) <= tol(K + 1, bound[i] + Math.abs(bv[i % N]))));
      expect(['linear', M, N, K, bad]).toEqual(['linear', M, N, K, -1]);
    }
  });
});
