#!/usr/bin/env node
// Memory over epochs: trains the seed MLP the PyTorch way (a plain loop, no dispose calls,
// no tidy scopes) for several epochs and prints RSS and native memory after each one.
// Flat figures mean the loop releases every step's tensors as it goes.
//
//   npm run bench:memory -- --data DIR [--epochs 5] [--threads N]
import { parseArgs } from 'util';
import * as flint from '../lib';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    epochs: { type: 'string', default: '5' },
    threads: { type: 'string' },
    seed: { type: 'string', default: '0' },
  },
});

class MLP extends flint.nn.Module {
  fc1 = new flint.nn.Linear(784, 512);
  fc2 = new flint.nn.Linear(512, 256);
  fc3 = new flint.nn.Linear(256, 10);
  forward(x: flint.Tensor): flint.Tensor {
    x = x.view(-1, 784);
    return this.fc3.forward(this.fc2.forward(this.fc1.forward(x).relu()).relu());
  }
}

function main(): void {
  if (values.threads) flint.setNumThreads(Number(values.threads));
  flint.manualSeed(Number(values.seed));
  const transform = flint.transforms.Compose([flint.transforms.ToTensor(), flint.transforms.Normalize([0.5], [0.5])]);
  const train = new flint.datasets.MNIST({ root: values.data, train: true, transform });
  const loader = new flint.DataLoader(train, { batchSize: 64, shuffle: true });
  const model = new MLP();
  const criterion = new flint.nn.CrossEntropyLoss();
  const optimizer = new flint.optim.SGD(model.parameters(), { lr: 0.01 });
  const mb = (b: number) => (b / 1048576).toFixed(1);
  console.log('epoch  seconds  loss    rss_MB  peak_rss_MB  native_live_MB  native_cached_MB  js_heap_MB');
  for (let epoch = 1; epoch <= Number(values.epochs); epoch++) {
    const t0 = performance.now();
    let sum = 0;
    let n = 0;
    for (const [x, y] of loader) {
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(x as flint.Tensor), y as flint.Tensor);
      loss.backward();
      optimizer.step();
      sum += loss.item();
      n++;
    }
    const secs = (performance.now() - t0) / 1000;
    const m = flint.memoryStats();
    console.log(
      `${String(epoch).padStart(5)}  ${secs.toFixed(2).padStart(7)}  ${(sum / n).toFixed(4)}  ${mb(process.memoryUsage().rss).padStart(6)}` +
        `  ${mb(process.resourceUsage().maxRSS * 1024).padStart(11)}  ${mb(m.liveBytes).padStart(14)}  ${mb(m.cachedBytes).padStart(16)}` +
        `  ${mb(process.memoryUsage().heapUsed).padStart(10)}`,
    );
  }
}

try {
  main();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
