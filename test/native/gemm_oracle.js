// The GEMM oracle check shared by gemm.test.ts and its child process: native.gemm('blis')
// against native.gemm('naive') (a double-accumulating triple loop), element by element.
//
// Plain CommonJS on purpose: `node test/native/gemm_oracle.js` runs in a fresh process with
// FLINT_GEMM_KERNEL set (the kernel choice is read once per process), with no TypeScript loader.
//
// Tolerance, per element of C = A @ B: |blis - naive| <= K * eps * (|A| @ |B|)[i, j], with
// eps = 2^-23. Any summation order satisfies it (first-order bound gamma_K = K * eps/2, plus
// the oracle's final rounding), so it does not depend on KC blocking or FMA use, yet a wrong,
// missing or garbage term fails it (a zero-bound element must come out exactly zero).
'use strict';
const path = require('path');

const EPS = 2 ** -23;

/** Row-major copy of a (possibly strided) float32 handle. */
function readAll(h) {
  const n = h.shape.reduce((p, d) => p * d, 1);
  return h.read(new Float32Array(n));
}

/** Contiguous |x| of a float32 handle (the bound's operands). */
function absOf(native, h) {
  const v = readAll(h);
  for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
  return native.fromData(v, h.shape.slice(), 'float32');
}

/**
 * Compares the BLIS path with the naive oracle for a @ b (native handles, 2-D float32); epi
 * (optional): { bias, perRow, relu }, the GEMM epilogue applied on both sides.
 * Returns { worst: max |err| / tol over the elements, failure: null or a message }.
 */
function compareToNaive(native, a, b, label, epi) {
  const M = a.shape[0], K = a.shape[1], N = b.shape[1];
  const hs = [];
  const run = (kind, x, y, e) => {
    const c = e ? native.gemm(kind, x, y, null, e.bias, e.perRow, e.relu) : native.gemm(kind, x, y);
    hs.push(c);
    if (c.shape[0] !== M || c.shape[1] !== N) throw new Error(`${label}: ${kind} gave shape [${c.shape}]`);
    return readAll(c);
  };
  try {
    const got = run('blis', a, b, epi);
    const ref = run('naive', a, b, epi);
    const bias = epi && epi.bias ? readAll(epi.bias) : null;
    const absA = absOf(native, a), absB = absOf(native, b);
    hs.push(absA, absB);
    const bound = run('naive', absA, absB);
    let worst = 0;
    for (let i = 0; i < got.length; i++) {
      const tol = bias ? (K + 1) * EPS * (bound[i] + Math.abs(bias[epi.perRow ? Math.floor(i / N) : i % N])) : K * EPS * bound[i];
      const err = Math.abs(got[i] - ref[i]);
      if (!(err <= tol)) {
        const r = Math.floor(i / N), c = i % N;
        return {
          worst: Infinity,
          failure: `${label} M=${M} N=${N} K=${K}: C[${r},${c}] = ${got[i]} but naive gives ${ref[i]} ` +
            `(|err| ${err.toExponential(3)} > tol ${tol.toExponential(3)})`,
        };
      }
      if (tol > 0) worst = Math.max(worst, err / tol);
    }
    return { worst, failure: null };
  } finally {
    for (const h of hs) h.dispose();
  }
}

/** mulberry32: a small seeded PRNG, so sizes and data repeat from run to run. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A logical [rows, cols] operand as a view: `trans` stores it as [cols, rows] and transposes
 * (column stride != 1); `pad` > 0 widens the stored rows so the leading dimension is not the
 * logical width (a narrow()ed view). Values uniform in [-1, 1).
 */
function operand(native, rnd, rows, cols, trans, pad) {
  const sr = trans ? cols : rows, sc = (trans ? rows : cols) + pad;
  const data = new Float32Array(Math.max(sr * sc, 1));
  for (let i = 0; i < data.length; i++) data[i] = 2 * rnd() - 1;
  const base = native.fromData(data, [data.length], 'float32');
  const off = pad > 0 ? 1 : 0;
  const view = trans
    ? native.asStrided(base, [rows, cols], [1, sc], off)
    : native.asStrided(base, [rows, cols], [sc, 1], off);
  base.dispose();
  return view;
}

const LAYOUTS = ['nn', 'nt', 'tn', 'tt'];

/** The sweep the child process runs: sizes 1..70 (M = N = K and random triples) plus big ones. */
function sweep(native, seed) {
  const rnd = prng(seed);
  const cases = [];
  for (let n = 1; n <= 70; n++) cases.push([n, n, n]);
  for (let i = 0; i < 60; i++) cases.push([1 + Math.floor(rnd() * 70), 1 + Math.floor(rnd() * 70), 1 + Math.floor(rnd() * 70)]);
  cases.push([257, 33, 300], [127, 255, 65], [64, 1000, 19], [1, 257, 70], [1000, 6, 257]);
  let worst = 0, checked = 0;
  const failures = [];
  for (const [M, N, K] of cases) {
    for (const layout of LAYOUTS) {
      for (const pad of [0, 3]) {
        if (pad && (M + N + K) % 3 !== 0) continue; // strided views on a third of the cases
        const a = operand(native, rnd, M, K, layout[0] === 't', pad);
        const b = operand(native, rnd, K, N, layout[1] === 't', pad);
        // The epilogue (bias per column or row, ReLU) on a quarter of the cases.
        const ek = (M + N + K + pad) % 8;
        const bias = ek < 2 ? native.fromData(Float32Array.from({ length: ek ? M : N }, () => 2 * rnd() - 1), [ek ? M : N], 'float32') : null;
        const epi = bias ? { bias, perRow: ek === 1, relu: ((M + K) & 1) === 1 } : null;
        const r = compareToNaive(native, a, b, `${layout}${pad ? ' strided' : ''}${epi ? ' epilogue' : ''}`, epi);
        a.dispose();
        b.dispose();
        if (bias) bias.dispose();
        checked++;
        if (r.failure) failures.push(r.failure);
        else worst = Math.max(worst, r.worst);
      }
    }
  }
  return { checked, worst, failures: failures.slice(0, 20), nfailures: failures.length };
}

module.exports = { EPS, compareToNaive, prng, operand, sweep, LAYOUTS };

if (require.main === module) {
  // Child-process mode: load the addon the way lib/native.ts does and print one JSON line.
  const native = require('node-gyp-build')(path.resolve(__dirname, '..', '..'));
  const res = sweep(native, Number(process.argv[2] || 1));
  process.stdout.write(JSON.stringify({ kernel: native.buildInfo().gemmKernel, ...res }) + '\n');
}
