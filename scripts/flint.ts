#!/usr/bin/env node
// flint: the command-line trainer. `flint train --model mlp --dataset mnist --epochs 1` runs the
// seed recipe (MLP 784-512-256-10, SGD lr 0.01, batch 64, ToTensor + Normalize([0.5], [0.5]))
// and prints what the PyTorch seed prints: the running loss every 100 batches
// ('[%d, %5d] loss: %.3f') and the test accuracy. Exit codes: 0 ok, 1 runtime failure, 2 usage.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as flint from '../lib';
import { save } from '../lib/io';
import { DataLoader, Subset, datasets, transforms } from '../lib/data';
import type { Tensor } from '../lib/tensor';
import { SimpleCNN } from '../examples/cnn';
import {
  UsageError, CliContext, checkDataDir, checkWritable, intOpt, joinNegatives, sameFile, threadsOpt, MAX_THREADS_PER_CPU,
} from './cli/common';
import { evalCommand } from './cli/eval';
import { predictCommand } from './cli/predict';
import { benchCommand } from './cli/bench';
import { FIT_OPTIONS, FIT_HELP, FitFlags, parseFitFlags, trainClassifier } from './cli/train';
import { GAN, LATENT } from '../examples/gan';
import { autoencoder, reconstructionMse, saveReconstructions } from '../examples/autoencoder';

const { nn, optim } = flint;

/** Where output goes; tests pass their own. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** show a redrawn progress bar (a terminal) instead of plain lines */
  tty: boolean;
}

const MAIN_HELP = `flint: deep learning for Node.js

Usage: flint <command> [options]

Commands:
  train     train a model on a dataset and report its test accuracy
  eval      a trained classifier's accuracy, precision, recall and F1 on a test set
  predict   a trained classifier's class probabilities for a PNG image or a CSV row
  bench     run the benchmarks (GEMM GFLOP/s, MLP training throughput)

Options:
  -h, --help     show this help (flint <command> --help for a command's options)
  -v, --version  print the version

Example:
  flint train --model mlp --dataset mnist --epochs 1 --data ./data/mnist
  flint eval --model mlp --weights mlp.safetensors --confusion cm.svg
`;

const TRAIN_HELP = `Usage: flint train [options]

Trains a model with the seed recipe (cross-entropy, ToTensor + Normalize([0.5], [0.5]), shuffled
batches; SGD for the MLP, Adam for the CNN and the recurrent models), printing the running loss every 100
batches, then reports test accuracy.

Options:
  --model NAME        model: ${'mlp'} (784-512-256-10 MLP with ReLU)       [default: mlp]
                      lstm, gru, rnn: the image read row by row (28 steps of 28 pixels) by
                      LSTM / GRU / RNN(28, 128), last step -> Linear(128, 10)
                      cnn: the seed's SimpleCNN (conv 1->32 and 32->64 3x3 with ReLU and
                      2x2 max-pooling, then 1600-128-10; examples/cnn.ts)
                      autoencoder: the seed's 784-128-64-32-64-128-784 autoencoder (MSELoss,
                      Adam); reports the test reconstruction MSE instead of accuracy
                      gan: the seed's GAN (G 100-128-256-784, D 784-128-64-1, BCELoss, Adam
                      lr 2e-4 both); prints D and G losses; --out saves G's weights
  --dataset NAME      mnist or fashion-mnist                          [default: mnist]
  --epochs N          passes over the training set                     [default: 1]
  --data DIR          folder holding the four IDX .gz files (train-images-idx3-ubyte.gz, ...).
                      Without it: $FLINT_DATA/<dataset>, then ./data/<dataset>, then (fashion-mnist)
                      /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)
  --download          fetch missing files from the canonical mirrors (md5-checked) into --data
                      (default ./data/<dataset>)
  --batch-size N      samples per batch                                [default: 64]
  --lr X              learning rate              [default: 0.01 (SGD) for mlp, 0.001 (Adam) else]
                                                 [gan: 0.0002; with --resume: the checkpoint's]
  --seed N            seed for initialisation and shuffling            [default: random]
  --threads N         native threads (FLINT_NUM_THREADS also works)    [default: physical cores]
                      at most ${MAX_THREADS_PER_CPU} per CPU (more is refused: it only adds contention)
  --out FILE          save the trained weights (state dict) as safetensors (not the
                      --checkpoint or --resume file)
  --samples FILE      gan: a PNG grid of 64 generated digits (8 x 8); autoencoder: 16 test
                      images over their reconstructions
${FIT_HELP}  --json              print a last line of JSON: model, dataset, epochs, testAccuracy,
                      samplesPerSec, epochSeconds, peakRssMB, threads
  --quiet             no progress or loss lines
  -h, --help          show this help

Example:
  flint train --model mlp --dataset fashion-mnist --epochs 1 --out mlp.safetensors --json
`;

