// sum, mean and max: finite-difference gradient checks (float64) and PyTorch goldens.
import * as flint from '../../lib';
import { gradcheck, GradcheckInput } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import { runGoldens } from '../helpers/goldens';

type T = flint.Tensor;
const inp = inputMaker(3001);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}

describe('gradcheck: sum and mean', () => {
  const cases: [string, number[], number | number[] | undefined, boolean][] = [
    ['all', [3, 4], undefined, false],
    ['all 1-D', [7], undefined, false],
    ['all 0-d', [], undefined, false],
    ['dim 0', [3, 4], 0, false],
    ['dim 1 keepdim', [3, 4], 1, true],
    ['dim -1', [2, 3, 4], -1, false],
    ['dims [0, 2]', [2, 3, 4], [0, 2], false],
    ['dims [0, 2] keepdim', [2, 3, 4], [0, 2], true],
    ['dims [-1, -3]', [2, 3, 4], [-1, -3], false],
    ['all dims listed keepdim', [2, 3, 4], [0, 1, 2], true],
    ['dim with size 1', [3, 1, 4], 1, false],
  ];
  for (const op of ['sum', 'mean'] as const) {
    for (const [name, shape, dim, keepdim] of cases) {
      test(`${op} ${name} [${shape}]`, () => {
        gc((a) => a[op](dim, keepdim), [inp(shape)]);
      });
    }
    test(`${op} of non-contiguous input`, () => {
      gc((a) => a[op](0), [inp([3, 4], { nc: true })]);
      gc((a) => a[op]([1, 2], true), [inp([2, 3, 4], { nc: true })]);
      gc((a) => a[op](), [inp([5], { nc: true })]);
    });
    test(`${op} then more ops (the broadcast gradient flows on)`, () => {
      gc((a) => a[op](1, true).mul(a).exp().sum(), [inp([3, 4])]);
      gc((a) => a[op](0).tanh().mul(a[op](1).sum()), [inp([3, 4])]);
    });
  }
});

describe('gradcheck: max', () => {
  test('max of all elements', () => {
    gc((a) => a.max(), [inp([3, 4], { away: true })]);
    gc((a) => a.max(), [inp([7], { away: true, nc: true })]);
    gc((a) => a.max(), [inp([4, 3], { away: true, nc: true })]);
    gc((a) => a.max(), [inp([], {})]);
  });
  for (const [dim, keepdim] of [[0, false], [1, false], [1, true], [-1, false], [-2, true]] as [number, boolean][]) {
    test(`max along dim ${dim} keepdim=${keepdim}: values`, () => {
      gc((a) => a.max(dim, keepdim).values, [inp([3, 4], { away: true })]);
      gc((a) => a.max(dim, keepdim).values, [inp([2, 3, 4], { away: true, nc: true })]);
    });
  }
  test('max along a dim: indices are the argmax and carry no gradient', () => {
    const x = flint.tensor([[1, 9, 3], [7, 2, 8]], { dtype: 'float64', requiresGrad: true });
    const { values, indices } = x.max(1);
    expect(values.toArray()).toEqual([9, 8]);
    expect(indices.dtype).toBe('int64');
    expect(indices.toArray()).toEqual([1, 2]);
    expect(indices.requiresGrad).toBe(false);
    const k = x.max(0, true);
    expect(k.values.shape).toEqual([1, 3]);
    expect(k.indices.toArray()).toEqual([[1, 0, 1]]);
  });
  test('max along a dim of size 1 and of a 1-D tensor', () => {
    gc((a) => a.max(1).values, [inp([4, 1])]);
    gc((a) => a.max(0).values, [inp([7], { away: true })]);
  });
});

describe('goldens vs PyTorch', () => {
  runGoldens('reduce');
});

describe('sum over leading dims of a contiguous float tensor (bias gradients)', () => {
  // Oracle: the rows added in order in double precision, then rounded to the tensor's dtype,
  // which is what every sum path of the addon computes; widths cover whole 16-column blocks,
  // a remainder and a block-free width.
  const cases: [number[], number[]][] = [[[64, 512], [0]], [[64, 37], [0]], [[5, 3, 40], [0, 1]], [[7, 9], [0]], [[2, 3, 4, 21], [0, 1]]];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [shape, dims] of cases) {
      test(`${dtype} [${shape}] over [${dims}], sum and mean`, () => {
        const x = flint.randn(shape, { dtype });
        const data = Array.from(x.reshape([-1]).toArray() as number[]);
        const rows = shape.slice(0, dims.length).reduce((p, v) => p * v, 1);
        const cols = data.length / rows;
        const round = dtype === 'float32' ? Math.fround : (v: number) => v;
        const want = Array.from({ length: cols }, (_, j) => {
          let s = 0;
          for (let r = 0; r < rows; r++) s += data[r * cols + j];
          return s;
        });
        const got = x.sum(dims).reshape([-1]).toArray() as number[];
        const gotMean = x.mean(dims).reshape([-1]).toArray() as number[];
        expect(x.sum(dims).shape).toEqual(shape.slice(dims.length));
        for (let j = 0; j < cols; j++) {
          expect(got[j]).toBe(round(want[j]));
          expect(gotMean[j]).toBe(round(want[j] * (1 / rows)));
        }
      });
    }
  }
  test('an empty leading dim sums to zeros', () => {
    expect(flint.zeros([0, 20]).sum(0).toArray()).toEqual(new Array(20).fill(0));
  });
});
