// The seed autoencoder on MNIST, written the PyTorch way: encoder 784-128-64-32 and decoder
// 32-64-128-784 (ReLU between, Tanh out, as the images are normalised to [-1, 1]), trained to
// reproduce its input with MSELoss, Adam lr 1e-3, batch 64. Prints the running reconstruction
// loss every 100 batches ('[%d, %5d] loss: %.4f') and the reconstruction MSE at three points:
//   - the test MSE of the untrained model,
//   - the mean training loss over the first 10 batches (each batch's loss in the forward pass
//     before its own update: what the model does at the start of training),
//   - the test MSE after each epoch,
// and the ratio of the first-10-batch loss to the end-of-epoch test MSE. Every MSE is
// nn.MSELoss's: the mean over all pixels and images of (reconstruction - input)^2, in the
// normalised units (pixels in [-1, 1]; divide by 4 for pixels in [0, 1]).
//
//   npx tsc -p tsconfig.json && node dist/examples/autoencoder.js [--data DIR] [--epochs 1]
//        [--limit N] [--out ae.safetensors] [--samples ae_samples.png] [--seed 0] [--threads N]
// --data: a folder with the four MNIST IDX .gz files (default: $FLINT_DATA/mnist, ./data/mnist
// or ../shared/data/mnist, whichever exists). --limit N: only the first N training and N test
// images. --out: save the state dict (PyTorch's keys: '0.0.weight' ... '1.4.bias').
// --samples: a PNG of 16 test images (top row) over their reconstructions (bottom row).
// Defaults: one epoch, about 5 s here.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as flint from '../lib';
import { DataLoader, Subset, datasets, transforms } from '../lib/data';
import { intFlag, outputFile, runMain } from './cli';

const { nn, optim } = flint;
type Tensor = flint.Tensor;

/** The seed autoencoder: nn.Sequential(encoder, decoder), images [N, 784] -> [N, 784]. */
export function autoencoder(): flint.nn.Sequential {
  const encoder = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 32));
  const decoder = new nn.Sequential(
    new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 784), new nn.Tanh(),
  );
  return new nn.Sequential(encoder, decoder);
}

/**
 * The reconstruction MSE over every image the loader gives: sum of (model(x) - x)^2 over all
 * pixels and images / their count (eval mode, no grad). Images [N, 1, 28, 28] are flattened.
 */
export function reconstructionMse(model: flint.nn.Module, loader: DataLoader<any>): number {
  model.eval();
  let sum = 0;
  let count = 0;
  flint.noGrad(() => {
    for (const [x] of loader) {
      const flat = (x as Tensor).reshape([x.shape[0], -1]);
      sum += flint.F.mseLoss(model.forward(flat), flat, { reduction: 'sum' }).item();
      count += flat.numel();
    }
  });
  model.train();
  return sum / count;
}

/** Writes n images of x [N, 1, 28, 28] (top row) over their reconstructions (bottom row) as a PNG. */
export function saveReconstructions(model: flint.nn.Module, x: Tensor, file: string, n = 16): void {
  const imgs = x.narrow(0, 0, Math.min(n, x.shape[0])).reshape([-1, 784]);
  model.eval();
  const rec = flint.noGrad(() => model.forward(imgs));
  model.train();
  flint.utils.savePng(flint.cat([imgs, rec], 0).reshape([-1, 1, 28, 28]), file, { nrow: imgs.shape[0], valueRange: [-1, 1] });
}

function defaultData(): string {
  const candidates = [process.env.FLINT_DATA ? path.join(process.env.FLINT_DATA, 'mnist') : '', 'data/mnist', '../shared/data/mnist'];
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'train-images-idx3-ubyte.gz'))) ?? 'data/mnist';
}

/** The first `limit` items of a dataset (all of it without a limit). */
function head<S>(ds: flint.Dataset<S>, limit?: number): flint.Dataset<S> {
  if (limit === undefined || limit >= ds.length) return ds;
  return new Subset(ds, Int32Array.from({ length: limit }, (_, i) => i));
}

/** Runs the program with these command-line arguments; output goes to `log`. */
export function main(argv: string[], log: (s: string) => void = console.log): void {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      epochs: { type: 'string', default: '1' },
      limit: { type: 'string' },
      out: { type: 'string' },
      samples: { type: 'string' },
      seed: { type: 'string', default: '0' },
      threads: { type: 'string' },
    },
  });
  const epochs = intFlag('epochs', a.epochs, 1);
  const limit = intFlag('limit', a.limit, 1, 'optional');
  const seed = intFlag('seed', a.seed, 0);
  const threads = intFlag('threads', a.threads, 1, 'optional');
  if (a.out !== undefined) outputFile('out', a.out);
  if (a.samples !== undefined) outputFile('samples', a.samples);
  if (threads !== undefined) flint.setNumThreads(threads);
  flint.manualSeed(seed);

  const root = a.data ?? defaultData();
  const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  const train = head(new datasets.MNIST({ root, train: true, transform: tf }), limit);
  const test = head(new datasets.MNIST({ root, train: false, transform: tf }), limit);
  const trainLoader = new DataLoader(train, { batchSize: 64, shuffle: true });
  const testLoader = new DataLoader(test, { batchSize: 1000 });

  const model = autoencoder();
  const criterion = new nn.MSELoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  log(`${model}\ntraining on ${train.length} MNIST images from ${root}, Adam lr 0.001, batch 64, ${flint.getNumThreads()} threads`);
  log(`test MSE before training: ${reconstructionMse(model, testLoader).toFixed(4)}`);

  const FIRST = 10;
  let firstSum = 0;
  let firstCount = 0;
  let testMse = NaN;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    let running = 0;
    let i = 0;
    for (const [x] of trainLoader) {
      const flat = x.reshape([x.shape[0], -1]); // [N, 784]
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(flat), flat);
      loss.backward();
      optimizer.step();
      const l = loss.item();
      running += l;
      if (epoch === 1 && i < FIRST) {
        firstSum += l;
        if (++firstCount === FIRST) log(`mean loss of the first ${FIRST} batches: ${(firstSum / FIRST).toFixed(4)}`);
      }
      if (++i % 100 === 0) {
        log(`[${epoch}, ${String(i).padStart(5)}] loss: ${(running / 100).toFixed(4)}`);
        running = 0;
      }
    }
    const secs = (performance.now() - t0) / 1000;
    testMse = reconstructionMse(model, testLoader);
    log(`epoch ${epoch}: ${secs.toFixed(2)} s, ${i} batches, ${Math.round(train.length / secs)} samples/s`);
    log(`test MSE after epoch ${epoch}: ${testMse.toFixed(4)}`);
  }
  const first = firstSum / firstCount;
  log(`reconstruction MSE: first ${firstCount} batches ${first.toFixed(4)} -> test ${testMse.toFixed(4)} after ${epochs} ` +
    `epoch${epochs > 1 ? 's' : ''} (${(first / testMse).toFixed(1)}x lower)`);

  if (a.samples) {
    const [x] = new DataLoader(test, { batchSize: 16 })[Symbol.iterator]().next().value as [Tensor, Tensor];
    saveReconstructions(model, x, a.samples);
    log(`wrote 16 test images over their reconstructions to ${a.samples}`);
  }
  if (a.out) {
    flint.save(model.stateDict(), a.out);
    log(`saved the state dict to ${a.out}`);
  }
}

if (require.main === module) runMain('usage: node dist/examples/autoencoder.js [--data DIR] [--epochs 1] [--limit N] [--out ae.safetensors] [--samples ae_samples.png] [--seed 0] [--threads N]', main);
