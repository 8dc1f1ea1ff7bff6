// crossEntropy (fused log-softmax + NLL): finite-difference gradient checks and goldens.
import * as flint from '../../lib';
import { gradcheck, GradcheckInput } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import { runGoldens } from '../helpers/goldens';

type T = flint.Tensor;
const { crossEntropy, tensor } = flint;
const inp = inputMaker(6001);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}
const target = (v: number[], dtype: 'int64' | 'int32' = 'int64') => tensor(v, { dtype });

describe('gradcheck: crossEntropy', () => {
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    test(`reduction ${reduction}`, () => {
      gc((x) => crossEntropy(x, target([2, 0, 3]), { reduction }), [inp([3, 4], { lo: -3, hi: 3 })]);
      gc((x) => crossEntropy(x, target([0, 6, 6, 1, 4]), { reduction }), [inp([5, 7], { lo: -3, hi: 3, nc: true })]);
      gc((x) => crossEntropy(x, target([0], 'int32'), { reduction }), [inp([1, 1])]);
    });
  }
  test('default reduction is mean', () => {
    const x = tensor([[1, 2, 3], [0, 0, 1]], { dtype: 'float64' });
    const t = target([2, 0]);
    expect(crossEntropy(x, t).item()).toBeCloseTo(crossEntropy(x, t, { reduction: 'sum' }).item() / 2, 14);
  });
  test('large logits (the shift by the row max)', () => {
    gc((x) => crossEntropy(x.mul(100), target([1, 0]), { reduction: 'sum' }), [{ data: [0.5, 0.51, -0.2, 0.1, 0.11, 0.1], shape: [2, 3] }]);
  });
  test('inside a graph: logits from a linear layer, loss scaled', () => {
    gc((x, w) => crossEntropy(flint.linear(x, w), target([1, 2, 0]), { reduction: 'mean' }).mul(3), [inp([3, 4]), inp([3, 4])]);
  });
});

describe('goldens vs PyTorch', () => {
  runGoldens('loss');
});
