// Augmentation: transforms.functional and the random transforms against hand-computed small
// cases, torchvision's warp (grid_sample goldens from scripts/gen_transform_fixtures.py), the
// naive twin of the native warp kernel, and determinism under manualSeed.
import * as fs from 'fs';
import * as path from 'path';
import * as flint from '../../lib';
import { transforms } from '../../lib/data';
import { native } from '../../lib/native';

const F = transforms.functional;
const { RandomHorizontalFlip, RandomVerticalFlip, RandomRotation, RandomCrop, RandomAffine, GaussianNoise, Compose, ToTensor } = transforms;

/** the 4x4 image [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]] */
const img4 = (dtype: 'float32' | 'uint8' = 'float32') =>
  flint.tensor(Float32Array.from({ length: 16 }, (_, i) => i), { shape: [4, 4] }).to(dtype);
const arr = (t: flint.Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

describe('functional: hand-computed 4x4 cases', () => {
  test('hflip and vflip', () => {
    expect(F.hflip(img4()).toArray()).toEqual([[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8], [15, 14, 13, 12]]);
    expect(F.vflip(img4()).toArray()).toEqual([[12, 13, 14, 15], [8, 9, 10, 11], [4, 5, 6, 7], [0, 1, 2, 3]]);
  });
  test('rotate by 90 is a counter-clockwise quarter turn (numpy rot90), exactly; 180 and -90 too', () => {
    expect(F.rotate(img4(), 90).toArray()).toEqual([[3, 7, 11, 15], [2, 6, 10, 14], [1, 5, 9, 13], [0, 4, 8, 12]]);
    expect(F.rotate(img4(), 180).toArray()).toEqual([[15, 14, 13, 12], [11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1, 0]]);
    expect(F.rotate(img4(), -90).toArray()).toEqual([[12, 8, 4, 0], [13, 9, 5, 1], [14, 10, 6, 2], [15, 11, 7, 3]]);
    // bilinear at a quarter turn samples pixel centres (up to cos(pi/2) = 6e-17 in the matrix)
    const bil = arr(F.rotate(img4(), 90, { interpolation: 'bilinear', fill: 0 }));
    arr(F.rotate(img4(), 90)).forEach((v, i) => expect(Math.abs(bil[i] - v)).toBeLessThan(1e-12));
  });
  test('rotate keeps [C, H, W] channels apart and works on uint8', () => {
    const x = flint.stack([img4(), img4().mul(10)]).to('uint8'); // [2, 4, 4]
    const y = F.rotate(x, 90);
    expect(y.dtype).toBe('uint8');
    expect(y.shape).toEqual([2, 4, 4]);
    expect(y.toArray()).toEqual([
      [[3, 7, 11, 15], [2, 6, 10, 14], [1, 5, 9, 13], [0, 4, 8, 12]],
      [[30, 70, 110, 150], [20, 60, 100, 140], [10, 50, 90, 130], [0, 40, 80, 120]],
    ]);
  });
  test('translate by one pixel: right, then down; the uncovered edge takes the fill', () => {
    expect(F.affine(img4(), 0, [1, 0], 1, 0).toArray()).toEqual([[0, 0, 1, 2], [0, 4, 5, 6], [0, 8, 9, 10], [0, 12, 13, 14]]);
    expect(F.affine(img4(), 0, [0, 1], 1, 0, { fill: 9 }).toArray()).toEqual([[9, 9, 9, 9], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
  });
  test('affine rotation is clockwise (torchvision), the opposite of rotate', () => {
    expect(F.affine(img4(), -90, [0, 0], 1, 0).toArray()).toEqual(F.rotate(img4(), 90).toArray());
  });
  test('affine scale 2 about the centre (nearest)', () => {
    // output pixel x samples input 0.5 * (x - 1.5) + 1.5 -> 0.75, 1.25, 1.75, 2.25 -> 1, 1, 2, 2
    expect(F.affine(img4(), 0, [0, 0], 2, 0).toArray()).toEqual([[5, 5, 6, 6], [5, 5, 6, 6], [9, 9, 10, 10], [9, 9, 10, 10]]);
  });
  test('pad (constant, edge, reflect, symmetric) and crop', () => {
    const x = flint.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(F.pad(x, 1).toArray()).toEqual([[0, 0, 0, 0, 0], [0, 1, 2, 3, 0], [0, 4, 5, 6, 0], [0, 0, 0, 0, 0]]);
    expect(F.pad(x, [1, 0, 0, 1], 7).toArray()).toEqual([[7, 1, 2, 3], [7, 4, 5, 6], [7, 7, 7, 7]]);
    expect(F.pad(x, [2, 1], 0, 'edge').toArray()).toEqual([
      [1, 1, 1, 2, 3, 3, 3], [1, 1, 1, 2, 3, 3, 3], [4, 4, 4, 5, 6, 6, 6], [4, 4, 4, 5, 6, 6, 6]]);
    expect(F.pad(x, [2, 1], 0, 'reflect').toArray()).toEqual([
      [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1], [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1]]);
    expect(F.pad(x, [2, 1], 0, 'symmetric').toArray()).toEqual([
      [2, 1, 1, 2, 3, 3, 2], [2, 1, 1, 2, 3, 3, 2], [5, 4, 4, 5, 6, 6, 5], [5, 4, 4, 5, 6, 6, 5]]);
    expect(F.crop(img4(), 1, 2, 2, 2).toArray()).toEqual([[6, 7], [10, 11]]);
    // beyond the image: zeros (torchvision's F.crop pads)
    expect(F.crop(img4(), -1, 3, 2, 2).toArray()).toEqual([[0, 0], [3, 0]]);
  });
  test('padding and crop with per-channel fill on [C, H, W]', () => {
    const x = flint.ones([2, 1, 1]);
    expect(F.pad(x, 1, [5, 6]).toArray()).toEqual([
      [[5, 5, 5], [5, 1, 5], [5, 5, 5]], [[6, 6, 6], [6, 1, 6], [6, 6, 6]]]);
  });
  test('errors name the op and the argument', () => {
    expect(() => F.rotate(flint.zeros([4]), 10)).toThrow('rotate: expected an image tensor [..., H, W] but got shape [4]');
    expect(() => F.rotate(img4(), NaN)).toThrow('rotate: angle must be a finite number but got null');
    expect(() => F.rotate(img4(), 10, { interpolation: 'bicubic' as 'nearest' })).toThrow(
      "rotate: interpolation must be 'nearest' or 'bilinear' but got \"bicubic\"");
    expect(() => F.rotate(flint.zeros([3, 4, 4]), 10, { fill: [1, 2] })).toThrow('rotate: fill has 2 values but the image has 3 channels');
    expect(() => F.affine(img4(), 0, [0, 0], 0, 0)).toThrow('affine: scale must be positive but got 0');
    expect(() => F.pad(img4(), [1, 2, 3])).toThrow(/pad: padding must be a non-negative integer/);
    expect(() => F.pad(img4(), 4, 0, 'reflect')).toThrow(/too large for reflect padding of an image of 4x4/);
    expect(() => F.crop(img4(), 0, 0, 0, 2)).toThrow('crop: expected a positive crop size but got 0x2');
    expect(() => F.hflip(flint.zeros([2, 2], { dtype: 'int64' }))).toThrow('hflip: expected a uint8, float32 or float64 image but got int64');
    expect(() => F.gaussianNoise(img4('uint8'))).toThrow('gaussianNoise: expected a float image but got uint8 (apply ToTensor first)');
  });
});

describe("torchvision's warp (grid_sample goldens)", () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/transforms.json'), 'utf8'));
  for (const c of fixture.cases) {
    test(c.name, () => {
      const dtype = c.dtype === 'uint8' ? 'uint8' : 'float64';
      const x = flint.tensor(Float64Array.from(c.input), { shape: c.shape }).to(dtype);
      const a = c.args;
      const opts = { interpolation: a.interpolation, fill: a.fill, center: a.center };
      const y = c.op === 'rotate' ? F.rotate(x, a.angle, opts) : F.affine(x, a.angle, a.translate, a.scale, a.shear, opts);
      expect(y.shape).toEqual(c.shape);
      const got = arr(y);
      const want: number[] = c.output;
      if (dtype === 'uint8') {
        expect(got).toEqual(want);
      } else {
        let worst = 0;
        got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[i]))));
        expect(worst).toBeLessThan(1e-9);
      }
    });
  }
});

