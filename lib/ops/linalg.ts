// matmul and linear, and their backwards (products with the other operand, transposed by
// native.matmul's flags as strided views: the GEMM packs them, nothing is copied).
import { native } from '../native';
import { record, Tensor } from '../tensor';
import { reshapeRaw, sumToShape, live } from './util';
import { Bin } from './elementwise';

function mm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  return new Tensor(native.matmul(a._h, b._h, transA, transB));
}
function unsq(x: Tensor, d: number): Tensor {
  const shape = x.shape.slice();
  const st = x.strides.slice();
  const dd = d < 0 ? shape.length + 1 + d : d;
  shape.splice(dd, 0, 1);
  st.splice(dd, 0, 0);
  return new Tensor(native.asStrided(x._h, shape, st, x._h.offset));
}

/** Matrix product with PyTorch's rules for 1-D operands and batch broadcasting. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  live(a, 'matmul');
  if (!(b instanceof Tensor)) throw new TypeError('matmul: expected other to be a tensor');
  live(b, 'matmul');
  const h = native.matmul(a._h, b._h);
  return record('matmul', h, [a, b], (g) => {
    const a2 = a.ndim === 1 ? unsq(a, 0) : a;
    const b2 = b.ndim === 1 ? unsq(b, -1) : b;
    let g2 = g;
    if (a.ndim === 1 && b.ndim === 1) g2 = reshapeRaw(g, [1, 1]);
    else if (a.ndim === 1) g2 = unsq(g, -2); // [..., N] -> [..., 1, N]
    else if (b.ndim === 1) g2 = unsq(g, -1); // [..., M] -> [..., M, 1]
    const ga = a.requiresGrad ? reshapeRaw(sumToShape(mm(g2, b2, false, true), a2.shape), a.shape.slice()) : null;
    const gb = b.requiresGrad ? reshapeRaw(sumToShape(mm(a2, g2, true, false), b2.shape), b.shape.slice()) : null;
    return [ga, gb];
  });
}

/** The gradients of y = x @ weight^T + bias from g = dL/dy. */
function linearBackward(g: Tensor, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): (Tensor | null)[] {
  const inF = weight.shape[1];
  const outF = weight.shape[0];
  const g2 = reshapeRaw(g, [g.numel() / Math.max(outF, 1), outF]);
  const gx = x.requiresGrad ? reshapeRaw(mm(g2, weight), x.shape.slice()) : null;
  const gw = weight.requiresGrad ? mm(g2, reshapeRaw(x, [x.numel() / Math.max(inF, 1), inF]), true) : null;
  const gb = bias && bias.requiresGrad ? new Tensor(native.sum(g2._h, [0], false, 1)) : null;
  return bias ? [gx, gw, gb] : [gx, gw];
}

function linearChecks(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, op: string): void {
  live(x, op);
  live(weight, op, 'weight');
  if (bias !== undefined && bias !== null) live(bias, op, 'bias');
}

/** y = x @ weight^T + bias in one native call: the bias is the GEMM's epilogue, added in its store. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  linearChecks(x, weight, bias, 'linear');
  const h = native.linear(x._h, weight._h, bias ? bias._h : null);
  return record('linear', h, bias ? [x, weight, bias] : [x, weight], (g) => linearBackward(g, x, weight, bias));
}

/**
 * relu(x @ weight^T + bias) in one native call: bias and ReLU are the GEMM's epilogue, so the
 * pre-activation is never written. Equals relu(linear(x, weight, bias)), value and gradient
 * (the gradient at 0 is 0, as torch.relu's).
 */
export function linearRelu(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  linearChecks(x, weight, bias, 'linearRelu');
  const h = native.linear(x._h, weight._h, bias ? bias._h : null, true);
  const out = new Tensor(h);
  return record('linearRelu', h, bias ? [x, weight, bias] : [x, weight], (g) => {
    // y > 0 exactly where the pre-activation is: the output's own mask.
    const gz = new Tensor(native.binary(Bin.ReluGrad, g._h, out._h));
    return linearBackward(gz, x, weight, bias);
  });
}
