// nn.ModuleList: children named '0', '1', ... (PyTorch's keys), parameters in list order,
// list operations, iteration, and no forward of its own.
import * as flint from '../../lib';

const { nn } = flint;
type T = flint.Tensor;

describe('nn.ModuleList', () => {
  test('registers its modules: names, parameters in order, state-dict keys', () => {
    const a = new nn.Linear(2, 3), b = new nn.Linear(3, 4), c = new nn.BatchNorm1d(4);
    const l = new nn.ModuleList([a, b, c]);
    expect(l.length).toBe(3);
    expect(l.namedChildren().map(([k]) => k)).toEqual(['0', '1', '2']);
    expect(l.parameters()).toEqual([a.weight, a.bias, b.weight, b.bias, c.weight, c.bias]);
    expect(Object.keys(l.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias',
      '2.running_mean', '2.running_var', '2.num_batches_tracked']);
  });
  test('more than ten modules keep numeric order', () => {
    const mods = Array.from({ length: 12 }, (_, i) => new nn.Linear(1, i + 1));
    const l = new nn.ModuleList(mods);
    expect(l.namedChildren().map(([k]) => k)).toEqual(mods.map((_, i) => String(i)));
    expect([...l]).toEqual(mods);
    expect(l.parameters()[22]).toBe(mods[11].weight);
  });
  test('append, extend, insert, at (negative), set, iteration', () => {
    const l = new nn.ModuleList<nn.Linear>();
    expect(l.length).toBe(0);
    const m = [0, 1, 2, 3].map((i) => new nn.Linear(1, i + 1));
    l.append(m[0]).extend([m[1], m[3]]);
    l.insert(2, m[2]);
    expect([...l]).toEqual(m);
    expect(l.at(-1)).toBe(m[3]);
    expect(l.at(1).outFeatures).toBe(2);
    const n = new nn.Linear(1, 9);
    l.set(-2, n);
    expect(l.at(2)).toBe(n);
    l.insert(4, m[0]);
    expect(l.length).toBe(5);
    const seen: number[] = [];
    for (const x of l) seen.push(x.outFeatures);
    expect(seen).toEqual([1, 2, 9, 4, 1]);
  });
  test('inside a model: forward by iteration, train/eval reach the children, toString', () => {
    class Net extends nn.Module {
      layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Dropout(0.5), new nn.Linear(4, 2)]);
      forward(x: T): T {
        for (const l of this.layers) x = l.forward(x);
        return x;
      }
    }
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']);
    net.eval();
    expect(net.layers.at(1).training).toBe(false);
    expect(net.forward(flint.ones([3, 4])).shape).toEqual([3, 2]);
    expect(net.layers.toString()).toContain('(1): Dropout(p=0.5)');
  });
  test('errors: no forward, non-modules, indices out of range', () => {
    const l = new nn.ModuleList([new nn.ReLU()]);
    expect(() => l.forward(flint.ones([1]))).toThrow(/ModuleList: has no forward\(\)/);
    expect(() => l.append(3 as never)).toThrow(/ModuleList.append: expected a Module but got number/);
    expect(() => new nn.ModuleList([new nn.ReLU(), {} as never])).toThrow(/ModuleList.extend \(element 1\): expected a Module/);
    expect(l.length).toBe(1);
    expect(() => l.at(1)).toThrow(/ModuleList.at: index 1 is out of range for a list of 1 modules/);
    expect(() => l.at(-2)).toThrow(/ModuleList.at: index -2 is out of range/);
    expect(() => l.insert(5, new nn.ReLU())).toThrow(/ModuleList.insert: index 5 is out of range/);
  });
});
