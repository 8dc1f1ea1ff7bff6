// Fused cross-entropy (log-softmax + NLL): one native call forward, one backward.
import { native } from '../native';
import { record, Tensor } from '../tensor';
import { live } from './util';

export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTIONS: Reduction[] = ['none', 'mean', 'sum'];

export function reductionCode(op: string, r: Reduction): number {
  const i = REDUCTIONS.indexOf(r);
  if (i < 0) throw new RangeError(`${op}: reduction must be 'none', 'mean' or 'sum' but got '${r}'`);
  return i;
}

/** Cross-entropy between logits [N, C] and class indices [N]. */
export function crossEntropy(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  live(input, 'cross_entropy');
  if (!(target instanceof Tensor)) throw new TypeError('cross_entropy: expected target to be a tensor of class indices');
  live(target, 'cross_entropy');
  const r = reductionCode('cross_entropy', opts.reduction ?? 'mean');
  const h = native.crossEntropy(input._h, target._h, r);
  return record('cross_entropy', h, [input], (g) => [
    new Tensor(native.crossEntropyBackward(input._h, target._h, g._h, r)),
  ]);
}