describe('native affineWarp: fast kernel == naive twin', () => {
  test('sizes 1, 7, 28, 65; 1 and 3 channels; per-sample and shared matrices; every dtype and mode', () => {
    flint.manualSeed(7);
    for (const [h, w] of [[1, 1], [7, 7], [28, 28], [7, 65], [65, 1]]) {
      for (const [n, c] of [[1, 1], [3, 3], [2, 1]]) {
        for (const dtype of ['float32', 'float64', 'uint8'] as const) {
          const x = flint.rand([n, c, h, w]).mul(255).to(dtype);
          // random rotations/scales/shifts about the centre, plus one theta shared by all
          const th = new Float64Array(n * 6);
          for (let i = 0; i < th.length; i += 6) {
            const a = Math.random() * 2 * Math.PI;
            const s = 0.6 + Math.random();
            th.set([s * Math.cos(a), -s * Math.sin(a), (w - 1) / 2 + Math.random() * 3 - 1.5,
              s * Math.sin(a), s * Math.cos(a), (h - 1) / 2 + Math.random() * 3 - 1.5], i);
          }
          for (const shared of [false, true]) {
            const t = flint.tensor(shared ? th.slice(0, 6) : th, { dtype: 'float64', shape: [shared ? 1 : n, 6] });
            for (const mode of [0, 1]) {
              for (const fill of [null, [3], c === 3 ? [1, 2, 3] : [4]]) {
                const oh = h + 2;
                const ow = Math.max(1, w - 1);
                const fast = new flint.Tensor(native.affineWarp(x._h, t._h, oh, ow, mode, fill));
                const naive = new flint.Tensor(native.affineWarp(x._h, t._h, oh, ow, mode, fill, true));
                expect(fast.shape).toEqual([n, c, oh, ow]);
                const a = arr(fast);
                const b = arr(naive);
                const tol = mode === 0 ? 0 : dtype === 'uint8' ? 1 : dtype === 'float32' ? 1e-4 : 1e-9;
                let worst = 0;
                a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b[i]))));
                expect(worst).toBeLessThanOrEqual(tol);
              }
            }
          }
        }
      }
    }
  });
  test('bad arguments are errors, not crashes', () => {
    const x = flint.zeros([1, 1, 2, 2]);
    const t = flint.tensor([[1, 0, 0, 0, 1, 0]], { dtype: 'float64' });
    expect(() => native.affineWarp(flint.zeros([2, 2])._h, t._h, 2, 2, 0, null)).toThrow('affineWarp: expected input [N, C, H, W] but got shape [2, 2]');
    expect(() => native.affineWarp(x._h, flint.zeros([1, 6])._h, 2, 2, 0, null)).toThrow('affineWarp: expected theta to be float64 but got float32');
    expect(() => native.affineWarp(x._h, flint.zeros([2, 6], { dtype: 'float64' })._h, 2, 2, 0, null)).toThrow(
      'affineWarp: expected theta of shape [1, 6] or [1, 6] but got [2, 6]');
    expect(() => native.affineWarp(x._h, t._h, 0, 2, 0, null)).toThrow('affineWarp: expected a positive output size but got 0x2');
    expect(() => native.affineWarp(x._h, t._h, 2, 2, 2, null)).toThrow('affineWarp: expected mode 0 (nearest) or 1 (bilinear) but got 2');
    expect(() => native.affineWarp(x._h, t._h, 2, 2, 0, [1, 2])).toThrow('affineWarp: expected fill to hold 1 or 1 (channels) values but got 2');
    expect(() => native.affineWarp(x._h, t._h, 2, 2, 0, [NaN])).toThrow('affineWarp: expected fill to hold finite numbers');
    // NaN and huge matrices sample outside the image instead of overflowing an index
    for (const v of [NaN, 1e300, -Infinity]) {
      const bad = flint.tensor([[v, 0, v, 0, v, 0]], { dtype: 'float64' });
      for (const mode of [0, 1]) {
        expect(arr(new flint.Tensor(native.affineWarp(x.add(1)._h, bad._h, 2, 2, mode, [5])))).toEqual([5, 5, 5, 5]);
      }
    }
  });
});

