// Module.loadStateDict: every key and shape is checked before anything is written, so a bad
// state dict throws an error naming the key and the shapes and leaves the model unchanged.
import { Tensor, tensor, manualSeed, nn, randn, noGrad } from '../../lib';

const make = () => new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));

/** A copy of every parameter's values, to compare before/after. */
function snapshot(m: nn.Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.dataSync() as Float32Array)]));
}

/** A valid state dict for make() whose values all differ from the target model's. */
function otherStateDict(): Record<string, Tensor> {
  manualSeed(99);
  const sd = make().stateDict();
  return Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.clone()]));
}

function expectRejected(sd: Record<string, Tensor>, message: RegExp): void {
  manualSeed(1);
  const model = make();
  const before = snapshot(model);
  expect(() => model.loadStateDict(sd)).toThrow(message);
  expect(snapshot(model)).toEqual(before);
}

describe('Module.loadStateDict', () => {
  it('loads a valid state dict', () => {
    manualSeed(1);
    const model = make();
    const sd = otherStateDict();
    expect(model.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(snapshot(model)).toEqual(Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, Array.from(t.dataSync() as ArrayLike<number>)])));
  });

  it('a missing key throws naming the key and its shape and changes nothing', () => {
    const sd = otherStateDict();
    delete sd['2.bias'];
    expectRejected(sd, /loadStateDict: cannot load into Sequential: missing keys: 2\.bias \(shape \[3\]\)/);
  });

  it('an unexpected key throws naming the key and its shape and changes nothing', () => {
    const sd = otherStateDict();
    sd['3.weight'] = tensor(new Float32Array(6), { shape: [2, 3] });
    expectRejected(sd, /unexpected keys: 3\.weight \(shape \[2, 3\]\)/);
  });

  it('a wrong shape throws naming the key and both shapes and changes nothing', () => {
    const sd = otherStateDict();
    sd['2.weight'] = tensor(new Float32Array(24), { shape: [3, 8] }).t(); // [8, 3], the transpose
    expectRejected(sd, /2\.weight: shape \[8, 3\] in the state dict but \[3, 8\] in the model/);
  });

  it('a wrong shape in the last key does not let earlier keys be written', () => {
    const sd = otherStateDict();
    sd['2.bias'] = tensor(new Float32Array(4), { shape: [4] });
    expectRejected(sd, /2\.bias: shape \[4\] in the state dict but \[3\] in the model/);
  });

  it('reports every problem at once', () => {
    const sd = otherStateDict();
    delete sd['0.bias'];
    sd['0.weight'] = tensor(new Float32Array(4), { shape: [1, 4] });
    sd.extra = tensor([1]);
    expectRejected(sd, /missing keys: 0\.bias \(shape \[8\]\); unexpected keys: extra \(shape \[1\]\); 0\.weight: shape \[1, 4\] in the state dict but \[8, 4\] in the model/);
  });

  it('a key present with a non-tensor value (undefined, a number, an array) is an error, not skipped', () => {
    for (const v of [undefined, 3, [1, 2, 3]]) {
      const sd = otherStateDict() as Record<string, unknown>;
      sd['0.bias'] = v;
      expectRejected(sd as Record<string, Tensor>, /0\.bias: expected a tensor/);
    }
  });

  it('a disposed tensor is an error and changes nothing', () => {
    const sd = otherStateDict();
    sd['0.bias'].dispose();
    expectRejected(sd, /0\.bias: tensor was disposed/);
  });

  it('inherited object properties are not taken for state-dict entries', () => {
    const sd = Object.create({ '0.bias': tensor(new Float32Array(8), { shape: [8] }) }) as Record<string, Tensor>;
    Object.assign(sd, otherStateDict());
    delete sd['0.bias'];
    expectRejected(sd, /missing keys: 0\.bias/);
  });

  it('strict: false loads what matches and reports missing and unexpected keys', () => {
    manualSeed(1);
    const model = make();
    const before = snapshot(model);
    const sd = otherStateDict();
    delete sd['2.bias'];
    sd.extra = tensor([1]);
    expect(model.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['2.bias'], unexpectedKeys: ['extra'] });
    const after = snapshot(model);
    expect(after['2.bias']).toEqual(before['2.bias']);
    expect(after['0.weight']).toEqual(Array.from(sd['0.weight'].dataSync() as ArrayLike<number>));
    // shapes are still checked with strict: false
    sd['0.weight'] = tensor([1, 2]);
    expect(() => model.loadStateDict(sd, { strict: false })).toThrow(/0\.weight: shape \[2\] in the state dict but \[8, 4\] in the model/);
    expect(snapshot(model)).toEqual(after);
  });

  it("loads the model's own state dict (shared storage) and float64 values cast to float32 as in PyTorch", () => {
    manualSeed(1);
    const model = make();
    const before = snapshot(model);
    model.loadStateDict(model.stateDict());
    expect(snapshot(model)).toEqual(before);
    const sd64 = Object.fromEntries(Object.entries(otherStateDict()).map(([k, t]) => [k, t.double()]));
    model.loadStateDict(sd64);
    expect(model.stateDict()['0.weight'].dtype).toBe('float32');
    expect(snapshot(model)['0.weight']).toEqual(Array.from(sd64['0.weight'].float().dataSync() as ArrayLike<number>));
    const x = randn([2, 4]);
    expect(noGrad(() => model.forward(x)).shape).toEqual([2, 3]);
  });
});
