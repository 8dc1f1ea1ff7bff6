// nn.RNN / nn.LSTM / nn.GRU and the cells. Oracles:
// - float64 finite differences (gradcheck) through the whole stack: numLayers 2, bidirectional,
//   batchFirst both ways, initial states, odd sizes, no bias, a non-contiguous input;
// - the fused native kernels against a step-by-step composition of flint ops (linear, sigmoid,
//   tanh, mul, ...), the kernels' naive twin, over sizes 1, 7, 63, 65 and the seed's 28x64x128;
// - PyTorch goldens (test/fixtures/rnn.json from scripts/goldens_rnn.py): outputs, h_n, c_n and
//   the gradients of the input, the states and every parameter for torch's weights, loaded with
//   loadStateDict, at rtol 1e-5;
// - module behaviour (PyTorch's state-dict keys, default init, batchFirst, unbatched input,
//   dropout, cells) and errors that name the layer, the argument and the shapes.
import * as flint from '../../lib';
import { nn, Tensor } from '../../lib';
import * as ops from '../../lib/ops';
import { native } from '../../lib/native';
import { rnn, RnnMode } from '../../lib/ops/rnn';
import { gradcheck, GradcheckInput, uniform } from '../helpers/gradcheck';
import { Dtype, expectClose, loadFixture, values } from '../helpers/goldens';

const MODES: [string, RnnMode][] = [
  ['RNN tanh', RnnMode.RnnTanh],
  ['RNN relu', RnnMode.RnnRelu],
  ['LSTM', RnnMode.Lstm],
  ['GRU', RnnMode.Gru],
];
const gatesOf = (m: RnnMode) => (m === RnnMode.Lstm ? 4 : m === RnnMode.Gru ? 3 : 1);

interface StackCfg {
  I: number;
  H: number;
  L: number;
  bidir: boolean;
  batchFirst: boolean;
  bias: boolean;
  T: number;
  N: number;
  states: boolean;
  ncInput?: boolean;
}

/** Shapes of the stack's leaves: x, [h0, [c0]], then 4 (or 2 without bias) per layer and direction. */
function stackShapes(mode: RnnMode, c: StackCfg): number[][] {
  const D = c.bidir ? 2 : 1;
  const GH = gatesOf(mode) * c.H;
  const shapes = [c.batchFirst ? [c.N, c.T, c.I] : [c.T, c.N, c.I]];
  if (c.states) {
    shapes.push([c.L * D, c.N, c.H]);
    if (mode === RnnMode.Lstm) shapes.push([c.L * D, c.N, c.H]);
  }
  for (let l = 0; l < c.L; l++) {
    for (let d = 0; d < D; d++) {
      shapes.push([GH, l === 0 ? c.I : D * c.H], [GH, c.H]);
      if (c.bias) shapes.push([GH], [GH]);
    }
  }
  return shapes;
}

/** The stack as a function of its leaves, returning output, h_n and c_n flattened into one tensor. */
function stackFn(mode: RnnMode, c: StackCfg, training = true) {
  return (...xs: Tensor[]): Tensor => {
    let k = 0;
    const x = xs[k++];
    const h0 = c.states ? xs[k++] : null;
    const c0 = c.states && mode === RnnMode.Lstm ? xs[k++] : null;
    const w: (Tensor | null)[] = [];
    while (k < xs.length) {
      w.push(xs[k++], xs[k++]);
      if (c.bias) w.push(xs[k++], xs[k++]);
      else w.push(null, null);
    }
    const r = rnn(mode, x, h0, c0, w, { numLayers: c.L, bidirectional: c.bidir, batchFirst: c.batchFirst, dropout: 0, training });
    const parts = [r.output.reshape([-1]), r.hN.reshape([-1])];
    if (r.cN) parts.push(r.cN.reshape([-1]));
    return flint.cat(parts, 0);
  };
}

