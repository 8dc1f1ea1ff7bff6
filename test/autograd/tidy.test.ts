// tidy(fn): frees what fn made and does not return; returned tensors (also inside arrays, plain
// objects and Maps), keep()'d ones, parameters, leaf gradients, module buffers and optimizer
// state survive; scopes nest; an async fn is refused; native memory is back after the scope.
import * as flint from '../../lib';

const { nn, optim } = flint;

test('what fn makes and does not return is disposed; what it returns survives', () => {
  const a = flint.ones([3]);
  let inner: flint.Tensor | null = null;
  const r = flint.tidy(() => {
    inner = a.mul(2);
    return inner.add(1);
  });
  expect(inner!.disposed).toBe(true);
  expect(r.disposed).toBe(false);
  expect(r.toArray()).toEqual([3, 3, 3]);
  expect(a.disposed).toBe(false); // made outside
});

test('tensors inside returned arrays, plain objects and Maps survive; a number result is fine', () => {
  const made: flint.Tensor[] = [];
  const out = flint.tidy(() => {
    const t = (v: number) => {
      const x = flint.full([2], v);
      made.push(x);
      return x;
    };
    t(0);
    return { list: [t(1), [t(2)]], map: new Map([['k', t(3)]]), n: 4 };
  });
  expect(made[0].disposed).toBe(true);
  expect((out.list[0] as flint.Tensor).toArray()).toEqual([1, 1]);
  expect(((out.list[1] as flint.Tensor[])[0]).toArray()).toEqual([2, 2]);
  expect(out.map.get('k')!.toArray()).toEqual([3, 3]);
  expect(flint.tidy(() => flint.ones([2]).sum().item())).toBe(2);
});

test('nested scopes: an inner result belongs to the outer scope; keep() outlives both', () => {
  let innerResult: flint.Tensor | null = null;
  let kept: flint.Tensor | null = null;
  const outer = flint.tidy(() => {
    innerResult = flint.tidy(() => flint.ones([2]).mul(5));
    expect(innerResult.disposed).toBe(false);
    kept = flint.keep(flint.zeros([1]));
    return innerResult.add(1);
  });
  expect(innerResult!.disposed).toBe(true);
  expect(kept!.disposed).toBe(false);
  expect(outer.toArray()).toEqual([6, 6]);
});

test('a whole training step inside tidy: parameters, gradients, optimizer state and buffers survive', () => {
  flint.manualSeed(0);
  const model = flint.tidy(() => new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 2)));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const x = flint.randn([16, 4]);
  const y = flint.tensor(Array.from({ length: 16 }, (_, i) => i % 2), { dtype: 'int64' });
  const losses: number[] = [];
  for (let s = 0; s < 3; s++) {
    losses.push(flint.tidy(() => {
      opt.zeroGrad();
      const loss = new nn.CrossEntropyLoss().forward(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    }));
  }
  for (const p of model.parameters()) {
    expect(p.disposed).toBe(false);
    expect(p.grad!.disposed).toBe(false);
  }
  for (const [k, b] of Object.entries(model.stateDict())) expect([k, b.disposed]).toEqual([k, false]);
  const st = opt.stateDict().state as Record<string, Record<string, unknown>>;
  expect(Object.keys(st)).toHaveLength(6);
  expect(losses[2]).toBeLessThan(losses[0]);
  expect(losses.every(Number.isFinite)).toBe(true);
});

test('tensors reachable through class instances and Sets survive; frozen parameters survive', () => {
  class Box {
    constructor(readonly t: flint.Tensor, readonly more = { deep: [flint.ones([1])] }) {}
  }
  const x = flint.ones([2]);
  const box = flint.tidy(() => new Box(x.add(1)));
  expect(box.t.toArray()).toEqual([2, 2]);
  expect(box.more.deep[0].toArray()).toEqual([1]);
  const set = flint.tidy(() => new Set([x.mul(3)]));
  expect([...set][0].toArray()).toEqual([3, 3]);
  const bare = flint.tidy(() => Object.assign(Object.create(null), { t: x.mul(4) }));
  expect(bare.t.toArray()).toEqual([4, 4]);
  const ds = flint.tidy(() => new flint.TensorDataset(flint.randn([8, 3]), flint.zeros([8], { dtype: 'int64' })));
  const [bx] = new flint.DataLoader(ds, { batchSize: 4 })[Symbol.iterator]().next().value as flint.Tensor[];
  expect(bx.shape).toEqual([4, 3]);
  let lin: flint.nn.Linear | null = null;
  flint.tidy(() => {
    lin = new nn.Linear(3, 2);
    for (const p of lin.parameters()) p.requiresGrad = false;
  });
  expect(lin!.forward(flint.ones([1, 3])).shape).toEqual([1, 2]);
});

test('keep() takes tensors only; argmax inside tidy leaves nothing behind', () => {
  expect(() => flint.keep(5 as any)).toThrow('keep: expected a tensor but got number');
  expect(() => flint.keep(null as any)).toThrow('keep: expected a tensor but got null');
  const x = flint.randn([100, 10]);
  flint.tidy(() => x.argmax(1)); // warm the cache
  const before = flint.memoryStats().liveBytes;
  for (let i = 0; i < 5; i++) flint.tidy(() => void x.argmax(1));
  flint.tidy(() => void x.max());
  expect(flint.memoryStats().liveBytes).toBe(before);
});

test('an async fn is refused; a throwing fn leaves no scope open', async () => {
  expect(() => flint.tidy((async () => flint.ones([1])) as any)).toThrow('tidy: fn must be synchronous (it returned a Promise)');
  let made: flint.Tensor | null = null;
  expect(() => flint.tidy(() => {
    made = flint.ones([2]);
    throw new Error('boom');
  })).toThrow('boom');
  expect(made!.disposed).toBe(true); // freed on the way out, as tf.tidy does
  const outside = flint.ones([2]);
  flint.tidy(() => flint.ones([1]));
  expect(outside.disposed).toBe(false); // not recorded in a leftover scope
  expect(() => flint.tidy(3 as any)).toThrow('tidy: expected a function');
});

test('native memory is back when the scope ends', () => {
  const x = flint.randn([64, 256]);
  const before = flint.memoryStats().liveBytes;
  const r = flint.tidy(() => {
    let h = x;
    for (let i = 0; i < 10; i++) h = flint.relu(h.mul(1.01)); // 20 intermediates of 64 KiB
    return h.sum();
  });
  expect(flint.memoryStats().liveBytes - before).toBeLessThan(1024); // the 0-d result only
  expect(r.item()).toBeGreaterThan(0);
});
