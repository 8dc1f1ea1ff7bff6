// The seed CNN on MNIST, written the PyTorch way: SimpleCNN (conv 1->32 3x3, relu, max-pool 2,
// conv 32->64 3x3, relu, max-pool 2, flatten, fc 1600->128, relu, fc 128->10), cross-entropy,
// Adam lr 1e-3, batch 64, ToTensor + Normalize([0.5], [0.5]). Prints the running loss every 100
// batches ('[%d, %5d] loss: %.3f'), the epoch time and the test accuracy.
//
// Run:  npx tsc -p tsconfig.json && node dist/examples/cnn.js --data ../shared/data/mnist
//       options: --epochs N (1), --limit N (the first N training and test images), --threads N, --seed N (0), --data DIR (else $FLINT_DATA/mnist or ./data/mnist)
import { parseArgs } from 'util';
import * as flint from '../lib';
import { DataLoader, datasets, transforms } from '../lib/data';
import type { Tensor } from '../lib/tensor';
import { intFlag, outputFile, runMain } from './cli';
import { head } from './mlp';

const { nn, F, optim } = flint;

/**
 * The seed's SimpleCNN, with PyTorch's state-dict keys and layouts (`conv1.weight` [32, 1, 3, 3],
 * `conv2.weight` [64, 32, 3, 3], `fc1.weight` [128, 1600], `fc2.weight` [10, 128] and biases), so
 * weights trained by either load into the other. Input [N, 1, 28, 28] -> logits [N, 10].
 */
export class SimpleCNN extends nn.Module {
  conv1: flint.nn.Conv2d;
  conv2: flint.nn.Conv2d;
  fc1: flint.nn.Linear;
  fc2: flint.nn.Linear;
  constructor(opts: { dtype?: 'float32' | 'float64' } = {}) {
    super();
    const dtype = opts.dtype ?? 'float32';
    this.conv1 = new nn.Conv2d(1, 32, 3, { stride: 1, dtype });
    this.conv2 = new nn.Conv2d(32, 64, 3, { stride: 1, dtype });
    this.fc1 = new nn.Linear(1600, 128, { dtype });
    this.fc2 = new nn.Linear(128, 10, { dtype });
  }
  forward(x: Tensor): Tensor {
    x = F.maxPool2d(flint.relu(this.conv1.forward(x)), 2); // [N, 32, 13, 13]
    x = F.maxPool2d(flint.relu(this.conv2.forward(x)), 2); // [N, 64, 5, 5]
    x = x.flatten(1); // [N, 1600]
    return this.fc2.forward(flint.relu(this.fc1.forward(x)));
  }
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' }, epochs: { type: 'string' }, limit: { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' },
    },
  });
  const epochs = intFlag('epochs', values.epochs ?? '1', 1);
  const limit = intFlag('limit', values.limit, 1, 'optional');
  const seed = intFlag('seed', values.seed ?? '0', 0);
  const threads = intFlag('threads', values.threads, 1, 'optional');
  if (threads !== undefined) flint.setNumThreads(threads);
  flint.manualSeed(seed);

  const transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  const mnistTrain = new datasets.MNIST({ root: values.data, train: true, transform });
  const trainSet = head(mnistTrain, limit);
  const testSet = head(new datasets.MNIST({ root: values.data, train: false, transform }), limit);
  const trainLoader = new DataLoader(trainSet, { batchSize: 64, shuffle: true });
  const testLoader = new DataLoader(testSet, { batchSize: 1000 });

  const model = new SimpleCNN();
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  console.log(`SimpleCNN on ${trainSet.length} MNIST images (${mnistTrain.root}), Adam lr 0.001, batch 64, ${flint.getNumThreads()} threads`);

  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const t0 = performance.now();
    let running = 0;
    let i = 0;
    for (const [x, y] of trainLoader) {
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(x), y);
      loss.backward();
      optimizer.step();
      running += loss.item();
      if (++i % 100 === 0) {
        console.log(`[${epoch}, ${String(i).padStart(5)}] loss: ${(running / 100).toFixed(3)}`);
        running = 0;
      }
    }
    console.log(`epoch ${epoch}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }

  model.eval();
  let correct = 0;
  let total = 0;
  flint.noGrad(() => {
    for (const [x, y] of testLoader) {
      // tidy frees this batch's intermediates now (at batch 1000, hundreds of MB) instead of at GC
      const pred = flint.tidy(() => model.forward(x).argmax(1)).dataSync() as BigInt64Array;
      const want = (y as Tensor).dataSync() as BigInt64Array;
      for (let k = 0; k < pred.length; k++) if (pred[k] === want[k]) correct++;
      total += pred.length;
    }
  });
  console.log(`Accuracy on the ${total} test images: ${((100 * correct) / total).toFixed(1)} %`);
}

if (require.main === module) runMain('usage: node dist/examples/cnn.js [--data DIR] [--epochs 1] [--limit N] [--seed 0] [--threads N]', main);
