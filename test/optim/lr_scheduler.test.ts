// lr schedulers against torch.optim.lr_scheduler (test/fixtures/optim.json): the learning rate
// of both param groups after construction and after each step, 20+ steps, including two chained
// schedulers and ReduceLROnPlateau over fixed metric sequences (NaN metrics too).
import * as flint from '../../lib';
import { decode } from '../helpers/goldens';
import { expectNumber, fixture, SchedulerCase } from './optim_fixture';

const { lrScheduler } = flint.optim;
type Sched = flint.optim.LRScheduler | flint.optim.ReduceLROnPlateau;

function build(c: SchedulerCase) {
  const p = flint.zeros([1], { requiresGrad: true });
  const q = flint.zeros([1], { requiresGrad: true });
  const opt = new flint.optim.SGD([{ params: [p] }, { params: [q], lr: c.group_lrs[1] }], { lr: c.group_lrs[0] });
  const scheds: Sched[] = c.schedulers.map((s) => {
    const Cls = (lrScheduler as unknown as Record<string, new (o: unknown, opts: unknown) => Sched>)[s.scheduler];
    return new Cls(opt, s.options);
  });
  return { opt, scheds };
}
function run(c: SchedulerCase, opt: flint.optim.SGD, scheds: Sched[], from: number, to: number, check: boolean) {
  for (let s = from; s < to; s++) {
    opt.step();
    for (const sc of scheds) {
      if (sc instanceof lrScheduler.ReduceLROnPlateau) sc.step(decode(c.metrics![s]));
      else sc.step();
    }
    if (!check) continue;
    opt.paramGroups.forEach((g, i) => expectNumber(g.lr, c.lrs[s + 1][i], `${c.name} step ${s + 1} group ${i}`));
    expect(scheds[scheds.length - 1].getLastLr()).toEqual(opt.paramGroups.map((g) => g.lr));
  }
}

describe('lr schedulers vs torch.optim.lr_scheduler', () => {
  test('the fixture covers every scheduler over 20+ steps', () => {
    const kinds = new Set(fixture.schedulers.flatMap((c) => c.schedulers.map((s) => s.scheduler)));
    expect([...kinds].sort()).toEqual(['CosineAnnealingLR', 'ExponentialLR', 'MultiStepLR', 'ReduceLROnPlateau', 'StepLR']);
    expect(fixture.schedulers.every((c) => c.steps >= 20)).toBe(true);
  });
  for (const c of fixture.schedulers) {
    test(c.name, () => {
      const { opt, scheds } = build(c);
      opt.paramGroups.forEach((g, i) => expectNumber(g.lr, c.lrs[0][i], `${c.name} initial group ${i}`));
      run(c, opt, scheds, 0, c.steps, true);
      if (c.final) {
        const sc = scheds[0] as flint.optim.ReduceLROnPlateau;
        expectNumber(sc.best, c.final.best, `${c.name} best`);
        expect([sc.numBadEpochs, sc.cooldownCounter, sc.lastEpoch]).toEqual([
          c.final.num_bad_epochs, c.final.cooldown_counter, c.final.last_epoch,
        ]);
      }
      // stateDict keys are torch's (less verbose and _get_lr_called_within_step)
      expect(Object.keys(scheds[0].stateDict()).sort()).toEqual(c.state_dict_keys);
    });
    test(`${c.name}: stateDict mid-way resumes the same sequence`, () => {
      const half = Math.floor(c.steps / 2);
      const a = build(c);
      run(c, a.opt, a.scheds, 0, half, false);
      const osd = a.opt.stateDict();
      const ssds = a.scheds.map((s) => JSON.parse(JSON.stringify(s.stateDict(), (_, v) => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v))));
      const b = build(c);
      b.opt.loadStateDict(osd);
      b.scheds.forEach((s, i) => {
        const sd = ssds[i];
        for (const k of ['best', 'mode_worse']) if (typeof sd[k] === 'string') sd[k] = decode(sd[k]);
        s.loadStateDict(sd);
      });
      run(c, b.opt, b.scheds, half, c.steps, true);
    });
  }
  test('exported as optim.lrScheduler.X and optim.X', () => {
    expect(flint.optim.StepLR).toBe(lrScheduler.StepLR);
    expect(flint.optim.ReduceLROnPlateau).toBe(lrScheduler.ReduceLROnPlateau);
    expect(flint.optim.CosineAnnealingLR).toBe(lrScheduler.CosineAnnealingLR);
  });
});

