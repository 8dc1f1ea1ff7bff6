// View ops (view, reshape, flatten, squeeze, unsqueeze, transpose, permute, expand, narrow,
// select, contiguous, clone): finite-difference gradient checks (float64) and PyTorch goldens.
import * as flint from '../../lib';
import { gradcheck, GradcheckInput } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import { runGoldens } from '../helpers/goldens';

type T = flint.Tensor;
const inp = inputMaker(4001);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}
// A view's gradient is a permutation/selection of the upstream one; multiplying by a
// non-linear function of the input afterwards makes sure it lands on the right elements.
const then = (f: (a: T) => T) => (a: T) => f(a).mul(f(a).exp());

describe('gradcheck: view ops', () => {
  const cases: [string, number[], (a: T) => T, boolean?][] = [
    ['view', [3, 4], (a) => a.view(4, 3)],
    ['view -1', [2, 3, 4], (a) => a.view(-1)],
    ['view [2, -1]', [2, 3, 4], (a) => a.view([2, -1])],
    ['view 0-d to [1, 1]', [], (a) => a.view(1, 1)],
    ['reshape', [3, 4], (a) => a.reshape(2, 6)],
    ['reshape non-contiguous (copies)', [3, 4], (a) => a.reshape(12), true],
    ['flatten all', [2, 3, 4], (a) => a.flatten()],
    ['flatten 1..2', [2, 3, 4], (a) => a.flatten(1, 2)],
    ['flatten non-contiguous', [2, 3, 4], (a) => a.flatten(1), true],
    ['squeeze all', [1, 3, 1, 4], (a) => a.squeeze()],
    ['squeeze dim', [1, 3, 1, 4], (a) => a.squeeze(2)],
    ['squeeze dim of size > 1 (no-op)', [3, 4], (a) => a.squeeze(0)],
    ['unsqueeze 0', [3, 4], (a) => a.unsqueeze(0)],
    ['unsqueeze -1', [3, 4], (a) => a.unsqueeze(-1)],
    ['unsqueeze non-contiguous', [3, 4], (a) => a.unsqueeze(1), true],
    ['transpose', [2, 3, 4], (a) => a.transpose(0, 2)],
    ['transpose -1 -2 non-contiguous', [3, 4], (a) => a.transpose(-1, -2), true],
    ['t()', [3, 4], (a) => a.t()],
    ['permute', [2, 3, 4], (a) => a.permute(2, 0, 1)],
    ['permute non-contiguous', [2, 3, 4], (a) => a.permute([1, 2, 0]), true],
    ['expand new dims', [3, 1], (a) => a.expand(2, 3, 4)],
    ['expand -1', [3, 1], (a) => a.expand(-1, 5)],
    ['expand 0-d', [], (a) => a.expand(2, 3)],
    ['expand non-contiguous', [4, 3], (a) => a.unsqueeze(0).expand(2, 4, 3), true],
    ['narrow dim 1', [3, 5], (a) => a.narrow(1, 1, 3)],
    ['narrow negative start', [5, 3], (a) => a.narrow(0, -3, 2)],
    ['narrow non-contiguous', [4, 5], (a) => a.narrow(0, 1, 2), true],
    ['select', [3, 4], (a) => a.select(0, 1)],
    ['select -1', [2, 3, 4], (a) => a.select(1, -1)],
    ['select non-contiguous', [3, 4], (a) => a.select(1, 2), true],
    ['contiguous', [3, 4], (a) => a.contiguous(), true],
    ['contiguous of contiguous', [3, 4], (a) => a.contiguous()],
    ['clone', [3, 4], (a) => a.clone()],
    ['clone non-contiguous', [3, 4], (a) => a.clone(), true],
    ['chained views', [2, 3, 4], (a) => a.transpose(0, 1).narrow(2, 1, 2).reshape(3, 4).t().unsqueeze(0).expand(2, 4, 3)],
  ];
  for (const [name, shape, f, nc] of cases) {
    test(name, () => {
      gc(f, [inp(shape, { nc })]);
      gc(then(f), [inp(shape, { nc })]);
    });
  }
  test('a view used twice, with itself and its source', () => {
    gc((a) => a.t().mul(a.t()).add(a.t()), [inp([3, 4])]);
    gc((a) => a.view(12).narrow(0, 2, 4).sum().mul(a).select(1, 0), [inp([3, 4])]);
  });
  test('select and narrow pieces added back together', () => {
    gc((a) => a.select(0, 0).add(a.select(0, 2)).mul(a.narrow(0, 1, 1).squeeze(0)), [inp([3, 4])]);
  });
  test('views share storage with their source', () => {
    const a = flint.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    for (const v of [a.view(3, 2), a.t(), a.narrow(1, 1, 2), a.select(0, 1), a.unsqueeze(0), a.expand(2, 2, 3), a.permute(1, 0), a.squeeze()]) {
      expect(v._h.sameStorage(a._h)).toBe(true);
    }
    expect(a.clone()._h.sameStorage(a._h)).toBe(false);
    expect(a.t().contiguous()._h.sameStorage(a._h)).toBe(false);
    expect(a.t().toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(a.narrow(1, 1, 2).toArray()).toEqual([[2, 3], [5, 6]]);
  });
});

describe('goldens vs PyTorch', () => {
  runGoldens('view');
});
