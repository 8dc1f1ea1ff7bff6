// Non-tensor arguments in any position get an error naming the op and the argument, and
// view-returning ops give new handles (disposing the result never disposes the input).
import * as flint from '../../lib';

const x = flint.tensor([[1, 2], [3, 4]]);
const idx = flint.tensor([0], { dtype: 'int64' });

test.each([
  ['linear weight', () => flint.linear(x, null as never), /linear: expected weight to be a tensor but got null/],
  ['linear bias', () => flint.linear(x, x, 5 as never), /linear: expected bias to be a tensor but got number/],
  ['indexSelect index', () => flint.indexSelect(x, 0, null as never), /index_select: expected index to be a tensor but got null/],
  ['gather index', () => flint.gather(x, 1, [[0]] as never), /gather: expected index to be a tensor but got an array/],
  ['stack element', () => flint.stack([x, null as never]), /stack: expected element 1 to be a tensor but got null/],
])('%s', (_, f, re) => {
  expect(f).toThrow(re);
  expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
  expect(idx.toArray()).toEqual([0]);
});

test('t() and transpose(d, d) of a 1-D tensor are new views', () => {
  const v = flint.tensor([1, 2, 3]);
  const a = v.t();
  expect(a).not.toBe(v);
  a.dispose();
  expect(v.sum().item()).toBe(6);
  const b = v.transpose(0, 0);
  expect(b).not.toBe(v);
  b.dispose();
  expect(v.toArray()).toEqual([1, 2, 3]);
});

test('integer tensors refuse values they cannot hold; arange and noGrad check their arguments', () => {
  expect(() => flint.tensor([1e30], { dtype: 'int64' })).toThrow(/tensor: value 1e\+30 at flat index 0 is not an integer in the range of int64/);
  expect(() => flint.tensor([1, NaN], { dtype: 'int32' })).toThrow(/tensor: value NaN at flat index 1/);
  expect(() => flint.tensor([256], { dtype: 'uint8' })).toThrow(/range of uint8 \[0, 255\]/);
  expect(() => flint.tensor([1.5], { dtype: 'int32' })).toThrow(/not an integer/);
  expect(flint.tensor([-3, 7], { dtype: 'int64' }).toArray()).toEqual([-3, 7]);
  expect(() => flint.arange(0, Infinity)).toThrow(/arange: end must be a finite number but got Infinity/);
  expect(() => flint.arange(NaN)).toThrow(/arange: (start|end) must be a finite number but got NaN/);
  expect(() => flint.arange(0, 1e10)).toThrow(/arange: 10000000000 elements are too many/);
  expect(() => flint.noGrad(5 as never)).toThrow(/noGrad: expected a function but got number/);
});
