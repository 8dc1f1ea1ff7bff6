// The seed's recurrent classifier: each MNIST image read row by row, as a sequence of 28 rows
// of 28 pixels, by nn.LSTM(28, 128, { batchFirst: true }) (or --cell gru | rnn); the last step's
// hidden state goes through Linear(128, 10); cross-entropy, Adam lr 1e-3, batch 64,
// ToTensor + Normalize([0.5], [0.5]). Prints the running loss every 100 batches, the epoch time
// and the test accuracy, as the PyTorch seed does.
//
//   npx tsc -p tsconfig.json && node dist/examples/rnn.js [--data DIR] [--epochs 1] [--cell lstm]
//                                                         [--batches N] [--seed 0] [--threads N]
// --data: a folder with the four MNIST IDX .gz files (default: $FLINT_DATA/mnist, ./data/mnist
// or ../shared/data/mnist, whichever exists). Defaults: one epoch of the LSTM (about 40 s here).
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as flint from '../lib';
import { DataLoader, datasets, transforms } from '../lib/data';
import { choiceFlag, intFlag, runMain } from './cli';

const { nn, optim } = flint;
type Tensor = flint.Tensor;

const CELLS = { lstm: nn.LSTM, gru: nn.GRU, rnn: nn.RNN } as const;
type Cell = keyof typeof CELLS;

/** The seed's RNNClf: a recurrent layer over the 28 rows, then Linear on the last step. */
export class RNNClassifier extends nn.Module {
  rnn: flint.nn.RNNBase;
  fc: flint.nn.Linear;
  constructor(cell: Cell = 'lstm', hidden = 128) {
    super();
    this.rnn = new CELLS[cell](28, hidden, { batchFirst: true });
    this.fc = new nn.Linear(hidden, 10);
  }
  forward(x: Tensor): Tensor {
    // x [N, 1, 28, 28] -> [N, 28 rows, 28 pixels]
    const [out] = this.rnn.forward(x.reshape([x.shape[0], 28, 28])) as [Tensor, unknown];
    return this.fc.forward(out.select(1, -1));
  }
}

function defaultData(): string {
  const candidates = [process.env.FLINT_DATA ? path.join(process.env.FLINT_DATA, 'mnist') : '', 'data/mnist', '../shared/data/mnist'];
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'train-images-idx3-ubyte.gz'))) ?? 'data/mnist';
}

/** Runs the program with these command-line arguments; output goes to `log`. */
export function main(argv: string[], log: (s: string) => void = console.log): void {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      epochs: { type: 'string', default: '1' },
      cell: { type: 'string', default: 'lstm' },
      batches: { type: 'string' },
      seed: { type: 'string', default: '0' },
      threads: { type: 'string' },
    },
  });
  const cell = choiceFlag('cell', a.cell, Object.keys(CELLS) as Cell[]);
  const epochs = intFlag('epochs', a.epochs, 1);
  const maxBatches = intFlag('batches', a.batches, 1, 'optional') ?? Infinity;
  const seed = intFlag('seed', a.seed, 0);
  const threads = intFlag('threads', a.threads, 1, 'optional');
  if (threads !== undefined) flint.setNumThreads(threads);
  flint.manualSeed(seed);

  const root = a.data ?? defaultData();
  const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  const train = new datasets.MNIST({ root, train: true, transform: tf });
  const test = new datasets.MNIST({ root, train: false, transform: tf });
  const trainLoader = new DataLoader(train, { batchSize: 64, shuffle: true });
  const testLoader = new DataLoader(test, { batchSize: 1000 });

  const model = new RNNClassifier(cell);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  log(`${model}\ntraining on ${train.length} MNIST images from ${root}, ${flint.getNumThreads()} threads`);

  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    const t0 = performance.now();
    let running = 0;
    let i = 0;
    let samples = 0;
    for (const [x, y] of trainLoader) {
      optimizer.zeroGrad();
      const loss = criterion.forward(model.forward(x), y);
      loss.backward();
      optimizer.step();
      running += loss.item();
      samples += x.shape[0];
      if (++i % 100 === 0) {
        log(`[${epoch}, ${String(i).padStart(5)}] loss: ${(running / 100).toFixed(3)}`);
        running = 0;
      }
      if (i >= maxBatches) break;
    }
    const secs = (performance.now() - t0) / 1000;
    log(`epoch ${epoch}: ${secs.toFixed(2)} s, ${i} batches, ${Math.round(samples / secs)} samples/s`);
  }

  model.eval();
  let correct = 0;
  let total = 0;
  flint.noGrad(() => {
    for (const [x, y] of testLoader) {
      const pred = model.forward(x).argmax(1).dataSync() as BigInt64Array;
      const want = y.dataSync() as BigInt64Array;
      for (let k = 0; k < pred.length; k++) if (pred[k] === want[k]) correct++;
      total += pred.length;
    }
  });
  log(`Accuracy of the network on the ${total} test images: ${((100 * correct) / total).toFixed(2)} %`);
}

if (require.main === module) runMain('usage: node dist/examples/rnn.js [--data DIR] [--epochs 1] [--cell lstm|gru|rnn] [--batches N] [--seed 0] [--threads N]', main);
