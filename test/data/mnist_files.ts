// Where the real MNIST files are for tests: ../shared/data/mnist beside the repository (see its
// README). Suites that need them are skipped, with the reason in their name, when it is absent.
import * as fs from 'fs';
import * as path from 'path';

export const MNIST_DIR = path.resolve(__dirname, '../../../shared/data/mnist');
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

export const haveMnist = fs.existsSync(path.join(MNIST_DIR, 'train-images-idx3-ubyte.gz'));
export const haveFashion = fs.existsSync(path.join(FASHION_DIR, 't10k-labels-idx1-ubyte.gz'));

/** describe, or describe.skip with the reason when the MNIST files are absent */
export const describeMnist: jest.Describe = haveMnist
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} (skipped: no MNIST files in ${MNIST_DIR})`, fn)) as jest.Describe);
export const describeFashion: jest.Describe = haveFashion
  ? describe
  : (((name: string, fn: () => void) =>
      describe.skip(`${name} (skipped: no Fashion-MNIST in ${FASHION_DIR}; apt-get install dataset-fashion-mnist)`, fn)) as jest.Describe);
