// transforms: ToTensor, Normalize, Compose, Lambda, against hand-computed values; the batched
// forms against the per-sample ones.
import * as flint from '../../lib';
import { transforms } from '../../lib/data';

const { ToTensor, Normalize, Compose, Lambda } = transforms;
const u8 = (vals: number[], shape: number[]) => flint.tensor(Uint8Array.from(vals), { shape });

describe('ToTensor', () => {
  test('uint8 [H, W] -> float32 [1, H, W] divided by 255', () => {
    const y = ToTensor()(u8([0, 51, 102, 255, 1, 128], [2, 3]));
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([1, 2, 3]);
    const want = [0, 0.2, 0.4, 1, 1 / 255, 128 / 255];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 7));
  });
  test('uint8 [H, W, C] -> [C, H, W]', () => {
    // 1x2 image with 3 channels: pixel 0 = (0, 51, 255), pixel 1 = (102, 204, 0)
    const y = ToTensor()(u8([0, 51, 255, 102, 204, 0], [1, 2, 3]));
    expect(y.shape).toEqual([3, 1, 2]);
    expect(y.toArray()).toEqual([[[0, 0.4000000059604645]], [[0.20000000298023224, 0.800000011920929]], [[1, 0]]]);
  });
  test('one channel last: [H, W, 1] -> [1, H, W] (the permuted view is already contiguous)', () => {
    const x = u8([0, 51, 102, 255], [2, 2, 1]);
    const y = ToTensor()(x);
    expect(y.shape).toEqual([1, 2, 2]);
    expect(y.toArray()).toEqual([[[0, 0.20000000298023224], [0.4000000059604645, 1]]]);
    expect(ToTensor().batched!(x.unsqueeze(0)).toArray()).toEqual([y.toArray()]);
    expect(ToTensor()(x.to('int32')).toArray()).toEqual([[[0, 51], [102, 255]]]);
  });
  test('float input is cast, not scaled', () => {
    const y = ToTensor()(flint.tensor([[0.5, 2]], { dtype: 'float64' }));
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([[[0.5, 2]]]);
  });
  test('errors', () => {
    expect(() => ToTensor()(u8([1, 2], [2]))).toThrow('ToTensor: expected an image of shape [H, W] or [H, W, C] but got [2]');
    expect(() => ToTensor()([1, 2] as unknown as flint.Tensor)).toThrow('ToTensor: expected a tensor but got object');
  });
});

describe('Normalize', () => {
  test('one channel: (x - 0.5) / 0.5', () => {
    const x = flint.tensor([[[0, 0.25, 1]]]);
    expect(Normalize([0.5], [0.5])(x).toArray()).toEqual([[[-1, -0.5, 1]]]);
  });
  test('per-channel mean and std on [C, H, W] and on batches [N, C, H, W]', () => {
    // channels: c0 = [1, 3], c1 = [10, 20]; mean [1, 10], std [2, 5]
    const x = flint.tensor([[[1, 3]], [[10, 20]]]);
    const n = Normalize([1, 10], [2, 5]);
    expect(n(x).toArray()).toEqual([[[0, 1]], [[0, 2]]]);
    const xb = flint.stack([x, x.mul(2)]);
    expect(n.batched!(xb).toArray()).toEqual([[[[0, 1]], [[0, 2]]], [[[0.5, 2.5]], [[2, 6]]]]);
  });
  test('errors', () => {
    expect(() => Normalize([0.5, 0.5], [0.5])).toThrow('Normalize: mean has 2 values but std has 1');
    expect(() => Normalize([0.5], [0])).toThrow(/std evaluated to zero/);
    expect(() => Normalize([1, 2, 3], [1, 1, 1])(flint.zeros([1, 2, 2]))).toThrow(
      'Normalize: mean and std have 3 values but the image has 1 channels (shape [1, 2, 2])',
    );
    expect(() => Normalize([0.5], [0.5])(u8([1], [1, 1, 1]))).toThrow('Normalize: expected a float tensor but got uint8 (apply ToTensor first)');
    expect(() => Normalize([0.5], [0.5])(flint.zeros([2, 2]))).toThrow(/expected a tensor image \[\.\.\., C, H, W\]/);
  });
});

describe('Compose and Lambda', () => {
  test('Compose([ToTensor(), Normalize([0.5], [0.5])]) on a uint8 image', () => {
    const t = Compose([ToTensor(), Normalize([0.5], [0.5])]);
    // (v / 255 - 0.5) / 0.5 = 2v/255 - 1
    const y = t(u8([0, 255, 51], [1, 3]));
    expect(y.shape).toEqual([1, 1, 3]);
    const got = Array.from(y.dataSync());
    [-1, 1, -0.6].forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
    expect(typeof t.batched).toBe('function');
    expect(String(t)).toBe('Compose(\n    ToTensor()\n    Normalize(mean=[0.5], std=[0.5])\n)');
  });
  test('batched form equals the per-sample form, element for element', () => {
    const t = Compose([ToTensor(), Normalize([0.1307], [0.3081])]);
    const vals = Array.from({ length: 3 * 5 * 4 }, (_, i) => (i * 37) % 256);
    const xb = u8(vals, [3, 5, 4]);
    const yb = t.batched!(xb);
    expect(yb.shape).toEqual([3, 1, 5, 4]);
    const per = flint.stack([0, 1, 2].map((i) => t(xb.select(0, i))));
    expect(Array.from(yb.dataSync())).toEqual(Array.from(per.dataSync()));
  });
  test('a Lambda has no batched form, so neither has a Compose holding it', () => {
    const t = Compose([ToTensor(), Lambda((x: flint.Tensor) => x.mul(2))]);
    expect(t.batched).toBeUndefined();
    expect(t(u8([255], [1, 1])).toArray()).toEqual([[[2]]]);
    expect(() => Compose([ToTensor(), 3 as unknown as transforms.Transform])).toThrow('Compose: element 1 is not a transform (a function)');
  });
});

