// A float64 finite-difference gradient checker, like torch.autograd.gradcheck.
//
// For f(x1..xk) -> y and a fixed random upstream gradient v (same shape as y), the analytic
// gradients are what y.backward(v) leaves in each xi.grad; the numeric ones are the central
// differences of L(x) = sum(f(x) * v):
//   dL/dx[j] ~= (L(x + eps e_j) - L(x - eps e_j)) / (2 eps),   eps = 1e-6.
// They must agree elementwise within |analytic - numeric| <= atol + rtol * |numeric|
// (defaults atol 1e-6, rtol 1e-5: tighter than torch's 1e-5 / 1e-3). The truncation error
// of a central difference is O(eps^2 f''') ~ 1e-12 and the rounding error ~1e-16 / eps ~ 1e-10,
// so a correct backward passes with a wide margin and a wrong one (a missing factor, a
// transposed or unreduced gradient) fails by orders of magnitude.
//
// Inputs are float64 values; each can be made as a non-contiguous leaf (a transposed view,
// or for 1-D a stride-2 view) so the backward of strided inputs is checked too.
import { Tensor, tensor, noGrad } from '../../lib';

export interface GradcheckInput {
  data: Float64Array | number[];
  shape: number[];
  /** build the leaf as a non-contiguous view with the same logical values */
  noncontiguous?: boolean;
  /** false: a constant input (no gradient checked) */
  requiresGrad?: boolean;
}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** seed of the upstream gradient v */
  seed?: number;
  /** the upstream gradient (defaults to seeded uniform values in [-1, 1)) */
  gradOutput?: Float64Array;
}

export interface GradcheckResult {
  /** largest |analytic - numeric| over all checked elements */
  maxAbsErr: number;
  /** number of input elements checked */
  checked: number;
}

/** mulberry32: a tiny seeded PRNG for reproducible test data. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n seeded uniform values in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/**
 * Values in [lo, hi) kept at least `gap` away from each other and from `avoid` points: for ops
 * with kinks (relu and abs at 0, max at ties) so that x +- eps never crosses a kink.
 */
export function uniformAway(n: number, seed: number, lo = -1, hi = 1, gap = 1e-3, avoid: number[] = [0]): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (;;) {
      const v = lo + (hi - lo) * r();
      let ok = avoid.every((a) => Math.abs(v - a) > gap);
      for (let k = 0; ok && k < i; k++) ok = Math.abs(v - out[k]) > gap;
      if (ok) {
        out[i] = v;
        break;
      }
    }
  }
  return out;
}

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A float64 leaf with the given logical values; optionally a non-contiguous view. */
export function makeLeaf(data: ArrayLike<number>, shape: number[], noncontiguous = false, dtype: 'float64' | 'float32' = 'float64'): Tensor {
  const n = numel(shape);
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  if (!noncontiguous || shape.length === 0) {
    return tensor(Arr.from(data), { shape: shape.slice(), dtype });
  }
  if (shape.length === 1) {
    // stride 2: column 0 of an [n, 2] tensor
    const buf = new Arr(2 * n);
    for (let i = 0; i < n; i++) {
      buf[2 * i] = data[i];
      buf[2 * i + 1] = NaN; // never read
    }
    const v = tensor(buf, { shape: [n, 2], dtype }).select(1, 0);
    return v.detach();
  }
  // a transposed view: storage holds the data with the last two dims swapped
  const r = shape.length;
  const rows = shape[r - 2], cols = shape[r - 1];
  const batch = n / Math.max(rows * cols, 1);
  const buf = new Arr(n);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) buf[b * rows * cols + j * rows + i] = data[b * rows * cols + i * cols + j];
    }
  }
  const tshape = shape.slice();
  tshape[r - 2] = cols;
  tshape[r - 1] = rows;
  return tensor(buf, { shape: tshape, dtype }).transpose(-1, -2).detach();
}

function toF64(t: Tensor): Float64Array {
  const d = t.dataSync();
  return d instanceof Float64Array ? d : Float64Array.from(d as ArrayLike<number>);
}

/**
 * Checks the gradients of fn at the given inputs. Throws an Error naming the input, the
 * element, the analytic and the numeric value on a mismatch.
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: GradcheckInput[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const datas = inputs.map((x) => Float64Array.from(x.data));
  inputs.forEach((x, i) => {
    if (datas[i].length !== numel(x.shape)) {
      throw new Error(`gradcheck: input ${i} has ${datas[i].length} values for shape [${x.shape}]`);
    }
  });
  const wants = inputs.map((x) => x.requiresGrad !== false);
  const leaves = () =>
    inputs.map((x, i) => {
      const t = makeLeaf(datas[i], x.shape, x.noncontiguous);
      if (wants[i]) t.requiresGrad_(true);
      return t;
    });

  // analytic
  const xs = leaves();
  inputs.forEach((x, i) => {
    if (x.noncontiguous && x.shape.length > 0 && numel(x.shape) > 1 && xs[i].isContiguous()) {
      throw new Error(`gradcheck: input ${i} was asked to be non-contiguous but is contiguous`);
    }
  });
  const y = fn(...xs);
  if (y.dtype !== 'float64') throw new Error(`gradcheck: fn must return a float64 tensor but returned ${y.dtype}`);
  const yShape = y.shape.slice();
  const v = opts.gradOutput ?? uniform(numel(yShape), opts.seed ?? 12345);
  if (v.length !== numel(yShape)) throw new Error(`gradcheck: gradOutput has ${v.length} values for output shape [${yShape}]`);
  if (!y.requiresGrad) throw new Error('gradcheck: output does not require grad (no differentiable path from the inputs)');
  y.backward(tensor(Float64Array.from(v), { shape: yShape, dtype: 'float64' }));
  const analytic = xs.map((x, i) => {
    if (!wants[i]) return null;
    if (!x.grad) return new Float64Array(numel(inputs[i].shape));
    if (x.grad.shape.join() !== inputs[i].shape.join()) {
      throw new Error(`gradcheck: grad of input ${i} has shape [${x.grad.shape}] but the input has [${inputs[i].shape}]`);
    }
    if (x.grad.dtype !== 'float64') throw new Error(`gradcheck: grad of input ${i} is ${x.grad.dtype}, not float64`);
    return toF64(x.grad);
  });

  // numeric
  const L = (): number =>
    noGrad(() => {
      const out = toF64(fn(...leaves()));
      let s = 0;
      for (let k = 0; k < out.length; k++) s += out[k] * v[k];
      return s;
    });
  let maxAbsErr = 0;
  let checked = 0;
  for (let i = 0; i < inputs.length; i++) {
    const a = analytic[i];
    if (!a) continue;
    const d = datas[i];
    for (let j = 0; j < d.length; j++) {
      const orig = d[j];
      d[j] = orig + eps;
      const fp = L();
      d[j] = orig - eps;
      const fm = L();
      d[j] = orig;
      const num = (fp - fm) / (2 * eps);
      const err = Math.abs(a[j] - num);
      if (!(err <= atol + rtol * Math.abs(num))) {
        throw new Error(
          `gradcheck: input ${i} (shape [${inputs[i].shape}]) element ${j}: analytic ${a[j]} vs numeric ${num} ` +
            `(|diff| ${err.toExponential(3)} > atol ${atol} + rtol ${rtol} * |numeric|)`,
        );
      }
      maxAbsErr = Math.max(maxAbsErr, err);
      checked++;
    }
  }
  return { maxAbsErr, checked };
}
