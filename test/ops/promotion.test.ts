// PyTorch's promotion rules where flint follows them: `/` is true division (integer tensors
// divide as float32, never trap on a zero divisor), and an integer tensor meets a fractional
// or out-of-range number as float32.
import * as flint from '../../lib';

test('integer division is true division in float32', () => {
  const q = flint.div(flint.tensor([7, -7], { dtype: 'int32' }), 2);
  expect(q.dtype).toBe('float32');
  expect(q.toArray()).toEqual([3.5, -3.5]);
  const hits = flint.tensor([1, 2, 3, 4], { dtype: 'int64' }).eq(flint.tensor([1, 0, 3, 4], { dtype: 'int64' })).sum();
  expect(hits.div(4).item()).toBe(0.75);
});

test('integer division by zero gives inf/nan, never a trap', () => {
  const a = flint.tensor([1, 0, -1], { dtype: 'int32' });
  const z = flint.tensor([0, 0, 0], { dtype: 'int32' });
  const r = flint.div(a, z).toArray() as number[];
  expect(r[0]).toBe(Infinity);
  expect(Number.isNaN(r[1])).toBe(true);
  expect(r[2]).toBe(-Infinity);
  expect(flint.div(flint.tensor([5], { dtype: 'int64' }), 0).toArray()).toEqual([Infinity]);
  const u = flint.tensor(new Uint8Array([4]));
  expect(flint.div(u, flint.tensor([0], { dtype: 'float64' })).dtype).toBe('float64');
});

test('integer tensors meet fractional numbers as float32', () => {
  const i = flint.tensor([1, 2], { dtype: 'int32' });
  expect(i.add(0.5).toArray()).toEqual([1.5, 2.5]);
  expect(i.add(0.5).dtype).toBe('float32');
  expect(i.mul(2).dtype).toBe('int32');
  expect(i.add(1e20).dtype).toBe('float32');
  expect(flint.tensor([3], { dtype: 'int32' }).sub(0.25).toArray()).toEqual([2.75]);
});
