// SGD, Adam, AdamW, RMSprop, Adagrad and Adadelta against torch 1.13 (test/fixtures/optim.json,
// scripts/goldens_optim.py): three parameters in two param groups (the second with its own lr
// and sometimes more), 6 steps with some gradients missing, float64 and float32. Parameters are
// compared after every step and the state (by torch's names) after the last one.
import * as flint from '../../lib';
import { DTYPES, expectMatch, fixture, optimizerClass, tensorOf } from './optim_fixture';

describe('optimizers vs torch.optim', () => {
  test('the fixture covers every optimizer and option', () => {
    const names = new Set(fixture.optimizers.map((c) => c.optimizer));
    expect([...names].sort()).toEqual(['Adadelta', 'Adagrad', 'Adam', 'AdamW', 'RMSprop', 'SGD']);
    const has = (opt: string, key: string) =>
      fixture.optimizers.some((c) => c.optimizer === opt && (key in c.options || c.groups.some((g) => key in g.options)));
    for (const k of ['amsgrad', 'weightDecay', 'maximize', 'betas', 'eps']) expect([k, has('Adam', k)]).toEqual([k, true]);
    for (const k of ['amsgrad', 'weightDecay', 'maximize', 'betas']) expect([k, has('AdamW', k)]).toEqual([k, true]);
    for (const k of ['alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize']) expect([k, has('RMSprop', k)]).toEqual([k, true]);
    for (const k of ['lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize']) expect([k, has('Adagrad', k)]).toEqual([k, true]);
    for (const k of ['rho', 'eps', 'lr', 'weightDecay', 'maximize']) expect([k, has('Adadelta', k)]).toEqual([k, true]);
    // some gradient is missing on some step, including a first step
    expect(fixture.optimizers.every((c) => c.grads.some((gs) => gs.includes(null)) && c.grads[0].includes(null))).toBe(true);
    expect(fixture.optimizers.every((c) => c.grads.length >= 5)).toBe(true);
  });

  for (const c of fixture.optimizers) {
    for (const dtype of DTYPES) {
      test(`${c.name} [${dtype}]`, () => {
        const ps = c.params.map((p) => tensorOf(p.data, p.shape, dtype).requiresGrad_(true));
        const Opt = optimizerClass(c.optimizer);
        const opt = new Opt(c.groups.map((g) => ({ params: g.params.map((i) => ps[i]), ...g.options })), c.options);
        for (let s = 0; s < c.grads.length; s++) {
          ps.forEach((p, i) => {
            const g = c.grads[s][i];
            p.grad = g === null ? null : tensorOf(g, p.shape, dtype);
          });
          const grads = ps.map((p) => (p.grad ? Array.from(p.grad.dataSync() as Float64Array) : null));
          opt.step();
          ps.forEach((p, i) => {
            expect(p.dtype).toBe(dtype);
            expectMatch(p.dataSync() as Float64Array, c.expected[dtype][s][i], dtype, `${c.name} ${dtype} step ${s + 1} param ${i}`);
            // the step leaves the gradient alone
            if (p.grad) expect(Array.from(p.grad.dataSync() as Float64Array)).toEqual(grads[i]);
          });
        }
        // the state, under torch's names
        const sd = opt.stateDict();
        const want = c.state[dtype];
        expect(Object.keys(sd.state).map(String).sort()).toEqual(Object.keys(want).sort());
        for (const [idx, entry] of Object.entries(want)) {
          const got = sd.state[Number(idx)];
          expect(Object.keys(got).sort()).toEqual(Object.keys(entry).sort());
          for (const [k, v] of Object.entries(entry)) {
            if (typeof v === 'number') expect([k, got[k]]).toEqual([k, v]);
            else {
              const t = got[k] as flint.Tensor;
              expect(t.dtype).toBe(dtype);
              expect(t.shape).toEqual(ps[Number(idx)].shape);
              expectMatch(t.dataSync() as Float64Array, v, dtype, `${c.name} ${dtype} state ${idx}.${k}`);
            }
          }
        }
      });
    }
  }
});

