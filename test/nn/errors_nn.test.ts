// Bad arguments to activations, losses, normalization, embedding and dropout: each error names
// the op (or layer), the argument and the shapes or values, and the tensors the caller holds are
// unchanged afterwards (values, shape, dtype, grad). Messages are matched, not classes (errors
// made in native code come from another realm than jest's).
import * as flint from '../../lib';

const { nn, F, tensor } = flint;
type T = flint.Tensor;

function snapshot(ts: T[]) {
  return ts.map((t) => ({
    shape: t.shape.slice(),
    dtype: t.dtype,
    data: Array.from(t.dataSync() as Float32Array, Number),
    grad: t.grad ? Array.from(t.grad.dataSync() as Float32Array) : null,
  }));
}
function expectCleanError(fn: () => unknown, re: RegExp, held: T[] = []): void {
  const before = snapshot(held);
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === null) throw new Error(`expected an error matching ${re} but nothing was thrown`);
  expect((err as Error).message).toMatch(re);
  expect(snapshot(held)).toEqual(before);
}
const rand = (shape: number[], dtype: 'float32' | 'float64' = 'float32') => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1)), { shape, dtype: 'float64' }).to(dtype).requiresGrad_();
};
const i64 = (v: number[] | number) => tensor(v as number[], { dtype: 'int64' });