describe('gradcheck (float64 finite differences) through the stack', () => {
  const cfgs: [string, StackCfg][] = [
    ['1 layer, seq 3, batch 2', { I: 3, H: 4, L: 1, bidir: false, batchFirst: false, bias: true, T: 3, N: 2, states: false }],
    ['2 layers bidirectional batchFirst with initial states, odd sizes', { I: 3, H: 5, L: 2, bidir: true, batchFirst: true, bias: true, T: 4, N: 3, states: true }],
    ['2 layers, seq-major, initial states, no bias', { I: 2, H: 3, L: 2, bidir: false, batchFirst: false, bias: false, T: 3, N: 2, states: true }],
    ['bidirectional seq 1 batch 1', { I: 1, H: 1, L: 1, bidir: true, batchFirst: false, bias: true, T: 1, N: 1, states: true }],
    ['non-contiguous input, batchFirst', { I: 4, H: 3, L: 1, bidir: false, batchFirst: true, bias: true, T: 3, N: 2, states: true, ncInput: true }],
  ];
  let seed = 500;
  for (const [mname, mode] of MODES) {
    for (const [cname, c] of cfgs) {
      test(`${mname}: ${cname}`, () => {
        const shapes = stackShapes(mode, c);
        const inputs: GradcheckInput[] = shapes.map((s, i) => ({
          data: uniform(s.reduce((a, b) => a * b, 1), seed++, -0.8, 0.8),
          shape: s,
          noncontiguous: i === 0 && c.ncInput,
        }));
        const r = gradcheck(stackFn(mode, c), inputs);
        expect(r.checked).toBe(shapes.reduce((a, s) => a + s.reduce((p, q) => p * q, 1), 0));
      });
    }
  }
  test('cells (float64): LSTMCell, GRUCell, RNNCell relu through two steps', () => {
    for (const Cell of [nn.LSTMCell, nn.GRUCell, nn.RNNCell]) {
      const opts = Cell === nn.RNNCell ? { nonlinearity: 'relu' as const, dtype: 'float64' as const } : { dtype: 'float64' as const };
      const cell = new Cell(3, 4, opts);
      const isLstm = cell instanceof nn.LSTMCell;
      const names = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'];
      const fn = (x: Tensor, h: Tensor, c: Tensor, ...w: Tensor[]) => {
        const m = cell as unknown as Record<string, Tensor>;
        names.forEach((n, i) => (m[n] = w[i]));
        if (isLstm) {
          const lc = cell as nn.LSTMCell;
          const [h1, c1] = lc.forward(x.select(0, 0), [h, c]);
          const [h2, c2] = lc.forward(x.select(0, 1), [h1, c1]);
          return flint.cat([h2.reshape([-1]), c2.reshape([-1])], 0);
        }
        const sc = cell as nn.GRUCell;
        return sc.forward(x.select(0, 1), sc.forward(x.select(0, 0), h));
      };
      const G = isLstm ? 4 : cell instanceof nn.GRUCell ? 3 : 1;
      const shapes = [[2, 2, 3], [2, 4], [2, 4], [G * 4, 3], [G * 4, 4], [G * 4], [G * 4]];
      const inputs = shapes.map((s, i) => ({ data: uniform(s.reduce((a, b) => a * b, 1), 900 + i, -0.8, 0.8), shape: s, requiresGrad: !(i === 2 && !isLstm) }));
      expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
    }
  });
});

// ---- the composition oracle ----

/** One layer, step by step with flint ops (PyTorch's formulas). x [T, N, I]. */
function refLayer(mode: RnnMode, x: Tensor, h0: Tensor | null, c0: Tensor | null, w: (Tensor | null)[]) {
  const [T, N] = x.shape;
  const D = w.length / 4;
  const H = w[1]!.shape[1];
  const dtype = x.dtype as 'float32' | 'float64';
  const ys: Tensor[] = [], hs: Tensor[] = [], cs: Tensor[] = [];
  for (let d = 0; d < D; d++) {
    const [wih, whh, bih, bhh] = w.slice(4 * d, 4 * d + 4);
    let h = h0 ? h0.select(0, d) : flint.zeros([N, H], { dtype });
    let c = c0 ? c0.select(0, d) : flint.zeros([N, H], { dtype });
    const outs: Tensor[] = new Array(T);
    for (let s = 0; s < T; s++) {
      const t = d === 1 ? T - 1 - s : s;
      const gi = flint.linear(x.select(0, t), wih!, bih);
      const gh = flint.linear(h, whh!, bhh);
      const part = (g: Tensor, k: number) => g.narrow(1, k * H, H);
      if (mode === RnnMode.Lstm) {
        const g = gi.add(gh);
        const i = part(g, 0).sigmoid(), f = part(g, 1).sigmoid(), gg = part(g, 2).tanh(), o = part(g, 3).sigmoid();
        c = f.mul(c).add(i.mul(gg));
        h = o.mul(c.tanh());
      } else if (mode === RnnMode.Gru) {
        const r = part(gi, 0).add(part(gh, 0)).sigmoid();
        const z = part(gi, 1).add(part(gh, 1)).sigmoid();
        const n = part(gi, 2).add(r.mul(part(gh, 2))).tanh();
        h = ops.rsub(z, 1).mul(n).add(z.mul(h));
      } else {
        const a = gi.add(gh);
        h = mode === RnnMode.RnnRelu ? a.relu() : a.tanh();
      }
      outs[t] = h;
    }
    ys.push(flint.stack(outs, 0));
    hs.push(h);
    cs.push(c);
  }
  return { output: flint.cat(ys, 2), hN: flint.stack(hs, 0), cN: mode === RnnMode.Lstm ? flint.stack(cs, 0) : null };
}

