// The backward engine: the gradient checker itself, composed graphs (a small MLP), gradient
// accumulation (a tensor used twice, repeated backward calls), retainGraph, detach, noGrad.
import * as flint from '../../lib';
import { record } from '../../lib/tensor';
import { native } from '../../lib/native';
import { gradcheck, GradcheckInput, uniform } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';

type T = flint.Tensor;
const { tensor, linear, relu, tanh, crossEntropy, matmul } = flint;
const inp = inputMaker(9001);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}
const f64 = (v: number[] | number[][], requiresGrad = false) => tensor(v, { dtype: 'float64', requiresGrad });

describe('gradcheck catches wrong backwards', () => {
  // x * x with a chosen (possibly wrong) backward, recorded like a real op.
  const square = (bw: (x: T, g: T) => T) => (x: T) =>
    record('square', native.binary(2, x._h, x._h), [x], (g) => [bw(x, g)]);
  test('a correct backward passes', () => {
    gc(square((x, g) => g.mul(x).mul(2)), [inp([3, 4])]);
  });
  test('a missing factor fails', () => {
    expect(() => gradcheck(square((x, g) => g.mul(x)), [inp([3, 4])])).toThrow(/gradcheck: input 0 .* element 0: analytic/);
  });
  test('a gradient off by 1e-4 relative fails', () => {
    expect(() => gradcheck(square((x, g) => g.mul(x).mul(2.0002)), [inp([3, 4])])).toThrow(/analytic/);
  });
  test('a transposed gradient fails', () => {
    expect(() => gradcheck(square((x, g) => g.mul(x).mul(2).t().contiguous().view(3, 3)), [inp([3, 3])])).toThrow(/analytic/);
  });
  test('an output that does not depend on the inputs is reported', () => {
    expect(() => gradcheck(() => flint.ones([2], { dtype: 'float64' }), [inp([2])])).toThrow(/does not require grad/);
  });
  test('non-contiguous leaves really are non-contiguous', () => {
    let seen = false;
    gc((a) => { seen = !a.isContiguous(); return a.mul(2); }, [inp([3, 4], { nc: true })]);
    expect(seen).toBe(true);
  });
});

describe('composed graphs', () => {
  // x [4, 5] -> linear(5, 6) -> relu -> linear(6, 3) -> cross-entropy
  const target = tensor([2, 0, 1, 2], { dtype: 'int64' });
  const mlp = (x: T, w1: T, b1: T, w2: T, b2: T) => crossEntropy(linear(relu(linear(x, w1, b1)), w2, b2), target);
  test('a small MLP: gradients of input, weights and biases', () => {
    gc(mlp, [inp([4, 5]), inp([6, 5]), inp([6]), inp([3, 6]), inp([3])]);
  });
  test('a small MLP with tanh, matmul and mean-squared error', () => {
    gc(
      (x, w1, w2, y) => matmul(tanh(matmul(x, w1)), w2).sub(y).pow(2).mean(),
      [inp([4, 5]), inp([5, 6]), inp([6, 2]), inp([4, 2], { rg: false })],
    );
  });
  test('nn.Sequential MLP: module gradients equal the gradchecked functional ones', () => {
    flint.manualSeed(7);
    const model = new flint.nn.Sequential(
      new flint.nn.Linear(5, 6, { dtype: 'float64' }),
      new flint.nn.ReLU(),
      new flint.nn.Linear(6, 3, { dtype: 'float64' }),
    );
    const x = tensor(uniform(20, 3), { shape: [4, 5], dtype: 'float64' });
    const loss = new flint.nn.CrossEntropyLoss().forward(model.forward(x), target);
    loss.backward();
    const ps = model.parameters();
    const datas = ps.map((p) => Float64Array.from(p.dataSync() as Float64Array));
    const r = gradcheck((w1, b1, w2, b2) => mlp(x, w1, b1, w2, b2), ps.map((p, i) => ({ data: datas[i], shape: p.shape })));
    expect(r.checked).toBe(6 * 5 + 6 + 3 * 6 + 3);
    // the same analytic gradients, through the module API
    const again = ps.map((p) => tensor(Float64Array.from(p.dataSync() as Float64Array), { shape: p.shape, dtype: 'float64', requiresGrad: true }));
    mlp(x, again[0], again[1], again[2], again[3]).backward();
    ps.forEach((p, i) => expect(Array.from(p.grad!.dataSync() as Float64Array)).toEqual(Array.from(again[i].grad!.dataSync() as Float64Array)));
  });
  test('a deep chain (iterative topological sort, no stack overflow)', () => {
    const x = f64([0.5], true);
    let y: T = x;
    for (let i = 0; i < 5000; i++) y = y.mul(1.0001);
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(Math.pow(1.0001, 5000), 9);
  });
});