describe('cross-entropy and NLL', () => {
  const x = rand([4, 5]);
  test('target dtype and shape', () => {
    expectCleanError(() => F.crossEntropy(x, tensor([0, 1, 2, 3])), /^cross_entropy: expected int64 or int32 class indices as target but got float32 \(a target of class probabilities needs the input's shape \[4, 5\], not \[4\]\)$/, [x]);
    expectCleanError(() => F.crossEntropy(x, i64([0, 1])), /^cross_entropy: expected target of shape \[4\] for logits \[4, 5\] but got \[2\]$/, [x]);
    expectCleanError(() => F.crossEntropy(x, tensor([[0, 1, 2, 3, 4]], { dtype: 'int64' })), /cross_entropy: expected target of shape \[4\] for logits \[4, 5\] but got \[1, 5\]/, [x]);
    expectCleanError(() => F.crossEntropy(rand([2, 3, 4]), i64([0, 1])), /cross_entropy: expected target of shape \[2, 4\] for logits \[2, 3, 4\] but got \[2\]/);
    expectCleanError(() => F.crossEntropy(x, tensor(new Uint8Array(4), { shape: [4] })), /cross_entropy: expected int64 or int32 class indices as target but got uint8/, [x]);
    expectCleanError(() => F.crossEntropy(x, tensor(new Int32Array(20), { shape: [4, 5] })), /cross_entropy: expected a float target of class probabilities \(a target of the input's shape \[4, 5\]\) but got int32/, [x]);
    expectCleanError(() => F.crossEntropy(x, rand([4, 5], 'float64')), /cross_entropy: expected target probabilities of dtype float32 \(the input's\) but got float64/, [x]);
    expectCleanError(() => F.crossEntropy(tensor([[1, 2]], { dtype: 'int64' }), i64([0])), /cross_entropy: expected float logits but got int64/);
    expectCleanError(() => F.crossEntropy(x, [0, 1, 2, 3] as never), /cross_entropy: expected target to be a tensor of class indices/, [x]);
  });
  test('class index out of range (ignoreIndex is not out of range)', () => {
    expectCleanError(() => F.crossEntropy(x, i64([0, 5, 1, 2])), /^cross_entropy: target 5 at index 1 is out of range for 5 classes \(logits \[4, 5\]\)$/, [x]);
    expectCleanError(() => F.crossEntropy(x, i64([0, 1, -1, 2])), /cross_entropy: target -1 at index 2 is out of range for 5 classes/, [x]);
    expectCleanError(() => F.crossEntropy(x, i64([0, 1, -100, 2]), { ignoreIndex: 3 }), /cross_entropy: target -100 at index 2 is out of range for 5 classes/, [x]);
    expect(() => F.crossEntropy(x, i64([0, 7, -100, 2]), { ignoreIndex: 7 }).backward()).toThrow(/target -100 at index 2/);
    expectCleanError(() => F.nllLoss(x, i64([0, 1, 9, 2])), /^nll_loss: target 9 at index 2 is out of range for 5 classes \(logits \[4, 5\]\)$/, [x]);
    expectCleanError(() => F.crossEntropy(rand([5]), i64(5)), /cross_entropy: target 5 at index 0 is out of range for 5 classes \(logits \[5\]\)/);
    expect(x.grad).toBeNull();
  });
  test('weight, labelSmoothing, ignoreIndex with probabilities, reduction', () => {
    const t = i64([0, 1, 2, 3]);
    expectCleanError(() => F.crossEntropy(x, t, { weight: rand([3]) }), /^cross_entropy: expected weight of shape \[5\] \(one per class\) but got \[3\]$/, [x, t]);
    expectCleanError(() => F.crossEntropy(x, t, { weight: rand([5], 'float64') }), /cross_entropy: expected weight of dtype float32 \(the input's\) but got float64/, [x]);
    expectCleanError(() => F.nllLoss(x, t, { weight: rand([4]) }), /nll_loss: expected weight of shape \[5\] \(one per class\) but got \[4\]/, [x]);
    expectCleanError(() => F.crossEntropy(x, rand([4, 5]), { weight: rand([4]) }), /cross_entropy: expected weight of shape \[5\] \(one per class\) but got \[4\]/, [x]);
    expectCleanError(() => F.crossEntropy(x, t, { labelSmoothing: 1.5 }), /^cross_entropy: expected labelSmoothing in \[0, 1\] but got 1.5$/, [x]);
    expectCleanError(() => F.crossEntropy(x, t, { labelSmoothing: NaN }), /cross_entropy: expected labelSmoothing in \[0, 1\] but got NaN/, [x]);
    expectCleanError(() => F.crossEntropy(x, t, { ignoreIndex: 1.5 }), /cross_entropy: expected ignoreIndex to be an integer but got 1.5/, [x]);
    expectCleanError(() => F.crossEntropy(x, rand([4, 5]), { ignoreIndex: 1 }), /cross_entropy: ignoreIndex is not supported for probability targets \(got 1\)/, [x]);
    expectCleanError(() => F.nllLoss(x, t, { reduction: 'avg' as never }), /nll_loss: reduction must be 'none', 'mean' or 'sum' but got 'avg'/, [x]);
    expectCleanError(() => new nn.CrossEntropyLoss({ labelSmoothing: -0.1 }), /CrossEntropyLoss: expected labelSmoothing in \[0, 1\] but got -0.1/);
    expectCleanError(() => new nn.NLLLoss({ reduction: 'all' as never }), /NLLLoss: reduction must be 'none', 'mean' or 'sum' but got 'all'/);
  });
});

describe('regression and binary losses', () => {
  test('shapes and dtypes', () => {
    const x = rand([2, 3]);
    expectCleanError(() => F.mseLoss(x, rand([4])), /^mse_loss: target shape \[4\] cannot be broadcast with input shape \[2, 3\]$/, [x]);
    expectCleanError(() => F.l1Loss(x, rand([2, 3], 'float64')), /l1_loss: expected target of dtype float32 \(the input's\) but got float64/, [x]);
    expectCleanError(() => F.smoothL1Loss(x, rand([2, 3]), { beta: -1 }), /smooth_l1_loss: expected beta >= 0 but got -1/, [x]);
    expectCleanError(() => F.mseLoss(tensor([1, 2], { dtype: 'int64' }), tensor([1, 2], { dtype: 'int64' })), /mse_loss: expected a float32 or float64 input but got int64/);
    const p = tensor([[0.5, 0.2, 0.9], [0.1, 0.3, 0.4]]).requiresGrad_();
    expectCleanError(() => F.binaryCrossEntropy(p, rand([3])), /^binary_cross_entropy: expected target of shape \[2, 3\] \(the input's\) but got \[3\]$/, [p]);
    expectCleanError(() => F.binaryCrossEntropy(p, rand([2, 3]), { weight: rand([2]) }), /binary_cross_entropy: weight of shape \[2\] cannot be broadcast to the input's shape \[2, 3\]/, [p]);
    expectCleanError(() => F.binaryCrossEntropyWithLogits(x, rand([2, 1])), /binary_cross_entropy_with_logits: expected target of shape \[2, 3\] \(the input's\) but got \[2, 1\]/, [x]);
    expectCleanError(() => F.binaryCrossEntropyWithLogits(x, rand([2, 3]), { posWeight: rand([2]) }), /binary_cross_entropy_with_logits: posWeight of shape \[2\] cannot be broadcast to the input's shape \[2, 3\]/, [x]);
    expectCleanError(() => F.binaryCrossEntropyWithLogits(x, rand([2, 3]), { posWeight: rand([3], 'float64') }), /binary_cross_entropy_with_logits: expected posWeight of dtype float32 \(the input's\) but got float64/, [x]);
  });
  test('BCE input outside [0, 1] (NaN too), named with the value and index', () => {
    const t = tensor([0, 1, 1]);
    for (const [v, re] of [[1.5, /1\.500000 at index 1/], [-0.25, /-0\.250000 at index 1/], [NaN, /nan at index 1/]] as const) {
      const p = tensor([0.5, v, 0.25]).requiresGrad_();
      expectCleanError(() => F.binaryCrossEntropy(p, t), new RegExp(`^binary_cross_entropy: all elements of input should be between 0 and 1 but got ${re.source} \\(input \\[3\\]\\)$`), [p, t]);
      expect(p.grad).toBeNull();
    }
  });
});

describe('normalization', () => {
  test('layerNorm: normalizedShape mismatch, weight shape', () => {
    const x = rand([2, 3]);
    expectCleanError(() => F.layerNorm(x, [4]), /^layer_norm: expected input with shape \[\*, 4\] \(normalizedShape \[4\]\) but got \[2, 3\]$/, [x]);
    expectCleanError(() => F.layerNorm(x, [2, 3, 1]), /layer_norm: expected input with shape \[\*, 2, 3, 1\]/, [x]);
    expectCleanError(() => new nn.LayerNorm([3, 3]).forward(x), /layer_norm: expected input with shape \[\*, 3, 3\] \(normalizedShape \[3, 3\]\) but got \[2, 3\]/, [x]);
    expectCleanError(() => F.layerNorm(x, [3], rand([2])), /layer_norm: expected weight of shape \[3\] \(normalizedShape\) but got \[2\]/, [x]);
    expectCleanError(() => F.layerNorm(x, []), /layer_norm: expected normalizedShape to be a non-empty list of sizes/, [x]);
    expectCleanError(() => new nn.LayerNorm([]), /LayerNorm: normalizedShape must be a size or a non-empty list of sizes but got \[\]/);
  });
  test('batch norm: channels, ranks, one value per channel, eval without statistics', () => {
    const bn = new nn.BatchNorm2d(3);
    const x = rand([2, 4, 2, 2]);
    expectCleanError(() => bn.forward(x), /^BatchNorm2d: expected input with 3 channels \(numFeatures\) in dim 1 but got shape \[2, 4, 2, 2\]$/, [x, bn.running_mean!, bn.running_var!, bn.num_batches_tracked!]);
    expectCleanError(() => bn.forward(rand([2, 3, 4])), /^BatchNorm2d: expected 4D input \(got 3D input of shape \[2, 3, 4\]\)$/);
    expectCleanError(() => new nn.BatchNorm1d(3).forward(rand([2, 3, 4, 5])), /BatchNorm1d: expected 2D or 3D input \(got 4D input/);
    const one = rand([1, 3]);
    const bn1 = new nn.BatchNorm1d(3);
    expectCleanError(() => bn1.forward(one), /batch_norm: expected more than 1 value per channel when training but got input of shape \[1, 3\]/, [one, bn1.running_mean!, bn1.num_batches_tracked!]);
    expectCleanError(() => F.batchNorm(rand([4, 3]), null, null, null, null, false), /batch_norm: running_mean and running_var are needed when not training/);
    expectCleanError(() => F.batchNorm(rand([4, 3]), rand([2]), rand([3]), null, null, false), /batch_norm: expected running_mean of shape \[3\] but got \[2\]/);
    expectCleanError(() => F.batchNorm(rand([4]), null, null), /batch_norm: expected input of shape \[N, C, \*\] but got \[4\]/);
    expectCleanError(() => new nn.BatchNorm1d(0), /BatchNorm1d: numFeatures must be a positive integer but got 0/);
  });
});

describe('embedding, dropout, activations', () => {
  test('embedding index out of range, negative, float indices, bad paddingIdx', () => {
    const e = new nn.Embedding(5, 3);
    const w0 = e.weight.dataSync().slice();
    expectCleanError(() => e.forward(i64([0, 5])), /^embedding: index 5 at position 1 is out of range for 5 embeddings \(weight \[5, 3\]\)$/);
    expectCleanError(() => e.forward(i64([[0, 1], [-1, 2]])), /embedding: index -1 at position 2 is out of range for 5 embeddings/);
    expectCleanError(() => e.forward(tensor([0, 1])), /embedding: expected int64 or int32 indices but got float32/);
    expectCleanError(() => F.embedding(i64([0]), rand([5])), /embedding: expected a 2-D weight \[numEmbeddings, embeddingDim\] but got shape \[5\]/);
    expectCleanError(() => F.embedding(i64([0]), rand([5, 3]), 5), /embedding: paddingIdx 5 is out of range for 5 embeddings/);
    expectCleanError(() => new nn.Embedding(5, 3, 7), /Embedding: paddingIdx 7 must be within numEmbeddings \(5\)/);
    expect(e.weight.dataSync()).toEqual(w0);
    expect(e.weight.grad).toBeNull();
  });
  test('dropout probability, dtype', () => {
    const x = rand([3]);
    expectCleanError(() => F.dropout(x, 1.5), /^dropout: probability has to be between 0 and 1 but got 1.5$/, [x]);
    expectCleanError(() => F.dropout(x, -0.1), /dropout: probability has to be between 0 and 1 but got -0.1/, [x]);
    expectCleanError(() => F.dropout(tensor([1, 2], { dtype: 'int64' }), 0.5), /dropout: expected a float32 or float64 input but got int64/);
    expectCleanError(() => new nn.Dropout(2), /Dropout: probability has to be between 0 and 1 but got 2/);
  });
  test('activations: dims, dtypes, options', () => {
    const x = rand([2, 3]);
    expectCleanError(() => F.softmax(x, 2), /^softmax: dim 2 out of range for a tensor with 2 dimensions$/, [x]);
    expectCleanError(() => F.logSoftmax(x, -3), /log_softmax: dim -3 out of range for a tensor with 2 dimensions/, [x]);
    expectCleanError(() => F.softmax(x, undefined as never), /softmax: dim is required/, [x]);
    expectCleanError(() => F.softmax(tensor([1, 2], { dtype: 'int64' }), 0), /softmax: expected a float32 or float64 tensor but got int64/);
    expectCleanError(() => F.gelu(tensor([1], { dtype: 'int32' })), /gelu: expected a float32 or float64 tensor but got int32/);
    expectCleanError(() => F.gelu(x, 'fast' as never), /gelu: approximate must be 'none' or 'tanh' but got 'fast'/, [x]);
    expectCleanError(() => F.leakyRelu(x, 'a' as never), /leaky_relu: expected negativeSlope to be a number but got a/, [x]);
    expectCleanError(() => F.silu(null as never), /silu: expected input to be a tensor but got null/);
    expectCleanError(() => new nn.Softmax(undefined as never), /Softmax: expected dim to be an integer but got undefined/);
    expectCleanError(() => new nn.GELU('x' as never), /GELU: approximate must be 'none' or 'tanh' but got 'x'/);
  });
  test('a disposed input is named', () => {
    const x = rand([2, 2]);
    x.dispose();
    expect(() => F.gelu(x)).toThrow(/gelu: tensor was disposed/);
    expect(() => F.layerNorm(x, [2])).toThrow(/layer_norm: tensor was disposed/);
  });
});