function leaf(n: number[], seed: number, dtype: 'float32' | 'float64', scale = 1): Tensor {
  const data = uniform(n.reduce((a, b) => a * b, 1), seed, -scale, scale);
  return flint.tensor(dtype === 'float64' ? data : Float32Array.from(data), { shape: n, dtype }).requiresGrad_(true);
}

/** Runs fused and composed layers on the same leaves with the same upstream gradients; compares everything. */
function compareWithComposition(mode: RnnMode, T: number, N: number, I: number, H: number, D: number, states: boolean,
  dtype: 'float32' | 'float64', bias = true) {
  const GH = gatesOf(mode) * H;
  let seed = 7000 + T * 131 + N * 17 + I * 7 + H;
  const scaleW = 1 / Math.sqrt(H);
  const x = leaf([T, N, I], seed++, dtype);
  const h0 = states ? leaf([D, N, H], seed++, dtype, 0.5) : null;
  const c0 = states && mode === RnnMode.Lstm ? leaf([D, N, H], seed++, dtype, 0.5) : null;
  const w: (Tensor | null)[] = [];
  for (let d = 0; d < D; d++) {
    w.push(leaf([GH, I], seed++, dtype, scaleW), leaf([GH, H], seed++, dtype, scaleW));
    if (bias) w.push(leaf([GH], seed++, dtype, scaleW), leaf([GH], seed++, dtype, scaleW));
    else w.push(null, null);
  }
  const leaves = [x, h0, c0, ...w].filter((t): t is Tensor => t !== null);
  const upstream = (shape: number[], s: number) => {
    const u = uniform(shape.reduce((a, b) => a * b, 1), s);
    return flint.tensor(dtype === 'float64' ? u : Float32Array.from(u), { shape, dtype });
  };
  const run = (f: typeof refLayer) => {
    leaves.forEach((t) => (t.grad = null));
    const r = f(mode, x, h0, c0, w);
    let loss = r.output.mul(upstream(r.output.shape, 1)).sum().add(r.hN.mul(upstream(r.hN.shape, 2)).sum());
    if (r.cN) loss = loss.add(r.cN.mul(upstream(r.cN.shape, 3)).sum());
    loss.backward();
    return {
      vals: [r.output, r.hN, ...(r.cN ? [r.cN] : [])].map((t) => Float64Array.from(t.dataSync() as Float32Array)),
      grads: leaves.map((t) => Float64Array.from(t.grad!.dataSync() as Float32Array)),
    };
  };
  const fused = run((m, a, b, c, ws) => {
    const r = rnn(m, a, b, c, ws, { numLayers: 1, bidirectional: D === 2, batchFirst: false, dropout: 0, training: true });
    return { output: r.output, hN: r.hN, cN: r.cN };
  });
  const ref = run(refLayer);
  // float64: the same math in another order; float32: the fused kernel's vectorised exp/tanh
  // (1e-7 relative) and a different summation order, over up to 28 recurrent steps.
  const [rtol, atol] = dtype === 'float64' ? [1e-10, 1e-12] : [2e-4, 2e-5];
  const check = (a: Float64Array, b: Float64Array, what: string) => {
    expect(a.length).toBe(b.length);
    let worst = 0, at = -1;
    for (let i = 0; i < a.length; i++) {
      const err = Math.abs(a[i] - b[i]) - rtol * Math.abs(b[i]);
      if (err > worst) [worst, at] = [err, i];
    }
    if (worst > atol) throw new Error(`${what}: element ${at} fused ${a[at]} vs composed ${b[at]}`);
  };
  ['output', 'h_n', 'c_n'].slice(0, fused.vals.length).forEach((n, i) => check(fused.vals[i], ref.vals[i], n));
  fused.grads.forEach((g, i) => check(g, ref.grads[i], `grad of leaf ${i}`));
}

describe('fused kernels vs the composition of flint ops', () => {
  const sizes: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [5, 3, 7, 7],
    [3, 2, 63, 65],
    [2, 65, 5, 63],
  ];
  for (const [mname, mode] of MODES) {
    for (const [T, N, I, H] of sizes) {
      for (const D of [1, 2]) {
        test(`${mname} T ${T} N ${N} I ${I} H ${H} directions ${D} (float64)`, () =>
          compareWithComposition(mode, T, N, I, H, D, D === 2, 'float64'));
      }
    }
    test(`${mname} without bias and states (float32)`, () => compareWithComposition(mode, 4, 3, 5, 7, 2, false, 'float32', false));
    test(`${mname} at the seed's size T 28 N 64 I 28 H 128 (float32, threaded paths)`, () =>
      compareWithComposition(mode, 28, 64, 28, 128, 1, true, 'float32'));
  }
});

