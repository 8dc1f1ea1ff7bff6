// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_, torch 1.13 semantics),
// composed from existing kernels: per-gradient norms by sum/max reductions (float32 gradients
// are reduced in float64, as torch's CPU norm accumulates, so large values do not overflow),
// then one in-place scale or clamp per gradient.
import { native } from '../../native';
import { Tensor } from '../../tensor';
import { scalarTensor } from '../../ops/util';

const MUL = 2, POW = 4, MAXIMUM = 5, MINIMUM = 6; // BinOp codes (native/cpu/kernels.h)
const ABS = 5; // UnOp code

function gradsOf(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  if (parameters === null || parameters === undefined || (!(parameters instanceof Tensor) && typeof (parameters as Iterable<Tensor>)[Symbol.iterator] !== 'function')) {
    throw new TypeError(`${op}: expected a tensor or an iterable of tensors as parameters`);
  }
  const list = parameters instanceof Tensor ? [parameters] : Array.from(parameters);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameter ${i} is not a tensor`);
    if (!p._grad) return;
    p._grad._live(op);
    if (p._grad.dtype !== 'float32' && p._grad.dtype !== 'float64') {
      throw new TypeError(`${op}: the gradient of parameter ${i} is ${p._grad.dtype}; expected float32 or float64`);
    }
    grads.push(p._grad);
  });
  return grads;
}

const round = (v: number, dtype: Tensor['dtype']) => (dtype === 'float32' ? Math.fround(v) : v);

/** The p-norm of one gradient as a number (in the gradient's precision). */
function gradNorm(g: Tensor, p: number): number {
  if (g.numel() === 0) return 0;
  if (p === Infinity) {
    const a = native.unary(ABS, g._h);
    const [m] = native.maxDim(native.asStrided(a, [g.numel()], [1], 0), 0, false);
    return new Tensor(m).item();
  }
  const x = g.dtype === 'float64' ? g._h : native.cast(g._h, 'float64');
  let s: number;
  if (p === 2) s = Math.sqrt(new Tensor(native.sum(native.binary(MUL, x, x), [], false, 1)).item());
  else if (p === 1) s = new Tensor(native.sum(native.unary(ABS, x), [], false, 1)).item();
  else s = new Tensor(native.sum(native.binaryScalar(POW, native.unary(ABS, x), p, false), [], false, 1)).item() ** (1 / p);
  return round(s, g.dtype);
}

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling by it. Default false. */
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients of `parameters` in place so that their total p-norm (as if concatenated
 * into one vector) is at most maxNorm, as torch.nn.utils.clip_grad_norm_: every gradient is
 * multiplied by min(1, maxNorm / (totalNorm + 1e-6)). Parameters without a gradient are skipped.
 *
 * Args: parameters (a tensor or an iterable of tensors), maxNorm, normType = 2 (any p > 0, or
 * Infinity / 'inf' for the largest absolute value), { errorIfNonfinite = false }.
 * Returns: the total norm before clipping, a 0-d tensor of the first gradient's dtype (0 when no
 * parameter has a gradient).
 *
 * Example: `loss.backward(); nn.utils.clipGradNorm_(model.parameters(), 1.0); opt.step();`
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType: number | 'inf' = 2,
  opts: ClipGradNormOptions = {},
): Tensor {
  const op = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new RangeError(`${op}: invalid maxNorm ${maxNorm} (expected a number >= 0)`);
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof p !== 'number' || !(p > 0)) throw new RangeError(`${op}: invalid normType ${String(normType)} (expected a number > 0 or Infinity)`);
  const grads = gradsOf(op, parameters);
  if (grads.length === 0) return scalarTensor(0, 'float32');
  const dtype = grads[0].dtype;
  const norms = grads.map((g) => round(gradNorm(g, p), dtype));
  let total: number;
  if (p === Infinity) {
    total = norms.reduce((a, b) => (Number.isNaN(a) || a > b ? a : b));
  } else if (norms.length === 1) {
    total = norms[0];
  } else {
    total = p === 2 ? Math.sqrt(norms.reduce((a, b) => a + b * b, 0)) : norms.reduce((a, b) => a + Math.abs(b) ** p, 0) ** (1 / p);
  }
  total = round(total, dtype);
  if (opts.errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(
      `${op}: the total norm of order ${p} for gradients from parameters is non-finite (${total}), so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false',
    );
  }
  // as torch, in the gradients' dtype: coef = maxNorm / (total + 1e-6), clamped to at most 1
  let coef = round(maxNorm / round(total + 1e-6, dtype), dtype);
  if (coef > 1) coef = 1;
  for (const g of grads) native.copy_(g._h, native.binaryScalar(MUL, g._h, coef, false));
  return scalarTensor(total, dtype);
}

/**
 * Clamps the gradients of `parameters` in place to [-clipValue, clipValue], as
 * torch.nn.utils.clip_grad_value_ (NaN stays NaN). Parameters without a gradient are skipped.
 * Example: `nn.utils.clipGradValue_(model.parameters(), 0.5);`
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new RangeError(`${op}: invalid clipValue ${clipValue} (expected a number >= 0)`);
  }
  for (const g of gradsOf(op, parameters)) {
    const lo = native.binaryScalar(MAXIMUM, g._h, -clipValue, false);
    native.copy_(g._h, native.binaryScalar(MINIMUM, lo, clipValue, false));
  }
}

