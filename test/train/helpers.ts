// Shared by the fit / CLI tests: the seed MLP and a 70/15/15 split of the first n MNIST
// training images (randomSplit with a fixed seed), loaders over them.
import * as flint from '../../lib';
import { DataLoader, Subset, datasets, transforms, randomSplit } from '../../lib/data';
import { MNIST_DIR } from '../data/mnist_files';

const { nn } = flint;
type Tensor = flint.Tensor;

/** The seed MLP: 784-512-256-10 with ReLU (PyTorch keys fc1.weight ...). */
export class MLP extends nn.Module {
  fc1: flint.nn.Linear;
  fc2 = new nn.Linear(512, 256);
  fc3 = new nn.Linear(256, 10);
  constructor(hidden1 = 512) {
    super();
    this.fc1 = new nn.Linear(784, hidden1);
    if (hidden1 !== 512) this.fc2 = new nn.Linear(hidden1, 256);
  }
  forward(x: Tensor): Tensor {
    const h = x.reshape([x.shape[0], -1]);
    return this.fc3.forward(flint.relu(this.fc2.forward(flint.relu(this.fc1.forward(h)))));
  }
}

let cached: flint.Dataset<any> | null = null;
function mnistTrain(): flint.Dataset<any> {
  const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  cached ??= new datasets.MNIST({ root: MNIST_DIR, train: true, transform: tf });
  return cached;
}

/** A 70/15/15 split of MNIST's first n training images. */
export function splits(n = 3000, seed = 0): { train: Subset<any>; val: Subset<any>; test: Subset<any> } {
  const head = new Subset(mnistTrain(), Int32Array.from({ length: n }, (_, i) => i));
  const [train, val, test] = randomSplit(head, [0.7, 0.15, 0.15], { seed });
  return { train, val, test };
}

export function loaders(n = 3000, batchSize = 64): { train: DataLoader<any>; val: DataLoader<any>; test: DataLoader<any> } {
  const s = splits(n);
  return {
    train: new DataLoader(s.train, { batchSize, shuffle: true }),
    val: new DataLoader(s.val, { batchSize: 500 }),
    test: new DataLoader(s.test, { batchSize: 500 }),
  };
}