// ---- PyTorch goldens ----

interface FT {
  shape: number[];
  data: (number | string)[];
}
interface RnnGolden {
  name: string;
  layer: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  inputSize: number;
  hiddenSize: number;
  options: Record<string, unknown>;
  stateDict: (FT & { key: string })[];
  input: FT;
  states: FT[];
  upstream: (FT | null)[];
  expected: Record<Dtype, { outputs: FT[]; inputGrad: (number | string)[]; stateGrads: (number | string)[][]; paramGrads: Record<string, (number | string)[]> }>;
}

const fx = loadFixture<RnnGolden>('rnn');
const tensorOf = (ft: FT, dtype: Dtype) =>
  flint.tensor(Float64Array.from(values(ft.data, 'float32')), { shape: ft.shape.slice(), dtype: 'float64' }).to(dtype);

function buildLayer(c: RnnGolden, dtype: Dtype): nn.Module {
  const o = { ...c.options, dtype } as Record<string, unknown>;
  const Cls = (nn as unknown as Record<string, new (i: number, h: number, o: unknown) => nn.Module>)[c.layer];
  return new Cls(c.inputSize, c.hiddenSize, o);
}

describe('PyTorch goldens', () => {
  test('rnn.json has cases of every layer', () => {
    expect(new Set(fx.cases.map((c) => c.layer))).toEqual(new Set(['RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell']));
  });
  for (const c of fx.cases) {
    for (const dtype of ['float64', 'float32'] as Dtype[]) {
      test(`${c.name} [${dtype}]`, () => {
        const m = buildLayer(c, dtype);
        // PyTorch's keys, in PyTorch's order
        expect(Object.keys(m.stateDict())).toEqual(c.stateDict.map((e) => e.key));
        m.loadStateDict(Object.fromEntries(c.stateDict.map((e) => [e.key, tensorOf(e, 'float64')])));
        const x = tensorOf(c.input, dtype).requiresGrad_(true);
        const states = c.states.map((s) => tensorOf(s, dtype).requiresGrad_(true));
        let outs: Tensor[];
        const fwd = (m as unknown as { forward: (...a: unknown[]) => unknown }).forward.bind(m);
        if (c.layer === 'LSTM') {
          const [out, [h, cc]] = fwd(x, states.length ? states : undefined) as [Tensor, [Tensor, Tensor]];
          outs = [out, h, cc];
        } else if (c.layer === 'LSTMCell') {
          outs = fwd(x, states.length ? states : undefined) as Tensor[];
        } else if (c.layer.endsWith('Cell')) {
          outs = [fwd(x, states[0]) as Tensor];
        } else {
          outs = fwd(x, states[0]) as Tensor[];
        }
        const exp = c.expected[dtype];
        expect(outs.length).toBe(exp.outputs.length);
        outs.forEach((o, i) => {
          expect(o.shape).toEqual(exp.outputs[i].shape);
          expect(o.dtype).toBe(dtype);
          expectClose(o.dataSync() as Float32Array, exp.outputs[i].data, dtype, `${c.name} output ${i}`);
        });
        let loss: Tensor | null = null;
        outs.forEach((o, i) => {
          const u = c.upstream[i];
          if (!u) return;
          const term = o.mul(tensorOf(u, dtype)).sum();
          loss = loss ? loss.add(term) : term;
        });
        loss!.backward();
        expectClose(x.grad!.dataSync() as Float32Array, exp.inputGrad, dtype, `${c.name} input grad`);
        states.forEach((s, i) => expectClose(s.grad!.dataSync() as Float32Array, exp.stateGrads[i], dtype, `${c.name} state ${i} grad`));
        const params = Object.fromEntries(m.namedParameters());
        expect(Object.keys(params).sort()).toEqual(Object.keys(exp.paramGrads).sort());
        for (const [k, g] of Object.entries(exp.paramGrads)) {
          if (!params[k].grad) throw new Error(`${c.name}: ${k} got no gradient`);
          expectClose(params[k].grad!.dataSync() as Float32Array, g, dtype, `${c.name} grad of ${k}`);
        }
      });
    }
  }
});

// ---- modules ----

