// PyTorch goldens (test/fixtures/nn.json, scripts/goldens_nn.py) for activations, softmax,
// losses, batch and layer norm and embedding, replayed by test/helpers/goldens.ts at rtol 1e-5;
// and nn.BatchNorm1d/2d trained three steps then evaluated, running statistics compared.
import * as flint from '../../lib';
import { OPS, runGoldens, loadFixture, values, expectClose, Dtype, FixtureTensor } from '../helpers/goldens';

const { nn, F } = flint;
type T = flint.Tensor;
type P = Record<string, any>;

/** A constant tensor from a fixture param (a nested list of float32-representable numbers). */
function constOf(p: P, key: string, like: T): T | null {
  return p[key] === undefined || p[key] === null ? null : flint.tensor(p[key], { dtype: like.dtype as Dtype });
}

// The ops by the names scripts/goldens_nn.py uses, with the same parameters.
Object.assign(OPS, {
  leaky_relu: ([x]: T[], _: T[], p: P) => (p.negative_slope === undefined ? F.leakyRelu(x) : F.leakyRelu(x, p.negative_slope)),
  elu: ([x]: T[], _: T[], p: P) => F.elu(x, p.alpha ?? 1),
  gelu: ([x]: T[], _: T[], p: P) => F.gelu(x, p.approximate ?? 'none'),
  silu: ([x]: T[]) => F.silu(x),
  softmax: ([x]: T[], _: T[], p: P) => x.softmax(p.dim),
  log_softmax: ([x]: T[], _: T[], p: P) => F.logSoftmax(x, p.dim),
  mse_loss: ([x, t]: T[], _: T[], p: P) => F.mseLoss(x, t, { reduction: p.reduction }),
  l1_loss: ([x, t]: T[], _: T[], p: P) => F.l1Loss(x, t, { reduction: p.reduction }),
  smooth_l1_loss: ([x, t]: T[], _: T[], p: P) => F.smoothL1Loss(x, t, { reduction: p.reduction, beta: p.beta }),
  cross_entropy_ex: ([x, probs]: T[], ints: T[], p: P) =>
    F.crossEntropy(x, probs ?? ints[0], {
      weight: constOf(p, 'weight', x), ignoreIndex: p.ignore_index, reduction: p.reduction, labelSmoothing: p.label_smoothing,
    }),
  nll_loss: ([x]: T[], [t]: T[], p: P) => F.nllLoss(x, t, { weight: constOf(p, 'weight', x), ignoreIndex: p.ignore_index, reduction: p.reduction }),
  binary_cross_entropy: ([x, t]: T[], _: T[], p: P) => F.binaryCrossEntropy(x, t, { weight: constOf(p, 'weight', x), reduction: p.reduction }),
  bce_with_logits: ([x, t]: T[], _: T[], p: P) =>
    F.binaryCrossEntropyWithLogits(x, t, { weight: constOf(p, 'weight', x), posWeight: constOf(p, 'pos_weight', x), reduction: p.reduction }),
  batch_norm: ([x, w, b]: T[], _: T[], p: P) =>
    F.batchNorm(x, constOf(p, 'running_mean', x), constOf(p, 'running_var', x), w ?? null, b ?? null, p.training, 0.1, p.eps ?? 1e-5),
  layer_norm: ([x, w, b]: T[], _: T[], p: P) => F.layerNorm(x, p.normalized_shape, w ?? null, b ?? null, p.eps ?? 1e-5),
  embedding: ([w]: T[], [i]: T[], p: P) => F.embedding(i, w, p.padding_idx ?? null),
  mlp_nn: ([x, w1, b1, lw, lb, w2, b2]: T[], [t]: T[], p: P) => {
    const h = F.gelu(F.layerNorm(F.linear(x, w1, b1), [w1.shape[0]], lw, lb));
    return F.nllLoss(F.logSoftmax(F.linear(h, w2, b2), 1), t, { reduction: p.reduction });
  },
});

describe('goldens vs PyTorch: activations, softmax, losses, normalization, embedding', () => {
  runGoldens('nn');
});

interface BNCase {
  name: string;
  layer: 'BatchNorm1d' | 'BatchNorm2d';
  num_features: number;
  options: { momentum: number | null; eps: number; affine: boolean };
  params: FixtureTensor[] | null;
  steps: FixtureTensor[];
  eval_input: FixtureTensor;
  state_dict_keys: string[];
  expected: Record<Dtype, {
    steps: { out: (number | string)[]; running_mean: (number | string)[]; running_var: (number | string)[]; num_batches_tracked: number }[];
    eval_out: (number | string)[];
  }>;
}

describe('nn.BatchNorm1d / 2d vs PyTorch: three training steps, then eval', () => {
  const fx = loadFixture<never>('nn') as unknown as { batchnorm_modules: BNCase[] };
  const mk = (ft: FixtureTensor, dtype: Dtype) => flint.tensor(values(ft.data, 'float32'), { shape: ft.shape.slice(), dtype: 'float64' }).to(dtype);
  for (const c of fx.batchnorm_modules) {
    for (const dtype of ['float64', 'float32'] as Dtype[]) {
      test(`${c.name} [${dtype}]`, () => {
        const Cls = c.layer === 'BatchNorm1d' ? nn.BatchNorm1d : nn.BatchNorm2d;
        const m = new Cls(c.num_features, { ...c.options, dtype });
        expect(Object.keys(m.stateDict())).toEqual(c.state_dict_keys);
        if (c.params) flint.noGrad(() => { m.weight!.copy_(mk(c.params![0], dtype)); m.bias!.copy_(mk(c.params![1], dtype)); });
        const exp = c.expected[dtype];
        c.steps.forEach((s, k) => {
          const y = m.forward(mk(s, dtype));
          const e = exp.steps[k];
          const where = `${c.name} (${dtype}) step ${k + 1}`;
          expectClose(y.dataSync() as Float64Array, e.out, dtype, `${where} output`);
          expectClose(m.running_mean!.dataSync() as Float64Array, e.running_mean, dtype, `${where} running_mean`);
          expectClose(m.running_var!.dataSync() as Float64Array, e.running_var, dtype, `${where} running_var`);
          expect(m.num_batches_tracked!.item()).toBe(e.num_batches_tracked);
          expect(m.num_batches_tracked!.dtype).toBe('int64');
        });
        m.eval();
        expectClose(m.forward(mk(c.eval_input, dtype)).dataSync() as Float64Array, exp.eval_out, dtype, `${c.name} (${dtype}) eval output`);
      });
    }
  }
});
