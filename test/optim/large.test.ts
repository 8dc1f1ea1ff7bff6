// The threaded path of the fused optimizer kernels (parameters far above the per-thread grain
// of native/cpu/optim.cc) against plain float64 JS implementations of torch's update rules (the
// naive twins), and bit-identical results for any thread count (the updates are elementwise).
import * as flint from '../../lib';
import { optimizerClass } from './optim_fixture';

const N = 100_003; // odd, and > 6 chunks of 16384

type Opts = Record<string, any>;
type State = Record<string, Float64Array | number>;

/** One torch update of p (in place) with gradient g, state st, group options o. */
function reference(name: string, o: Opts, p: Float64Array, g0: Float64Array, st: State): void {
  const n = p.length;
  const z = () => new Float64Array(n);
  const grad = (i: number) => (o.maximize ? -g0[i] : g0[i]);
  switch (name) {
    case 'SGD': {
      const first = !st.momentum_buffer;
      const b = (st.momentum_buffer ??= z()) as Float64Array;
      for (let i = 0; i < n; i++) {
        const d = grad(i) + o.weightDecay * p[i];
        b[i] = first ? d : o.momentum * b[i] + (1 - o.dampening) * d;
        p[i] -= o.lr * (o.nesterov ? d + o.momentum * b[i] : b[i]);
      }
      return;
    }
    case 'Adam':
    case 'AdamW': {
      const m = (st.exp_avg ??= z()) as Float64Array, v = (st.exp_avg_sq ??= z()) as Float64Array;
      const vmax = o.amsgrad ? ((st.max_exp_avg_sq ??= z()) as Float64Array) : null;
      const t = (st.step = ((st.step as number) ?? 0) + 1);
      const [b1, b2] = o.betas;
      const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
      for (let i = 0; i < n; i++) {
        let gi = grad(i);
        if (name === 'AdamW') p[i] *= 1 - o.lr * o.weightDecay;
        else gi += o.weightDecay * p[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        let vi = v[i];
        if (vmax) vi = vmax[i] = Math.max(vmax[i], v[i]);
        p[i] -= (o.lr / bc1) * m[i] / (Math.sqrt(vi) / Math.sqrt(bc2) + o.eps);
      }
      return;
    }
    case 'RMSprop': {
      const sq = (st.square_avg ??= z()) as Float64Array;
      const ga = o.centered ? ((st.grad_avg ??= z()) as Float64Array) : null;
      const buf = o.momentum > 0 ? ((st.momentum_buffer ??= z()) as Float64Array) : null;
      for (let i = 0; i < n; i++) {
        const gi = grad(i) + o.weightDecay * p[i];
        sq[i] = o.alpha * sq[i] + (1 - o.alpha) * gi * gi;
        let avg: number;
        if (ga) {
          ga[i] = o.alpha * ga[i] + (1 - o.alpha) * gi;
          avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + o.eps;
        } else avg = Math.sqrt(sq[i]) + o.eps;
        if (buf) {
          buf[i] = o.momentum * buf[i] + gi / avg;
          p[i] -= o.lr * buf[i];
        } else p[i] -= (o.lr * gi) / avg;
      }
      return;
    }
    case 'Adagrad': {
      const sum = (st.sum ??= new Float64Array(n).fill(o.initialAccumulatorValue)) as Float64Array;
      const t = (st.step = ((st.step as number) ?? 0) + 1);
      const clr = o.lr / (1 + (t - 1) * o.lrDecay);
      for (let i = 0; i < n; i++) {
        const gi = grad(i) + o.weightDecay * p[i];
        sum[i] += gi * gi;
        p[i] -= (clr * gi) / (Math.sqrt(sum[i]) + o.eps);
      }
      return;
    }
    case 'Adadelta': {
      const sq = (st.square_avg ??= z()) as Float64Array, acc = (st.acc_delta ??= z()) as Float64Array;
      for (let i = 0; i < n; i++) {
        const gi = grad(i) + o.weightDecay * p[i];
        sq[i] = o.rho * sq[i] + (1 - o.rho) * gi * gi;
        const delta = (Math.sqrt(acc[i] + o.eps) / Math.sqrt(sq[i] + o.eps)) * gi;
        acc[i] = o.rho * acc[i] + (1 - o.rho) * delta * delta;
        p[i] -= o.lr * delta;
      }
      return;
    }
  }
  throw new Error(name);
}

const CASES: [string, Opts][] = [
  ['SGD', { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false, maximize: true }],
  ['Adam', { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.1, amsgrad: true, maximize: false }],
  ['AdamW', { lr: 0.01, betas: [0.8, 0.99], eps: 1e-8, weightDecay: 0.1, amsgrad: false, maximize: true }],
  ['RMSprop', { lr: 0.01, alpha: 0.9, eps: 1e-8, weightDecay: 0.05, momentum: 0.5, centered: true, maximize: false }],
  ['Adagrad', { lr: 0.1, lrDecay: 0.1, weightDecay: 0.05, initialAccumulatorValue: 0.1, eps: 1e-10, maximize: false }],
  ['Adadelta', { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0.05, maximize: true }],
];

const cache = new Map<number, Float64Array>();
/** Fixed pseudo-random values (a fresh copy each call). */
function data(seed: number): Float64Array {
  let d = cache.get(seed);
  if (!d) {
    d = new Float64Array(N);
    for (let i = 0; i < N; i++) d[i] = Math.sin(seed * 12.9898 + i * 78.233) * 1.5 + ((i * 7) % 11) / 22;
    cache.set(seed, d);
  }
  return d.slice();
}

function runFlint(name: string, o: Opts, dtype: 'float32' | 'float64', steps: number): Float64Array {
  const p = flint.tensor(data(1), { dtype: 'float64' }).to(dtype).requiresGrad_(true);
  const opt = new (optimizerClass(name))([p], o);
  for (let s = 0; s < steps; s++) {
    p.grad = flint.tensor(data(2 + s), { dtype: 'float64' }).to(dtype);
    opt.step();
  }
  return Float64Array.from(p.dataSync() as Float64Array);
}

describe('threaded optimizer kernels on 100003-element parameters', () => {
  const threads = flint.getNumThreads();
  afterAll(() => flint.setNumThreads(threads));
  for (const [name, o] of CASES) {
    test(`${name} vs the float64 JS reference`, () => {
      flint.setNumThreads(4);
      const got = runFlint(name, o, 'float64', 3);
      const p = data(1);
      const st: State = {};
      for (let s = 0; s < 3; s++) reference(name, o, p, data(2 + s), st);
      for (let i = 0; i < N; i++) {
        if (!(Math.abs(got[i] - p[i]) <= 1e-12 * Math.abs(p[i]) + 1e-13)) {
          throw new Error(`${name}: element ${i} is ${got[i]} but the reference gives ${p[i]}`);
        }
      }
    });
    test(`${name}: 1, 2 and 4 threads give the same bits`, () => {
      const runs = [1, 2, 4].map((t) => {
        flint.setNumThreads(t);
        return runFlint(name, o, 'float32', 2);
      });
      expect(Buffer.compare(Buffer.from(runs[0].buffer), Buffer.from(runs[1].buffer))).toBe(0);
      expect(Buffer.compare(Buffer.from(runs[0].buffer), Buffer.from(runs[2].buffer))).toBe(0);
    });
  }
});
