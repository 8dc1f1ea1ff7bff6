// nn.Embedding: a lookup table of learnable rows (PyTorch's parameter name, layout and
// N(0, 1) initialisation, padding row zero and without gradient).
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { noGrad } from '../autograd/grad_mode';
import { shapeStr } from '../ops/util';
import * as init from './init';
import { Module, Parameter } from './module';

export interface EmbeddingOptions {
  /** a row that stays zero and gets no gradient (negative counts from the end) */
  paddingIdx?: number | null;
  dtype?: 'float32' | 'float64';
}

/**
 * A table of numEmbeddings vectors of size embeddingDim, looked up by integer index.
 *
 * Args: numEmbeddings, embeddingDim, paddingIdx (or options { paddingIdx, dtype }): the row
 * paddingIdx is initialised to zeros and receives no gradient, so it stays a fixed "pad" vector.
 * Shape: input [*] int64/int32 indices in [0, numEmbeddings) -> output [*, embeddingDim].
 * Parameter: weight [numEmbeddings, embeddingDim] initialised N(0, 1), as PyTorch.
 *
 * Example:
 *   const emb = new nn.Embedding(10000, 128, 0);       // index 0 is padding
 *   const h = emb.forward(tokens);                     // tokens int64 [B, T] -> [B, T, 128]
 */
export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | null;

  constructor(
    public readonly numEmbeddings: number,
    public readonly embeddingDim: number,
    opts: number | null | EmbeddingOptions = {},
  ) {
    super();
    const o: EmbeddingOptions = typeof opts === 'number' || opts === null ? { paddingIdx: opts } : opts;
    for (const [n, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Embedding: ${n} must be a non-negative integer but got ${v}`);
    }
    const p = o.paddingIdx ?? null;
    if (p !== null && (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings)) {
      throw new RangeError(`Embedding: paddingIdx ${p} must be within numEmbeddings (${numEmbeddings})`);
    }
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p;
    this.weight = new Parameter(ops.empty([numEmbeddings, embeddingDim], { dtype: o.dtype ?? 'float32' }));
    this.resetParameters();
  }

  /**
   * An Embedding holding a copy of the given [numEmbeddings, embeddingDim] table; frozen
   * (no gradient) unless freeze is false.
   */
  static fromPretrained(embeddings: Tensor, opts: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) {
      throw new RangeError(`Embedding.fromPretrained: expected a 2-D tensor but got ${embeddings instanceof Tensor ? shapeStr(embeddings.shape) : typeof embeddings}`);
    }
    const dtype = embeddings.dtype === 'float64' ? 'float64' : 'float32';
    const e = new Embedding(embeddings.shape[0], embeddings.shape[1], { paddingIdx: opts.paddingIdx ?? null, dtype });
    noGrad(() => e.weight.copy_(embeddings));
    e.weight.requiresGrad = !(opts.freeze ?? true);
    return e;
  }

  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).fill_(0));
  }

  forward(input: Tensor): Tensor {
    return ops.embedding(input, this.weight, this.paddingIdx);
  }

  protected extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
