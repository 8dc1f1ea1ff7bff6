// Integer and uint8 sums are int64, as in PyTorch, so the accuracy idiom eq(...).sum() works.
import * as flint from '../../lib';

test('sum of integer and comparison tensors is int64', () => {
  const a = flint.tensor([1, 2, 3, 4], { dtype: 'int64' });
  const b = flint.tensor([1, 0, 3, 0], { dtype: 'int64' });
  const hits = a.eq(b).sum();
  expect(hits.dtype).toBe('int64');
  expect(hits.item()).toBe(2);
  const m = flint.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' });
  const s = m.sum(1);
  expect(s.dtype).toBe('int64');
  expect(s.toArray()).toEqual([6, 15]);
  const u = flint.tensor(new Uint8Array([255, 255, 255]), { dtype: 'uint8' });
  expect(u.sum().item()).toBe(765); // no uint8 wrap-around
});
