// MNIST and Fashion-MNIST (torchvision.datasets.MNIST / FashionMNIST): 28x28 uint8 images in
// IDX files, held in native memory as `data` [N, 28, 28] uint8 and `targets` [N] int64.
//
// Where the files are looked for, in order (the first folder holding both files of the split wins):
//   1. `root`, and `<root>/<ClassName>/raw` (torchvision's layout), when root is given: then
//      only there, so a mistyped root is an error rather than a silent switch to other data
//   2. `$FLINT_DATA/<folder>` (folder: mnist, fashion-mnist), when FLINT_DATA is set
//   3. `./data/<folder>` under the current directory
//   4. the Debian package locations (`/usr/share/datasets/fashion-mnist` from dataset-fashion-mnist)
// With `download: true`, missing files are fetched into `root` (default `./data/<folder>`) from
// the canonical mirrors, each checked against its published md5.
import * as fs from 'fs';
import * as path from 'path';
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { checkIndex, Dataset, indexTensor } from './dataset';
import { downloadFiles, RemoteFile } from './download';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdx } from './idx';
import { Transform } from './transforms';

export interface MNISTOptions {
  /** folder holding the IDX files (`train-images-idx3-ubyte.gz`, ...) */
  root?: string;
  /** the 60000-image training set (default) or the 10000-image test set */
  train?: boolean;
  /** applied to each image (a uint8 tensor [28, 28]), e.g. Compose([ToTensor(), Normalize(...)]) */
  transform?: Transform;
  /** applied to each label (a number) */
  targetTransform?: Transform;
  /** fetch missing files from the canonical mirrors into root (checked by md5) */
  download?: boolean;
}

type Split = { images: string; labels: string };
const SPLITS: Record<'train' | 'test', Split> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

/** The folder a split's two files are in, with each file's path (.gz preferred over plain). */
function findIn(dir: string, split: Split): { images: string; labels: string } | null {
  const pick = (base: string) => [`${base}.gz`, base].map((f) => path.join(dir, f)).find((f) => isFile(f));
  const images = pick(split.images);
  const labels = pick(split.labels);
  return images && labels ? { images, labels } : null;
}
function isFile(f: string): boolean {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
}

/**
 * The MNIST handwritten digits: 60000 training and 10000 test images, 28x28 uint8, labels 0-9.
 *
 * Args (an options object): root, train (true), transform, targetTransform, download (false).
 * `get(i)` returns `[image, label]`: the image after `transform` (a uint8 [28, 28] view without
 * one) and the label as a number (after `targetTransform`).
 * Example:
 *   const train = new datasets.MNIST({ root: 'data/mnist', transform: transforms.Compose([
 *     transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]) });
 *   const [x, y] = train.get(0);   // x [1, 28, 28] float32 in [-1, 1], y 5
 */
