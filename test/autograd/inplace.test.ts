// In-place writes to tensors a graph saved are detected at backward (PyTorch's version
// counter), instead of silently giving wrong gradients; disposing an intermediate does not
// cut the graph.
import * as flint from '../../lib';

test('fill_ on a saved non-leaf after forward makes backward throw', () => {
  const x = flint.tensor([1, 2, 3]).requiresGrad_();
  const h = x.mul(1);
  const l = h.mul(h).sum();
  flint.noGrad(() => h.fill_(10));
  expect(() => l.backward()).toThrow(/backward: input 0 of mul \(shape \[3\]\) was modified by an in-place operation/);
});

test('optimizer.step() between forward and backward makes backward throw', () => {
  const w = new flint.nn.Parameter(flint.tensor([1, 2, 3]));
  const l = w.mul(w).sum();
  w.grad = flint.ones([3]);
  new flint.optim.SGD([w], { lr: 1 }).step();
  w.grad = null;
  expect(() => l.backward()).toThrow(/modified by an in-place operation after the forward pass/);
});

test('in-place writes after backward, and to unrelated tensors, are fine', () => {
  const w = new flint.nn.Parameter(flint.tensor([1, 2, 3]));
  const opt = new flint.optim.SGD([w], { lr: 0.5 });
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    w.mul(w).sum().backward();
    opt.step();
  }
  // w <- w - 0.5 * 2w = 0 after the first step
  expect(Array.from(w.dataSync())).toEqual([0, 0, 0]);
});

test('disposing an intermediate keeps the graph: gradients still reach the leaf', () => {
  const x = flint.tensor([1, 2, 3]).requiresGrad_();
  const h = x.mul(2);
  const l = h.sum();
  h.dispose();
  l.backward();
  expect(x.grad!.toArray()).toEqual([2, 2, 2]);
});

test('a backward that needs a disposed tensor says so', () => {
  const x = flint.tensor([1, 2, 3]).requiresGrad_();
  const e = x.exp();
  const l = e.mul(x).sum(); // mul saves e
  e.dispose();
  expect(() => l.backward()).toThrow(/disposed/);
});
