// flint train for the classifiers (mlp, cnn, lstm, gru, rnn), on fit: the seed recipe's loop
// and printout (the running loss every 100 batches, a progress bar on a terminal, the test
// accuracy, --json), plus a validation split, early stopping, checkpoints, resuming and a plot
// of the training curves. scripts/flint.ts parses the common options and calls trainClassifier.
import * as fs from 'fs';
import * as path from 'path';
import * as flint from '../../lib';
import { DataLoader, Subset, randomSplit } from '../../lib/data';
import { readHeader } from '../../lib/io';
import { fit, evaluate, callbacks, CHECKPOINT_FORMAT } from '../../lib/train';
import type { Callback, History } from '../../lib/train';
import { trainingCurvesSvg } from '../../lib/utils/plot';
import { Io, UsageError, CLASSIFIERS, EVAL_BATCH, checkWritable } from './common';

/** parseArgs options of the fit flags (merged into flint train's). */
export const FIT_OPTIONS = {
  'val-split': { type: 'string' },
  'early-stopping': { type: 'string' },
  checkpoint: { type: 'string' },
  resume: { type: 'string' },
  plot: { type: 'string' },
} as const;

/** Their lines in flint train --help. */
export const FIT_HELP = `  --val-split F       hold out this fraction of the training set (0 < F < 1, e.g. 0.15; a
                      seeded random split) and report the validation loss and accuracy after
                      each epoch                                       [default: none]
  --early-stopping N  stop when the validation loss has not improved for N epochs, and end
                      with the best epoch's weights (needs --val-split)
  --checkpoint FILE   after each epoch, write a resumable checkpoint (weights, optimizer state,
                      epoch, history; atomically: a temporary file renamed over FILE)
  --resume FILE       continue from a checkpoint up to --epochs (the same data order and
                      split: the checkpoint's seed and --val-split are reused)
  --plot FILE         write the training and validation loss and accuracy per epoch as SVG
`;

export interface FitFlags {
  valSplit?: number;
  earlyStopping?: number;
  checkpoint?: string;
  resume?: string;
  plot?: string;
}

