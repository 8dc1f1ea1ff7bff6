// Tensors of more dims than the native Shape keeps in place (6): their sizes and strides live on
// the heap, and growing past 6 (unsqueeze, broadcasting, keepdim) moves them there. The oracle
// is plain JS index arithmetic over the same row-major data.
import * as flint from '../../lib';

/** Row-major strides of a shape. */
function stridesOf(shape: number[]): number[] {
  const st = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * shape[i + 1];
  return st;
}

/** The multi-index of flat position k in a shape. */
function unravel(k: number, shape: number[]): number[] {
  const idx = new Array(shape.length).fill(0);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = k % shape[i];
    k = Math.floor(k / shape[i]);
  }
  return idx;
}

const SHAPE8 = [2, 1, 3, 2, 1, 2, 3, 2];
const N8 = SHAPE8.reduce((a, b) => a * b, 1);
const data8 = Float64Array.from({ length: N8 }, (_, i) => i * 0.5 - 7);
const x8 = () => flint.tensor(Array.from(data8), { dtype: 'float64' }).reshape(SHAPE8);

describe('tensors of 7 to 10 dims (sizes and strides on the heap)', () => {
  test('reshape, shape and strides of an 8-D tensor', () => {
    const x = x8();
    expect(x.shape).toEqual(SHAPE8);
    expect(x.strides).toEqual(stridesOf(SHAPE8));
    expect(Array.from(x.dataSync())).toEqual(Array.from(data8));
  });

  test('permute of an 8-D tensor moves every element where index arithmetic says', () => {
    const perm = [7, 2, 0, 5, 1, 6, 3, 4];
    const y = x8().permute(perm);
    const yshape = perm.map((p) => SHAPE8[p]);
    expect(y.shape).toEqual(yshape);
    const got = y.contiguous().dataSync();
    const st = stridesOf(SHAPE8);
    for (let k = 0; k < N8; k++) {
      const yi = unravel(k, yshape);
      let src = 0;
      for (let d = 0; d < 8; d++) src += yi[d] * st[perm[d]];
      expect([k, got[k]]).toEqual([k, data8[src]]);
    }
  });

  test('sum over several dims of an 8-D tensor, with and without keepdim', () => {
    const dims = [0, 3, 6];
    const want = new Map<string, number>();
    for (let k = 0; k < N8; k++) {
      const i = unravel(k, SHAPE8);
      for (const d of dims) i[d] = 0;
      const key = i.join(',');
      want.set(key, (want.get(key) ?? 0) + data8[k]);
    }
    const kept = flint.sum(x8(), dims, true);
    expect(kept.shape).toEqual(SHAPE8.map((s, d) => (dims.includes(d) ? 1 : s)));
    const kv = kept.dataSync();
    const kshape = kept.shape;
    for (let k = 0; k < kv.length; k++) {
      expect(kv[k]).toBeCloseTo(want.get(unravel(k, kshape).join(','))!, 12);
    }
    const dropped = flint.sum(x8(), dims);
    expect(dropped.shape).toEqual(SHAPE8.filter((_, d) => !dims.includes(d)));
    expect(Array.from(dropped.dataSync())).toEqual(Array.from(kv));
  });

  test('unsqueeze up to 10 dims, broadcasting add against a 10-D tensor, squeeze back', () => {
    let x = flint.tensor([1, 2, 3], { dtype: 'float64' });
    for (let i = 0; i < 9; i++) x = x.unsqueeze(0); // [1 x 9, 3]
    expect(x.shape).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 3]);
    const b = flint.tensor([10, 20], { dtype: 'float64' }).reshape([1, 1, 1, 1, 1, 1, 1, 1, 2, 1]);
    const s = flint.add(x, b); // [1 x 8, 2, 3]
    expect(s.shape).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2, 3]);
    expect(Array.from(s.dataSync())).toEqual([11, 12, 13, 21, 22, 23]);
    expect(s.squeeze().shape).toEqual([2, 3]);
  });

  test('gradients flow through an 8-D permute, expand and sum', () => {
    const x = x8().requiresGrad_(true);
    const y = x.permute([1, 0, 2, 3, 4, 5, 6, 7]).expand([3, 2, 3, 2, 1, 2, 3, 2]);
    flint.mul(y, y).sum().backward();
    // d/dx sum over 3 copies of x^2 = 6 x.
    const g = x.grad!.dataSync();
    for (let k = 0; k < N8; k++) expect([k, g[k]]).toEqual([k, 6 * data8[k]]);
  });
});
