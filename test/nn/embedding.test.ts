// Embedding: gradient checks of the weight (repeated indices accumulate, the padding row gets
// nothing), lookups against the table, the module's PyTorch initialisation and keys.
import * as flint from '../../lib';
import { gradcheck, uniform } from '../helpers/gradcheck';

const { nn, F, tensor } = flint;
type T = flint.Tensor;
const i64 = (v: unknown) => tensor(v as number[], { dtype: 'int64' });

describe('F.embedding', () => {
  test('gradcheck of the weight: repeated indices, 2-D indices, padding row, strided weight', () => {
    const w = { data: uniform(15, 1), shape: [5, 3] };
    expect(gradcheck((wt) => F.embedding(i64([2, 0, 2, 4, 2]), wt), [w]).checked).toBe(15);
    gradcheck((wt) => F.embedding(i64([[1, 1], [3, 0]]), wt), [{ ...w, noncontiguous: true }]);
    gradcheck((wt) => F.embedding(tensor([4, 4, 0], { dtype: 'int32' }), wt), [w]);
  });
  test('paddingIdx: the gradient without padding, with the padding row zeroed (PyTorch: no gradient there)', () => {
    for (const [idx, pad] of [[[[1, 2], [2, 0]], 2], [[4, 4, 0, 1], -1]] as [unknown, number][]) {
      const grads = [pad, null].map((pd) => {
        const wt = tensor(uniform(15, 2), { shape: [5, 3], dtype: 'float64', requiresGrad: true });
        const y = F.embedding(i64(idx), wt, pd);
        y.backward(tensor(uniform(y.numel(), 3), { shape: y.shape, dtype: 'float64' }));
        return wt.grad!.toArray() as number[][];
      });
      const row = pad < 0 ? pad + 5 : pad;
      expect(grads[1][row].some((v) => v !== 0)).toBe(true);
      grads[1][row] = [0, 0, 0];
      expect(grads[0]).toEqual(grads[1]);
    }
  });
  test('rows of the table; output [*, D]; gradient sums rows; padding row gets none', () => {
    const wt = tensor([[0, 1], [2, 3], [4, 5]], { dtype: 'float64', requiresGrad: true });
    const y = F.embedding(i64([[2, 0], [2, 1]]), wt, 1);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(y.toArray()).toEqual([[[4, 5], [0, 1]], [[4, 5], [2, 3]]]);
    y.backward(tensor([[[1, 1], [1, 1]], [[2, 2], [3, 3]]], { dtype: 'float64' }));
    expect(wt.grad!.toArray()).toEqual([[1, 1], [0, 0], [3, 3]]);
    expect(F.embedding(i64(1), wt).toArray()).toEqual([2, 3]);
    expect(F.embedding(i64([]), wt).shape).toEqual([0, 2]);
  });
});

describe('nn.Embedding', () => {
  test('weight [numEmbeddings, embeddingDim] ~ N(0, 1); padding row zero; PyTorch key; reproducible under manualSeed', () => {
    flint.manualSeed(7);
    const e = new nn.Embedding(400, 50, 3);
    expect(Object.keys(e.stateDict())).toEqual(['weight']);
    expect(e.weight.shape).toEqual([400, 50]);
    const v = Array.from(e.weight.dataSync() as Float32Array);
    expect(v.slice(150, 200).every((x) => x === 0)).toBe(true);
    const m = v.reduce((a, x) => a + x, 0) / v.length;
    const s = Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / v.length);
    expect(Math.abs(m)).toBeLessThan(0.02);
    expect(Math.abs(s - 1)).toBeLessThan(0.02);
    flint.manualSeed(7);
    expect(new nn.Embedding(400, 50, 3).weight.dataSync()).toEqual(e.weight.dataSync());
    expect(new nn.Embedding(4, 2, { paddingIdx: -1 }).paddingIdx).toBe(3);
    expect(e.toString()).toBe('Embedding(400, 50, paddingIdx=3)');
  });
  test('the padding row stays zero through training steps', () => {
    flint.manualSeed(8);
    const e = new nn.Embedding(6, 4, { paddingIdx: 0 });
    const opt = new flint.optim.SGD(e.parameters(), { lr: 0.5 });
    for (let k = 0; k < 3; k++) {
      opt.zeroGrad();
      e.forward(i64([[0, 1, 0], [2, 0, 5]])).pow(2).sum().backward();
      expect(Array.from(e.weight.grad!.select(0, 0).dataSync() as Float32Array)).toEqual([0, 0, 0, 0]);
      opt.step();
    }
    expect(Array.from(e.weight.select(0, 0).dataSync() as Float32Array)).toEqual([0, 0, 0, 0]);
  });
  test('fromPretrained copies the table and freezes it by default', () => {
    const table = tensor([[1, 2], [3, 4]]);
    const e = nn.Embedding.fromPretrained(table);
    expect(e.forward(i64([1])).toArray()).toEqual([[3, 4]]);
    expect(e.weight.requiresGrad).toBe(false);
    expect(nn.Embedding.fromPretrained(table, { freeze: false }).weight.requiresGrad).toBe(true);
    table.fill_(0); // a copy: the embedding keeps its values
    expect(e.forward(i64([1])).toArray()).toEqual([[3, 4]]);
  });
});
