// Embedding lookup (native/cpu/embedding.cc): rows of a weight table picked by integer indices.
import { native } from '../native';
import { record, Tensor } from '../tensor';
import { live, shapeStr } from './util';

/**
 * Rows of weight [numEmbeddings, embeddingDim] at input's indices (int64/int32, any shape):
 * output [...input.shape, embeddingDim]. The gradient of weight sums the output gradient's
 * rows into the rows they came from (repeated indices accumulate); the row paddingIdx
 * (negative counts from the end) gets no gradient.
 */
export function embedding(input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  const op = 'embedding';
  live(input, op);
  live(weight, op, 'weight');
  if (weight.ndim !== 2) {
    throw new RangeError(`${op}: expected a 2-D weight [numEmbeddings, embeddingDim] but got shape ${shapeStr(weight.shape)}`);
  }
  const V = weight.shape[0];
  let pad = -1;
  if (paddingIdx !== null && paddingIdx !== undefined) {
    if (!Number.isInteger(paddingIdx) || paddingIdx < -V || paddingIdx >= V) {
      throw new RangeError(`${op}: paddingIdx ${paddingIdx} is out of range for ${V} embeddings (weight ${shapeStr(weight.shape)})`);
    }
    pad = paddingIdx < 0 ? paddingIdx + V : paddingIdx;
  }
  const h = native.embedding(weight._h, input._h);
  return record(op, h, [weight], (g) => [new Tensor(native.embeddingBackward(g._h, input._h, weight._h, pad))]);
}