/** runs fn under manualSeed(seed) */
const seeded = <T>(seed: number, fn: () => T): T => {
  flint.manualSeed(seed);
  return fn();
};

describe('random transforms: determinism under manualSeed', () => {
  const x = flint.rand([3, 8, 8]);
  const xb = flint.rand([16, 3, 8, 8]);
  const cases: [string, () => transforms.Transform][] = [
    ['RandomHorizontalFlip', () => RandomHorizontalFlip()],
    ['RandomVerticalFlip', () => RandomVerticalFlip()],
    ['RandomRotation', () => RandomRotation(30, { interpolation: 'bilinear' })],
    ['RandomCrop', () => RandomCrop(6, { padding: 2 })],
    ['RandomAffine', () => RandomAffine({ degrees: 20, translate: [0.2, 0.2], scale: [0.8, 1.2], shear: 10 })],
    ['GaussianNoise', () => GaussianNoise(0, 0.1)],
  ];
  for (const [name, make] of cases) {
    test(`${name}: same seed -> same output, another seed -> another (single and batched)`, () => {
      const t = make();
      // a flip of one image has two outcomes: compare a sequence of 8 calls
      const run = (seed: number) => seeded(seed, () => Array.from({ length: 8 }, () => arr(t(x))).flat());
      expect(run(1)).toEqual(run(1));
      expect(run(1)).not.toEqual(run(2));
      const runB = (seed: number) => seeded(seed, () => arr(t.batched!(xb)));
      expect(runB(1)).toEqual(runB(1));
      expect(runB(1)).not.toEqual(runB(2));
    });
  }
});