describe('gradient accumulation', () => {
  test('a leaf used twice in one op and in two branches', () => {
    gc((a) => a.mul(a), [inp([5])]);
    gc((a) => a.exp().add(a).mul(a.tanh()), [inp([5])]);
    gc((a, b) => a.mul(b).add(a.div(b.add(3))).sub(b.mul(a).mul(a)), [inp([2, 3]), inp([3])]);
  });
  test('a non-leaf used twice (gradients meet at an inner node)', () => {
    gc((a) => { const y = a.mul(2).tanh(); return y.mul(y).add(y); }, [inp([3, 4])]);
    gc((a) => { const y = a.exp(); return matmul(y, y.t()).sum(1); }, [inp([3, 4])]);
  });
  test('x.grad holds the exact sum for a tensor used twice', () => {
    const x = f64([1, 2, 3], true);
    x.mul(3).add(x.mul(x)).sum().backward();
    expect(x.grad!.toArray()).toEqual([5, 7, 9]); // 3 + 2x
  });
  test('repeated backward calls accumulate into .grad until zeroed', () => {
    const x = f64([1, 2, 3], true);
    x.mul(2).sum().backward();
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 6, 8]);
    const opt = new flint.optim.SGD([x], { lr: 0 });
    opt.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(5).sum().backward();
    expect(x.grad!.toArray()).toEqual([5, 5, 5]);
  });
  test('the first gradient is a private copy (a later accumulate does not write into another tensor)', () => {
    const x = f64([1, 2], true);
    const y = f64([3, 4], true);
    x.add(y).sum().backward(); // both get the same upstream gradient
    x.mul(10).sum().backward();
    expect(x.grad!.toArray()).toEqual([11, 11]);
    expect(y.grad!.toArray()).toEqual([1, 1]);
  });
  test('a broadcast (expanded) gradient is stored as a contiguous tensor of the leaf shape', () => {
    const x = f64([[1], [2]], true);
    x.expand(2, 3).sum().backward();
    expect(x.grad!.isContiguous()).toBe(true);
    expect(x.grad!.toArray()).toEqual([[3], [3]]);
  });
});