describe('modules', () => {
  test('state dict keys and shapes are PyTorch\'s', () => {
    const m = new nn.GRU(3, 5, { numLayers: 2, bidirectional: true });
    const sd = m.stateDict();
    expect(Object.entries(sd).map(([k, t]) => `${k} ${t.shape}`)).toEqual([
      'weight_ih_l0 15,3', 'weight_hh_l0 15,5', 'bias_ih_l0 15', 'bias_hh_l0 15',
      'weight_ih_l0_reverse 15,3', 'weight_hh_l0_reverse 15,5', 'bias_ih_l0_reverse 15', 'bias_hh_l0_reverse 15',
      'weight_ih_l1 15,10', 'weight_hh_l1 15,5', 'bias_ih_l1 15', 'bias_hh_l1 15',
      'weight_ih_l1_reverse 15,10', 'weight_hh_l1_reverse 15,5', 'bias_ih_l1_reverse 15', 'bias_hh_l1_reverse 15',
    ]);
    expect(Object.keys(new nn.RNN(2, 3, { bias: false }).stateDict())).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect(Object.keys(new nn.LSTMCell(2, 3).stateDict())).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
    const l = new nn.LSTM(28, 128, { batchFirst: true });
    expect(l.weight_ih_l0.shape).toEqual([512, 28]);
    expect(l.allWeights.map((ws) => ws.length)).toEqual([4]);
    expect(l.toString()).toBe('LSTM(28, 128, batchFirst=true)');
  });

  test('default init: every parameter U(-1/sqrt(H), 1/sqrt(H)), seeded', () => {
    flint.manualSeed(3);
    const m = new nn.LSTM(20, 64, { numLayers: 2 });
    const bound = 1 / 8;
    for (const [k, p] of m.namedParameters()) {
      const v = p.dataSync() as Float32Array;
      let lo = Infinity, hi = -Infinity, mean = 0;
      for (const e of v) {
        lo = Math.min(lo, e);
        hi = Math.max(hi, e);
        mean += e / v.length;
      }
      expect({ k, ok: lo >= -bound && hi <= bound && lo < -0.9 * bound && hi > 0.9 * bound && Math.abs(mean) < 0.02 }).toEqual({ k, ok: true });
    }
    flint.manualSeed(3);
    const again = new nn.LSTM(20, 64, { numLayers: 2 });
    expect(Array.from(again.weight_hh_l0.dataSync() as Float32Array)).toEqual(Array.from(m.weight_hh_l0.dataSync() as Float32Array));
  });

  test('batchFirst gives the transposed result of the same weights; unbatched equals a batch of one', () => {
    flint.manualSeed(5);
    const a = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const b = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    b.loadStateDict(a.stateDict());
    const x = flint.randn([5, 2, 3]);
    const [oa, [ha, ca]] = a.forward(x);
    const [ob, [hb, cb]] = b.forward(x.transpose(0, 1));
    expect(ob.shape).toEqual([2, 5, 8]);
    expect(Array.from(ob.transpose(0, 1).dataSync() as Float32Array)).toEqual(Array.from(oa.dataSync() as Float32Array));
    expect(Array.from(hb.dataSync() as Float32Array)).toEqual(Array.from(ha.dataSync() as Float32Array));
    expect(Array.from(cb.dataSync() as Float32Array)).toEqual(Array.from(ca.dataSync() as Float32Array));
    const x1 = x.narrow(1, 0, 1);
    const [o1, [h1]] = a.forward(x1);
    const [ou, [hu, cu]] = a.forward(x1.squeeze(1));
    expect(ou.shape).toEqual([5, 8]);
    expect(hu.shape).toEqual([4, 4]);
    expect(cu.shape).toEqual([4, 4]);
    expect(Array.from(ou.dataSync() as Float32Array)).toEqual(Array.from(o1.dataSync() as Float32Array));
    expect(Array.from(hu.dataSync() as Float32Array)).toEqual(Array.from(h1.dataSync() as Float32Array));
    // unbatched with batchFirst: still [seq, feature]
    const [oub] = b.forward(x1.squeeze(1));
    expect(Array.from(oub.dataSync() as Float32Array)).toEqual(Array.from(o1.dataSync() as Float32Array));
  });

  test('initial states: zeros by default, used when given', () => {
    flint.manualSeed(6);
    const g = new nn.GRU(3, 4);
    const x = flint.randn([2, 3, 3]);
    const [o0] = g.forward(x);
    const [oz] = g.forward(x, flint.zeros([1, 3, 4]));
    expect(Array.from(oz.dataSync() as Float32Array)).toEqual(Array.from(o0.dataSync() as Float32Array));
    const [oh] = g.forward(x, flint.ones([1, 3, 4]));
    expect(Array.from(oh.dataSync() as Float32Array)).not.toEqual(Array.from(o0.dataSync() as Float32Array));
  });

  test('dropout between layers: training only, seeded, never after the last layer', () => {
    flint.manualSeed(7);
    const m = new nn.LSTM(4, 6, { numLayers: 2, dropout: 0.5 });
    const x = flint.randn([5, 3, 4]);
    const evalOut = flint.noGrad(() => m.eval().forward(x)[0].dataSync());
    m.train();
    flint.manualSeed(11);
    const t1 = m.forward(x)[0].dataSync();
    flint.manualSeed(11);
    const t2 = m.forward(x)[0].dataSync();
    expect(Array.from(t1 as Float32Array)).toEqual(Array.from(t2 as Float32Array));
    expect(Array.from(t1 as Float32Array)).not.toEqual(Array.from(evalOut as Float32Array));
    // one layer: nothing to drop
    const one = new nn.GRU(4, 6, { dropout: 0.5 });
    const e1 = flint.noGrad(() => one.eval().forward(x)[0].dataSync());
    const tr1 = one.train().forward(x)[0].dataSync();
    expect(Array.from(tr1 as Float32Array)).toEqual(Array.from(e1 as Float32Array));
    // p = 1: layer 1 sees zeros, so only its own states reach the output and layer 0's
    // weights get zero gradients through the output
    const all = new nn.RNN(4, 6, { numLayers: 2, dropout: 1 });
    all.forward(x)[0].sum().backward();
    for (const k of ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0']) {
      const p = Object.fromEntries(all.namedParameters())[k];
      expect(Array.from(p.grad!.dataSync() as Float32Array).every((v) => v === 0)).toBe(true);
    }
    const whh1 = Object.fromEntries(all.namedParameters()).weight_hh_l1;
    expect(Array.from(whh1.grad!.dataSync() as Float32Array).some((v) => v !== 0)).toBe(true);
  });

  test('cells step like the layer with the same weights', () => {
    flint.manualSeed(8);
    for (const [Layer, Cell] of [[nn.LSTM, nn.LSTMCell], [nn.GRU, nn.GRUCell], [nn.RNN, nn.RNNCell]] as const) {
      const layer = new (Layer as typeof nn.GRU)(3, 5);
      const cell = new (Cell as typeof nn.GRUCell)(3, 5);
      cell.loadStateDict(Object.fromEntries(Object.entries(layer.stateDict()).map(([k, t]) => [k.replace('_l0', ''), t])));
      const x = flint.randn([4, 2, 3]);
      const out = (layer.forward(x) as [Tensor, unknown])[0];
      let h: Tensor | null = null;
      let c: Tensor | null = null;
      for (let t = 0; t < 4; t++) {
        if (cell instanceof nn.LSTMCell) [h, c] = cell.forward(x.select(0, t), h && c ? [h, c] : null);
        else h = cell.forward(x.select(0, t), h);
        const want = Array.from(out.select(0, t).dataSync() as Float32Array);
        const got = Array.from(h!.dataSync() as Float32Array);
        got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-6));
      }
    }
  });

  test('noGrad: no graph, same values; the graph frees its saved state after backward', () => {
    flint.manualSeed(9);
    const m = new nn.LSTM(3, 4);
    const x = flint.randn([3, 2, 3]);
    const [o1] = flint.noGrad(() => m.forward(x));
    expect(o1.requiresGrad).toBe(false);
    expect(o1.gradFn).toBeNull();
    const [o2] = m.forward(x);
    expect(o2.requiresGrad).toBe(true);
    expect(Array.from(o2.dataSync() as Float32Array)).toEqual(Array.from(o1.dataSync() as Float32Array));
    o2.sum().backward();
    expect(() => o2.sum().backward()).toThrow(/already freed/);
  });

  test('retainGraph: a second backward doubles every gradient', () => {
    flint.manualSeed(10);
    const m = new nn.GRU(3, 4, { bidirectional: true });
    const x = flint.randn([3, 2, 3]).requiresGrad_(true);
    const loss = m.forward(x)[0].sum();
    loss.backward(undefined, { retainGraph: true });
    const g1 = Array.from(m.weight_hh_l0.grad!.dataSync() as Float32Array);
    const gx = Array.from(x.grad!.dataSync() as Float32Array);
    loss.backward();
    Array.from(m.weight_hh_l0.grad!.dataSync() as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(2 * g1[i], 5));
    Array.from(x.grad!.dataSync() as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(2 * gx[i], 5));
  });
});

