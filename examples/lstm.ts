// The seed's tiny LSTM: nn.LSTM(10, 20, { batchFirst: true }) -> Linear(20, 1) on every step of
// one random sequence [1, 5, 10], mean squared error against a random target [1, 5, 1], 100
// steps of SGD lr 0.01 (--optim adam: Adam lr 1e-3). A measure of per-op overhead: the model is
// tiny, so the time is what the framework spends around the math. Prints the loss every 10
// steps and the time of the 100 steps (after 10 warm-up steps, as the PyTorch reference).
//
//   npx tsc -p tsconfig.json && node dist/examples/lstm.js [--optim sgd|adam] [--steps 100] [--warmup 10] [--seed 0]
import { parseArgs } from 'util';
import * as flint from '../lib';
import { choiceFlag, intFlag, runMain } from './cli';

const { nn, optim } = flint;
/** Runs the program with these command-line arguments; output goes to `log`. */
export function main(argv: string[], log: (s: string) => void = console.log): void {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      optim: { type: 'string', default: 'sgd' },
      steps: { type: 'string', default: '100' },
      warmup: { type: 'string', default: '10' },
      seed: { type: 'string', default: '0' },
    },
  });
  const optimName = choiceFlag('optim', a.optim, ['sgd', 'adam'] as const);
  const steps = intFlag('steps', a.steps, 1);
  const warmup = intFlag('warmup', a.warmup, 0);
  flint.manualSeed(intFlag('seed', a.seed, 0));

  const lstm = new nn.LSTM(10, 20, { batchFirst: true });
  const fc = new nn.Linear(20, 1);
  const params = [...lstm.parameters(), ...fc.parameters()];
  const optimizer = optimName === 'sgd' ? new optim.SGD(params, { lr: 0.01 }) : new optim.Adam(params, { lr: 1e-3 });
  const x = flint.randn([1, 5, 10]);
  const y = flint.randn([1, 5, 1]);
  const criterion = new nn.MSELoss();

  const step = (): number => {
    optimizer.zeroGrad();
    const [out] = lstm.forward(x);
    const loss = criterion.forward(fc.forward(out), y);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  for (let i = 0; i < warmup; i++) step();
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    const loss = step();
    if (i % 10 === 0) log(`step [${i}/${steps}] loss: ${loss.toFixed(4)}`);
  }
  const ms = performance.now() - t0;
  log(`${steps} steps (${optimName}): ${ms.toFixed(1)} ms, ${(ms / steps).toFixed(3)} ms a step`);
}

if (require.main === module) runMain('usage: node dist/examples/lstm.js [--optim sgd|adam] [--steps 100] [--warmup 10] [--seed 0]', main);
