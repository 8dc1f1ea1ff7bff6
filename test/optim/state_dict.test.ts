// Optimizer state dicts: torch.optim's structure, bit-identical resumption after a round trip
// (in memory and through safetensors), and clear errors for state dicts that do not fit.
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import * as flint from '../../lib';
import { optimizerClass } from './optim_fixture';

type Dtype = 'float32' | 'float64';
const SHAPES = [[3, 4], [4], [2, 2]];

function makeParams(dtype: Dtype, seed: number): flint.Tensor[] {
  flint.manualSeed(seed);
  return SHAPES.map((s) => flint.randn(s, { dtype }).requiresGrad_(true));
}
/** Deterministic gradients for step s (param 1 has none on odd steps). */
function setGrads(ps: flint.Tensor[], s: number): void {
  ps.forEach((p, i) => {
    if (i === 1 && s % 2 === 1) {
      p.grad = null;
      return;
    }
    const n = p.numel();
    const g = new Float64Array(n);
    for (let k = 0; k < n; k++) g[k] = Math.sin(1.7 * k + 3.1 * s + i) * (1 + 0.3 * s) + (k % 3 === 0 ? 0.25 : -0.1);
    p.grad = flint.tensor(g, { shape: p.shape.slice(), dtype: 'float64' }).to(p.dtype);
  });
}
const copyParams = (ps: flint.Tensor[]) => ps.map((p) => p.detach().clone().requiresGrad_(true));
const groupsOf = (ps: flint.Tensor[], second: Record<string, unknown>) => [{ params: [ps[0], ps[1]] }, { params: [ps[2]], ...second }];
const bits = (t: flint.Tensor) => Array.from(t.dataSync() as Float64Array);

const CONFIGS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true }, { lr: 0.05, momentum: 0.5 }],
  ['Adam', { lr: 0.05, amsgrad: true, weightDecay: 0.01 }, { lr: 0.1, betas: [0.8, 0.95] }],
  ['AdamW', { lr: 0.05 }, { lr: 0.02, amsgrad: true }],
  ['RMSprop', { lr: 0.01, momentum: 0.9, centered: true }, { lr: 0.02, momentum: 0 }],
  ['Adagrad', { lr: 0.1, lrDecay: 0.05, initialAccumulatorValue: 0.1 }, { lr: 0.2 }],
  ['Adadelta', { lr: 0.5, rho: 0.8, weightDecay: 0.01 }, { lr: 1.0, maximize: true }],
];

describe('state dict round trip resumes training bit-identically', () => {
  for (const [name, opts, second] of CONFIGS) {
    for (const dtype of ['float32', 'float64'] as Dtype[]) {
      for (const via of ['memory', 'safetensors'] as const) {
        test(`${name} [${dtype}] via ${via}`, () => {
          const Opt = optimizerClass(name);
          const ps = makeParams(dtype, 7);
          const opt = new Opt(groupsOf(ps, second), opts);
          for (let s = 0; s < 3; s++) {
            setGrads(ps, s);
            opt.step();
          }
          let sd = opt.stateDict();
          const resumed = copyParams(ps);
          if (via === 'safetensors') {
            const { tensors, metadata } = flint.optim.stateDictToSafetensors(sd);
            const bytes = flint.io.serialize(tensors, metadata);
            sd = flint.optim.stateDictFromSafetensors(flint.io.deserialize(bytes), flint.io.readHeader(bytes).metadata);
          }
          // continue the original
          for (let s = 3; s < 6; s++) {
            setGrads(ps, s);
            opt.step();
          }
          // a fresh optimizer (fresh defaults: the state dict brings the options) loaded from the snapshot
          const fresh = new Opt(groupsOf(resumed, {}), name === 'SGD' ? { lr: 1 } : {});
          fresh.loadStateDict(sd);
          for (let s = 3; s < 6; s++) {
            setGrads(resumed, s);
            fresh.step();
          }
          ps.forEach((p, i) => expect(bits(resumed[i])).toEqual(bits(p)));
          expect(fresh.paramGroups.map((g) => ({ ...g, params: g.params.length }))).toEqual(
            opt.paramGroups.map((g) => ({ ...g, params: g.params.length })),
          );
          // the state matches too
          const a = opt.stateDict(), b = fresh.stateDict();
          expect(Object.keys(b.state)).toEqual(Object.keys(a.state));
          for (const [k, entry] of Object.entries(a.state)) {
            for (const [sk, v] of Object.entries(entry)) {
              const w = b.state[Number(k)][sk];
              if (v instanceof flint.Tensor) expect(bits(w as flint.Tensor)).toEqual(bits(v));
              else expect(w).toBe(v);
            }
          }
        });
      }
    }
  }
});

