// Replays the PyTorch goldens of test/fixtures/<family>.json (scripts/gen_goldens.py) in flint:
// for each case and dtype, builds the inputs (transposed views where the fixture says so),
// runs the op, backpropagates the stored upstream gradient, and compares the output and every
// input gradient with torch's.
//
// Tolerance, elementwise: |actual - expected| <= RTOL * |expected| + ATOL[dtype], with
//   RTOL = 1e-5,
//   ATOL = 1e-12 (float64) and 1e-5 (float32): the floor only matters for values near 0,
//   which come from cancellation in sums of terms of size ~1, where float32 rounding in a
//   different summation order leaves absolute errors of a few 1e-6 (matmul with K = 65:
//   flint's packed GEMM is 2.8e-6 and torch 1.5e-6 from the exact value of an entry of
//   size 0.01). Inputs and gradients are O(1), so 1e-5 is still tiny next to them.
// Non-finite values must match exactly (NaN with NaN, +-Infinity with the same sign).
// Indices (max along a dim) must be equal.
import * as fs from 'fs';
import * as path from 'path';
import * as flint from '../../lib';
import * as ops from '../../lib/ops';

type T = flint.Tensor;
type Num = number | string;
export type Dtype = 'float32' | 'float64';

export const RTOL = 1e-5;
export const ATOL: Record<Dtype, number> = { float64: 1e-12, float32: 1e-5 };

export interface FixtureTensor {
  shape: number[];
  data: Num[];
  layout?: 'contiguous' | 'transposed';
  dtype?: string;
}
export interface Expected {
  out: FixtureTensor;
  grads: (Num[] | null)[];
  indices?: FixtureTensor;
}
export interface GoldenCase {
  name: string;
  op: string;
  params: Record<string, unknown>;
  dtypes: Dtype[];
  input_precision: Dtype;
  inputs: FixtureTensor[];
  ints: FixtureTensor[];
  grad_out: FixtureTensor;
  expected: Partial<Record<Dtype, Expected>>;
}

export function decode(v: Num): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new Error(`goldens: bad number ${v}`);
}

export function loadFixture<C = GoldenCase>(name: string): { torch: string; cases: C[] } {
  const p = path.join(__dirname, '..', 'fixtures', `${name}.json`);
  return JSON.parse(fs.readFileSync(p, 'utf8'));
}

/** The fixture's values as the numbers torch used (float32-representable unless stated). */
export function values(data: Num[], precision: Dtype): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = decode(data[i]);
    out[i] = precision === 'float32' ? Math.fround(v) : v;
  }
  return out;
}

/** A tensor with the fixture's logical values in the given dtype and layout. */
export function buildInput(ft: FixtureTensor, dtype: Dtype, precision: Dtype): T {
  const vals = values(ft.data, precision);
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  const shape = ft.shape;
  if (ft.layout !== 'transposed' || shape.length < 2) return flint.tensor(Arr.from(vals), { shape: shape.slice(), dtype });
  const r = shape.length;
  const rows = shape[r - 2], cols = shape[r - 1];
  const batch = vals.length / Math.max(rows * cols, 1);
  const buf = new Arr(vals.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) buf[b * rows * cols + j * rows + i] = vals[b * rows * cols + i * cols + j];
  }
  const ts = shape.slice();
  ts[r - 2] = cols;
  ts[r - 1] = rows;
  const t = flint.tensor(buf, { shape: ts, dtype }).transpose(-1, -2).detach();
  if (rows > 1 && cols > 1 && t.isContiguous()) throw new Error('goldens: transposed input came out contiguous');
  return t;
}

export function buildInt(ft: FixtureTensor): T {
  const dtype = (ft.dtype ?? 'int64') as 'int64' | 'int32';
  const vals = ft.data.map(decode);
  const arr = dtype === 'int64' ? BigInt64Array.from(vals, (v) => BigInt(v)) : Int32Array.from(vals);
  return flint.tensor(arr, { shape: ft.shape.slice(), dtype });
}