describe('one native pass for ToTensor and Normalize (and the two fused by Compose) == the ops in turn', () => {
  // the reference: cast, divide by 255, subtract, divide: each rounded to float32, as torchvision
  const byOps = (x: flint.Tensor, mean: number[], std: number[], hwc = false) => {
    let y = x.to('float32');
    if (x.dtype === 'uint8') y = y.div(255);
    if (hwc) y = y.permute(x.ndim === 4 ? [0, 3, 1, 2] : [2, 0, 1]).contiguous();
    const shape = [mean.length, 1, 1];
    return y.sub(flint.tensor(mean, { shape })).div(flint.tensor(std, { shape }));
  };
  const bits = (t: flint.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).buffer));
  test('uint8 [N, H, W] batches and [H, W] images, bit for bit', () => {
    const vals = Array.from({ length: 4 * 7 * 5 }, (_, i) => (i * 97 + 13) % 256);
    const xb = u8(vals, [4, 7, 5]);
    for (const [m, s] of [[[0.1307], [0.3081]], [[0.5], [0.5]], [[0.2], [0.7]]]) {
      const t = Compose([ToTensor(), Normalize(m, s)]);
      expect(bits(t.batched!(xb))).toEqual(bits(byOps(xb, m, s).reshape([4, 1, 7, 5])));
      expect(bits(t(xb.select(0, 2)))).toEqual(bits(byOps(xb.select(0, 2), m, s).reshape([1, 7, 5])));
      // unfused: each on its own
      expect(bits(Normalize(m, s)(ToTensor()(xb.select(0, 1))))).toEqual(bits(byOps(xb.select(0, 1), m, s).reshape([1, 7, 5])));
    }
  });
  test('uint8 [H, W, C] with per-channel mean and std; float64 input', () => {
    const x = u8(Array.from({ length: 3 * 4 * 3 }, (_, i) => (i * 41) % 256), [3, 4, 3]);
    const m = [0.485, 0.456, 0.406];
    const s = [0.229, 0.224, 0.225];
    const t = Compose([ToTensor(), Normalize(m, s)]);
    expect(t(x).shape).toEqual([3, 3, 4]);
    expect(bits(t(x))).toEqual(bits(byOps(x, m, s, true)));
    expect(bits(t.batched!(x.unsqueeze(0)))).toEqual(bits(byOps(x.unsqueeze(0), m, s, true)));
    const xd = flint.tensor([[[0.25, 0.5]], [[1, 2]], [[3, 4]]], { dtype: 'float64' });
    const n = Normalize(m, s)(xd);
    expect(n.dtype).toBe('float64');
    expect(n.toArray()).toEqual([[[(0.25 - m[0]) / s[0], (0.5 - m[0]) / s[0]]], [[(1 - m[1]) / s[1], (2 - m[1]) / s[1]]],
      [[(3 - m[2]) / s[2], (4 - m[2]) / s[2]]]]);
  });
  test('Normalize of a tensor that requires grad stays differentiable', () => {
    const x = flint.tensor([[[1, 2]], [[3, 4]]]).requiresGrad_();
    const y = Normalize([1, 2], [2, 4])(x);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([[[0.5, 0.5]], [[0.25, 0.25]]]);
  });
});

describe('gathered: the batched form of data[indices], gathering in the same native pass', () => {
  const vals = Array.from({ length: 6 * 5 * 4 }, (_, i) => (i * 53 + 7) % 256);
  const data = u8(vals, [6, 5, 4]);
  const rows = Int32Array.of(4, 0, -1, 4);
  const picked = flint.indexSelect(data, 0, flint.tensor(Int32Array.of(4, 0, 5, 4), { dtype: 'int32' }));
  test('ToTensor, Compose([ToTensor, Normalize]) and Compose with more stages', () => {
    for (const t of [ToTensor(), Compose([ToTensor(), Normalize([0.3], [0.2])]),
      Compose([ToTensor(), Normalize([0.3], [0.2]), Normalize([1], [2])])]) {
      expect(typeof t.gathered).toBe('function');
      const g = t.gathered!(data, rows);
      expect(g.shape).toEqual([4, 1, 5, 4]);
      expect(Array.from(g.dataSync())).toEqual(Array.from(t.batched!(picked).dataSync()));
    }
    // [N, H, W, C] samples: channels last, permuted after the pass
    const hwc = u8(vals, [2, 5, 4, 3]);
    const t = Compose([ToTensor(), Normalize([0.1, 0.2, 0.3], [0.5, 0.6, 0.7])]);
    const g = t.gathered!(hwc, Int32Array.of(1, 0));
    expect(g.shape).toEqual([2, 3, 5, 4]);
    expect(Array.from(g.dataSync())).toEqual(Array.from(t.batched!(flint.stack([hwc.select(0, 1), hwc.select(0, 0)])).dataSync()));
  });
  test('no gathered form when the first stage cannot gather or a stage has no batched form', () => {
    expect(Compose([transforms.RandomHorizontalFlip(), ToTensor()]).gathered).toBeUndefined();
    expect(Compose([ToTensor(), Lambda((x: flint.Tensor) => x)]).gathered).toBeUndefined();
    expect(Normalize([0.5], [0.5]).gathered).toBeUndefined();
  });
  test('rows out of range are an error naming them', () => {
    expect(() => ToTensor().gathered!(data, Int32Array.of(6))).toThrow('scaleNormalize: row 6 is out of range for 6 samples');
  });
});