describe('state dict structure', () => {
  test('torch.optim layout: indices across groups, snake_case options, torch state names', () => {
    const ps = makeParams('float32', 1);
    const opt = new flint.optim.Adam(groupsOf(ps, { lr: 0.5 }), { weightDecay: 0.1, amsgrad: true });
    setGrads(ps, 1); // param 1 has no gradient
    opt.step();
    const sd = opt.stateDict();
    expect(sd.param_groups).toEqual([
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: true, maximize: false, params: [0, 1] },
      { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.1, amsgrad: true, maximize: false, params: [2] },
    ]);
    expect(Object.keys(sd.state)).toEqual(['0', '2']);
    expect(Object.keys(sd.state[0]).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    expect(sd.state[0].step).toBe(1);
    // the snapshot does not follow later steps
    const before = bits(sd.state[0].exp_avg as flint.Tensor);
    setGrads(ps, 2);
    opt.step();
    expect(bits(sd.state[0].exp_avg as flint.Tensor)).toEqual(before);
    expect(sd.state[0].step).toBe(1);
  });

  test('state names per optimizer', () => {
    const names: Record<string, string[]> = {
      SGD: ['momentum_buffer'],
      RMSprop: ['grad_avg', 'momentum_buffer', 'square_avg', 'step'],
      Adagrad: ['step', 'sum'],
      Adadelta: ['acc_delta', 'square_avg', 'step'],
      AdamW: ['exp_avg', 'exp_avg_sq', 'step'],
    };
    const opts: Record<string, Record<string, unknown>> = {
      SGD: { lr: 0.1, momentum: 0.9 }, RMSprop: { momentum: 0.5, centered: true }, Adagrad: {}, Adadelta: {}, AdamW: {},
    };
    for (const [name, keys] of Object.entries(names)) {
      const p = flint.ones([2], { requiresGrad: true });
      const opt = new (optimizerClass(name))([p], opts[name]);
      p.grad = flint.ones([2]);
      opt.step();
      expect([name, Object.keys(opt.stateDict().state[0]).sort()]).toEqual([name, keys]);
    }
  });

  test('Adagrad lists every parameter from the start (as torch)', () => {
    const ps = makeParams('float32', 2);
    const sd = new flint.optim.Adagrad(ps, { initialAccumulatorValue: 0.25 }).stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1', '2']);
    expect(sd.state[1].step).toBe(0);
    expect(Array.from((sd.state[1].sum as flint.Tensor).dataSync())).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  test('state tensors are cast to the parameter dtype', () => {
    const p64 = flint.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const o64 = new flint.optim.Adam([p64]);
    p64.grad = flint.tensor([0.5, 0.25], { dtype: 'float64' });
    o64.step();
    const p32 = flint.tensor([1, 2], { requiresGrad: true });
    const o32 = new flint.optim.Adam([p32]);
    o32.loadStateDict(o64.stateDict());
    const st = o32.state.get(p32)!;
    expect((st.exp_avg as flint.Tensor).dtype).toBe('float32');
    expect(st.step).toBe(1);
  });

  test('a scheduler resumes from an optimizer state dict (initial_lr)', () => {
    const ps = makeParams('float64', 3);
    const opt = new flint.optim.SGD(ps, { lr: 0.1 });
    const sched = new flint.optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    for (let i = 0; i < 3; i++) sched.step();
    const osd = opt.stateDict();
    expect(osd.param_groups[0].initial_lr).toBe(0.1);
    const ssd = sched.stateDict();
    const opt2 = new flint.optim.SGD(copyParams(ps), { lr: 1 });
    opt2.loadStateDict(osd);
    expect(opt2.paramGroups[0].initialLr).toBe(0.1);
    const sched2 = new flint.optim.StepLR(opt2, { stepSize: 2, gamma: 0.5, lastEpoch: 3 });
    sched2.loadStateDict(ssd);
    opt2.paramGroups[0].lr = opt.paramGroups[0].lr; // (torch's resumption also takes lr from the optimizer state)
    for (let i = 0; i < 5; i++) {
      sched.step();
      sched2.step();
      expect(sched2.getLastLr()).toEqual(sched.getLastLr());
    }
  });
});

describe('loadStateDict refuses what does not fit, and changes nothing', () => {
  function trained() {
    const ps = makeParams('float32', 5);
    const opt = new flint.optim.Adam(groupsOf(ps, { lr: 0.5 }), { lr: 0.1 });
    setGrads(ps, 0);
    opt.step();
    return { ps, opt };
  }
  function unchanged(opt: flint.optim.Optimizer<any>, f: () => void, re: RegExp) {
    const before = opt.stateDict();
    const lrs = opt.paramGroups.map((g) => g.lr);
    expect(f).toThrow(re);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(lrs);
    const after = opt.stateDict();
    expect(Object.keys(after.state)).toEqual(Object.keys(before.state));
    for (const k of Object.keys(before.state)) {
      expect(bits(after.state[Number(k)].exp_avg as flint.Tensor)).toEqual(bits(before.state[Number(k)].exp_avg as flint.Tensor));
      expect(after.state[Number(k)].step).toBe(before.state[Number(k)].step);
    }
  }

  test('group count', () => {
    const { opt } = trained();
    const sd = opt.stateDict();
    sd.param_groups.pop();
    unchanged(opt, () => opt.loadStateDict(sd), /Adam\.loadStateDict: the state dict has 1 parameter groups but the optimizer has 2/);
  });
  test('group size', () => {
    const { opt } = trained();
    const sd = opt.stateDict();
    sd.param_groups[0].params = [0];
    unchanged(opt, () => opt.loadStateDict(sd), /parameter group 0 has 1 parameters in the state dict but 2 in the optimizer/);
  });
  test('state shape', () => {
    const { opt } = trained();
    const sd = opt.stateDict();
    sd.state[2].exp_avg_sq = flint.zeros([4]);
    sd.param_groups[0].lr = 0.9; // must not be applied either
    unchanged(opt, () => opt.loadStateDict(sd), /state 'exp_avg_sq' of parameter 2 has shape \[4\] but the parameter is \[2, 2\]/);
  });
  test('another optimizer\'s state', () => {
    const { ps, opt } = trained();
    const sgd = new flint.optim.SGD(groupsOf(ps, {}), { lr: 0.1, momentum: 0.9 });
    setGrads(ps, 0);
    sgd.step();
    unchanged(opt, () => opt.loadStateDict(sgd.stateDict()), /unexpected state 'momentum_buffer' for parameter 0 \(Adam keeps step, exp_avg, exp_avg_sq, max_exp_avg_sq\)/);
  });
  test('missing state entries and bad steps', () => {
    const { opt } = trained();
    let sd = opt.stateDict();
    delete sd.state[0].exp_avg;
    unchanged(opt, () => opt.loadStateDict(sd), /the state of parameter 0 has no 'exp_avg'/);
    sd = opt.stateDict();
    sd.state[0].step = 1.5;
    unchanged(opt, () => opt.loadStateDict(sd), /expected state 'step' of parameter 0 to be a non-negative integer but got 1.5/);
    sd = opt.stateDict();
    sd.state[7] = sd.state[0];
    unchanged(opt, () => opt.loadStateDict(sd), /state for parameter 7, which no parameter group lists/);
    sd = opt.stateDict();
    (sd.state[0] as any).exp_avg = [1, 2];
    unchanged(opt, () => opt.loadStateDict(sd), /expected state 'exp_avg' of parameter 0 to be a tensor/);
  });
  test('invalid options in a group', () => {
    const { opt } = trained();
    let sd = opt.stateDict();
    sd.param_groups[1].betas = [0.9, 1.5];
    unchanged(opt, () => opt.loadStateDict(sd), /Adam: invalid beta parameter at index 1: 1.5/);
    sd = opt.stateDict();
    sd.param_groups[1].lr = '0.1';
    unchanged(opt, () => opt.loadStateDict(sd), /Adam: expected lr to be a number but got "0.1"/);
    unchanged(opt, () => opt.loadStateDict({} as any), /Adam\.loadStateDict: expected an object \{ state, param_groups \}/);
  });
  test('safetensors form: bad metadata', () => {
    const { opt } = trained();
    const { tensors } = flint.optim.stateDictToSafetensors(opt.stateDict());
    expect(() => flint.optim.stateDictFromSafetensors(tensors, {})).toThrow(/the metadata has no 'flint.optimizer' entry/);
    expect(() => flint.optim.stateDictFromSafetensors({ weird: flint.zeros([1]) }, { 'flint.optimizer': '{"param_groups":[],"state":{}}' }))
      .toThrow(/unexpected tensor 'weird'/);
  });
});

test('optimizer state saved to a safetensors file and loaded back', () => {
  const ps = makeParams('float32', 9);
  const opt = new flint.optim.RMSprop(ps, { momentum: 0.9 });
  setGrads(ps, 0);
  opt.step();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-optim-'));
  const file = path.join(dir, 'opt.safetensors');
  try {
    const { tensors, metadata } = flint.optim.stateDictToSafetensors(opt.stateDict());
    flint.io.save(tensors, file, metadata);
    expect(Object.keys(flint.io.readHeader(file).tensors).sort()).toContain('state.0.square_avg');
    const opt2 = new flint.optim.RMSprop(copyParams(ps));
    opt2.loadStateDict(flint.optim.stateDictFromSafetensors(flint.io.load(file), flint.io.readHeader(file).metadata));
    expect(opt2.paramGroups[0].momentum).toBe(0.9);
    expect(bits(opt2.state.get(opt2.paramGroups[0].params[0])!.momentum_buffer as flint.Tensor)).toEqual(
      bits(opt.state.get(ps[0])!.momentum_buffer as flint.Tensor),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
