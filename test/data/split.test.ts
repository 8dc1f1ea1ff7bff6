// randomSplit (torch.utils.data.random_split): sizes, PyTorch's rounding rule for fractions,
// disjoint subsets covering the dataset, seeding, errors; Subsets keep a dataset's getBatch
// fast path, MNIST's included.
import * as flint from '../../lib';
import { DataLoader, Subset, TensorDataset, randomSplit, datasets, transforms } from '../../lib/data';
import { describeMnist, MNIST_DIR } from './mnist_files';

const range = (n: number) => new TensorDataset(flint.arange(0, n).to('int64'));
const values = (s: Subset<any>) => Array.from(s.indices);

describe('randomSplit', () => {
  test('sizes: disjoint subsets that cover the dataset', () => {
    const parts = randomSplit(range(10), [3, 7], { seed: 0 });
    expect(parts.map((p) => p.length)).toEqual([3, 7]);
    const all = parts.flatMap(values).sort((a, b) => a - b);
    expect(all).toEqual([...Array(10).keys()]);
    // samples come through: the dataset's rows at the subset's indices
    expect(parts[0].get(0)[0].item()).toBe(parts[0].indices[0]);
  });
  test("fractions use PyTorch's rule: floor(n * f), then the remainder round-robin from the first split", () => {
    // torch.utils.data.random_split(range(10), [0.7, 0.15, 0.15]) -> lengths [8, 1, 1]
    // (floors 7, 1, 1 leave 1, which goes to the first)
    expect(randomSplit(range(10), [0.7, 0.15, 0.15], { seed: 0 }).map((p) => p.length)).toEqual([8, 1, 1]);
    // n = 11, [0.5, 0.25, 0.25] -> floors 5, 2, 2, remainder 2 -> [6, 3, 2]
    expect(randomSplit(range(11), [0.5, 0.25, 0.25], { seed: 0 }).map((p) => p.length)).toEqual([6, 3, 2]);
    // 1/3 each of 100 -> 33 each + 1 to the first
    expect(randomSplit(range(100), [1 / 3, 1 / 3, 1 / 3], { seed: 0 }).map((p) => p.length)).toEqual([34, 33, 33]);
    // integers summing to 1 are fractions, as in PyTorch: [1, 0] of 5 -> [5, 0]
    expect(randomSplit(range(5), [1, 0], { seed: 0 }).map((p) => p.length)).toEqual([5, 0]);
    expect(randomSplit(range(0), [0.5, 0.5], { seed: 0 }).map((p) => p.length)).toEqual([0, 0]);
  });
  test('a seed fixes the split; without one manualSeed does', () => {
    const a = randomSplit(range(50), [0.8, 0.2], { seed: 4 }).map(values);
    expect(randomSplit(range(50), [0.8, 0.2], { seed: 4 }).map(values)).toEqual(a);
    expect(randomSplit(range(50), [0.8, 0.2], { seed: 5 }).map(values)).not.toEqual(a);
    flint.manualSeed(1);
    const b = randomSplit(range(50), [40, 10]).map(values);
    flint.manualSeed(1);
    expect(randomSplit(range(50), [40, 10]).map(values)).toEqual(b);
    flint.manualSeed(2);
    expect(randomSplit(range(50), [40, 10]).map(values)).not.toEqual(b);
  });
  test('errors', () => {
    expect(() => randomSplit(range(10), [0.7, 0.2])).toThrow(
      "randomSplit: fractions [0.7, 0.2] sum to 0.8999999999999999, but must sum to 1 (within 1e-9); or pass whole-number sizes summing to the dataset's length (10)");
    expect(() => randomSplit(range(10), [0.5, 0.5 + 2e-9])).toThrow(/must sum to 1 \(within 1e-9\)/);
    expect(randomSplit(range(10), [0.5, 0.5 + 5e-10], { seed: 0 }).map((p) => p.length)).toEqual([5, 5]);
    expect(() => randomSplit(range(10), [3, 6])).toThrow('randomSplit: sizes [3, 6] sum to 9, but the dataset has 10 samples');
    expect(() => randomSplit(range(10), [1.5, -0.5])).toThrow('randomSplit: lengths[1] must be a non-negative number but got -0.5');
    expect(() => randomSplit(range(10), [1.5, 0.5])).toThrow(
      'randomSplit: sizes must be whole numbers but lengths[0] is 1.5 (lengths [1.5, 0.5]); fractions must be between 0 and 1 and sum to 1');
    expect(() => randomSplit(range(10), [4.5, 5.5])).toThrow(
      new RangeError('randomSplit: sizes must be whole numbers but lengths[0] is 4.5 (lengths [4.5, 5.5]); fractions must be between 0 and 1 and sum to 1'));
    expect(() => randomSplit(range(10), [5, 4.5, 0.5])).toThrow(/^randomSplit: sizes must be whole numbers but lengths\[1\] is 4\.5 /);
    // the wrong type is named, not just the value
    expect(() => randomSplit(range(10), ['0.5', '0.5'] as any)).toThrow(
      new TypeError('randomSplit: lengths[0] must be a non-negative number but got string "0.5"'));
    expect(() => randomSplit(range(10), [0.5, null] as any)).toThrow(/^randomSplit: lengths\[1\] must be a non-negative number but got null$/);
    expect(() => randomSplit(range(10), [true, 1] as any)).toThrow('randomSplit: lengths[0] must be a non-negative number but got boolean true');
    expect(() => randomSplit(range(10), [0.5, NaN])).toThrow(new RangeError('randomSplit: lengths[1] must be a non-negative number but got NaN'));
    expect(() => randomSplit(range(10), [])).toThrow('randomSplit: expected lengths to be a non-empty array of numbers');
    expect(() => randomSplit(range(10), [5, 5], { seed: -1 })).toThrow('randomSplit: seed must be a non-negative integer but got -1');
    expect(() => randomSplit({} as any, [1])).toThrow('randomSplit: expected a dataset with an integer length and a get(i) method');
  });
});

