// Elementwise ops: finite-difference gradient checks (float64) and PyTorch goldens.
import * as flint from '../../lib';
import { rsub } from '../../lib/ops';
import { gradcheck, GradcheckInput } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import { runGoldens } from '../helpers/goldens';

const { add, sub, mul, div, pow, neg, exp, log, sqrt, abs, relu, tanh, sigmoid } = flint;
type T = flint.Tensor;

const inp = inputMaker(1);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  const r = gradcheck(fn, inputs);
  expect(r.checked).toBeGreaterThan(0);
}

describe('gradcheck: binary ops with broadcasting and scalars', () => {
  const binaries: [string, (a: T, b: T) => T, { lo?: number; hi?: number }][] = [
    ['add', (a, b) => add(a, b), {}],
    ['sub', (a, b) => sub(a, b), {}],
    ['mul', (a, b) => mul(a, b), {}],
    ['div', (a, b) => div(a, b), { lo: 0.5, hi: 2 }],
    ['add alpha', (a, b) => add(a, b, 2.5), {}],
    ['sub alpha', (a, b) => sub(a, b, -1.5), {}],
  ];
  const shapes: [string, number[], number[]][] = [
    ['same shape', [3, 4], [3, 4]],
    ['b broadcast over rows', [3, 4], [4]],
    ['a broadcast over rows', [4], [3, 4]],
    ['both broadcast', [3, 1], [1, 4]],
    ['3-D vs 2-D', [2, 3, 4], [3, 1]],
    ['0-d operand', [3, 4], []],
    ['0-d first', [], [2, 3]],
    ['size-1 dims', [1, 7], [5, 1]],
  ];
  for (const [name, f, range] of binaries) {
    for (const [sname, sa, sb] of shapes) {
      test(`${name}: ${sname} [${sa}] op [${sb}]`, () => {
        gc(f, [inp(sa), inp(sb, range)]);
      });
    }
    test(`${name}: non-contiguous operands`, () => {
      gc(f, [inp([4, 3], { nc: true }), inp([4, 3], { ...range, nc: true })]);
      gc(f, [inp([5], { nc: true }), inp([3, 5], range)]);
    });
    test(`${name}: one operand constant`, () => {
      gc(f, [inp([3, 4]), inp([4], { ...range, rg: false })]);
      gc(f, [inp([3, 4], { rg: false }), inp([3, 4], range)]);
    });
  }
  for (const [name, f] of [['maximum', flint.maximum], ['minimum', flint.minimum]] as const) {
    test(`${name}: shapes, broadcasting, non-contiguous, constants`, () => {
      // values kept apart: a tie within eps would put the numeric derivative on the kink
      const away = { away: true, lo: -2, hi: 2 };
      gc(f, [inp([3, 4], away), inp([3, 4], away)]);
      gc(f, [inp([3, 1], away), inp([1, 4], away)]);
      gc(f, [inp([4, 3], { ...away, nc: true }), inp([3], away)]);
      gc(f, [inp([2, 3], away), inp([], away)]);
      gc(f, [inp([2, 3], away), inp([3], { ...away, rg: false })]);
    });
    test(`${name}: ties split the gradient, NaN sends it to both`, () => {
      const a = flint.tensor([1, 2, NaN], { dtype: 'float64', requiresGrad: true });
      const b = flint.tensor([1, 1, 5], { dtype: 'float64', requiresGrad: true });
      f(a, b).backward(flint.tensor([4, 4, 4], { dtype: 'float64' }));
      expect(a.grad!.toArray()).toEqual([2, name === 'maximum' ? 4 : 0, 4]);
      expect(b.grad!.toArray()).toEqual([2, name === 'maximum' ? 0 : 4, 4]);
    });
  }
  test('same tensor on both sides (x*x, x/x, x-x)', () => {
    gc((a) => mul(a, a), [inp([3, 4])]);
    gc((a) => div(a, a), [inp([3, 4], { lo: 0.5, hi: 2 })]);
    gc((a) => add(sub(a, a), mul(a, 3)), [inp([5])]);
  });
  test('scalar operands and rsub', () => {
    gc((a) => add(a, 2.5), [inp([3, 4])]);
    gc((a) => add(a, 2.5, -3), [inp([3, 4])]);
    gc((a) => sub(a, 1.25), [inp([3, 4])]);
    gc((a) => mul(a, -3), [inp([3, 4])]);
    gc((a) => div(a, 4), [inp([3, 4])]);
    gc((a) => rsub(a, 2), [inp([3, 4])]);
    gc((a) => a.add(1).mul(2).sub(3).div(5), [inp([7], { nc: true })]);
  });
});

describe('gradcheck: unary ops', () => {
  const cases: [string, (a: T) => T, { lo?: number; hi?: number; away?: boolean }][] = [
    ['neg', neg, {}],
    ['exp', exp, { lo: -3, hi: 3 }],
    ['log', log, { lo: 0.1, hi: 5 }],
    ['sqrt', sqrt, { lo: 0.1, hi: 5 }],
    ['abs', abs, { away: true }],
    ['relu', relu, { away: true }],
    ['tanh', tanh, { lo: -3, hi: 3 }],
    ['sigmoid', sigmoid, { lo: -6, hi: 6 }],
    ['pow 2', (a) => pow(a, 2), {}],
    ['pow 3', (a) => pow(a, 3), {}],
    ['pow 1', (a) => pow(a, 1), {}],
    ['pow 0', (a) => pow(a, 0), {}],
    ['pow -1', (a) => pow(a, -1), { lo: 0.5, hi: 2 }],
    ['pow 0.5', (a) => pow(a, 0.5), { lo: 0.1, hi: 3 }],
    ['pow -1.5', (a) => pow(a, -1.5), { lo: 0.5, hi: 3 }],
    ['pow 2.7', (a) => pow(a, 2.7), { lo: 0.1, hi: 3 }],
  ];
  for (const [name, f, o] of cases) {
    test(name, () => {
      gc(f, [inp([3, 5], o)]);
      gc(f, [inp([4, 3], { ...o, nc: true })]);
      gc(f, [inp([7], { ...o, nc: true })]);
      gc(f, [inp([], o)]);
    });
  }
  test('sigmoid far from 0 (both branches of the stable formula)', () => {
    gc(sigmoid, [{ data: [-30, -12.5, -1, 0, 1, 12.5, 30], shape: [7] }]);
  });
  test('chains of unary ops', () => {
    gc((a) => tanh(exp(neg(a))), [inp([3, 4])]);
    gc((a) => log(add(sigmoid(a), 1)).mul(sqrt(abs(a))), [inp([3, 4], { away: true })]);
  });
});

describe('goldens vs PyTorch', () => {
  runGoldens('elementwise');
});