/** Throws naming the first element out of tolerance. */
export function expectClose(actual: ArrayLike<number | bigint>, expected: Num[], dtype: Dtype, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values but torch has ${expected.length}`);
  const atol = ATOL[dtype];
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = decode(expected[i]);
    let ok: boolean;
    if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!Number.isFinite(e)) ok = a === e;
    else ok = Math.abs(a - e) <= RTOL * Math.abs(e) + atol;
    if (!ok) {
      throw new Error(
        `${what}: element ${i} is ${a} but torch gives ${e} (|diff| ${Math.abs(a - e).toExponential(3)}, ` +
          `tolerance ${RTOL} * |expected| + ${atol})`,
      );
    }
  }
}

type OpFn = (xs: T[], ints: T[], p: Record<string, any>) => T | { values: T; indices: T };

/** The ops by the names gen_goldens.py uses, with the same parameters. */
export const OPS: Record<string, OpFn> = {
  add: ([a, b], _, p) => flint.add(a, b, p.alpha ?? 1),
  sub: ([a, b], _, p) => flint.sub(a, b, p.alpha ?? 1),
  mul: ([a, b]) => flint.mul(a, b),
  div: ([a, b]) => flint.div(a, b),
  maximum: ([a, b]) => flint.maximum(a, b),
  minimum: ([a, b]) => flint.minimum(a, b),
  add_scalar: ([a], _, p) => a.add(p.other),
  sub_scalar: ([a], _, p) => a.sub(p.other),
  mul_scalar: ([a], _, p) => a.mul(p.other),
  div_scalar: ([a], _, p) => a.div(p.other),
  rsub: ([a], _, p) => ops.rsub(a, p.other),
  pow: ([a], _, p) => flint.pow(a, p.exponent),
  neg: ([a]) => flint.neg(a),
  exp: ([a]) => flint.exp(a),
  log: ([a]) => flint.log(a),
  sqrt: ([a]) => flint.sqrt(a),
  abs: ([a]) => flint.abs(a),
  relu: ([a]) => flint.relu(a),
  tanh: ([a]) => flint.tanh(a),
  sigmoid: ([a]) => flint.sigmoid(a),
  matmul: ([a, b]) => flint.matmul(a, b),
  linear: ([x, w, b]) => flint.linear(x, w, b ?? null),
  sum: ([a], _, p) => flint.sum(a, p.dim, p.keepdim ?? false),
  mean: ([a], _, p) => flint.mean(a, p.dim, p.keepdim ?? false),
  max: ([a]) => a.max(),
  max_dim: ([a], _, p) => a.max(p.dim, p.keepdim ?? false),
  view: ([a], _, p) => a.view(p.shape),
  reshape: ([a], _, p) => a.reshape(p.shape),
  flatten: ([a], _, p) => a.flatten(p.start ?? 0, p.end ?? -1),
  squeeze: ([a], _, p) => a.squeeze(p.dim),
  unsqueeze: ([a], _, p) => a.unsqueeze(p.dim),
  transpose: ([a], _, p) => a.transpose(p.dim0, p.dim1),
  permute: ([a], _, p) => a.permute(p.dims),
  expand: ([a], _, p) => a.expand(p.shape),
  narrow: ([a], _, p) => a.narrow(p.dim, p.start, p.length),
  select: ([a], _, p) => a.select(p.dim, p.index),
  contiguous: ([a]) => a.contiguous(),
  clone: ([a]) => a.clone(),
  cat: (xs, _, p) => flint.cat(xs, p.dim),
  stack: (xs, _, p) => flint.stack(xs, p.dim),
  index_select: ([a], [i], p) => flint.indexSelect(a, p.dim, i),
  gather: ([a], [i], p) => flint.gather(a, p.dim, i),
  cross_entropy: ([x], [t], p) => flint.crossEntropy(x, t, { reduction: p.reduction }),
  mlp: ([x, w1, b1, w2, b2], [t], p) => flint.crossEntropy(flint.linear(flint.relu(flint.linear(x, w1, b1)), w2, b2), t, { reduction: p.reduction }),
};

/** Runs one golden case in one dtype; throws on the first mismatch. */
export function replay(c: GoldenCase, dtype: Dtype): void {
  const exp = c.expected[dtype];
  if (!exp) throw new Error(`${c.name}: no ${dtype} expectation`);
  const fn = OPS[c.op];
  if (!fn) throw new Error(`goldens: no flint op for '${c.op}'`);
  const xs = c.inputs.map((ft) => buildInput(ft, dtype, c.input_precision).requiresGrad_(true));
  const ints = c.ints.map(buildInt);
  const before = xs.map((x) => x.dataSync().slice());
  const r = fn(xs, ints, c.params);
  const out = r instanceof flint.Tensor ? r : r.values;
  const where = `${c.name} (${dtype})`;
  expect({ what: `${where} output shape`, shape: out.shape }).toEqual({ what: `${where} output shape`, shape: exp.out.shape });
  expect(out.dtype).toBe(dtype);
  expectClose(out.dataSync() as Float32Array, exp.out.data, dtype, `${where} output`);
  if (!(r instanceof flint.Tensor) && exp.indices) {
    expect(r.indices.shape).toEqual(exp.indices.shape);
    expect(Array.from(r.indices.dataSync() as BigInt64Array, Number)).toEqual(exp.indices.data.map(decode));
  }
  const g = flint.tensor(Float64Array.from(values(c.grad_out.data, 'float32')), { shape: c.grad_out.shape.slice(), dtype: 'float64' }).to(dtype);
  out.backward(g);
  xs.forEach((x, i) => {
    const eg = exp.grads[i];
    if (eg === null) {
      expect(x.grad).toBeNull();
      return;
    }
    if (!x.grad) throw new Error(`${where}: input ${i} got no gradient`);
    expect(x.grad.shape).toEqual(c.inputs[i].shape);
    expect(x.grad.dtype).toBe(dtype);
    expectClose(x.grad.dataSync() as Float32Array, eg, dtype, `${where} grad of input ${i}`);
  });
  // the op and its backward left the inputs alone
  xs.forEach((x, i) => expect(Array.from(x.dataSync() as Float32Array)).toEqual(Array.from(before[i] as Float32Array)));
}

/** Declares one jest test per case and dtype of a fixture file. */
export function runGoldens(family: string): void {
  const fx = loadFixture(family);
  test(`${family}.json has cases`, () => expect(fx.cases.length).toBeGreaterThan(0));
  for (const c of fx.cases) {
    for (const dt of c.dtypes) {
      test(`${c.name} [${dt}]`, () => replay(c, dt));
    }
  }
}