describeMnist('Subsets of MNIST keep the batched fast path', () => {
  const t = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])]);
  // made in beforeAll: a skipped describe still runs its body, and there are no files then
  let test10k: InstanceType<typeof datasets.MNIST>;
  beforeAll(() => {
    test10k = new datasets.MNIST({ root: MNIST_DIR, train: false, transform: t });
  });
  test('the DataLoader over a Subset batches through MNIST.getBatch, with the same values as get(i)', () => {
    const [a] = randomSplit(test10k, [0.1, 0.9], { seed: 0 });
    const spy = jest.spyOn(test10k, 'getBatch');
    const getSpy = jest.spyOn(test10k, 'get');
    const loader = new DataLoader(a, { batchSize: 128, shuffle: true, seed: 1 });
    const batches = [...loader];
    expect(batches.length).toBe(Math.ceil(1000 / 128));
    expect(spy).toHaveBeenCalledTimes(batches.length);
    expect(getSpy).not.toHaveBeenCalled();
    // the last batch, against per-sample get through the Subset's index mapping
    const [x, y] = batches[batches.length - 1];
    const order = [...new DataLoader(a, { batchSize: 128, shuffle: true, seed: 1, collate: (s) => s })];
    const last = order[order.length - 1] as [flint.Tensor, number][];
    expect(x.shape).toEqual([last.length, 1, 28, 28]);
    expect(Array.from(x.dataSync())).toEqual(Array.from(flint.stack(last.map((s) => s[0])).dataSync()));
    expect(Array.from(y.dataSync(), Number)).toEqual(last.map((s) => s[1]));
    spy.mockRestore();
    getSpy.mockRestore();
  });
  test('a Subset of a Subset maps indices twice and still batches natively', () => {
    const [a] = randomSplit(test10k, [2000, 8000], { seed: 3 });
    const [b] = randomSplit(a, [0.5, 0.5], { seed: 4 });
    const spy = jest.spyOn(test10k, 'getBatch');
    const [x, y] = b.getBatch!(Int32Array.of(0, 5)) as [flint.Tensor, flint.Tensor];
    expect(spy).toHaveBeenCalledWith(Int32Array.of(a.indices[b.indices[0]], a.indices[b.indices[5]]));
    expect(x.shape).toEqual([2, 1, 28, 28]);
    expect(y.toArray()).toEqual([test10k.get(a.indices[b.indices[0]])[1], test10k.get(a.indices[b.indices[5]])[1]]);
    spy.mockRestore();
  });
  test('getBatch: negative indices count from the end; out of range is an error', () => {
    const [x, y] = test10k.getBatch(Int32Array.of(-1, 9999))!;
    expect(Array.from(x.select(0, 0).dataSync())).toEqual(Array.from(x.select(0, 1).dataSync()));
    expect(y.toArray()).toEqual([test10k.get(9999)[1], test10k.get(9999)[1]]);
    expect(() => test10k.getBatch(Int32Array.of(3, 10000))).toThrow('MNIST.getBatch: index 10000 is out of range for a dataset of 10000 samples');
  });
  test('random augmentation keeps the fast path too', () => {
    const aug = new datasets.MNIST({ root: MNIST_DIR, train: false, transform: transforms.Compose([
      transforms.RandomAffine({ degrees: 10, translate: [0.1, 0.1] }), transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])]) });
    const [a] = randomSplit(aug, [0.05, 0.95], { seed: 0 });
    const spy = jest.spyOn(aug, 'getBatch');
    const [x, y] = [...new DataLoader(a, { batchSize: 64 })][0];
    expect(spy).toHaveBeenCalled();
    expect(x.shape).toEqual([64, 1, 28, 28]);
    expect(y.shape).toEqual([64]);
    spy.mockRestore();
  });
});
