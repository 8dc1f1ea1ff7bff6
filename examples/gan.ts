// The seed GAN on MNIST, written the PyTorch way. Generator 100-128-256-784 (LeakyReLU 0.2,
// Tanh out), discriminator 784-128-64-1 (LeakyReLU 0.2, Sigmoid out), BCELoss, Adam lr 2e-4 for
// both, batch 64, images ToTensor + Normalize([0.5], [0.5]) so real and fake pixels are in
// [-1, 1]. One iteration = a D step on real (label 1) and detached fake (label 0) images, then a
// G step that reuses the same fake batch with label 1. Prints the running D and G losses every
// 100 batches ('[%d, %5d] loss_D: %.3f loss_G: %.3f'), each epoch's time and mean losses, the
// count of non-finite losses, and with --samples writes 64 samples from a fixed noise batch as an
// 8 x 8 PNG grid.
//
//   npx tsc -p tsconfig.json && node dist/examples/gan.js [--data DIR] [--epochs 10] [--limit N]
//        [--samples grid.png] [--out G.safetensors] [--seed 0] [--threads N]
// --data: a folder with the four MNIST IDX .gz files (default: $FLINT_DATA/mnist, ./data/mnist
// or ../shared/data/mnist, whichever exists). --limit N: only the first N training images.
// --samples: write the grid of 64 samples to this PNG (nothing is written without it).
// --out: save G's state dict (PyTorch's nn.Sequential keys '0.weight', ..., '4.bias').
// Defaults: 10 epochs (9380 iterations), about 50 s here: blurry but recognisable digits (after
// one epoch, --epochs 1, about 5 s, G draws noisy blobs, as PyTorch's run of the seed does).
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as flint from '../lib';
import { DataLoader, Subset, datasets, transforms } from '../lib/data';
import { intFlag, outputFile, runMain } from './cli';

const { nn, optim } = flint;
type Tensor = flint.Tensor;

/** Size of the generator's noise input. */
export const LATENT = 100;

/** The seed generator: z [N, 100] -> images [N, 784] in [-1, 1]. */
export function generator(): flint.nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(LATENT, 128), new nn.LeakyReLU(0.2),
    new nn.Linear(128, 256), new nn.LeakyReLU(0.2),
    new nn.Linear(256, 784), new nn.Tanh(),
  );
}

/** The seed discriminator: images [N, 784] -> probability of being real [N, 1]. */
export function discriminator(): flint.nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(784, 128), new nn.LeakyReLU(0.2),
    new nn.Linear(128, 64), new nn.LeakyReLU(0.2),
    new nn.Linear(64, 1), new nn.Sigmoid(),
  );
}

/** G, D, their Adam optimizers and the seed's training iteration. */
export class GAN {
  readonly G = generator();
  readonly D = discriminator();
  readonly optG: flint.optim.Adam;
  readonly optD: flint.optim.Adam;
  readonly bce = new nn.BCELoss();
  constructor(lr = 2e-4) {
    this.optG = new optim.Adam(this.G.parameters(), { lr });
    this.optD = new optim.Adam(this.D.parameters(), { lr });
  }

  /** One iteration on a batch of real images [N, 1, 28, 28] (or [N, 784]); returns [lossD, lossG]. */
  step(x: Tensor): [number, number] {
    const real = x.reshape([x.shape[0], -1]); // [N, 784]
    const b = real.shape[0];
    const ones = flint.ones([b, 1]);
    const zeros = flint.zeros([b, 1]);
    const fake = this.G.forward(flint.randn([b, LATENT]));

    this.optD.zeroGrad();
    const lossD = this.bce.forward(this.D.forward(real), ones).add(this.bce.forward(this.D.forward(fake.detach()), zeros));
    lossD.backward();
    this.optD.step();

    this.optG.zeroGrad();
    const lossG = this.bce.forward(this.D.forward(fake), ones);
    lossG.backward();
    this.optG.step();
    return [lossD.item(), lossG.item()];
  }

  /** G's images for the noise z [N, 100], as [N, 1, 28, 28] in [-1, 1] (eval mode, no grad). */
  sample(z: Tensor): Tensor {
    this.G.eval();
    const out = flint.noGrad(() => this.G.forward(z)).reshape([z.shape[0], 1, 28, 28]);
    this.G.train();
    return out;
  }

  /** Writes G's images for z as a PNG grid (8 a row, 2 black pixels between; -1 black, 1 white). */
  saveSamples(z: Tensor, file: string): void {
    flint.utils.savePng(this.sample(z), file, { nrow: 8, valueRange: [-1, 1] });
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
      epochs: { type: 'string', default: '10' },
      limit: { type: 'string' },
      samples: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '0' },
      threads: { type: 'string' },
    },
  });
  const epochs = intFlag('epochs', a.epochs, 1);
  const limit = intFlag('limit', a.limit, 1, 'optional');
  const seed = intFlag('seed', a.seed, 0);
  const threads = intFlag('threads', a.threads, 1, 'optional');
  if (a.samples !== undefined) outputFile('samples', a.samples);
  if (a.out !== undefined) outputFile('out', a.out);
  if (threads !== undefined) flint.setNumThreads(threads);
  flint.manualSeed(seed);

  const root = a.data ?? defaultData();
  const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  let train: flint.Dataset<any> = new datasets.MNIST({ root, train: true, transform: tf });
  if (limit !== undefined && limit < train.length) train = new Subset(train, Int32Array.from({ length: limit }, (_, i) => i));
  const loader = new DataLoader(train, { batchSize: 64, shuffle: true });

  const gan = new GAN();
  const fixedNoise = flint.randn([64, LATENT]); // the same 64 points in latent space for every grid
  log(`G: ${gan.G}\nD: ${gan.D}\ntraining on ${train.length} MNIST images from ${root}, Adam lr 0.0002, batch 64, ` +
    `${flint.getNumThreads()} threads`);

  let nonFinite = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    let [runD, runG, sumD, sumG] = [0, 0, 0, 0];
    let i = 0;
    for (const [x] of loader) {
      const [lossD, lossG] = gan.step(x);
      if (!Number.isFinite(lossD) || !Number.isFinite(lossG)) nonFinite++;
      runD += lossD;
      runG += lossG;
      sumD += lossD;
      sumG += lossG;
      if (++i % 100 === 0) {
        log(`[${epoch}, ${String(i).padStart(5)}] loss_D: ${(runD / 100).toFixed(3)} loss_G: ${(runG / 100).toFixed(3)}`);
        [runD, runG] = [0, 0];
      }
    }
    const secs = (performance.now() - t0) / 1000;
    log(`epoch ${epoch}: ${secs.toFixed(2)} s, ${i} iterations (${(i / secs).toFixed(1)} it/s), ` +
      `mean loss_D ${(sumD / i).toFixed(4)} loss_G ${(sumG / i).toFixed(4)}`);
  }
  log(`non-finite losses: ${nonFinite}`);

  if (a.samples !== undefined) {
    gan.saveSamples(fixedNoise, a.samples);
    log(`wrote 64 samples (8 x 8 grid) to ${a.samples}`);
  }
  if (a.out) {
    flint.save(gan.G.stateDict(), a.out);
    log(`saved G's state dict to ${a.out}`);
  }
  if (nonFinite > 0) throw new Error(`gan: ${nonFinite} iterations had a non-finite loss`);
}

if (require.main === module) runMain('usage: node dist/examples/gan.js [--data DIR] [--epochs 10] [--limit N] [--samples grid.png] [--out G.safetensors] [--seed 0] [--threads N]', main);