/** Checks the fit flags' values (usage errors, exit code 2). */
export function parseFitFlags(values: Record<string, string | boolean | undefined>, model: string): FitFlags {
  const f: FitFlags = {};
  const given = Object.keys(FIT_OPTIONS).filter((k) => values[k] !== undefined);
  if (given.length && !CLASSIFIERS.includes(model)) {
    throw new UsageError(`--${given[0]} is for the classifiers (${CLASSIFIERS.join(', ')}), not --model ${model}`);
  }
  const v = values['val-split'] as string | undefined;
  if (v !== undefined) {
    const x = Number(v);
    if (v.trim() === '' || !(x > 0 && x < 1)) throw new UsageError(`--val-split expects a fraction between 0 and 1 (such as 0.15) but got '${v}'`);
    f.valSplit = x;
  }
  const es = values['early-stopping'] as string | undefined;
  if (es !== undefined) {
    const n = Number(es);
    if (!/^\d+$/.test(es.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`--early-stopping expects a patience (an integer >= 0) but got '${es}'`);
    f.earlyStopping = n;
  }
  for (const k of ['checkpoint', 'resume', 'plot'] as const) {
    const p = values[k] as string | undefined;
    if (p === '') throw new UsageError(`--${k} expects a path`);
    f[k] = p;
  }
  if (f.earlyStopping !== undefined && f.valSplit === undefined && f.resume === undefined) {
    throw new UsageError('--early-stopping needs --val-split (it watches the validation loss)');
  }
  return f;
}

/** What flint train settled before training (see scripts/flint.ts). */
export interface ClassifierRun {
  model: string;
  dataset: string;
  epochs: number;
  batchSize: number;
  /** the learning rate the optimizer was made with (--lr or the model's default) */
  lr: number;
  /** --lr as given (undefined: the default, or the checkpoint's when resuming) */
  lrGiven?: number;
  /** --seed as given (undefined: the checkpoint's when resuming, else `seed`) */
  seedGiven?: number;
  /** the seed flint train drew or was given */
  seed: number;
  out?: string;
  json: boolean;
  quiet: boolean;
  limit?: number;
  fit: FitFlags;
}

interface CliMeta {
  model: string;
  dataset: string;
  seed: number;
  valSplit: number | null;
  limit: number | null;
}
const CLI_META_KEY = 'flint.cli';
/** The checkpoint's optimizer state (lib/train/checkpoint.ts): JSON { param_groups, state }. */
const OPTIMIZER_KEY = 'flint.optimizer';

/** A checkpoint's metadata entry parsed as JSON; a clear error naming the file and key when it is not. */
function metaJson(file: string, meta: Record<string, string>, key: string): unknown {
  try {
    return JSON.parse(meta[key]);
  } catch (e) {
    throw new Error(`--resume: ${file} is damaged: its metadata '${key}' is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * The flint train settings stored in a checkpoint it wrote (null: a checkpoint from elsewhere),
 * and the learning rate its optimizer state holds (what resuming trains with).
 */
function checkpointCli(file: string): { cli: CliMeta | null; lr?: number } {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new Error(`--resume: ${file} does not exist`);
  }
  if (st.isDirectory()) throw new Error(`--resume: ${file} is a folder, not a checkpoint file`);
  const meta = readHeader(file).metadata ?? {};
  if (meta.format !== CHECKPOINT_FORMAT) throw new Error(`--resume: ${file} is not a checkpoint (write one with --checkpoint)`);
  let cli: CliMeta | null = null;
  if (meta[CLI_META_KEY] !== undefined) {
    const j = metaJson(file, meta, CLI_META_KEY) as CliMeta;
    if (!j || typeof j !== 'object' || typeof j.model !== 'string' || typeof j.dataset !== 'string' || !Number.isSafeInteger(j.seed)) {
      throw new Error(`--resume: ${file} is damaged: its metadata '${CLI_META_KEY}' lacks the model, dataset or seed`);
    }
    cli = j;
  }
  let lr: number | undefined;
  if (meta[OPTIMIZER_KEY] !== undefined) {
    const o = metaJson(file, meta, OPTIMIZER_KEY) as { param_groups?: { lr?: unknown }[] } | null;
    const v = o?.param_groups?.[0]?.lr;
    if (typeof v === 'number' && Number.isFinite(v)) lr = v;
  }
  return { cli, lr };
}

/** Whether two learning rates are the same number (up to float rounding of a decimal). */
function sameLr(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Trains a classifier with fit and prints what flint train prints. trainSet/testSet are the
 * (possibly --limit-ed) training and test sets; the validation split is carved here.
 */
export async function trainClassifier(r: ClassifierRun, io: Io, parts: {
  net: flint.nn.Module;
  optimizer: flint.optim.Optimizer<any>;
  optName: string;
  trainSet: flint.Dataset<any>;
  testSet: flint.Dataset<any>;
  title: string;
  root: string;
}): Promise<void> {
  const say = (s: string) => {
    if (!r.quiet) io.out(s + '\n');
  };
  const f = r.fit;
  let seed = r.seed;
  let valSplit = f.valSplit;
  let lr = r.lr;
  let resume: string | undefined;
  if (f.resume !== undefined) {
    resume = path.resolve(f.resume);
    const { cli, lr: ckLr } = checkpointCli(resume);
    if (ckLr !== undefined) {
      // the optimizer state (loaded by fit) brings its learning rate: refuse another one
      if (r.lrGiven !== undefined && !sameLr(r.lrGiven, ckLr)) {
        throw new Error(`--resume: ${resume} was trained with --lr ${ckLr}; leave --lr out to resume it`);
      }
      lr = ckLr;
    }
    if (cli) {
      if (cli.model !== r.model) throw new Error(`--resume: ${resume} is a checkpoint of --model ${cli.model}, not ${r.model}`);
      if (cli.dataset !== r.dataset) throw new Error(`--resume: ${resume} was trained on --dataset ${cli.dataset}, not ${r.dataset}`);
      if (r.seedGiven !== undefined && r.seedGiven !== cli.seed) {
        throw new Error(`--resume: ${resume} was trained with --seed ${cli.seed}; leave --seed out to resume it`);
      }
      if (valSplit !== undefined && valSplit !== (cli.valSplit ?? undefined)) {
        throw new Error(`--resume: ${resume} was trained with ${cli.valSplit === null ? 'no --val-split' : `--val-split ${cli.valSplit}`}; leave --val-split out to resume it`);
      }
      if ((cli.limit ?? undefined) !== r.limit) throw new Error(`--resume: ${resume} was trained on ${cli.limit ?? 'all the'} training images, not ${r.limit ?? 'all'}`);
      seed = cli.seed;
      valSplit = cli.valSplit ?? undefined;
    }
  }
  if (f.earlyStopping !== undefined && valSplit === undefined) throw new UsageError('--early-stopping needs --val-split (it watches the validation loss)');
  if (f.plot) checkWritable(f.plot, '--plot');
  if (f.checkpoint) checkWritable(f.checkpoint, '--checkpoint');
  if (r.out) checkWritable(r.out, '--out');

  let trainSet: flint.Dataset<any> = parts.trainSet;
  let valSet: Subset<any> | undefined;
  if (valSplit !== undefined) {
    const [tr, va] = randomSplit(parts.trainSet, [1 - valSplit, valSplit], { seed });
    if (tr.length === 0 || va.length === 0) throw new Error(`--val-split ${valSplit} of ${parts.trainSet.length} images leaves an empty set`);
    [trainSet, valSet] = [tr, va];
  }
  const trainLoader = new DataLoader(trainSet, { batchSize: r.batchSize, shuffle: true });
  // Evaluation batches of 256: as fast here as 1000, and the CNN's intermediates (held until the
  // forward returns) stay near 110 MB instead of 430 MB of peak RSS.
  const valLoader = valSet && new DataLoader(valSet, { batchSize: EVAL_BATCH });
  const testLoader = new DataLoader(parts.testSet, { batchSize: EVAL_BATCH });
  say(`training ${r.model} on ${parts.title} (${trainSet.length} images from ${parts.root}` +
    (valSet ? `, ${valSet.length} held out for validation` : '') + `) for ${r.epochs} epoch${r.epochs > 1 ? 's' : ''}, ` +
    `batch ${r.batchSize}, ${parts.optName} lr ${lr}, seed ${seed}, ${flint.getNumThreads()} threads`);

  const cbs: Callback[] = [];
  const es = f.earlyStopping !== undefined ? callbacks.earlyStopping({ monitor: 'valLoss', patience: f.earlyStopping, restoreBest: true }) : null;
  if (es) cbs.push(es);
  if (f.checkpoint) {
    const meta: CliMeta = { model: r.model, dataset: r.dataset, seed, valSplit: valSplit ?? null, limit: r.limit ?? null };
    cbs.push(callbacks.checkpoint({ path: path.resolve(f.checkpoint), metadata: { [CLI_META_KEY]: JSON.stringify(meta), model: r.model, dataset: r.dataset } }));
  }
  const trainSecs: number[] = [];
  const epochSecs: number[] = [];
  cbs.push(callbacks.lambda((_e, logs, s) => {
    trainSecs.push(s.samplesPerEpoch / logs.samplesPerSec);
    epochSecs.push(logs.seconds);
  }));
  const history: History = await fit(parts.net, {
    train: trainLoader,
    val: valLoader,
    epochs: r.epochs,
    optimizer: parts.optimizer,
    loss: new flint.nn.CrossEntropyLoss(),
    metrics: ['accuracy'],
    callbacks: cbs,
    seed,
    resumeFrom: resume,
    progress: r.quiet ? false : { out: (s) => io.out(s), tty: io.tty, lossEvery: 100 },
  });

  // Test accuracy as the seed computes it: argmax of the logits, eval mode, no grad.
  const t = evaluate(parts.net, testLoader, { loss: new flint.nn.CrossEntropyLoss(), metrics: ['accuracy'] });
  const accuracy = 100 * t.metrics.accuracy;
  const line = `Accuracy on the ${t.samples} test images: ${accuracy.toFixed(1)} %`;
  if (!r.json) io.out(line + '\n');
  else say(line);

  const valLoss = history.valLoss;
  const bestEpoch = es && es.bestEpoch > 0 ? es.bestEpoch : valLoss ? history.epoch[valLoss.indexOf(Math.min(...valLoss))] : undefined;
  if (f.plot) {
    const file = path.resolve(f.plot);
    fs.writeFileSync(file, trainingCurvesSvg(history, { title: `${r.model} on ${parts.title}`, bestEpoch: es ? bestEpoch : undefined }));
    say(`wrote the training curves to ${file}`);
  }
  if (r.out) {
    const file = path.resolve(r.out);
    flint.save(parts.net.stateDict(), file, {
      format: 'pt', model: r.model, dataset: r.dataset, epochs: String(history.epoch.length), testAccuracy: accuracy.toFixed(2),
    });
    say(`saved the state dict to ${file}`);
  }
  if (r.json) {
    const ran = trainSecs.length;
    const total = trainSecs.reduce((s, v) => s + v, 0);
    const round = (v: number, d = 6) => Math.round(v * 10 ** d) / 10 ** d;
    io.out(JSON.stringify({
      model: r.model,
      dataset: r.dataset,
      epochs: r.epochs,
      testAccuracy: Math.round(accuracy * 100) / 100,
      testLoss: round(t.loss!),
      samplesPerSec: ran ? Math.round((trainLoader.dataset.length * ran) / total) : 0,
      epochSeconds: epochSecs.map((s) => Math.round(s * 1000) / 1000),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      threads: flint.getNumThreads(),
      seed,
      batchSize: r.batchSize,
      lr,
      epochsRun: history.epoch.length,
      ...(valSet ? { valSplit, valImages: valSet.length, bestEpoch, bestValLoss: round(Math.min(...valLoss!)) } : {}),
      ...(es ? { stoppedEarly: es.stoppedEpoch > 0 } : {}),
      ...(resume ? { resumedFrom: resume } : {}),
      history: Object.fromEntries(Object.entries(history).filter(([k]) => k !== 'seconds').map(([k, v]) => [k, (v as number[]).map((x) => round(x))])),
    }) + '\n');
  }
}
