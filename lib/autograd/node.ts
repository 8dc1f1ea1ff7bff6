// A node of the autograd graph: the op that made a tensor, its inputs and its backward.
import type { Tensor } from '../tensor';

/** backward(gradOutput) returns one gradient per input (null where an input needs none). */
export type BackwardFn = (grad: Tensor) => (Tensor | null)[];

export class Node {
  constructor(
    public readonly name: string,
    public inputs: Tensor[] | null,
    public backwardFn: BackwardFn | null,
  ) {}

  /** Drops the inputs and everything the backward closure saved. */
  release(): void {
    this.inputs = null;
    this.backwardFn = null;
  }
}
