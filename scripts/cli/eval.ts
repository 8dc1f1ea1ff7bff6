// flint eval: a trained classifier's metrics on a dataset's test set: accuracy, macro
// precision / recall / F1 and per-class values (sklearn's classification_report, with
// flint.metrics' sklearn semantics), optionally the confusion matrix as an SVG heatmap.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as flint from '../../lib';
import { DataLoader, Subset } from '../../lib/data';
import { evaluate, loadWeights } from '../../lib/train';
import { confusionMatrixSvg } from '../../lib/utils/plot';
import {
  CliContext, Io, UsageError, CLASSIFIERS, checkDataDir, checkReadable, checkWritable, datasetOpt, intOpt, joinNegatives, modelOpt, pathOpt,
  runCommand, seedTransform, table, threadsOpt, EVAL_BATCH, MAX_THREADS_PER_CPU,
} from './common';

export const EVAL_HELP = `Usage: flint eval --model NAME --weights FILE [options]

Evaluates a trained classifier on a dataset's test set (ToTensor + Normalize([0.5], [0.5]), as
flint train) and prints a metrics table: accuracy, macro precision / recall / F1, and precision,
recall, F1 and support per class (sklearn's definitions; a class never predicted has precision 0).

Options:
  --model NAME        ${CLASSIFIERS.join(', ')} (as in flint train)           [required]
  --weights FILE      the weights: flint train --out's state dict, a --checkpoint file, or a
                      safetensors state dict from PyTorch with the same keys     [required]
  --dataset NAME      mnist or fashion-mnist                             [default: mnist]
  --data DIR          folder holding the IDX .gz files (as flint train)
  --batch-size N      samples per forward pass                           [default: 256]
  --confusion FILE    write the confusion matrix as an SVG heatmap (counts in the cells,
                      colour = share of the true class)
  --threads N         native threads, at most ${MAX_THREADS_PER_CPU} per CPU           [default: physical cores]
  --json              print one line of JSON instead of the table
  -h, --help          show this help

Example:
  flint eval --model mlp --weights mlp.safetensors --dataset mnist --confusion cm.svg
`;

interface EvalArgs {
  model: string;
  weights: string;
  dataset: string;
  data?: string;
  batchSize: number;
  confusion?: string;
  threads?: number;
  json: boolean;
  limit?: number;
}

const EVAL_OPTIONS = {
  model: { type: 'string' },
  weights: { type: 'string' },
  dataset: { type: 'string' },
  data: { type: 'string' },
  'batch-size': { type: 'string' },
  confusion: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  limit: { type: 'string' }, // hidden: only the first N test images
  help: { type: 'boolean', short: 'h' },
} as const;

function parseEval(argv: string[], ctx: CliContext): EvalArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: joinNegatives(argv, EVAL_OPTIONS),
    strict: true,
    allowPositionals: true,
    options: EVAL_OPTIONS,
  });
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const model = modelOpt(ctx, values.model, true);
  const weights = pathOpt('weights', values.weights);
  if (weights === undefined) throw new UsageError('--weights is required (the safetensors file to evaluate)');
  return {
    model,
    weights,
    dataset: datasetOpt(ctx, values.dataset),
    data: pathOpt('data', values.data),
    batchSize: intOpt('batch-size', values['batch-size'], EVAL_BATCH, 1)!,
    confusion: pathOpt('confusion', values.confusion),
    threads: threadsOpt(values.threads),
    json: values.json ?? false,
    limit: intOpt('limit', values.limit, undefined, 1),
  };
}