/**
 * The seed MLP: 784-512-256-10 with ReLU. Its state dict keys are PyTorch's
 * (`fc1.weight` [512, 784], `fc1.bias`, ..., `fc3.bias`).
 */
export class MLP extends nn.Module {
  fc1 = new nn.Linear(784, 512);
  fc2 = new nn.Linear(512, 256);
  fc3 = new nn.Linear(256, 10);
  forward(x: Tensor): Tensor {
    // x: [N, 1, 28, 28] -> [N, 784]
    const h = x.reshape([x.shape[0], -1]);
    return this.fc3.forward(flint.relu(this.fc2.forward(flint.relu(this.fc1.forward(h)))));
  }
}

/**
 * The seed's recurrent classifier: the 28 rows of an image as 28 steps of 28 pixels through
 * LSTM / GRU / RNN(28, 128, batchFirst); the last step's hidden state -> Linear(128, 10).
 * State dict keys are PyTorch's (`rnn.weight_ih_l0` [512, 28] for the LSTM, ..., `fc.weight`).
 */
export class RNNClassifier extends nn.Module {
  rnn: flint.nn.RNNBase;
  fc = new nn.Linear(128, 10);
  constructor(cell: 'lstm' | 'gru' | 'rnn') {
    super();
    this.rnn = new { lstm: nn.LSTM, gru: nn.GRU, rnn: nn.RNN }[cell](28, 128, { batchFirst: true });
  }
  forward(x: Tensor): Tensor {
    // x: [N, 1, 28, 28] -> [N, 28, 28] -> output [N, 28, 128] -> last step [N, 128]
    const [out] = this.rnn.forward(x.reshape([x.shape[0], 28, 28])) as [Tensor, unknown];
    return this.fc.forward(out.select(1, -1));
  }
}

const MODELS: Record<string, () => flint.nn.Module> = {
  mlp: () => new MLP(),
  lstm: () => new RNNClassifier('lstm'),
  gru: () => new RNNClassifier('gru'),
  rnn: () => new RNNClassifier('rnn'),
  cnn: () => new SimpleCNN(),
};
/** The generative seeds (trainGenerative): not classifiers, so not in MODELS. */
const GENERATIVE = ['autoencoder', 'gan'];
/** Each model's seed optimizer and its default learning rate. */
const OPTIMIZERS: Record<string, { name: 'SGD' | 'Adam'; lr: number }> = {
  mlp: { name: 'SGD', lr: 0.01 },
  lstm: { name: 'Adam', lr: 1e-3 },
  gru: { name: 'Adam', lr: 1e-3 },
  rnn: { name: 'Adam', lr: 1e-3 },
  cnn: { name: 'Adam', lr: 1e-3 },
  autoencoder: { name: 'Adam', lr: 1e-3 },
  gan: { name: 'Adam', lr: 2e-4 },
};
const DATASETS: Record<string, typeof datasets.MNIST> = { mnist: datasets.MNIST, 'fashion-mnist': datasets.FashionMNIST };

/** '[%d, %5d] loss: %.3f', as the PyTorch seed prints it. */
export function lossLine(epoch: number, batch: number, loss: number): string {
  return `[${epoch}, ${String(batch).padStart(5)}] loss: ${loss.toFixed(3)}`;
}

function progressBar(epoch: number, epochs: number, done: number, total: number, secs: number, samples: number, loss: number): string {
  const width = 30;
  const fill = Math.round((done / total) * width);
  const rate = secs > 0 ? samples / secs : 0;
  const lossStr = Number.isFinite(loss) ? ` loss ${loss.toFixed(3)}` : '';
  return `epoch ${epoch}/${epochs} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} ` +
    `${secs.toFixed(1)}s ${(rate / 1000).toFixed(1)}k samples/s${lossStr}`;
}