describe('random transforms: outputs and per-sample parameters', () => {
  test('RandomHorizontalFlip(1) always flips, (0) never; batched flips each sample on its own with probability p', () => {
    expect(RandomHorizontalFlip(1)(img4()).toArray()).toEqual(F.hflip(img4()).toArray());
    expect(RandomHorizontalFlip(0)(img4()).toArray()).toEqual(img4().toArray());
    expect(RandomVerticalFlip(1)(img4()).toArray()).toEqual(F.vflip(img4()).toArray());
    flint.manualSeed(3);
    const n = 2000;
    const xb = img4().unsqueeze(0).expand([n, 4, 4]).contiguous();
    const yb = RandomHorizontalFlip(0.3).batched!(xb);
    const plain = JSON.stringify(img4().toArray());
    const flipped = JSON.stringify(F.hflip(img4()).toArray());
    let count = 0;
    for (let i = 0; i < n; i++) {
      const s = JSON.stringify(yb.select(0, i).toArray());
      expect([plain, flipped]).toContain(s);
      if (s === flipped) count++;
    }
    // binomial(2000, 0.3): sd = 20.5
    expect(Math.abs(count - 0.3 * n)).toBeLessThan(5 * 20.5);
  });
  test('RandomRotation with a fixed angle equals rotate, per sample and batched', () => {
    const t = RandomRotation([90, 90]);
    expect(t(img4()).toArray()).toEqual(F.rotate(img4(), 90).toArray());
    const xb = flint.stack([img4(), img4().mul(2)]);
    expect(t.batched!(xb).toArray()).toEqual(flint.stack([F.rotate(img4(), 90), F.rotate(img4().mul(2), 90)]).toArray());
  });
  test('RandomRotation angles are drawn per sample within the range', () => {
    // a single bright pixel right of the centre of a 31x31 image moves on a circle; the angle of
    // the output's intensity centroid is the draw, to within a degree or so
    flint.manualSeed(11);
    const n = 200;
    const one = flint.zeros([n, 31, 31]).add(F.pad(flint.ones([1, 1]), [25, 15, 5, 15]).unsqueeze(0)); // pixel (y 15, x 25)
    const y = RandomRotation(40, { interpolation: 'bilinear' }).batched!(one);
    const angles: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = y.select(0, i).dataSync();
      // the intensity-weighted centroid of the output, relative to the centre
      let sum = 0;
      let px = 0;
      let py = 0;
      v.forEach((w, k) => {
        sum += w;
        px += w * ((k % 31) - 15);
        py += w * (Math.floor(k / 31) - 15);
      });
      px /= sum;
      py /= sum;
      angles.push((Math.atan2(-py, px) * 180) / Math.PI); // counter-clockwise, y down
    }
    expect(Math.max(...angles)).toBeLessThanOrEqual(40 + 3);
    expect(Math.min(...angles)).toBeGreaterThanOrEqual(-40 - 3);
    expect(Math.max(...angles)).toBeGreaterThan(30);
    expect(Math.min(...angles)).toBeLessThan(-30);
    expect(new Set(angles.map((a) => Math.round(a))).size).toBeGreaterThan(50);
    // uniform on [-40, 40]: mean 0, sd 23.1 (the mean of 200 draws has sd 1.6)
    expect(Math.abs(angles.reduce((a, b) => a + b, 0) / n)).toBeLessThan(6);
  });
  test('RandomCrop(4, { padding: 1 }) of a 4x4 image is pad-then-crop at a drawn corner, in every sample', () => {
    const padded = F.pad(img4(), 1);
    const options = new Set<string>();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) options.add(JSON.stringify(F.crop(padded, i, j, 4, 4).toArray()));
    // the hand-computed corner (0, 0): the top row and left column are padding
    expect(options).toContain(JSON.stringify([[0, 0, 0, 0], [0, 0, 1, 2], [0, 4, 5, 6], [0, 8, 9, 10]]));
    flint.manualSeed(5);
    const t = RandomCrop(4, { padding: 1 });
    const seen = new Set<string>();
    for (let k = 0; k < 60; k++) {
      const s = JSON.stringify(t(img4()).toArray());
      expect(options).toContain(s);
      seen.add(s);
    }
    expect(seen.size).toBe(9);
    const yb = t.batched!(img4().unsqueeze(0).expand([60, 4, 4]).contiguous());
    const seenB = new Set<string>();
    for (let k = 0; k < 60; k++) {
      const s = JSON.stringify(yb.select(0, k).toArray());
      expect(options).toContain(s);
      seenB.add(s);
    }
    expect(seenB.size).toBe(9);
  });
  test('RandomCrop: reflect padding, padIfNeeded, exact size draws nothing', () => {
    flint.manualSeed(2);
    const x = flint.tensor([[1, 2, 3], [4, 5, 6]]);
    const padded = F.pad(x, 1, 0, 'reflect');
    const y = RandomCrop([2, 3], { padding: 1, paddingMode: 'reflect' })(x);
    const ok = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) ok.push(JSON.stringify(F.crop(padded, i, j, 2, 3).toArray()));
    expect(ok).toContain(JSON.stringify(y.toArray()));
    // padIfNeeded pads both sides by the shortfall (torchvision): 2x3 -> needs 4x4 -> padded 6x5
    const z = RandomCrop(4, { padIfNeeded: true, fill: 9 })(x);
    expect(z.shape).toEqual([4, 4]);
    // an exact-size crop draws nothing (torchvision's get_params): the generator is untouched
    flint.manualSeed(2);
    expect(RandomCrop([2, 3])(x).toArray()).toEqual(x.toArray());
    const after = native.randomBits();
    flint.manualSeed(2);
    expect(after).toBe(native.randomBits());
    expect(() => RandomCrop(5)(x)).toThrow('RandomCrop: required crop size (5, 5) is larger than the (padded) input image size (2, 3)');
  });
  test('RandomAffine: a translation-only draw moves each sample by whole pixels within the range', () => {
    flint.manualSeed(9);
    const t = RandomAffine({ degrees: 0, translate: [0.25, 0.25] }); // |dx|, |dy| <= 1 pixel on 4x4
    const options = new Set<string>();
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) options.add(JSON.stringify(F.affine(img4(), 0, [dx, dy], 1, 0).toArray()));
    const yb = t.batched!(img4().unsqueeze(0).expand([80, 4, 4]).contiguous());
    const seen = new Set<string>();
    for (let k = 0; k < 80; k++) {
      const s = JSON.stringify(yb.select(0, k).toArray());
      expect(options).toContain(s);
      seen.add(s);
    }
    expect(seen.size).toBe(9);
    expect(RandomAffine(0)(img4()).toArray()).toEqual(img4().toArray());
    expect(String(RandomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1] }))).toBe(
      'RandomAffine(degrees=[-10.0, 10.0], translate=(0.1, 0.1), scale=(0.9, 1.1))');
  });
  test('GaussianNoise: mean and sigma of the added noise; clip to [0, 1]', () => {
    flint.manualSeed(4);
    const x = flint.full([100, 1000], 0.5);
    const d = arr(GaussianNoise(0.01, 0.05, { clip: false })(x)).map((v) => v - 0.5);
    const m = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length);
    expect(Math.abs(m - 0.01)).toBeLessThan(5 * 0.05 / Math.sqrt(d.length));
    expect(Math.abs(sd - 0.05)).toBeLessThan(0.001);
    const c = arr(GaussianNoise(0, 1)(x));
    expect(Math.min(...c)).toBe(0);
    expect(Math.max(...c)).toBe(1);
  });
  test('constructor errors', () => {
    expect(() => RandomHorizontalFlip(1.5)).toThrow('RandomHorizontalFlip: p must be a probability in [0, 1] but got 1.5');
    expect(() => RandomRotation(-5)).toThrow('RandomRotation: if degrees is a single number, it must be non-negative but got -5');
    expect(() => RandomRotation([10, -10])).toThrow('RandomRotation: degrees must be [min, max] with min <= max but got [10,-10]');
    expect(() => RandomAffine({} as transforms.RandomAffineOptions)).toThrow(/RandomAffine: expected degrees/);
    expect(() => RandomAffine({ degrees: 0, translate: [0.5, 2] })).toThrow('RandomAffine: translate must be [a, b] with values between 0 and 1 but got [0.5,2]');
    expect(() => RandomAffine({ degrees: 0, scale: [0, 1] })).toThrow(/RandomAffine: scale must be \[min, max\] with positive values/);
    expect(() => RandomCrop(0)).toThrow('RandomCrop: size must be a positive integer or [height, width] but got 0');
    expect(() => RandomCrop(2, { paddingMode: 'wrap' as 'edge' })).toThrow(/RandomCrop: paddingMode must be/);
    expect(() => GaussianNoise(0, -1)).toThrow('GaussianNoise: sigma must be a non-negative number but got -1');
    expect(() => RandomRotation(10)(flint.zeros([5]))).toThrow('RandomRotation: expected an image tensor [..., H, W] but got shape [5]');
    expect(() => RandomRotation(10).batched!(flint.zeros([2, 2]))).toThrow(
      'RandomRotation: expected a batch of images [N, H, W] or [N, C, H, W] but got shape [2, 2]');
    expect(() => RandomRotation(10, { fill: [1, 2] })(flint.zeros([3, 4, 4]))).toThrow('RandomRotation: fill has 2 values but the image has 3 channels');
    expect(() => GaussianNoise()(img4('uint8'))).toThrow('GaussianNoise: expected a float image but got uint8 (apply ToTensor first)');
  });
  test('Compose of random transforms keeps a batched form (the MNIST fast path)', () => {
    const t = Compose([RandomRotation(10), RandomCrop(28, { padding: 2 }), ToTensor(), GaussianNoise(0, 0.01)]);
    expect(typeof t.batched).toBe('function');
    const xb = flint.rand([5, 28, 28]).mul(255).to('uint8');
    const y = t.batched!(xb);
    expect(y.shape).toEqual([5, 1, 28, 28]);
    expect(y.dtype).toBe('float32');
    expect(t(xb.select(0, 0)).shape).toEqual([1, 28, 28]);
  });
});