describe('scheduler errors', () => {
  const opt = () => new flint.optim.SGD([flint.zeros([1], { requiresGrad: true })], { lr: 0.1 });
  test('invalid options name the scheduler and the value', () => {
    expect(() => new flint.optim.StepLR(opt(), { stepSize: 0 })).toThrow(/StepLR: invalid stepSize 0 \(expected a positive integer\)/);
    expect(() => new flint.optim.StepLR(opt(), { stepSize: 1.5 })).toThrow(/StepLR: invalid stepSize 1.5/);
    expect(() => new flint.optim.StepLR(opt(), { stepSize: 2, gamma: -1 })).toThrow(/StepLR: invalid gamma -1/);
    expect(() => new flint.optim.StepLR(opt(), undefined as any)).toThrow(/StepLR: invalid stepSize undefined/);
    expect(() => new flint.optim.MultiStepLR(opt(), { milestones: [3, -1] })).toThrow(/MultiStepLR: invalid milestones \[3, -1\]/);
    expect(() => new flint.optim.ExponentialLR(opt(), { gamma: NaN })).toThrow(/ExponentialLR: invalid gamma NaN/);
    expect(() => new flint.optim.CosineAnnealingLR(opt(), { tMax: 0 })).toThrow(/CosineAnnealingLR: invalid tMax 0/);
    expect(() => new flint.optim.CosineAnnealingLR(opt(), { tMax: 5, etaMin: -1 })).toThrow(/CosineAnnealingLR: invalid etaMin -1/);
    expect(() => new flint.optim.StepLR({} as any, { stepSize: 2 })).toThrow(/StepLR: expected an optimizer/);
    expect(() => new flint.optim.StepLR(opt(), { stepSize: 2, lastEpoch: 4 })).toThrow(/StepLR: parameter group 0 has no initialLr, which resuming \(lastEpoch 4\) needs/);
    const P = flint.optim.ReduceLROnPlateau;
    expect(() => new P(opt(), { factor: 1 })).toThrow(/ReduceLROnPlateau: invalid factor 1 \(expected 0 <= factor < 1\)/);
    expect(() => new P(opt(), { mode: 'up' as any })).toThrow(/ReduceLROnPlateau: mode "up" is unknown/);
    expect(() => new P(opt(), { thresholdMode: 'x' as any })).toThrow(/ReduceLROnPlateau: thresholdMode "x" is unknown/);
    expect(() => new P(opt(), { patience: -1 })).toThrow(/ReduceLROnPlateau: invalid patience -1/);
    expect(() => new P(opt(), { cooldown: 0.5 })).toThrow(/ReduceLROnPlateau: invalid cooldown 0.5/);
    expect(() => new P(opt(), { minLr: [0.1, 0.2] })).toThrow(/ReduceLROnPlateau: expected 1 minLr values \(one per parameter group\) but got 2/);
    expect(() => new P(opt(), { eps: -1 })).toThrow(/ReduceLROnPlateau: invalid eps -1/);
    expect(() => new P(opt()).step('x' as any)).toThrow(/ReduceLROnPlateau.step: expected the metric to be a number or a one-element tensor/);
  });
  test('an invalid scheduler leaves the optimizer alone', () => {
    const o = opt();
    expect(() => new flint.optim.StepLR(o, { stepSize: -3 })).toThrow(/invalid stepSize/);
    expect(o.paramGroups[0].initialLr).toBeUndefined();
  });
  test('loadStateDict checks before it sets', () => {
    const s = new flint.optim.StepLR(opt(), { stepSize: 3 });
    s.step();
    const sd = s.stateDict();
    expect(() => s.loadStateDict({ ...sd, step_size: 'three' })).toThrow(/StepLR.loadStateDict: expected step_size to be a int but got "three"/);
    expect(() => s.loadStateDict({ ...sd, base_lrs: [0.1, 0.2] })).toThrow(/base_lrs has 2 values but the optimizer has 1 parameter groups/);
    const { gamma, ...noGamma } = sd;
    expect(gamma).toBe(0.1);
    expect(() => s.loadStateDict(noGamma)).toThrow(/StepLR.loadStateDict: the state dict has no gamma/);
    expect(s.stateDict()).toEqual(sd);
    const p = new flint.optim.ReduceLROnPlateau(opt());
    expect(() => p.loadStateDict({ ...p.stateDict(), mode: 'sideways' })).toThrow(/mode "sideways" is unknown/);
  });
  test('ReduceLROnPlateau takes a one-element tensor metric', () => {
    const o = opt();
    const p = new flint.optim.ReduceLROnPlateau(o, { patience: 0, factor: 0.5 });
    p.step(flint.tensor([1.0]));
    p.step(flint.tensor(2.0));
    expect(p.getLastLr()).toEqual([0.05]);
  });
});
