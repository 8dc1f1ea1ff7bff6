// The seed MLP on MNIST, written the PyTorch way: 784-512-256-10 with ReLU, cross-entropy, SGD
// lr 0.01 without momentum, batch 64, ToTensor + Normalize([0.5], [0.5]), three epochs. Prints
// the running loss every 100 batches ('[%d, %5d] loss: %.3f'), each epoch's time and last batch
// loss (the seed's 'mlp ep1 4.12s loss 0.3051') and the test accuracy after each epoch.
//
//   npx tsc -p tsconfig.json && node dist/examples/mlp.js [--data DIR] [--epochs 3] [--limit N]
//                                                         [--out mlp.safetensors] [--seed 0] [--threads N]
// --data: a folder with the four MNIST IDX .gz files (default: $FLINT_DATA/mnist, ./data/mnist
// or ../shared/data/mnist, whichever exists). --limit N: only the first N training and N test
// images (a quick run). --out: save the trained state dict (PyTorch keys) as safetensors.
// Defaults: the seed's three epochs, about 12 s here.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as flint from '../lib';
import { DataLoader, Subset, datasets, transforms } from '../lib/data';
import { intFlag, outputFile, runMain } from './cli';

const { nn, optim } = flint;
type Tensor = flint.Tensor;

/** The seed's MLP; state dict keys fc1.weight [512, 784], fc1.bias, ..., fc3.bias, as PyTorch's. */
export class MLP extends nn.Module {
  fc1 = new nn.Linear(784, 512);
  fc2 = new nn.Linear(512, 256);
  fc3 = new nn.Linear(256, 10);
  forward(x: Tensor): Tensor {
    x = x.reshape([x.shape[0], -1]); // [N, 1, 28, 28] -> [N, 784]
    return this.fc3.forward(flint.relu(this.fc2.forward(flint.relu(this.fc1.forward(x)))));
  }
}

function defaultData(): string {
  const candidates = [process.env.FLINT_DATA ? path.join(process.env.FLINT_DATA, 'mnist') : '', 'data/mnist', '../shared/data/mnist'];
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'train-images-idx3-ubyte.gz'))) ?? 'data/mnist';
}

/** The first `limit` samples of a dataset (all of it without a limit). */
export function head<S>(ds: flint.Dataset<S>, limit?: number): flint.Dataset<S> {
  if (limit === undefined || limit >= ds.length) return ds;
  return new Subset(ds, Int32Array.from({ length: limit }, (_, i) => i));
}

/** Percent of the loader's samples whose argmax logit is the label (eval mode, no grad). */
export function accuracy(model: flint.nn.Module, loader: DataLoader<any>): number {
  model.eval();
  let correct = 0;
  let total = 0;
  flint.noGrad(() => {
    for (const [x, y] of loader) {
      const pred = model.forward(x).argmax(1).dataSync() as BigInt64Array;
      const want = (y as Tensor).dataSync() as BigInt64Array;
      for (let k = 0; k < pred.length; k++) if (pred[k] === want[k]) correct++;
      total += pred.length;
    }
  });
  model.train();
  return (100 * correct) / total;
}

/** Runs the program with these command-line arguments; output goes to `log`. */
export function main(argv: string[], log: (s: string) => void = console.log): void {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      epochs: { type: 'string', default: '3' },
      limit: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '0' },
      threads: { type: 'string' },
    },
  });
  const epochs = intFlag('epochs', a.epochs, 1);
  const limit = intFlag('limit', a.limit, 1, 'optional');
  const seed = intFlag('seed', a.seed, 0);
  const threads = intFlag('threads', a.threads, 1, 'optional');
  if (a.out !== undefined) outputFile('out', a.out);
  if (threads !== undefined) flint.setNumThreads(threads);
  flint.manualSeed(seed);

  const root = a.data ?? defaultData();
  const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  const train = head(new datasets.MNIST({ root, train: true, transform: tf }), limit);
  const test = head(new datasets.MNIST({ root, train: false, transform: tf }), limit);
  const trainLoader = new DataLoader(train, { batchSize: 64, shuffle: true });
  const testLoader = new DataLoader(test, { batchSize: 1000 });

  const model = new MLP();
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  log(`${model}\ntraining on ${train.length} MNIST images from ${root}, SGD lr 0.01, batch 64, ${flint.getNumThreads()} threads`);

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    let running = 0;
    let last = NaN;
    let i = 0;
    for (const [x, y] of trainLoader) {
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(x), y);
      loss.backward();
      optimizer.step();
      last = loss.item();
      running += last;
      if (++i % 100 === 0) {
        log(`[${epoch}, ${String(i).padStart(5)}] loss: ${(running / 100).toFixed(3)}`);
        running = 0;
      }
    }
    const secs = (performance.now() - t0) / 1000;
    log(`mlp ep${epoch} ${secs.toFixed(2)}s loss ${last.toFixed(4)} (${i} batches, ${Math.round(train.length / secs)} samples/s)`);
    log(`Accuracy of the network on the ${test.length} test images: ${accuracy(model, testLoader).toFixed(2)} %`);
  }

  if (a.out) {
    flint.save(model.stateDict(), a.out);
    log(`saved the state dict to ${a.out}`);
  }
}

if (require.main === module) runMain('usage: node dist/examples/mlp.js [--data DIR] [--epochs 3] [--limit N] [--out mlp.safetensors] [--seed 0] [--threads N]', main);
