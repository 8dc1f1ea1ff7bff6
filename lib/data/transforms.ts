// Image transforms, as torchvision.transforms: ToTensor, Normalize, Compose, Lambda.
// A transform is a function of one sample. Those that can also run on a whole batch at once
// carry a `batched` twin (same ops, same results, a leading batch dim), which MNIST-family
// datasets use to build DataLoader batches with a few native calls instead of a few per sample.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { shapeStr } from '../ops/util';

/** A sample transform; `batched`, when present, does the same to a batch [N, ...sample]. */
export type Transform<I = any, O = any> = ((x: I) => O) & {
  batched?: (xb: Tensor) => Tensor;
  /** for printing: `ToTensor()`, `Normalize(mean=[0.5], std=[0.5])` */
  repr?: string;
};

function make<I, O>(fn: (x: I) => O, repr: string, batched?: (xb: Tensor) => Tensor): Transform<I, O> {
  const t = fn as Transform<I, O>;
  t.repr = repr;
  if (batched) t.batched = batched;
  t.toString = () => repr;
  return t;
}

/**
 * Frees an intermediate now rather than at garbage collection (fewer fresh allocations per
 * batch), unless autograd may still need it.
 */
function drop(t: Tensor): void {
  if (!t.requiresGrad) t.dispose();
}

function checkTensor(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a tensor but got ${x === null ? 'null' : typeof x}`);
  return x;
}

/**
 * Converts an image tensor to float32 [C, H, W]: uint8 [H, W] -> [1, H, W] and uint8 [H, W, C] ->
 * [C, H, W], scaled to [0, 1] by dividing by 255. Float input is cast to float32 and not scaled
 * (as torchvision does for non-uint8 arrays).
 * Example: `ToTensor()(mnist.data.select(0, 0))` has shape [1, 28, 28].
 */
export function ToTensor(): Transform<Tensor, Tensor> {
  // x: one image [H, W] or [H, W, C] (lead = 0), or a batch [N, H, W] / [N, H, W, C] (lead = 1)
  const convert = (x: Tensor, lead: number): Tensor => {
    const rank = x.ndim - lead;
    if (rank !== 2 && rank !== 3) {
      const want = lead ? '[N, H, W] or [N, H, W, C]' : '[H, W] or [H, W, C]';
      throw new RangeError(`ToTensor: expected an image of shape ${want} but got ${shapeStr(x.shape)}`);
    }
    let y = ops.cast(x, 'float32');
    if (x.dtype === 'uint8') {
      const f = y;
      y = ops.div(f, 255);
      drop(f);
    }
    if (rank === 2) {
      const s = x.shape;
      return ops.reshape(y, lead ? [s[0], 1, s[1], s[2]] : [1, s[0], s[1]]);
    }
    const c = ops.contiguous(lead ? ops.permute(y, [0, 3, 1, 2]) : ops.permute(y, [2, 0, 1]));
    if (y !== x) drop(y);
    return c;
  };
  return make(
    (x: Tensor) => convert(checkTensor('ToTensor', x), 0),
    'ToTensor()',
    (xb: Tensor) => convert(checkTensor('ToTensor', xb), 1),
  );
}

/**
 * Normalizes each channel of a float tensor [..., C, H, W]: (x - mean[c]) / std[c].
 * One mean/std applies to every channel. Works on single images and on batches [N, C, H, W].
 * Example: `Normalize([0.5], [0.5])` maps [0, 1] to [-1, 1].
 */
export function Normalize(mean: number[], std: number[]): Transform<Tensor, Tensor> {
  const bad = (a: unknown) => !Array.isArray(a) || a.length === 0 || a.some((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad(mean) || bad(std)) throw new TypeError('Normalize: expected mean and std to be non-empty arrays of finite numbers');
  if (mean.length !== std.length) {
    throw new RangeError(`Normalize: mean has ${mean.length} values but std has ${std.length}`);
  }
  if (std.some((s) => s === 0)) throw new RangeError(`Normalize: std evaluated to zero in [${std.join(', ')}], leading to division by zero`);
  const c = mean.length;
  // per-channel constants [C, 1, 1], made on first use with the input's dtype
  let m: Tensor | null = null;
  let s: Tensor | null = null;
  const fn = (x: Tensor): Tensor => {
    checkTensor('Normalize', x);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw new TypeError(`Normalize: expected a float tensor but got ${x.dtype} (apply ToTensor first)`);
    }
    if (x.ndim < 3) {
      throw new RangeError(`Normalize: expected a tensor image [..., C, H, W] but got shape ${shapeStr(x.shape)}`);
    }
    const xc = x.shape[x.ndim - 3];
    if (c === 1) {
      const d = ops.sub(x, mean[0]);
      const y = ops.div(d, std[0]);
      drop(d);
      return y;
    }
    if (xc !== c) {
      throw new RangeError(`Normalize: mean and std have ${c} values but the image has ${xc} channels (shape ${shapeStr(x.shape)})`);
    }
    if (!m || !s || m.dtype !== x.dtype) {
      m = ops.tensor(mean, { dtype: x.dtype, shape: [c, 1, 1] });
      s = ops.tensor(std, { dtype: x.dtype, shape: [c, 1, 1] });
    }
    const d = ops.sub(x, m);
    const y = ops.div(d, s);
    drop(d);
    return y;
  };
  return make(fn, `Normalize(mean=[${mean.join(', ')}], std=[${std.join(', ')}])`, fn);
}

/**
 * Chains transforms: `Compose([ToTensor(), Normalize([0.5], [0.5])])`. It has a batched form
 * when every member has one.
 */
export function Compose(list: Transform[]): Transform {
  if (!Array.isArray(list)) throw new TypeError('Compose: expected an array of transforms');
  list.forEach((t, i) => {
    if (typeof t !== 'function') throw new TypeError(`Compose: element ${i} is not a transform (a function)`);
  });
  const ts = list.slice();
  const repr = `Compose(\n${ts.map((t) => `    ${t.repr ?? t.name ?? 'Lambda()'}`).join('\n')}\n)`;
  const batched = ts.every((t) => typeof t.batched === 'function')
    ? (xb: Tensor) => ts.reduce((x, t) => t.batched!(x), xb)
    : undefined;
  return make((x: unknown) => ts.reduce((v, t) => t(v), x), repr, batched);
}

/** Wraps a user function as a transform (no batched form). */
export function Lambda<I, O>(fn: (x: I) => O): Transform<I, O> {
  if (typeof fn !== 'function') throw new TypeError('Lambda: expected a function');
  return make((x: I) => fn(x), 'Lambda()');
}
