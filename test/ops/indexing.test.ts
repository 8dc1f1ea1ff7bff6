// cat, stack, indexSelect, gather: finite-difference gradient checks (float64) and goldens.
import * as flint from '../../lib';
import { gradcheck, GradcheckInput } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import { runGoldens } from '../helpers/goldens';

type T = flint.Tensor;
const { cat, stack, indexSelect, gather, tensor } = flint;
const inp = inputMaker(5001);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}
const idx = (v: number[], dtype: 'int64' | 'int32' = 'int64', shape?: number[]) => tensor(v, { dtype, shape });

describe('gradcheck: cat and stack', () => {
  test('cat dim 0 / 1 / -1', () => {
    gc((a, b, c) => cat([a, b, c], 0), [inp([2, 3]), inp([1, 3]), inp([4, 3])]);
    gc((a, b) => cat([a, b], 1), [inp([2, 3]), inp([2, 5])]);
    gc((a, b) => cat([a, b], -1), [inp([2, 2, 3]), inp([2, 2, 1])]);
  });
  test('cat 1-D, non-contiguous, constant and repeated inputs', () => {
    gc((a, b) => cat([a, b]), [inp([7]), inp([1], { nc: false })]);
    gc((a, b) => cat([a, b], 0), [inp([3, 4], { nc: true }), inp([2, 4])]);
    gc((a, b) => cat([a, b], 1), [inp([3, 4], { rg: false }), inp([3, 2])]);
    gc((a) => cat([a, a.mul(2), a], 1), [inp([2, 3])]);
  });
  test('stack dim 0 / 1 / -1', () => {
    gc((a, b, c) => stack([a, b, c], 0), [inp([2, 3]), inp([2, 3]), inp([2, 3])]);
    gc((a, b) => stack([a, b], 1), [inp([2, 3]), inp([2, 3], { nc: true })]);
    gc((a, b) => stack([a, b], -1), [inp([4]), inp([4])]);
  });
});

describe('gradcheck: indexSelect and gather', () => {
  test('indexSelect with repeated indices (gradients add up)', () => {
    gc((a) => indexSelect(a, 0, idx([2, 0, 2, 3])), [inp([4, 3])]);
    gc((a) => indexSelect(a, 1, idx([1, 1, 0], 'int32')), [inp([4, 3])]);
    gc((a) => indexSelect(a, -1, idx([3, 0])), [inp([2, 3, 4])]);
    gc((a) => indexSelect(a, 0, idx([4, 4, 1])), [inp([5], { nc: true })]);
    gc((a) => indexSelect(a, 1, idx([2, 0])), [inp([3, 4], { nc: true })]);
  });
  test('gather with repeated indices along dim 0 and 1', () => {
    gc((a) => gather(a, 1, idx([0, 0, 2, 1, 1, 1], 'int64', [2, 3])), [inp([2, 3])]);
    gc((a) => gather(a, 0, idx([1, 0, 1, 1, 2, 0], 'int64', [2, 3])), [inp([3, 3])]);
    gc((a) => gather(a, 1, idx([3, 0, 1, 3], 'int32', [2, 2])), [inp([3, 4], { nc: true })]);
    gc((a) => gather(a, 2, idx([0, 1, 1, 0], 'int64', [1, 2, 2])), [inp([2, 2, 3])]);
  });
});

describe('goldens vs PyTorch', () => {
  runGoldens('indexing');
});