describe('graph bookkeeping', () => {
  test('options passed where the gradient goes get a clear error', () => {
    const y = f64([1, 2], true).mul(2).sum();
    expect(() => y.backward({ retainGraph: true } as unknown as T)).toThrow(/backward: expected gradient to be a tensor/);
  });
  test('retainGraph', () => {
    const x = f64([1, 2], true);
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
    expect(() => y.backward()).toThrow(/already freed/);
  });
  test('detach and noGrad cut the graph', () => {
    const x = f64([1, 2], true);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    const z = flint.noGrad(() => x.mul(2));
    expect(z.requiresGrad).toBe(false);
    expect(z.gradFn).toBeNull();
    x.mul(d).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 2]);
  });
  test('detach() is a new handle on the same storage: disposing it leaves the source alive', () => {
    const x = f64([1, 2, 3], true);
    const d = x.detach();
    expect(d._h.sameStorage(x._h)).toBe(true);
    expect(d.strides).toEqual(x.strides);
    d.dispose();
    expect(x.disposed).toBe(false);
    expect(x.toArray()).toEqual([1, 2, 3]);
    const t = f64([[1, 2], [3, 4]]).t();
    const dt = t.detach();
    expect(dt.isContiguous()).toBe(false);
    expect(dt.toArray()).toEqual([[1, 3], [2, 4]]);
  });
  test('to(): the gradient comes back in the source dtype', () => {
    const x = f64([1, 2, 3], true);
    x.to('float32').mul(3).sum().backward();
    expect(x.grad!.dtype).toBe('float64');
    expect(x.grad!.toArray()).toEqual([3, 3, 3]);
    const y = tensor([1, 2], { requiresGrad: true });
    y.double().pow(2).sum().backward();
    expect(y.grad!.dtype).toBe('float32');
    expect(y.grad!.toArray()).toEqual([2, 4]);
    gradcheck((a) => a.to('float64').mul(a), [{ data: [0.5, -1.5], shape: [2] }]);
  });
  test('backward on a non-scalar needs a gradient of its shape; the gradient takes its dtype', () => {
    const x = f64([1, 2], true);
    expect(() => x.mul(2).backward()).toThrow(/backward: grad can be implicitly created only for scalar outputs \(shape \[2\]\)/);
    expect(() => x.mul(2).backward(flint.ones([3], { dtype: 'float64' }))).toThrow(/backward: gradient shape \[3\] does not match tensor shape \[2\]/);
    x.mul(2).backward(flint.ones([2])); // float32 gradient for a float64 tensor: cast, as torch does
    expect(x.grad!.dtype).toBe('float64');
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });
  test('backward of a tensor that does not require grad', () => {
    expect(() => f64([1]).mul(2).sum().backward()).toThrow(/backward: tensor does not require grad/);
  });
  test('backward on a leaf accumulates the seed', () => {
    const x = f64([1, 2], true);
    x.backward(f64([3, 4]));
    expect(x.grad!.toArray()).toEqual([3, 4]);
  });
  test('float32 graphs give float32 gradients', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.dataSync() as Float32Array)).toEqual([2, 4, 6]);
  });
});

describe('memory: the engine frees its own gradients, and takes rather than copies leaf gradients', () => {
  const live = () => flint.memoryStats().liveBytes;

  test('after backward only the leaf gradients stay (the intermediate ones are freed, not left to the GC)', () => {
    // A collection during backward may free other tests' garbage and lower the count, so the
    // measurement gets three tries; leaked intermediate gradients would raise it every time.
    const grown: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const w1 = flint.randn([256, 128]).requiresGrad_(), w2 = flint.randn([64, 256]).requiresGrad_();
      const x = flint.randn([512, 128]);
      const h = relu(linear(x, w1)); // activations [512, 256] the caller holds
      const loss = linear(h, w2).sum();
      // An empty cache: a cached block a little larger than a gradient (another test file's, in
      // this worker) would be handed out whole and count its extra bytes (seen: +960).
      native.emptyCache();
      const before = live();
      loss.backward();
      grown.push(live() - before);
      expect(h.disposed).toBe(false);
      expect(h.dataSync().length).toBe(512 * 256);
      if (grown[attempt] === (256 * 128 + 64 * 256) * 4) break;
    }
    // leaf gradients w1.grad and w2.grad; gradients of h, of the pre-activation and of the
    // output ([512, 256] and [512, 64] floats) are gone
    expect(grown).toContain((256 * 128 + 64 * 256) * 4);
  });

  test('a gradient reaching two leaves through views of one storage is copied for one of them', () => {
    const a = f64([1, 2, 3, 4], true);
    const b = f64([[1, 2], [3, 4]], true);
    for (let k = 1; k <= 2; k++) {
      a.add(b.view([4])).mul(f64([1, 10, 100, 1000])).sum().backward();
      expect(a.grad!.toArray()).toEqual([k, 10 * k, 100 * k, 1000 * k]);
      expect(b.grad!.toArray()).toEqual([[k, 10 * k], [100 * k, 1000 * k]]);
    }
    expect(a.grad!._h.sameStorage(b.grad!._h)).toBe(false);
  });

  test('one gradient object given to two leaves (x + y) is taken by one and copied for the other', () => {
    const x = f64([1, 2], true), y = f64([3, 4], true);
    x.add(y).sum().backward();
    expect(x.grad!._h.sameStorage(y.grad!._h)).toBe(false);
    x.add(y).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 2]);
    expect(y.grad!.toArray()).toEqual([2, 2]);
  });

  test("the caller's gradient passed to backward() and tensors made before it are left alone", () => {
    const x = f64([1, 2, 3], true);
    const y = x.mul(2);
    const g = f64([1, 1, 1]);
    y.backward(g);
    expect(g.disposed).toBe(false);
    expect(y.disposed).toBe(false);
    expect(x.grad!.toArray()).toEqual([2, 2, 2]);
  });

  test('buffers only a backward reads (im2col, pooling indices) survive retainGraph and go with the graph', () => {
    const w = flint.randn([4, 2, 3, 3]).requiresGrad_();
    const x = flint.randn([2, 2, 8, 8]);
    const y = flint.F.maxPool2d(flint.F.conv2d(x, w), 2).sum();
    y.backward(undefined, { retainGraph: true });
    const g1 = w.grad!.dataSync().slice();
    y.backward();
    expect(Array.from(w.grad!.dataSync() as Float32Array)).toEqual(Array.from(g1 as Float32Array, (v) => 2 * v));
    expect(() => y.backward()).toThrow(/already freed/);
    const [, idx] = flint.F.maxPool2d(flint.F.conv2d(x, w), 2, { returnIndices: true });
    flint.F.conv2d(x, w).sum().backward();
    expect(idx.disposed).toBe(false); // returned to the caller: never owned by the graph
  });
});