export class MNIST extends Dataset<[any, any]> {
  /** subfolder name under FLINT_DATA and ./data */
  static folder = 'mnist';
  /** human name for messages */
  static title = 'MNIST';
  /** Debian (or other system) folders that hold the files */
  static systemDirs: string[] = [];
  /** how to get the files, for the not-found message */
  static howToGet = 'pass root (the CLI: --data DIR) as a folder holding the four MNIST IDX .gz files';
  /** download mirrors, tried in order (torchvision's list) */
  static mirrors = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'];
  /** the files and the md5s of the original .gz downloads */
  static resources: RemoteFile[] = [
    { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
    { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
    { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
  ];
  static classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven',
    '8 - eight', '9 - nine'];

  /** the images, uint8 [N, 28, 28] */
  readonly data: Tensor;
  /** the labels, int64 [N] */
  readonly targets: Tensor;
  readonly train: boolean;
  /** the folder the files were read from */
  readonly root: string;
  readonly transform?: Transform;
  readonly targetTransform?: Transform;
  readonly classes: string[];
  private readonly labels: Uint8Array;

  constructor(opts: MNISTOptions = {}) {
    super();
    const cls = new.target as typeof MNIST;
    const name = cls.title;
    if (typeof opts !== 'object' || opts === null) throw new TypeError(`${name}: expected an options object`);
    for (const k of ['transform', 'targetTransform'] as const) {
      if (opts[k] !== undefined && typeof opts[k] !== 'function') throw new TypeError(`${name}: ${k} must be a function (a transform)`);
    }
    this.train = opts.train ?? true;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    this.classes = cls.classes.slice();
    const split = SPLITS[this.train ? 'train' : 'test'];

    const dirs = cls.searchDirs(opts.root);
    let found: { images: string; labels: string } | null = null;
    for (const d of dirs) if ((found = findIn(d, split))) break;
    if (!found && opts.download) {
      const dest = path.resolve(opts.root ?? path.join('data', cls.folder));
      downloadFiles(name, dest, cls.resources, cls.mirrors);
      found = findIn(dest, split);
    }
    if (!found) {
      const which = this.train ? 'training' : 'test';
      const lines = dirs.map((d) => `  ${d}${fs.existsSync(d) ? ' (exists, but lacks the files)' : ' (does not exist)'}`);
      throw new Error(
        `${name}: cannot find the ${which} set (${split.images}.gz and ${split.labels}.gz). Looked in:\n${lines.join('\n')}\n` +
          `To get the files: ${cls.howToGet}; or set FLINT_DATA to a folder with a ${cls.folder}/ subfolder; ` +
          `or pass download: true (the CLI: --download) to fetch them from the canonical mirrors (md5-checked).`,
      );
    }
    this.root = path.dirname(found.images);

    const img = readIdx(found.images, IDX_IMAGES_MAGIC);
    const lab = readIdx(found.labels, IDX_LABELS_MAGIC);
    if (img.shape[0] !== lab.shape[0]) {
      throw new Error(`${name}: ${found.images} holds ${img.shape[0]} images but ${found.labels} holds ${lab.shape[0]} labels`);
    }
    this.data = ops.tensor(img.data, { dtype: 'uint8', shape: img.shape });
    this.labels = lab.data.slice();
    this.targets = ops.tensor(BigInt64Array.from(this.labels, (v) => BigInt(v)), { dtype: 'int64', shape: [this.labels.length] });
  }

  /** The folders looked in, in order (see the file header). */
  static searchDirs(root?: string): string[] {
    const dirs: string[] = [];
    if (root !== undefined) {
      if (typeof root !== 'string' || root === '') throw new TypeError(`${this.title}: root must be a non-empty string`);
      dirs.push(path.resolve(root), path.resolve(root, this.title, 'raw'));
      return dirs;
    }
    const env = process.env.FLINT_DATA;
    if (env) dirs.push(path.resolve(env, this.folder));
    dirs.push(path.resolve('data', this.folder), ...this.systemDirs);
    return [...new Set(dirs)];
  }

  get length(): number {
    return this.labels.length;
  }

  /** `[image, label]`: the image after transform, the label (a number) after targetTransform. */
  get(index: number): [any, any] {
    const i = checkIndex(`${(this.constructor as typeof MNIST).title}.get`, index, this.labels.length);
    const img = ops.select(this.data, 0, i);
    const label = this.labels[i];
    return [this.transform ? this.transform(img) : img, this.targetTransform ? this.targetTransform(label) : label];
  }

  /**
   * The batch `[images, labels]` for these indices in a few native calls: the transform's
   * gathered form (ToTensor [+ Normalize] reading the rows straight from `data` in one pass), or
   * one indexSelect of the uint8 images and then its batched form. Undefined when the transforms
   * have no batched form (DataLoader then collates get(i) per sample). Same values as that path.
   */
  getBatch(indices: Int32Array): [Tensor, Tensor] | undefined {
    if (this.targetTransform || (this.transform && typeof this.transform.batched !== 'function')) return undefined;
    // labels from the JS copy: one native copy instead of an index select
    const labels = this.labels;
    const n = labels.length;
    const yv = new BigInt64Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < -n || i >= n) checkIndex(`${(this.constructor as typeof MNIST).title}.getBatch`, i, n);
      yv[k] = BigInt(labels[i < 0 ? i + n : i]);
    }
    const y = ops.tensor(yv, { dtype: 'int64', shape: [indices.length] });
    if (this.transform?.gathered) return [this.transform.gathered(this.data, indices), y];
    const idx = indexTensor(indices);
    const x = ops.indexSelect(this.data, 0, idx);
    idx.dispose();
    if (!this.transform) return [x, y];
    const xt = this.transform.batched!(x);
    if (xt !== x && !xt._h.sameStorage(x._h)) x.dispose();
    return [xt, y];
  }

  toString(): string {
    const cls = this.constructor as typeof MNIST;
    const lines = [`Dataset ${cls.title}`, `    Number of datapoints: ${this.length}`, `    Root location: ${this.root}`,
      `    Split: ${this.train ? 'Train' : 'Test'}`];
    if (this.transform) lines.push(`    Transform: ${String(this.transform)}`);
    return lines.join('\n');
  }
}

/**
 * Zalando's Fashion-MNIST: 28x28 grayscale clothing images in 10 classes, MNIST's format and
 * sizes. Same options as MNIST. Found in Debian's dataset-fashion-mnist package when installed.
 */
export class FashionMNIST extends MNIST {
  static folder = 'fashion-mnist';
  static title = 'FashionMNIST';
  static systemDirs = ['/usr/share/datasets/fashion-mnist'];
  static howToGet = 'on Debian/Ubuntu, apt-get install dataset-fashion-mnist (installs them in ' +
    '/usr/share/datasets/fashion-mnist); or pass root (the CLI: --data DIR) as a folder holding the four Fashion-MNIST IDX .gz files';
  static mirrors = [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    'https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/',
  ];
  static resources: RemoteFile[] = [
    { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
    { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
    { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
    { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
  ];
  static classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
}
