// MNIST and FashionMNIST: loading from the real files, get(i), where files are looked for, and the
// error when they are nowhere.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flint from '../../lib';
import { datasets, transforms } from '../../lib/data';
import { describeFashion, describeMnist, MNIST_DIR } from './mnist_files';

describeMnist('datasets.MNIST', () => {
  let train: datasets.MNIST;
  let testSet: datasets.MNIST;
  beforeAll(() => {
    train = new datasets.MNIST({ root: MNIST_DIR });
    testSet = new datasets.MNIST({ root: MNIST_DIR, train: false });
  });

  test('data and targets: dtypes, shapes, label counts, mean pixel', () => {
    expect(train.length).toBe(60000);
    expect(train.data.dtype).toBe('uint8');
    expect(train.data.shape).toEqual([60000, 28, 28]);
    expect(train.targets.dtype).toBe('int64');
    expect(train.targets.shape).toEqual([60000]);
    const t = train.targets.dataSync() as BigInt64Array;
    const c = new Array(10).fill(0);
    for (const v of t) c[Number(v)]++;
    expect(c).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(train.data.float().mean().item()).toBeCloseTo(33.3184, 3);
    expect(testSet.length).toBe(10000);
    expect(Array.from(testSet.targets.dataSync() as BigInt64Array, Number).slice(0, 5)).toEqual([7, 2, 1, 0, 4]);
    expect(train.root).toBe(MNIST_DIR);
  });

  test('get(i): a uint8 [28, 28] image and a numeric label; negative indices count from the end', () => {
    const [x, y] = train.get(0);
    expect(x.shape).toEqual([28, 28]);
    expect(x.dtype).toBe('uint8');
    expect([y, train.get(1)[1], train.get(2)[1], train.get(3)[1], train.get(4)[1]]).toEqual([5, 0, 4, 1, 9]);
    const last = train.get(-1);
    expect(last[1]).toBe(Number((train.targets.dataSync() as BigInt64Array)[59999]));
    // the image equals the row of data
    expect(Array.from(x.dataSync() as Uint8Array)).toEqual(Array.from(train.data.select(0, 0).dataSync() as Uint8Array));
    expect(() => train.get(60000)).toThrow('MNIST.get: index 60000 is out of range for a dataset of 60000 samples');
    expect(() => train.get(1.5)).toThrow(/expected an integer index/);
  });

  test('transform and targetTransform are applied by get', () => {
    const ds = new datasets.MNIST({
      root: MNIST_DIR,
      train: false,
      transform: transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]),
      targetTransform: (y: number) => y * 10,
    });
    const [x, y] = ds.get(0);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(y).toBe(70);
    const raw = testSet.get(0)[0].dataSync() as Uint8Array;
    const got = x.dataSync() as Float32Array;
    for (const i of [0, 200, 300, 400, 783]) expect(got[i]).toBeCloseTo((raw[i] / 255 - 0.5) / 0.5, 6);
    expect(String(ds)).toContain('Number of datapoints: 10000');
  });

  test('FLINT_DATA/mnist is searched when root is not given', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-data-'));
    const old = process.env.FLINT_DATA;
    try {
      fs.symlinkSync(MNIST_DIR, path.join(parent, 'mnist'));
      process.env.FLINT_DATA = parent;
      const ds = new datasets.MNIST({ train: false });
      expect(ds.length).toBe(10000);
      expect(ds.root).toBe(path.join(parent, 'mnist'));
    } finally {
      if (old === undefined) delete process.env.FLINT_DATA;
      else process.env.FLINT_DATA = old;
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});

describeFashion('datasets.FashionMNIST (Debian dataset-fashion-mnist)', () => {
  test('found without root; 1000 test images per class', () => {
    const ds = new datasets.FashionMNIST({ train: false });
    expect(ds.root).toBe('/usr/share/datasets/fashion-mnist');
    expect(ds.length).toBe(10000);
    const c = new Array(10).fill(0);
    for (const v of ds.targets.dataSync() as BigInt64Array) c[Number(v)]++;
    expect(c).toEqual(new Array(10).fill(1000));
    expect(ds.classes[9]).toBe('Ankle boot');
  });
});

describe('missing files', () => {
  const nowhere = path.join(os.tmpdir(), 'flint-definitely-missing');
  let old: string | undefined;
  let cwd: string;
  let empty: string;
  beforeAll(() => {
    old = process.env.FLINT_DATA;
    process.env.FLINT_DATA = path.join(nowhere, 'env');
    cwd = process.cwd();
    empty = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cwd-'));
    process.chdir(empty);
  });
  afterAll(() => {
    process.chdir(cwd);
    fs.rmSync(empty, { recursive: true, force: true });
    if (old === undefined) delete process.env.FLINT_DATA;
    else process.env.FLINT_DATA = old;
  });

  function message(fn: () => unknown): string {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected an error');
  }

  test('MNIST lists every folder it looked in and how to get the files', () => {
    // Without root: FLINT_DATA, ./data and the system folders.
    const msg = message(() => new datasets.MNIST({}));
    expect(msg).toContain('MNIST: cannot find the training set (train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz). Looked in:');
    for (const d of [path.join(nowhere, 'env', 'mnist'), path.join(fs.realpathSync(empty), 'data', 'mnist')]) {
      expect(msg).toContain(`  ${d} (does not exist)`);
    }
    // With root: only there (a mistyped root must not silently pick up other data).
    const rooted = message(() => new datasets.MNIST({ root: nowhere }));
    for (const d of [nowhere, path.join(nowhere, 'MNIST', 'raw')]) expect(rooted).toContain(`  ${d} (does not exist)`);
    expect(rooted).not.toContain(path.join(nowhere, 'env', 'mnist'));
    expect(msg).toContain('pass root (the CLI: --data DIR)');
    expect(msg).toContain('download: true');
    expect(message(() => new datasets.MNIST({ root: nowhere, train: false }))).toContain('cannot find the test set (t10k-images-idx3-ubyte.gz');
  });

  test('a folder holding only one of the two files is reported as lacking them', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-half-'));
    try {
      fs.writeFileSync(path.join(d, 't10k-labels-idx1-ubyte.gz'), '');
      const msg = message(() => new datasets.MNIST({ root: d, train: false }));
      expect(msg).toContain(`  ${d} (exists, but lacks the files)`);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test('FashionMNIST also names the Debian folder and package', () => {
    const cls = class extends datasets.FashionMNIST {};
    cls.systemDirs = [path.join(nowhere, 'usr-share')]; // behave as on a machine without the package
    const msg = message(() => new cls({}));
    expect(msg).toContain('FashionMNIST: cannot find the training set');
    expect(message(() => new cls({ root: nowhere }))).toContain(path.join(nowhere, 'FashionMNIST', 'raw'));
    expect(msg).toContain(path.join(nowhere, 'env', 'fashion-mnist'));
    expect(msg).toContain(path.join(nowhere, 'usr-share'));
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(datasets.FashionMNIST.searchDirs()).toContain('/usr/share/datasets/fashion-mnist');
  });

  test('bad options', () => {
    expect(() => new datasets.MNIST({ root: nowhere, transform: 3 as unknown as flint.transforms.Transform })).toThrow(
      'MNIST: transform must be a function (a transform)',
    );
  });
});