/** Per-class and macro metrics of labels and predictions over classes 0..C-1. */
export function report(yTrue: Int32Array, yPred: Int32Array, numClasses: number) {
  const { metrics } = flint;
  const per = metrics.precisionRecallFscoreSupport(yTrue, yPred, { average: null, numClasses });
  const macro = metrics.precisionRecallFscoreSupport(yTrue, yPred, { average: 'macro', numClasses });
  const weighted = metrics.precisionRecallFscoreSupport(yTrue, yPred, { average: 'weighted', numClasses });
  const cm = metrics.confusionMatrix(yTrue, yPred, { numClasses });
  return {
    accuracy: metrics.accuracy(yTrue, yPred),
    macro: { precision: macro.precision, recall: macro.recall, f1: macro.fscore },
    weighted: { precision: weighted.precision, recall: weighted.recall, f1: weighted.fscore },
    perClass: per.precision.map((_, c) => ({ precision: per.precision[c], recall: per.recall[c], f1: per.fscore[c], support: per.support![c] })),
    confusionMatrix: cm.toArray() as number[][],
  };
}

export async function evalCommand(argv: string[], io: Io, ctx: CliContext): Promise<number> {
  return runCommand('eval', io, async () => {
    const a = parseEval(argv, ctx);
    if (a === 'help') {
      io.out(EVAL_HELP);
      return 0;
    }
    if (a.threads !== undefined) flint.setNumThreads(a.threads);
    if (a.confusion) checkWritable(a.confusion, '--confusion');
    if (a.data !== undefined) checkDataDir(a.data);
    const model = ctx.models[a.model]();
    const weights = checkReadable(a.weights, 'weights file');
    const { checkpoint } = loadWeights(model, weights);
    const Ds = ctx.datasets[a.dataset];
    const full = new Ds({ root: a.data !== undefined ? path.resolve(a.data) : undefined, train: false, transform: seedTransform() });
    const test = a.limit && a.limit < full.length ? new Subset(full, Int32Array.from({ length: a.limit }, (_, i) => i)) : full;
    const t0 = performance.now();
    const r = evaluate(model, new DataLoader(test, { batchSize: a.batchSize }), { loss: new flint.nn.CrossEntropyLoss() });
    const secs = (performance.now() - t0) / 1000;
    const classes = full.classes;
    const rep = report(r.yTrue, r.yPred, classes.length);
    if (a.confusion) {
      const file = path.resolve(a.confusion);
      const short = classes.map((c) => (/^\d+ - /.test(c) ? c.split(' ')[0] : c));
      fs.writeFileSync(file, confusionMatrixSvg(rep.confusionMatrix, {
        labels: short,
        title: `${a.model} on ${Ds.title} test: accuracy ${(100 * rep.accuracy).toFixed(2)}% of ${r.samples}`,
      }));
      if (!a.json) io.out(`wrote the confusion matrix to ${file}\n`);
    }
    if (a.json) {
      io.out(JSON.stringify({
        model: a.model, dataset: a.dataset, weights, checkpoint, samples: r.samples, loss: r.loss,
        accuracy: rep.accuracy, macro: rep.macro, weighted: rep.weighted,
        perClass: rep.perClass.map((p, c) => ({ class: classes[c], ...p })),
        confusionMatrix: rep.confusionMatrix, seconds: Math.round(secs * 1000) / 1000,
      }) + '\n');
      return 0;
    }
    const f = (v: number) => v.toFixed(4);
    io.out(`${a.model} (${weights}${checkpoint ? ', a checkpoint' : ''}) on the ${r.samples} ${Ds.title} test images, ${secs.toFixed(2)} s\n\n`);
    io.out(table([
      ['accuracy', f(rep.accuracy)],
      ['macro precision', f(rep.macro.precision)],
      ['macro recall', f(rep.macro.recall)],
      ['macro F1', f(rep.macro.f1)],
      ['loss', f(r.loss!)],
    ]));
    io.out('\n');
    io.out(table([
      ['class', 'precision', 'recall', 'f1-score', 'support'],
      ...rep.perClass.map((p, c) => [classes[c], f(p.precision), f(p.recall), f(p.f1), String(p.support)]),
      ['macro avg', f(rep.macro.precision), f(rep.macro.recall), f(rep.macro.f1), String(r.samples)],
      ['weighted avg', f(rep.weighted.precision), f(rep.weighted.recall), f(rep.weighted.f1), String(r.samples)],
    ]));
    return 0;
  });
}
