// nn.Dropout: ops.dropout in training mode, the identity in eval.
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { Module } from './module';

/**
 * During training, zeroes each element with probability p (a fresh mask from flint's seeded
 * generator each call: manualSeed makes it reproducible) and scales the rest by 1 / (1 - p), so
 * the expected value is unchanged. In eval mode it returns the input unchanged.
 *
 * Args: p (default 0.5), the probability of an element being zeroed.
 * Shape: input [*] -> output [*].
 * Example:
 *   const drop = new nn.Dropout(0.2);
 *   const h = drop.forward(x);   // training
 *   model.eval();                // now drop.forward(x) === x
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p: number | { p?: number } = 0.5) {
    super();
    this.p = typeof p === 'number' ? p : p.p ?? 0.5;
    if (typeof this.p !== 'number' || !(this.p >= 0 && this.p <= 1)) {
      throw new RangeError(`Dropout: probability has to be between 0 and 1 but got ${this.p}`);
    }
  }
  forward(x: Tensor): Tensor {
    return ops.dropout(x, this.p, this.training);
  }
  protected extraRepr(): string {
    return `p=${this.p}`;
  }
}
