// Loss modules.
import { Tensor } from '../tensor';
import { crossEntropy, Reduction } from '../ops/loss';
import { Module } from './module';

/** Cross-entropy of logits [N, C] against class indices [N] (log-softmax + NLL, fused). */
export class CrossEntropyLoss extends Module {
  constructor(public readonly opts: { reduction?: Reduction } = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.opts);
  }
}
