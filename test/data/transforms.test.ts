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