describe('zeroGrad frees a leaf gradient no code outside flint has seen', () => {
  const live = () => flint.memoryStats().liveBytes;
  const model = () => new flint.nn.Linear(256, 128);
  // Each backward runs on an empty allocator cache, so its gradients get blocks of their own
  // size (a cached block up to a quarter larger may otherwise be handed out whole).
  const step = (m: flint.nn.Linear, opt: flint.optim.Optimizer) => {
    opt.zeroGrad();
    native.emptyCache();
    m.forward(flint.randn([8, 256])).sum().backward();
    opt.step();
  };

  test('an optimizer step does not count as seeing it: the next zeroGrad frees it at once', () => {
    const m = model();
    const opt = new flint.optim.SGD(m.parameters(), { lr: 0.1 });
    step(m, opt);
    const before = live();
    opt.zeroGrad();
    expect(before - live()).toBe((256 * 128 + 128) * 4);
    expect(m.weight.grad).toBeNull();
  });

  test('a gradient read through .grad stays valid after zeroGrad, its values intact', () => {
    const m = model();
    const opt = new flint.optim.SGD(m.parameters(), { lr: 0.1 });
    step(m, opt);
    const g = m.weight.grad!;
    const values = Array.from(g.dataSync() as Float32Array);
    opt.zeroGrad();
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
    expect(g.disposed).toBe(false);
    expect(Array.from(g.dataSync() as Float32Array)).toEqual(values);
    // the bias gradient was never read: freed
    expect(m.bias!.grad).toBeNull();
  });

  test('Module.zeroGrad frees an unseen one too; zeroGrad(false) zeros in place and frees nothing', () => {
    const m = model();
    native.emptyCache();
    m.forward(flint.randn([8, 256])).sum().backward();
    const before = live();
    m.zeroGrad();
    expect(before - live()).toBe((256 * 128 + 128) * 4);
    m.forward(flint.randn([8, 256])).sum().backward();
    m.zeroGrad(false);
    expect(m.weight.grad!.abs().sum().item()).toBe(0);
  });

  test('a gradient set by the caller is never freed by zeroGrad', () => {
    const w = flint.randn([3]).requiresGrad_();
    const mine = flint.ones([3]);
    w.grad = mine;
    new flint.optim.SGD([w], { lr: 1 }).zeroGrad();
    expect(w.grad).toBeNull();
    expect(mine.disposed).toBe(false);
    expect(mine.toArray()).toEqual([1, 1, 1]);
  });

  test('a gradient accumulated over two backward passes (copied, then added to) is freed once unseen', () => {
    const w = flint.randn([64, 64]).requiresGrad_();
    const x = flint.randn([4, 64]);
    native.emptyCache();
    x.matmul(w).sum().backward();
    x.matmul(w).sum().backward();
    const before = live();
    new flint.optim.SGD([w], { lr: 1 }).zeroGrad();
    expect(before - live()).toBe(64 * 64 * 4);
  });
});
