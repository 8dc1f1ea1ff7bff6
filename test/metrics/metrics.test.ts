// flint.metrics against sklearn.metrics (test/fixtures/metrics.json from
// scripts/gen_sklearn_fixtures.py), to 1e-12; inputs as tensors and as arrays; errors.
import * as fs from 'fs';
import * as path from 'path';
import * as flint from '../../lib';

const { metrics } = flint;
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/metrics.json'), 'utf8'));

/** |got - want| <= 1e-12 (relative above 1), element by element */
function close(got: number | number[], want: number | number[]): void {
  const g = Array.isArray(got) ? got : [got];
  const w = Array.isArray(want) ? want : [want];
  expect(Array.isArray(got)).toBe(Array.isArray(want));
  expect(g.length).toBe(w.length);
  g.forEach((v, i) => {
    if (Math.abs(v - w[i]) > 1e-12 * Math.max(1, Math.abs(w[i]))) {
      throw new Error(`element ${i}: got ${v}, sklearn ${w[i]}`);
    }
  });
}

/** the case's predictions as given (labels or scores) and as a tensor (int64 labels or float32 scores) */
function inputs(c: { yTrue: number[]; yPred: number[] | number[][] }) {
  const scores = Array.isArray(c.yPred[0]);
  return [
    { kind: 'arrays', yTrue: c.yTrue, yPred: c.yPred },
    {
      kind: 'tensors',
      yTrue: flint.tensor(c.yTrue, { dtype: 'int64' }),
      yPred: scores ? flint.tensor(c.yPred as number[][], { dtype: 'float64' }) : flint.tensor(c.yPred as number[], { dtype: 'int64' }),
    },
  ];
}

describe('classification metrics == sklearn', () => {
  for (const c of fixture.classification) {
    describe(c.name, () => {
      for (const inp of inputs(c)) {
        test(`accuracy (${inp.kind})`, () => {
          close(metrics.accuracy(inp.yTrue, inp.yPred), c.accuracy);
          close(metrics.accuracy(inp.yTrue, inp.yPred, { normalize: false }), c.accuracyCount);
        });
        test(`precision, recall, f1, fbeta(0.5) for every average and zeroDivision (${inp.kind})`, () => {
          for (const r of c.results) {
            if (!('precision' in r)) continue;
            const o = r.options;
            const label = JSON.stringify(o);
            try {
              close(metrics.precision(inp.yTrue, inp.yPred, o), r.precision);
              close(metrics.recall(inp.yTrue, inp.yPred, o), r.recall);
              close(metrics.f1(inp.yTrue, inp.yPred, o), r.f1);
              close(metrics.fbeta(inp.yTrue, inp.yPred, 0.5, o), r['fbeta0.5']);
              const all = metrics.precisionRecallFscoreSupport(inp.yTrue, inp.yPred, { ...o, beta: 1 });
              close(all.fscore, r.f1_score);
              close(all.precision, r.precision_score);
            } catch (e) {
              throw new Error(`${label}: ${(e as Error).message}`);
            }
          }
        });
        test(`confusionMatrix, raw and normalized (${inp.kind})`, () => {
          for (const r of c.results) {
            if (!('confusion' in r)) continue;
            const o = { numClasses: r.options.numClasses, labels: r.options.labels };
            if (r.confusion.error) {
              expect(() => metrics.confusionMatrix(inp.yTrue, inp.yPred, o)).toThrow(/confusionMatrix: none of labels .* occurs in yTrue/);
              continue;
            }
            const cm = metrics.confusionMatrix(inp.yTrue, inp.yPred, o);
            expect(cm.dtype).toBe('int64');
            expect(cm.toArray()).toEqual(r.confusion.none);
            for (const norm of ['true', 'pred', 'all'] as const) {
              const m = metrics.confusionMatrix(inp.yTrue, inp.yPred, { ...o, normalize: norm });
              expect(m.dtype).toBe('float64');
              close((m.toArray() as number[][]).flat(), (r.confusion[norm] as number[][]).flat());
            }
          }
        });
      }
    });
  }
});

describe('topKAccuracy == sklearn (ties: higher class index first)', () => {
  for (const c of fixture.topk) {
    test(c.name, () => {
      close(metrics.topKAccuracy(c.yTrue, c.yScore, c.k), c.value);
      close(metrics.topKAccuracy(flint.tensor(c.yTrue, { dtype: 'int64' }), flint.tensor(c.yScore), c.k, { normalize: false }), c.count);
    });
  }
});

