// DataLoader: batching, length, dropLast, shuffling (seeded and through manualSeed), collation,
// async iteration, and the batched fast path against the per-sample path.
import * as flint from '../../lib';
import { DataLoader, Subset, TensorDataset, datasets, defaultCollate, transforms } from '../../lib/data';
import { describeMnist, MNIST_DIR } from './mnist_files';

/** a dataset of the numbers 0..n-1 (per-sample path only) */
const numbers = (n: number) => ({ length: n, get: (i: number) => i });
const ids = (batches: Iterable<flint.Tensor>) => Array.from(batches, (b) => Array.from(b.dataSync() as BigInt64Array, Number));

describe('batching', () => {
  test('sizes, length and the last partial batch', () => {
    const l = new DataLoader(numbers(10), { batchSize: 4 });
    expect(l.length).toBe(3);
    expect(ids(l)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });
  test('dropLast', () => {
    const l = new DataLoader(numbers(10), { batchSize: 4, dropLast: true });
    expect(l.length).toBe(2);
    expect(ids(l)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new DataLoader(numbers(8), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(numbers(3), { batchSize: 4, dropLast: true }).length).toBe(0);
    expect(ids(new DataLoader(numbers(3), { batchSize: 4, dropLast: true }))).toEqual([]);
  });
  test('batchSize defaults to 1; bad options', () => {
    expect(ids(new DataLoader(numbers(2)))).toEqual([[0], [1]]);
    expect(() => new DataLoader(numbers(2), { batchSize: 0 })).toThrow('DataLoader: batchSize must be a positive integer but got 0');
    expect(() => new DataLoader({} as never)).toThrow(/expected a dataset with an integer length and a get\(i\) method/);
    expect(() => new DataLoader(numbers(2), { shuffle: true, seed: -1 })).toThrow(/seed must be a non-negative integer/);
  });
});

describe('shuffling', () => {
  const epoch = (l: DataLoader) => ids(l).flat();
  test('each epoch is a permutation; a seed makes the sequence of epochs reproducible', () => {
    const a = new DataLoader(numbers(100), { batchSize: 7, shuffle: true, seed: 42 });
    const b = new DataLoader(numbers(100), { batchSize: 7, shuffle: true, seed: 42 });
    const a1 = epoch(a);
    const a2 = epoch(a);
    expect([...a1].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a1).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a2).not.toEqual(a1); // a new order every epoch
    expect(epoch(b)).toEqual(a1);
    expect(epoch(b)).toEqual(a2);
    expect(epoch(new DataLoader(numbers(100), { batchSize: 7, shuffle: true, seed: 43 }))).not.toEqual(a1);
  });
  test('without a seed, manualSeed fixes the order', () => {
    flint.manualSeed(7);
    const l = new DataLoader(numbers(50), { batchSize: 8, shuffle: true });
    const e1 = epoch(l);
    const e2 = epoch(l);
    flint.manualSeed(7);
    expect(epoch(l)).toEqual(e1);
    expect(epoch(l)).toEqual(e2);
    expect(e2).not.toEqual(e1);
  });
  test('the permutation is roughly uniform (first position over many epochs)', () => {
    const l = new DataLoader(numbers(5), { batchSize: 5, shuffle: true, seed: 1 });
    const c = new Array(5).fill(0);
    for (let k = 0; k < 5000; k++) c[epoch(l)[0]]++;
    for (const v of c) expect(Math.abs(v - 1000)).toBeLessThan(150);
  });
});

describe('collation', () => {
  test('tensors are stacked, integers become int64, other numbers float32, tuples and objects recurse', () => {
    const b = defaultCollate([
      [flint.tensor([1, 2]), 3, { w: 0.5, tag: 'a' }],
      [flint.tensor([4, 5]), 6, { w: 1.5, tag: 'b' }],
    ]);
    expect(b[0].shape).toEqual([2, 2]);
    expect(b[0].toArray()).toEqual([[1, 2], [4, 5]]);
    expect(b[1].dtype).toBe('int64');
    expect(b[1].toArray()).toEqual([3, 6]);
    expect(b[2].w.dtype).toBe('float32');
    expect(b[2].w.toArray()).toEqual([0.5, 1.5]);
    expect(b[2].tag).toEqual(['a', 'b']);
    expect(defaultCollate([true, false]).toArray()).toEqual([1, 0]);
    expect(() => defaultCollate([null])).toThrow(/cannot collate samples of type null/);
    expect(() => defaultCollate([flint.tensor([1]), 2])).toThrow('defaultCollate: sample 0 is a tensor but sample 1 is not');
  });
  test('a custom collate receives the samples', () => {
    const l = new DataLoader(numbers(5), { batchSize: 2, collate: (s: number[]) => s.join('+') });
    expect(Array.from(l)).toEqual(['0+1', '2+3', '4']);
  });
  test('for await iterates the same batches', async () => {
    const l = new DataLoader(numbers(9), { batchSize: 4, shuffle: true, seed: 3 });
    const twin = new DataLoader(numbers(9), { batchSize: 4, shuffle: true, seed: 3 });
    const got: number[][] = [];
    for await (const b of l) got.push(Array.from(b.dataSync() as BigInt64Array, Number));
    expect(got).toEqual(ids(twin));
  });
});

/** the same dataset without getBatch, so that the loader takes the per-sample path */
const perSample = <S>(ds: { length: number; get(i: number): S }) => ({ length: ds.length, get: (i: number) => ds.get(i) });

function expectSameBatches(fast: DataLoader, slow: DataLoader): number {
  const fb = Array.from(fast) as flint.Tensor[][];
  const sb = Array.from(slow) as flint.Tensor[][];
  expect(fb.length).toBe(sb.length);
  fb.forEach((b, k) => {
    b.forEach((t, j) => {
      expect(t.shape).toEqual(sb[k][j].shape);
      expect(t.dtype).toBe(sb[k][j].dtype);
      expect(Buffer.from((t.dataSync() as Float32Array).buffer).equals(Buffer.from((sb[k][j].dataSync() as Float32Array).buffer))).toBe(true);
    });
  });
  return fb.length;
}

describe('fast path == per-sample path', () => {
  test('TensorDataset (and a Subset of it)', () => {
    const x = flint.randn([23, 3]);
    const y = flint.arange(23, undefined, 1, { dtype: 'int64' });
    const ds = new TensorDataset(x, y);
    expect(ds.get(4)[1].item()).toBe(4);
    const o = { batchSize: 5, shuffle: true, seed: 9 };
    expect(expectSameBatches(new DataLoader(ds, o), new DataLoader(perSample(ds), o))).toBe(5);
    const sub = new Subset(ds, [22, 0, 5, 5, 7]);
    expect(expectSameBatches(new DataLoader(sub, { batchSize: 2 }), new DataLoader(perSample(sub), { batchSize: 2 }))).toBe(3);
    expect(() => new TensorDataset(x, flint.zeros([22]))).toThrow(/size mismatch between tensors/);
  });
});

describeMnist('fast path == per-sample path on MNIST', () => {
  const tf = () => transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  test('with ToTensor + Normalize, shuffled, last partial batch', () => {
    const ds = new datasets.MNIST({ root: MNIST_DIR, train: false, transform: tf() });
    const sub = new Subset(ds, Array.from({ length: 1000 }, (_, i) => (i * 7) % 10000));
    const o = { batchSize: 64, shuffle: true, seed: 5 };
    expect(sub.getBatch(Int32Array.from([0, 1]))).toBeDefined(); // the fast path is there to take
    const fast = new DataLoader(sub, o);
    const [x, y] = fast[Symbol.iterator]().next().value as flint.Tensor[];
    expect(x.shape).toEqual([64, 1, 28, 28]);
    expect(x.dtype).toBe('float32');
    expect(y.shape).toEqual([64]);
    expect(y.dtype).toBe('int64');
    expect(expectSameBatches(new DataLoader(sub, o), new DataLoader(perSample(sub), o))).toBe(16);
  });
  test('without a transform the batches are uint8 [N, 28, 28]', () => {
    const ds = new datasets.MNIST({ root: MNIST_DIR, train: false });
    const sub = new Subset(ds, Array.from({ length: 100 }, (_, i) => i));
    const n = expectSameBatches(new DataLoader(sub, { batchSize: 32 }), new DataLoader(perSample(sub), { batchSize: 32 }));
    expect(n).toBe(4);
    const [x] = new DataLoader(ds, { batchSize: 32 })[Symbol.iterator]().next().value as flint.Tensor[];
    expect(x.dtype).toBe('uint8');
    expect(x.shape).toEqual([32, 28, 28]);
  });
  test('a transform without a batched form falls back to per-sample collation', () => {
    const ds = new datasets.MNIST({ root: MNIST_DIR, train: false, transform: (img: flint.Tensor) => img.float().sum() });
    expect(ds.getBatch(Int32Array.from([0, 1]))).toBeUndefined();
    const [x, y] = new DataLoader(ds, { batchSize: 3 })[Symbol.iterator]().next().value as flint.Tensor[];
    expect(x.shape).toEqual([3]);
    expect(y.toArray()).toEqual([7, 2, 1]);
  });
});