// ---- errors ----

describe('errors name the layer, the argument and the shapes', () => {
  const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
  const x = flint.randn([5, 2, 3]);
  test('wrong input rank', () => {
    expect(() => lstm.forward(flint.randn([3]))).toThrow(/^LSTM: expected input of 3 dimensions \[seq_len, batch, inputSize\] or 2 for an unbatched sequence \[seq_len, inputSize\], but got shape \[3\]$/);
    expect(() => new nn.GRU(3, 4, { batchFirst: true }).forward(flint.randn([2, 5, 3, 1]))).toThrow(/GRU: expected input of 3 dimensions \[batch, seq_len, inputSize\].*got shape \[2, 5, 3, 1\]/);
  });
  test('input size mismatch', () => {
    expect(() => lstm.forward(flint.randn([5, 2, 7]))).toThrow(/^LSTM: expected input with last dimension 3 \(inputSize\) but got shape \[5, 2, 7\]$/);
    expect(() => new nn.LSTMCell(3, 4).forward(flint.randn([2, 5]))).toThrow(/LSTMCell: expected input with last dimension 3 \(inputSize\) but got shape \[2, 5\]/);
  });
  test('hidden-state shape mismatch', () => {
    expect(() => lstm.forward(x, [flint.zeros([1, 2, 4]), flint.zeros([2, 2, 4])])).toThrow(/^LSTM: expected hx\[0\] \(h_0\) of shape \[2, 2, 4\] but got \[1, 2, 4\]$/);
    expect(() => lstm.forward(x, [flint.zeros([2, 2, 4]), flint.zeros([2, 3, 4])])).toThrow(/^LSTM: expected hx\[1\] \(c_0\) of shape \[2, 2, 4\] but got \[2, 3, 4\]$/);
    expect(() => new nn.GRU(3, 4, { bidirectional: true }).forward(x, flint.zeros([1, 2, 4]))).toThrow(/^GRU: expected hx of shape \[2, 2, 4\] but got \[1, 2, 4\]$/);
    expect(() => new nn.RNN(3, 4).forward(x.select(1, 0), flint.zeros([1, 2, 4]))).toThrow(/^RNN: expected hx of shape \[1, 4\] but got \[1, 2, 4\]$/);
    expect(() => new nn.GRUCell(3, 4).forward(flint.randn([2, 3]), flint.zeros([3, 4]))).toThrow(/^GRUCell: expected hx of shape \[2, 4\] but got \[3, 4\]$/);
    expect(() => lstm.forward(x, flint.zeros([2, 2, 4]) as never)).toThrow(/LSTM: expected hx to be a pair \[h_0, c_0\] of tensors/);
    expect(() => lstm.forward(x, [flint.zeros([2, 2, 4]), [1, 2] as never])).toThrow(/LSTM: expected hx\[1\] \(c_0\) to be a tensor but got an array/);
  });
  test('dtype mismatch and empty sequence', () => {
    expect(() => lstm.forward(x.double())).toThrow(/^LSTM: expected input of dtype float32 \(the layer's parameters\) but got float64$/);
    expect(() => lstm.forward(x, [flint.zeros([2, 2, 4], { dtype: 'float64' }), flint.zeros([2, 2, 4])])).toThrow(/LSTM: expected hx\[0\] \(h_0\) of dtype float32 \(like the input\) but got float64/);
    expect(() => lstm.forward(flint.randn([0, 2, 3]))).toThrow(/^LSTM: expected a sequence length > 0 but got input of shape \[0, 2, 3\]$/);
    expect(() => lstm.forward([1, 2, 3] as never)).toThrow(/LSTM: expected input to be a tensor but got an array/);
  });
  test('bad hyper-parameters', () => {
    expect(() => new nn.LSTM(3, 0)).toThrow(/^LSTM: hiddenSize must be an integer >= 1 but got 0$/);
    expect(() => new nn.GRU(3, 4, { numLayers: 1.5 })).toThrow(/^GRU: numLayers must be an integer >= 1 but got 1.5$/);
    expect(() => new nn.RNN(3, 4, { dropout: 1.5 })).toThrow(/^RNN: dropout must be a probability in \[0, 1\] but got 1.5$/);
    expect(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as never })).toThrow(/^RNN: unknown nonlinearity 'sigmoid'/);
    expect(() => new nn.LSTM(3, 4, { dtype: 'int64' as never })).toThrow(/^LSTM: dtype must be 'float32' or 'float64' but got int64$/);
  });
  test('the native entry points check everything and never crash', () => {
    const w = [flint.randn([16, 3]), flint.randn([16, 4]), null, null];
    const h = (ts: (Tensor | null)[]) => ts.map((t) => (t ? t._h : null));
    expect(() => native.rnnForward(2, x._h, null, null, h(w), false)).not.toThrow();
    expect(() => native.rnnForward(7, x._h, null, null, h(w), false)).toThrow(/rnnForward: expected mode 0 \(RNN relu\), 1 \(RNN tanh\), 2 \(LSTM\) or 3 \(GRU\) but got 7/);
    expect(() => native.rnnForward(2, x._h, null, null, h(w.slice(0, 3)), false)).toThrow(/LSTM: expected 4 weights per direction/);
    expect(() => native.rnnForward(2, x._h, null, null, h([flint.randn([16, 2]), w[1], null, null]), false)).toThrow(/^LSTM: expected weight_ih of shape \[16, 3\] but got \[16, 2\] \(input_size 3\)$/);
    expect(() => native.rnnForward(3, x._h, null, null, h(w), false)).toThrow(/^GRU: expected weight_ih of shape \[12, 3\] but got \[16, 3\]/);
    expect(() => native.rnnForward(2, x._h, flint.zeros([2, 2, 4])._h, null, h(w), false)).toThrow(/^LSTM: expected hx \(the initial hidden state\) of shape \[1, 2, 4\] but got \[2, 2, 4\]$/);
    expect(() => native.rnnForward(3, x._h, null, flint.zeros([1, 2, 4])._h, h([flint.randn([12, 3]), flint.randn([12, 4]), null, null]), false)).toThrow(/GRU: got an initial cell state, but only LSTM has one/);
    expect(() => native.rnnForward(2, x._h, null, null, h([w[0], w[1], flint.randn([16], { dtype: 'float64' }), null]), false)).toThrow(/^LSTM: expected bias_ih to be float32 like the input but got float64$/);
    expect(() => native.rnnForward(2, flint.randn([5, 3])._h, null, null, h(w), false)).toThrow(/LSTM: expected input of shape \[seq_len, batch, input_size\] but got \[5, 3\]/);
    expect(() => native.rnnForward(2, flint.zeros([5, 2, 3], { dtype: 'int64' })._h, null, null, h(w), false)).toThrow(/LSTM: expected a float32 or float64 input but got int64/);
    const [packed, ws] = native.rnnForward(2, x._h, null, null, h(w), true);
    expect(ws).not.toBeNull();
    expect(() => native.rnnBackward(2, x._h, null, null, h(w), packed, null, packed, true, true)).toThrow(/LSTM: backward needs the forward's workspace/);
    expect(() => native.rnnBackward(2, x._h, null, null, h(w), packed, ws, flint.zeros([3])._h, true, true)).toThrow(/^LSTM: expected the gradient of the packed output of shape \[56\] but got \[3\]$/);
    const [dx, dhx, dcx, dw] = native.rnnBackward(2, x._h, null, null, h(w), packed, ws, packed, true, false);
    expect([dx!.shape, dhx.shape, dcx!.shape, dw]).toEqual([[5, 2, 3], [1, 2, 4], [1, 2, 4], [null, null, null, null]]);
  });
});

// ---- memory ----

test('a synchronous LSTM training loop (no dispose) keeps native memory bounded', () => {
  // Each step allocates the workspace (gates, cells: 28 * 64 * 6 * 128 floats), the packed
  // output, its gradient and the weight gradients: about 10 MB. A loop that freed nothing
  // would hold all of it; the autograd engine drops the saved workspace after backward and the
  // garbage collector returns the rest during the loop.
  flint.manualSeed(0);
  const lstm = new nn.LSTM(28, 128, { batchFirst: true });
  const fc = new nn.Linear(128, 10);
  const opt = new flint.optim.SGD([...lstm.parameters(), ...fc.parameters()], { lr: 0.05 });
  const x = flint.randn([64, 28, 28]);
  const y = flint.tensor(BigInt64Array.from({ length: 64 }, (_, i) => BigInt(i % 10)), { dtype: 'int64' });
  const perStep = 4 * (28 * 64 * 6 * 128 + 3 * (28 * 64 * 128 + 2 * 64 * 128) + 512 * (28 + 128 + 2));
  let peakLive = 0;
  const losses: number[] = [];
  const steps = 150;
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const [out] = lstm.forward(x);
    const loss = flint.crossEntropy(fc.forward(out.select(1, -1)), y);
    loss.backward();
    opt.step();
    peakLive = Math.max(peakLive, flint.memoryStats().liveBytes);
    losses.push(loss.item());
  }
  expect(perStep * steps).toBeGreaterThan(1.2e9);
  expect(peakLive).toBeLessThan((perStep * steps) / 4);
  expect(losses[steps - 1]).toBeLessThan(losses[0]);
});