describe('regression metrics == sklearn', () => {
  for (const c of fixture.regression) {
    test(c.name, () => {
      close(metrics.mse(c.yTrue, c.yPred), c.mse);
      close(metrics.mae(c.yTrue, c.yPred), c.mae);
      const t = (v: number[] | number[][]) => flint.tensor(v, { dtype: 'float64' });
      close(metrics.mse(t(c.yTrue), t(c.yPred)), c.mse);
      close(metrics.mae(t(c.yTrue), c.yPred), c.mae);
    });
  }
  test('[N] and [N, 1] are one output; float32 tensors are read exactly', () => {
    expect(metrics.mse([1, 2, 3], [[1], [2], [5]])).toBe(4 / 3);
    expect(metrics.mae(flint.tensor([0.5, 0.25]), flint.tensor([0, 0]))).toBe(0.375);
  });
});

describe('inputs and errors', () => {
  test('logits and probabilities reduce to their argmax (first maximum); float tensors of whole numbers are labels', () => {
    const logits = flint.tensor([[2, 1, 0], [0, 3, 3], [1, 1, 1]]);
    expect(metrics.accuracy([0, 1, 0], logits)).toBe(1);
    expect(metrics.accuracy(flint.tensor([0, 1, 2]), flint.tensor([0, 1, 1]))).toBe(2 / 3);
    expect(metrics.confusionMatrix([0, 1, 2], logits, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [1, 0, 0]]);
  });
  test('with average null the result is per class, in label order', () => {
    expect(metrics.recall([0, 1, 1, 2], [0, 1, 0, 0], { average: null })).toEqual([1, 0.5, 0]);
    expect(metrics.recall([0, 1, 1, 2], [0, 1, 0, 0], { average: null, labels: [2, 1] })).toEqual([0, 0.5]);
    const r = metrics.precisionRecallFscoreSupport([0, 1, 1, 2], [0, 1, 0, 0], { average: null });
    expect(r.support).toEqual([1, 2, 1]);
  });
  test('errors name the metric and the argument', () => {
    expect(() => metrics.accuracy([0, 1], [0])).toThrow('accuracy: yTrue has 2 samples but yPred has 1');
    expect(() => metrics.accuracy([], [])).toThrow('accuracy: expected at least one sample');
    expect(() => metrics.accuracy([0, 1.5], [0, 1])).toThrow('accuracy: yTrue[1] is 1.5; expected integer class labels');
    expect(() => metrics.accuracy(flint.zeros([2, 3]), [0, 1])).toThrow('accuracy: expected yTrue to be class labels [N] but got shape [2, 3]');
    expect(() => metrics.accuracy('abc' as unknown as number[], [0])).toThrow(/accuracy: expected yTrue to be class labels .* but got string/);
    expect(() => metrics.accuracy([0, 1], [[0, 1], [1]])).toThrow('accuracy: yPred row 1 has 1 scores but row 0 has 2');
    expect(() => metrics.precision([0, 1, 2], [0, 1, 1], { average: 'binary' })).toThrow(
      "precision: the labels are multiclass (0, 1, 2) but average is 'binary'; choose another average: null, 'micro', 'macro' or 'weighted'");
    expect(() => metrics.precision([0, 2], [0, 2], { average: 'binary' })).toThrow('precision: posLabel 1 is not a valid label; it should be one of 0, 2');
    expect(() => metrics.f1([0, 1], [0, 1], { average: 'samples' as 'macro' })).toThrow(/f1: average must be 'macro', 'micro', 'weighted', 'binary' or null/);
    expect(() => metrics.recall([0, 1], [0, 1], { zeroDivision: 2 as 0 })).toThrow('recall: zeroDivision must be 0 or 1 but got 2');
    expect(() => metrics.recall([0, 3], [0, 1], { numClasses: 3 })).toThrow('recall: yTrue[1] is class 3, outside 0..2 (numClasses 3)');
    expect(() => metrics.recall([0, 1], [0, 1], { labels: [1, 1] })).toThrow('recall: labels must be unique but got [1,1]');
    expect(() => metrics.recall([0, 1], [0, 1], { labels: [1], numClasses: 2 })).toThrow('recall: pass numClasses or labels, not both');
    expect(() => metrics.topKAccuracy([0, 1], [[1, 2], [3, 4]], 0)).toThrow('topKAccuracy: k must be a positive integer but got 0');
    expect(() => metrics.topKAccuracy([0, 2], [[1, 2], [3, 4]], 1)).toThrow('topKAccuracy: yTrue[1] is class 2 but yScore has 2 columns (classes 0..1)');
    expect(() => metrics.topKAccuracy([0, 1], flint.zeros([2]), 1)).toThrow('topKAccuracy: expected yScore to be scores [N, C] but got shape [2]');
    expect(() => metrics.confusionMatrix([0, 1], [0, 1], { normalize: 'rows' as 'true' })).toThrow(/confusionMatrix: normalize must be/);
    expect(() => metrics.mse([1, 2], [1, 2, 3])).toThrow('mse: yTrue has shape [2] but yPred has [3]');
    expect(() => metrics.mae(flint.zeros([2, 2, 2]), [1])).toThrow('mae: expected yTrue of shape [N] or [N, outputs] but got [2, 2, 2]');
  });
});