interface TrainArgs {
  model: string;
  dataset: string;
  epochs: number;
  data?: string;
  download: boolean;
  batchSize: number;
  lr: number;
  /** --lr as given (undefined: the model's default, or the checkpoint's when resuming) */
  lrGiven?: number;
  seed?: number;
  threads?: number;
  out?: string;
  samples?: string;
  json: boolean;
  quiet: boolean;
  limit?: number;
  fit: FitFlags;
}

const TRAIN_OPTIONS = {
  model: { type: 'string' },
  dataset: { type: 'string' },
  epochs: { type: 'string' },
  data: { type: 'string' },
  download: { type: 'boolean' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  samples: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  limit: { type: 'string' }, // hidden: use only the first N training and N test samples
  ...FIT_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

function parseTrain(argv: string[]): TrainArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: joinNegatives(argv, TRAIN_OPTIONS),
    strict: true,
    allowPositionals: true,
    options: TRAIN_OPTIONS,
  });
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const model = values.model ?? 'mlp';
  if (!(model in MODELS) && !GENERATIVE.includes(model)) {
    throw new UsageError(`unknown model '${model}' (available: ${[...Object.keys(MODELS), ...GENERATIVE].join(', ')})`);
  }
  const dataset = values.dataset ?? 'mnist';
  if (!(dataset in DATASETS)) throw new UsageError(`unknown dataset '${dataset}' (available: ${Object.keys(DATASETS).join(', ')})`);
  let lr = OPTIMIZERS[model]?.lr ?? 0.01;
  let lrGiven: number | undefined;
  if (values.lr !== undefined) {
    lr = lrGiven = Number(values.lr);
    if (values.lr.trim() === '' || !Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr expects a positive number but got '${values.lr}'`);
  }
  for (const k of ['data', 'out', 'samples'] as const) {
    if (values[k] === '') throw new UsageError(`--${k} expects a path`);
  }
  if (values.samples !== undefined && !GENERATIVE.includes(model)) {
    throw new UsageError(`--samples is for --model gan or autoencoder, not ${model}`);
  }
  const fit = parseFitFlags(values, model);
  // Two outputs in one file: the later write would replace the earlier (the weights over the checkpoint).
  const written: [string, string | undefined][] = [['--out', values.out], ['--checkpoint', fit.checkpoint], ['--plot', fit.plot], ['--samples', values.samples]];
  for (let i = 0; i < written.length; i++) {
    for (let j = i + 1; j < written.length; j++) {
      const [fa, pa] = written[i];
      const [fb, pb] = written[j];
      if (pa !== undefined && pb !== undefined && sameFile(pa, pb)) throw new UsageError(`${fa} and ${fb} name the same file (${pa}); give them different files`);
    }
  }
  if (values.out !== undefined && fit.resume !== undefined && sameFile(values.out, fit.resume)) {
    throw new UsageError(`--out and --resume name the same file (${values.out}): the weights would overwrite the checkpoint; give --out another file`);
  }
  return {
    model,
    dataset,
    epochs: intOpt('epochs', values.epochs, 1, 1)!,
    data: values.data,
    download: values.download ?? false,
    batchSize: intOpt('batch-size', values['batch-size'], 64, 1)!,
    lr,
    lrGiven,
    seed: intOpt('seed', values.seed, undefined, 0),
    threads: threadsOpt(values.threads),
    out: values.out,
    samples: values.samples,
    json: values.json ?? false,
    quiet: values.quiet ?? false,
    limit: intOpt('limit', values.limit, undefined, 1),
    fit,
  };
}

async function train(a: TrainArgs, io: Io): Promise<void> {
  if (a.threads !== undefined) flint.setNumThreads(a.threads);
  const seed = a.seed ?? Math.floor(Math.random() * 2 ** 31);
  flint.manualSeed(seed);
  const say = (s: string) => {
    if (!a.quiet) io.out(s + '\n');
  };

  // Fail before training, not after it, when the weights could not be written.
  if (a.out) checkWritable(a.out, '--out');
  if (a.samples) checkWritable(a.samples, '--samples');
  if (a.fit.checkpoint) checkWritable(a.fit.checkpoint, '--checkpoint');
  if (a.fit.plot) checkWritable(a.fit.plot, '--plot');
  if (a.data !== undefined) checkDataDir(a.data);

  const Ds = DATASETS[a.dataset];
  const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  const root = a.data !== undefined ? path.resolve(a.data) : undefined;
  const fullTrain = new Ds({ root, train: true, transform: tf, download: a.download });
  const fullTest = new Ds({ root, train: false, transform: tf, download: a.download });
  const first = (n: number, lim?: number) => Int32Array.from({ length: Math.min(n, lim ?? n) }, (_, i) => i);
  const trainSet = a.limit ? new Subset(fullTrain, first(fullTrain.length, a.limit)) : fullTrain;
  const testSet = a.limit ? new Subset(fullTest, first(fullTest.length, a.limit)) : fullTest;
  const trainLoader = new DataLoader(trainSet, { batchSize: a.batchSize, shuffle: true });
  const testLoader = new DataLoader(testSet, { batchSize: 1000 });
  if (GENERATIVE.includes(a.model)) {
    say(`training ${a.model} on ${Ds.title} (${trainSet.length} images from ${fullTrain.root}) for ${a.epochs} ` +
      `epoch${a.epochs > 1 ? 's' : ''}, batch ${a.batchSize}, Adam lr ${a.lr}, seed ${seed}, ${flint.getNumThreads()} threads`);
    return trainGenerative(a, io, say, seed, trainLoader, testLoader);
  }

  const model = MODELS[a.model]();
  const optName = OPTIMIZERS[a.model]?.name ?? 'SGD';
  const optimizer = optName === 'Adam' ? new optim.Adam(model.parameters(), { lr: a.lr }) : new optim.SGD(model.parameters(), { lr: a.lr });
  // scripts/cli/train.ts: fit with the seed's printout, a validation split, early stopping,
  // checkpoints, resuming and the training-curves plot
  await trainClassifier({ ...a, seed, seedGiven: a.seed }, io, {
    net: model, optimizer, optName, trainSet, testSet, title: Ds.title, root: fullTrain.root,
  });
}

/**
 * The generative seed recipes, printed as train prints the classifiers: the autoencoder (MSE of
 * the reconstruction of the flattened image; reports the test reconstruction MSE instead of an
 * accuracy) and the GAN (per batch a D step, then a G step on the same fakes; prints both
 * losses, fails when one is not finite). --out saves the autoencoder or G; --samples writes a PNG.
 */
async function trainGenerative(a: TrainArgs, io: Io, say: (s: string) => void, seed: number,
  trainLoader: DataLoader<any>, testLoader: DataLoader<any>): Promise<void> {
  const gan = a.model === 'gan' ? new GAN(a.lr) : undefined;
  const ae = gan ? undefined : autoencoder();
  const optimizer = ae && new optim.Adam(ae.parameters(), { lr: a.lr });
  const mse = new nn.MSELoss();
  const noise = gan && flint.randn([64, LATENT]); // the grid's latent points
  const step = (x: Tensor): number[] => {
    if (gan) return gan.step(x);
    const flat = x.reshape([x.shape[0], -1]); // [N, 784]
    optimizer!.zeroGrad();
    const loss = mse.forward(ae!.forward(flat), flat);
    loss.backward();
    optimizer!.step();
    return [loss.item()];
  };
  const names = gan ? ['loss_D', 'loss_G'] : ['loss'];
  const showBar = io.tty && !a.quiet;
  const epochSeconds: number[] = [];
  const nb = trainLoader.length;
  let means: number[] = [];
  let nonFinite = 0;
  for (let epoch = 1; epoch <= a.epochs; epoch++) {
    const t0 = performance.now();
    const running = names.map(() => 0);
    const sums = names.map(() => 0);
    let [lastAvg, seen, lastDraw, i] = [NaN, 0, 0, 0];
    for (const [x] of trainLoader) {
      const losses = step(x);
      if (!losses.every(Number.isFinite)) nonFinite++;
      losses.forEach((l, k) => ((running[k] += l), (sums[k] += l)));
      seen += x.shape[0];
      if (++i % 100 === 0) {
        lastAvg = running[0] / 100;
        if (showBar) io.out('\r\x1b[K');
        say(gan ? `[${epoch}, ${String(i).padStart(5)}] ${names.map((n, k) => `${n}: ${(running[k] / 100).toFixed(3)}`).join(' ')}`
          : lossLine(epoch, i, lastAvg));
        running.fill(0);
      }
      if (showBar && (performance.now() - lastDraw > 100 || i === nb)) {
        lastDraw = performance.now();
        io.out('\r\x1b[K' + progressBar(epoch, a.epochs, i, nb, (lastDraw - t0) / 1000, seen, lastAvg));
      }
    }
    const secs = (performance.now() - t0) / 1000;
    epochSeconds.push(secs);
    means = sums.map((s) => s / i);
    if (showBar) io.out('\r\x1b[K');
    say(`epoch ${epoch}: ${secs.toFixed(2)} s, ${Math.round(seen / secs)} samples/s` +
      (gan ? `, mean ${names.map((n, k) => `${n} ${means[k].toFixed(4)}`).join(' ')}` : ''));
  }

  let testMse = NaN;
  if (ae) {
    testMse = reconstructionMse(ae, testLoader);
    const line = `Reconstruction MSE on the ${testLoader.dataset.length} test images: ${testMse.toFixed(4)}`;
    if (!a.json) io.out(line + '\n');
    else say(line);
  } else say(`non-finite losses: ${nonFinite}`);
  if (a.samples) {
    const file = path.resolve(a.samples);
    if (gan) gan.saveSamples(noise!, file);
    else saveReconstructions(ae!, (testLoader[Symbol.iterator]().next().value as Tensor[])[0], file);
    say(`wrote ${gan ? '64 generated digits' : '16 test images over their reconstructions'} to ${file}`);
  }
  if (a.out) {
    const file = path.resolve(a.out);
    save((gan ? gan.G : ae!).stateDict(), file, {
      format: 'pt', model: a.model, dataset: a.dataset, epochs: String(a.epochs),
      ...(ae ? { testMse: testMse.toFixed(6) } : {}),
    });
    say(`saved ${gan ? 'the generator\'s' : 'the'} state dict to ${file}`);
  }
  if (a.json) {
    const totalSecs = epochSeconds.reduce((s, v) => s + v, 0);
    io.out(JSON.stringify({
      model: a.model,
      dataset: a.dataset,
      epochs: a.epochs,
      ...(ae ? { testMse: Math.round(testMse * 1e6) / 1e6 } : { lossD: means[0], lossG: means[1], nonFiniteLosses: nonFinite }),
      samplesPerSec: Math.round((trainLoader.dataset.length * a.epochs) / totalSecs),
      epochSeconds: epochSeconds.map((s) => Math.round(s * 1000) / 1000),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      threads: flint.getNumThreads(),
      seed,
      batchSize: a.batchSize,
      lr: a.lr,
    }) + '\n');
  }
  if (nonFinite > 0) throw new Error(`gan: ${nonFinite} of the iterations had a non-finite loss`);
}

function version(): string {
  // scripts/flint.ts (tests) or dist/scripts/flint.js (the package): the nearest package.json up
  for (let dir = __dirname, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const pkg = require(path.join(dir, 'package.json'));
      if (pkg.name === 'flint') return pkg.version;
    } catch {
      // not here: look further up
    }
  }
  return 'unknown';
}

/** Runs the CLI with these arguments (without `node flint`); resolves to the exit code. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined) {
      io.err(MAIN_HELP);
      return 2;
    }
    if (cmd === '-h' || cmd === '--help' || cmd === 'help') {
      io.out(MAIN_HELP);
      return 0;
    }
    if (cmd === '-v' || cmd === '--version') {
      io.out(`flint ${version()}\n`);
      return 0;
    }
    const ctx: CliContext = { models: MODELS, datasets: DATASETS };
    if (cmd === 'eval') return await evalCommand(rest, io, ctx);
    if (cmd === 'predict') return await predictCommand(rest, io, ctx);
    if (cmd === 'bench') return await benchCommand(rest, io);
    if (cmd !== 'train') throw new UsageError(`unknown command '${cmd}' (available: train, eval, predict, bench)`);
    const a = parseTrain(rest);
    if (a === 'help') {
      io.out(TRAIN_HELP);
      return 0;
    }
    await train(a, io);
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'))) {
      let msg = err.message;
      const opt = /'(-[^']*)'/.exec(msg);
      if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && opt) msg = `unknown option '${opt[1]}'`;
      io.err(`flint: ${msg}\nRun 'flint ${cmd === 'train' ? 'train ' : ''}--help' for usage.\n`);
      return 2;
    }
    io.err(`flint: error: ${err && err.message ? err.message : String(e)}\n`);
    if (process.env.FLINT_DEBUG) io.err(`${err.stack}\n`);
    return 1;
  }
}

function defaultIo(): Io {
  return {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    tty: Boolean(process.stdout.isTTY) && !process.env.CI,
  };
}

if (require.main === module) {
  // A reader that stops early (`flint train | head`) closes the pipe: stop quietly, as Unix tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