describe('invalid hyper-parameters', () => {
  const decodeOpt = (v: unknown): unknown => (v === 'NaN' ? NaN : Array.isArray(v) ? v.map(decodeOpt) : v);
  for (const c of fixture.invalid) {
    const opts = Object.fromEntries(Object.entries(c.options).map(([k, v]) => [k, decodeOpt(v)]));
    test(`${c.optimizer} ${JSON.stringify(c.options)} (torch: ${c.torch_message ?? 'accepted'})`, () => {
      const Opt = optimizerClass(c.optimizer);
      const p = [flint.zeros([2], { requiresGrad: true })];
      let msg = '';
      try {
        new Opt(p, opts);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(new RegExp(`^${c.optimizer}: `));
      // names the offending value (or, for nesterov, the rule)
      const bad = Object.entries(opts).find(([k, v]) => k !== 'lr' || Object.keys(opts).length === 1 || (v as number) < 0 || Number.isNaN(v));
      if (bad && typeof bad[1] === 'number') expect(msg).toContain(String(bad[1]));
      if (bad && Array.isArray(bad[1])) {
        const bv = (bad[1] as number[]).find((b) => !(b >= 0 && b < 1));
        expect(msg).toContain(String(bv));
      }
    });
  }

  test('a group with a bad option is refused and leaves the optimizer as it was', () => {
    const a = flint.zeros([2], { requiresGrad: true });
    const b = flint.zeros([2], { requiresGrad: true });
    const opt = new flint.optim.Adam([a]);
    expect(() => opt.addParamGroup({ params: [b], betas: [0.9, 1] })).toThrow(/Adam: invalid beta parameter at index 1: 1/);
    expect(() => opt.addParamGroup({ params: [b], lr: -0.1 })).toThrow(/Adam: invalid learning rate -0.1/);
    expect(opt.paramGroups.length).toBe(1);
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups[1].lr).toBe(0.5);
    expect(opt.paramGroups[1].betas).toEqual([0.9, 0.999]);
  });

  test('option types and snake_case spellings', () => {
    const p = [flint.zeros([2], { requiresGrad: true })];
    expect(() => new flint.optim.Adam(p, { betas: [0.9] as any })).toThrow(/Adam: expected betas to be an array of 2 numbers but got \[0.9\]/);
    expect(() => new flint.optim.Adam(p, { lr: '0.1' as any })).toThrow(/Adam: expected lr to be a number but got "0.1"/);
    expect(() => new flint.optim.RMSprop(p, { centered: 1 as any })).toThrow(/RMSprop: expected centered to be a boolean but got 1/);
    expect(() => new flint.optim.Adam(p, { weight_decay: 0.1 } as any)).toThrow(/Adam: unknown option weight_decay in options \(did you mean weightDecay\?\)/);
    expect(() => new flint.optim.Adagrad([{ params: p, lr_decay: 0.1 } as any])).toThrow(/Adagrad: unknown option lr_decay in parameter group 0 \(did you mean lrDecay\?\)/);
    expect(() => new flint.optim.AdamW([])).toThrow(/AdamW: got an empty parameter list/);
    expect(() => new flint.optim.Adam([{ params: [] }])).toThrow(/Adam: got a parameter group with no parameters/);
    expect(() => new flint.optim.Adam([p[0], p[0]])).toThrow(/Adam: parameter 1 appears twice in one group/);
  });
});

describe('defaults are torch.optim\'s', () => {
  const p = () => [flint.zeros([1], { requiresGrad: true })];
  test.each([
    ['Adam', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }],
    ['AdamW', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }],
    ['RMSprop', { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }],
    ['Adagrad', { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }],
    ['Adadelta', { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }],
  ])('%s', (name, defaults) => {
    const Opt = optimizerClass(name);
    expect(new Opt(p()).defaults).toEqual(defaults);
  });
});

describe('every gradient is checked before any parameter changes', () => {
  for (const name of ['Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta']) {
    test(name, () => {
      const a = flint.tensor([1, 2, 3], { requiresGrad: true });
      const b = flint.tensor([4, 5], { requiresGrad: true });
      a.grad = flint.tensor([1, 1, 1]);
      b.grad = flint.tensor([1, 1], { dtype: 'float64' }); // wrong dtype
      const opt = new (optimizerClass(name))([a, b], { lr: 0.5 });
      const before = opt.stateDict();
      expect(() => opt.step()).toThrow(new RegExp(`${name}: parameter 1 is \\[2\\] float32 but its gradient is \\[2\\] float64`));
      expect(Array.from(a.dataSync())).toEqual([1, 2, 3]);
      expect(Array.from(b.dataSync())).toEqual([4, 5]);
      // no state was created or advanced
      const after = opt.stateDict();
      expect(Object.keys(after.state)).toEqual(Object.keys(before.state));
    });
  }
  test('integer and non-contiguous parameters are refused up front', () => {
    const w = flint.tensor([[1, 2], [3, 4]], { dtype: 'float64' }).t().detach().requiresGrad_(true);
    w.grad = flint.ones([2, 2], { dtype: 'float64' });
    expect(() => new flint.optim.Adam([w]).step()).toThrow(/Adam: parameter 0 is not contiguous/);
    const i = flint.tensor([1, 2], { dtype: 'int64' });
    i.grad = flint.tensor([1, 1], { dtype: 'int64' });
    expect(() => new flint.optim.RMSprop([i]).step()).toThrow(/RMSprop: parameter 0 is int64; only float32 and float64 parameters can be optimized/);
  });
});

test('a strided (non-contiguous) gradient is read correctly', () => {
  const mk = () => flint.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' }).requiresGrad_(true);
  const gT = flint.tensor([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], { dtype: 'float64' }).t();
  expect(gT.isContiguous()).toBe(false);
  const a = mk(), b = mk();
  a.grad = gT;
  b.grad = gT.contiguous();
  const oa = new flint.optim.Adam([a], { lr: 0.1 }), ob = new flint.optim.Adam([b], { lr: 0.1 });
  oa.step();
  ob.step();
  expect(a.toArray()).toEqual(b.toArray());
});

test('amsgrad turned on after the first step creates max_exp_avg_sq from zeros', () => {
  const p = flint.tensor([1, -2], { dtype: 'float64', requiresGrad: true });
  const opt = new flint.optim.Adam([p], { lr: 0.1 });
  p.grad = flint.tensor([0.5, -0.25], { dtype: 'float64' });
  opt.step();
  opt.paramGroups[0].amsgrad = true;
  opt.step();
  const st = opt.state.get(p)!;
  expect((st.max_exp_avg_sq as flint.Tensor).toArray()).toEqual((st.exp_avg_sq as flint.Tensor).toArray());
  expect(st.step).toBe(2);
});
