// End to end: a small MLP trained with each optimizer, a scheduler and gradient clipping, the
// PyTorch way (zeroGrad, forward, backward, clip, step, scheduler.step), learns a toy task.
import * as flint from '../../lib';
import { optimizerClass } from './optim_fixture';

function data() {
  flint.manualSeed(3);
  const x = flint.randn([64, 4]);
  // class = which of the first two features is larger
  const xs = x.dataSync() as Float32Array;
  const y = flint.tensor(BigInt64Array.from({ length: 64 }, (_, i) => (xs[i * 4] > xs[i * 4 + 1] ? 1n : 0n)), { dtype: 'int64' });
  return { x, y };
}

const CONFIGS: [string, Record<string, unknown>][] = [
  ['SGD', { lr: 0.2, momentum: 0.9 }],
  ['Adam', { lr: 0.02 }],
  ['AdamW', { lr: 0.02, weightDecay: 0.01 }],
  ['RMSprop', { lr: 0.01 }],
  ['Adagrad', { lr: 0.1 }],
  ['Adadelta', { lr: 1.0 }],
];

describe('training a small MLP', () => {
  for (const [name, opts] of CONFIGS) {
    test(`${name} + CosineAnnealingLR + clipGradNorm_`, () => {
      const { x, y } = data();
      flint.manualSeed(5);
      const model = new flint.nn.Sequential(new flint.nn.Linear(4, 16), new flint.nn.ReLU(), new flint.nn.Linear(16, 2));
      const opt = new (optimizerClass(name))(model.parameters(), opts);
      const sched = new flint.optim.CosineAnnealingLR(opt, { tMax: 60, etaMin: 0 });
      const lossAt = () => flint.noGrad(() => flint.crossEntropy(model.forward(x), y).item());
      const first = lossAt();
      for (let epoch = 0; epoch < 60; epoch++) {
        opt.zeroGrad();
        const loss = flint.crossEntropy(model.forward(x), y);
        loss.backward();
        const norm = flint.nn.utils.clipGradNorm_(model.parameters(), 5.0);
        expect(Number.isFinite(norm.item())).toBe(true);
        opt.step();
        sched.step();
      }
      const last = lossAt();
      expect(last).toBeLessThan(first * 0.6);
      expect(sched.getLastLr()[0]).toBeCloseTo(0, 10);
    });
  }
});
