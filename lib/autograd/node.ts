// A node of the autograd graph: the op that made a tensor, its inputs and its backward.
import type { NativeTensor } from '../../binding';
import type { Tensor } from '../tensor';

/** backward(gradOutput) returns one gradient per input (null where an input needs none). */
export type BackwardFn = (grad: Tensor) => (Tensor | null)[];

export class Node {
  /** storage versions of the inputs and the output when the op ran (see checkVersions) */
  private versions: number[];
  constructor(
    public readonly name: string,
    public inputs: Tensor[] | null,
    public backwardFn: BackwardFn | null,
    private output: NativeTensor | null,
  ) {
    this.versions = inputs!.map((x) => x._h.version);
    this.versions.push(output!.version);
  }

  /**
   * Throws if an input or the output was written in place since the op ran (PyTorch's
   * version counter): its backward would read changed values and give wrong gradients.
   * Disposed tensors (version -1) are left to the backward, which fails if it needs them.
   */
  checkVersions(): void {
    const inputs = this.inputs!;
    for (let i = 0; i <= inputs.length; i++) {
      const h = i < inputs.length ? inputs[i]._h : this.output!;
      const v = h.version;
      if (v !== this.versions[i] && v !== -1) {
        const what = i < inputs.length ? `input ${i}` : 'its output';
        throw new Error(
          `backward: ${what} of ${this.name} (shape [${h.shape}]) was modified by an in-place operation ` +
            `after the forward pass (version ${this.versions[i]}, now ${v}); its gradient would be wrong. ` +
            'Make the in-place change (fill_, copy_, optimizer.step) after backward(), or use clone()',
        );
      }
    }
  }

  /** Buffers only this node's backward reads (an im2col buffer, argmax indices, a workspace). */
  private owned: NativeTensor[] | null = null;

  /**
   * Hands the node a buffer that nothing but its backward reads: it is freed when the node is
   * released (after backward() without retainGraph) instead of when the garbage collector finds
   * it. Only for tensors that never reach the caller.
   */
  own(h: NativeTensor | null): void {
    if (h) (this.owned ??= []).push(h);
  }

  /** Drops the inputs and everything the backward closure saved; frees the owned buffers. */
  release(): void {
    this.inputs = null;
    this.backwardFn = null;
    this.output = null;
    if (this.owned) for (const h of this.owned) h.dispose();
    this.owned = null;
  }
}
