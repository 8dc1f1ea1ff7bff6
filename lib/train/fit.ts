// fit: the training loop as one call (Keras' model.fit over PyTorch's pieces), for when the
// loop itself is not the point. The PyTorch-style loop (zeroGrad / forward / backward / step)
// stays the primary path; fit runs exactly that loop, plus validation, metrics, callbacks
// (early stopping, checkpoints, progress), a learning-rate scheduler and resuming.
//
//   const history = await flint.fit(model, {
//     train: trainLoader, val: valLoader, epochs: 10,
//     optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }),
//     loss: new nn.CrossEntropyLoss(), metrics: ['accuracy'],
//     callbacks: [callbacks.earlyStopping({ patience: 2 }), callbacks.checkpoint({ path: 'ckpt.safetensors' })],
//   });
//   history.valLoss  // one value per epoch
//
// Determinism and resuming: each epoch starts by seeding flint's generator (dropout,
// augmentation) and the order of a shuffling train loader from (seed, epoch), so epoch e is the
// same whether the run got there uninterrupted or resumed from a checkpoint of epoch e - 1. The
// seed is fit's `seed` option, else drawn from flint's generator (so `manualSeed` fixes it), and
// a checkpoint stores it. A resumed run's next epoch reproduces the uninterrupted run's loss
// bit for bit (test/train/fit.test.ts). A shuffling loader's own seed is replaced by these
// per-epoch seeds.
import { native } from '../native';
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { noGrad } from '../autograd/grad_mode';
import { tidy } from '../tidy';
import type { Optimizer } from '../optim/optimizer';
import { ReduceLROnPlateau, LRScheduler } from '../optim/lr_scheduler';
import { DataLoader } from '../data/dataloader';
import * as metricsLib from '../metrics';
import { Callback, EpochLogs, FitState, History, unknownMonitorMessage } from './callbacks';
import { checkOptionKeys, describeValue } from './format';
import { CallbackState, loadCheckpoint, checkSignature } from './checkpoint';
import { progressBar, ProgressOptions } from './progress';

/** Built-in metrics: classification ones on the argmax of the output (macro averages, as
 *  sklearn's average='macro'), regression ones on the output itself. */
export type MetricName = 'accuracy' | 'precision' | 'recall' | 'f1' | 'mse' | 'mae';
/** A classification metric of your own, on the epoch's labels and argmax predictions. */
export interface MetricFn {
  name: string;
  fn: (yTrue: Int32Array, yPred: Int32Array) => number;
}
export type Metric = MetricName | MetricFn;

type LossFn = ((output: Tensor, target: Tensor) => Tensor) | { forward(output: Tensor, target: Tensor): Tensor };

export interface FitOptions {
  /** training batches [x, y] */
  train: DataLoader<any, any>;
  /** validation batches [x, y], evaluated after each epoch (eval mode, no grad) */
  val?: DataLoader<any, any>;
  /** the last epoch to run (a resumed run continues up to it) */
  epochs: number;
  optimizer: Optimizer<any>;
  /** a loss module (nn.CrossEntropyLoss) or a function (output, target) -> scalar tensor */
  loss: LossFn;
  metrics?: Metric[];
  callbacks?: Callback[];
  /** stepped once per epoch after validation; a ReduceLROnPlateau steps on schedulerMonitor */
  scheduler?: LRScheduler | ReduceLROnPlateau;
  /** the value ReduceLROnPlateau follows [default: 'valLoss' with val, else 'loss'] */
  schedulerMonitor?: string;
  /** seeds each epoch's data order and generator (see the file header) */
  seed?: number;
  /** continue from a checkpoint written by callbacks.checkpoint */
  resumeFrom?: string;
  /** 'cpu' (the only device tensors live on in this build) */
  device?: string;
  /** the progress printout: false for none, or its options [default: true] */
  progress?: boolean | ProgressOptions;
}

// ---- seeds ----

function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
/** The seed of one epoch's data order and generator: a hash of (seed, epoch), 31 bits. */
export function epochSeed(seed: number, epoch: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  return mix32((mix32(lo ^ Math.imul(hi, 0x9e3779b1)) + Math.imul(epoch, 0x9e3779b9)) | 0) >>> 1;
}

/** A shuffling loader rebuilt with this epoch's seed; other loaders as they are. */
function epochLoader(loader: DataLoader<any, any>, seed: number): DataLoader<any, any> {
  if (!loader.shuffle) return loader;
  // DataLoader keeps collate private; the rebuilt loader must batch the same way.
  const collate = (loader as unknown as { collate?: (s: unknown[]) => unknown }).collate;
  return new DataLoader(loader.dataset, { batchSize: loader.batchSize, shuffle: true, dropLast: loader.dropLast, collate, seed });
}

// ---- metrics ----

const CLASS_METRICS: Record<string, (t: Int32Array, p: Int32Array) => number> = {
  accuracy: (t, p) => metricsLib.accuracy(t, p),
  precision: (t, p) => metricsLib.precision(t, p, { average: 'macro' }),
  recall: (t, p) => metricsLib.recall(t, p, { average: 'macro' }),
  f1: (t, p) => metricsLib.f1(t, p, { average: 'macro' }),
};

function checkMetrics(who: string, metrics: unknown): Metric[] {
  if (metrics === undefined) return [];
  if (!Array.isArray(metrics)) throw new TypeError(`${who}: metrics must be an array such as ['accuracy', 'f1'] but got ${describeValue(metrics)}`);
  const seen = new Set<string>();
  for (const m of metrics) {
    const name = typeof m === 'string' ? m : m && typeof m === 'object' && typeof m.name === 'string' && typeof m.fn === 'function' ? m.name : null;
    if (name === null) throw new TypeError(`${who}: a metric is a name (${[...Object.keys(CLASS_METRICS), 'mse', 'mae'].join(', ')}) or { name, fn }`);
    if (typeof m === 'string' && !(m in CLASS_METRICS) && m !== 'mse' && m !== 'mae') {
      throw new RangeError(`${who}: unknown metric '${m}' (available: ${[...Object.keys(CLASS_METRICS), 'mse', 'mae'].join(', ')}, or { name, fn })`);
    }
    if (!/^[a-z][A-Za-z0-9]*$/.test(name)) throw new RangeError(`${who}: metric name '${name}' must be a camelCase identifier`);
    if (name === 'loss' || name === 'lr' || name === 'seconds' || seen.has(name)) throw new RangeError(`${who}: metric name '${name}' is taken`);
    seen.add(name);
  }
  return metrics as Metric[];
}

/** Int32 labels from a label tensor (int64 class indices or whole-number floats). */
function labelsOf(y: Tensor): Int32Array {
  const d = y.dataSync();
  return d instanceof BigInt64Array ? Int32Array.from(d, Number) : Int32Array.from(d as ArrayLike<number>);
}

/** Collects an epoch's predictions for the metrics. */
class MetricAccumulator {
  private trues: Int32Array[] = [];
  private preds: Int32Array[] = [];
  private sq = 0;
  private abs = 0;
  private count = 0;
  readonly classes: boolean;
  readonly regression: boolean;
  constructor(readonly who: string, readonly metrics: Metric[], readonly keepPredictions = false) {
    this.classes = keepPredictions || metrics.some((m) => typeof m !== 'string' || m in CLASS_METRICS);
    this.regression = metrics.some((m) => m === 'mse' || m === 'mae');
  }
  update(out: Tensor, y: Tensor): void {
    if (this.classes) {
      if (out.shape.length !== 2) throw new RangeError(`${this.who}: classification metrics need outputs [N, C] but got shape [${out.shape.join(', ')}]`);
      this.preds.push(labelsOf(noGrad(() => out.argmax(1))));
      this.trues.push(labelsOf(y));
    }
    if (this.regression) {
      const o = out.dataSync() as ArrayLike<number>;
      const t = y.dataSync();
      if (o.length !== t.length) throw new RangeError(`${this.who}: mse/mae need targets the shape of the output: [${out.shape.join(', ')}] vs [${y.shape.join(', ')}]`);
      for (let i = 0; i < o.length; i++) {
        const d = o[i] - Number(t[i]);
        this.sq += d * d;
        this.abs += Math.abs(d);
      }
      this.count += o.length;
    }
  }
  /** the epoch's labels and predictions, concatenated */
  labels(): { yTrue: Int32Array; yPred: Int32Array } {
    const cat = (parts: Int32Array[]) => {
      const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    };
    return { yTrue: cat(this.trues), yPred: cat(this.preds) };
  }
  result(prefix = ''): EpochLogs {
    const out: EpochLogs = {};
    const { yTrue, yPred } = this.classes ? this.labels() : { yTrue: new Int32Array(0), yPred: new Int32Array(0) };
    for (const m of this.metrics) {
      const name = typeof m === 'string' ? m : m.name;
      const key = prefix ? prefix + name[0].toUpperCase() + name.slice(1) : name;
      if (m === 'mse') out[key] = this.sq / this.count;
      else if (m === 'mae') out[key] = this.abs / this.count;
      else out[key] = typeof m === 'string' ? CLASS_METRICS[m](yTrue, yPred) : m.fn(yTrue, yPred);
    }
    return out;
  }
}

function lossFunction(who: string, loss: unknown): (o: Tensor, t: Tensor) => Tensor {
  if (typeof loss === 'function') return loss as (o: Tensor, t: Tensor) => Tensor;
  if (loss && typeof (loss as { forward?: unknown }).forward === 'function') {
    const m = loss as { forward(o: Tensor, t: Tensor): Tensor };
    return (o, t) => m.forward(o, t);
  }
  throw new TypeError(`${who}: loss must be a loss module (new nn.CrossEntropyLoss()) or a function (output, target) => scalar tensor ` +
    `but got ${describeValue(loss)}`);
}

function batchXY(who: string, batch: unknown, where: string): [Tensor, Tensor] {
  if (!Array.isArray(batch) || batch.length < 2 || !(batch[0] instanceof Tensor) || !(batch[1] instanceof Tensor)) {
    throw new TypeError(`${who}: ${where} batches must be [input, target] tensors (a DataLoader over a dataset of [x, y] samples)`);
  }
  return [batch[0], batch[1]];
}

export interface EvaluateOptions {
  loss?: LossFn;
  metrics?: Metric[];
}
export interface EvaluateResult {
  /** the mean loss per sample (when a loss was given) */
  loss?: number;
  /** each metric by name */
  metrics: Record<string, number>;
  /** the labels and argmax predictions, in loader order (classification outputs only) */
  yTrue: Int32Array;
  yPred: Int32Array;
  samples: number;
}

/**
 * Runs a model over a loader in eval mode without gradients: the mean loss, the metrics, and
 * the labels and argmax predictions (for a confusion matrix). Restores the model's mode.
 * Example: const r = evaluate(model, testLoader, { metrics: ['accuracy', 'f1'] })
 */
export function evaluate(model: Module, loader: DataLoader<any, any>, opts: EvaluateOptions = {}): EvaluateResult {
  const who = 'evaluate';
  if (!(model instanceof Module)) throw new TypeError(`${who}: expected an nn.Module but got ${describeValue(model)}`);
  if (!(loader instanceof DataLoader)) throw new TypeError(`${who}: expected a DataLoader as the second argument but got ${describeValue(loader)}`);
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${who}: expected options { loss, metrics } but got ${describeValue(opts)}`);
  }
  checkOptionKeys(who, opts, ['loss', 'metrics']);
  const metrics = checkMetrics(who, opts.metrics);
  const lossFn = opts.loss !== undefined ? lossFunction(who, opts.loss) : null;
  if (loader.length === 0) throw new RangeError(`${who}: ${emptyLoader(loader)}`);
  const acc = new MetricAccumulator(who, metrics, true);
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let n = 0;
  try {
    noGrad(() => {
      for (const batch of loader) {
        // tidy: a big evaluation batch's intermediates are freed now, not when collected
        tidy(() => {
          const [x, y] = batchXY(who, batch, 'evaluation');
          const out = model.forward(x);
          const size = x.shape[0];
          if (lossFn) lossSum += lossFn(out, y).item() * size;
          n += size;
          if (out.shape.length === 2) acc.update(out, y);
          else if (metrics.length) throw new RangeError(`evaluate: metrics need outputs [N, C] but got shape [${out.shape.join(', ')}]`);
        });
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const { yTrue, yPred } = acc.labels();
  return { loss: lossFn ? lossSum / n : undefined, metrics: n ? acc.result() : {}, yTrue, yPred, samples: n };
}

/** Why a loader gives no batches, for an error message. */
function emptyLoader(loader: DataLoader<any, any>): string {
  const n = loader.dataset.length;
  return `the loader yields no batches: ` + (n === 0 ? 'its dataset is empty'
    : `dropLast drops the only, partial batch (${n} sample${n === 1 ? '' : 's'}, batchSize ${loader.batchSize})`);
}

/** fit's options, for the typo guard. */
const FIT_OPTIONS = ['train', 'val', 'epochs', 'optimizer', 'loss', 'metrics', 'callbacks', 'scheduler', 'schedulerMonitor', 'seed',
  'resumeFrom', 'device', 'progress'] as const;
/** The hooks a callback may have. */
const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchEnd', 'onEpochEnd', 'afterEpoch', 'onTrainEnd', 'afterTrainEnd', 'stateDict', 'loadStateDict'] as const;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains `model` for `epochs` epochs (see the file header) and resolves to the history:
 * `{ epoch, loss, valLoss, <metric>, val<Metric>, lr, seconds }`, one value per epoch.
 *
 * Args: model, and options: train, val, epochs, optimizer, loss, metrics ('accuracy',
 * 'precision', 'recall', 'f1' (macro), 'mse', 'mae', or { name, fn }), callbacks, scheduler,
 * schedulerMonitor, seed, resumeFrom, device, progress.
 */
export async function fit(model: Module, o: FitOptions): Promise<History> {
  if (!(model instanceof Module)) throw new TypeError(`fit: expected an nn.Module as the first argument but got ${describeValue(model)}`);
  if (!o || typeof o !== 'object' || Array.isArray(o)) {
    throw new TypeError(`fit: expected options { train, epochs, optimizer, loss } but got ${describeValue(o)}`);
  }
  checkOptionKeys('fit', o, FIT_OPTIONS);
  for (const [k, l] of [['train', o.train], ['val', o.val]] as const) {
    if (l === undefined && k === 'val') continue;
    if (!(l instanceof DataLoader)) throw new TypeError(`fit: ${k} must be a DataLoader but got ${describeValue(l)}`);
    if (l.length === 0) throw new RangeError(`fit: ${k}: ${emptyLoader(l)}`);
  }
  if (typeof o.epochs !== 'number') throw new TypeError(`fit: epochs must be an integer >= 1 but got ${describeValue(o.epochs)}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new RangeError(`fit: epochs must be an integer >= 1 but got ${o.epochs}`);
  const optimizer = o.optimizer;
  if (!optimizer || typeof optimizer.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new TypeError(`fit: optimizer must be an optimizer (new optim.SGD(model.parameters(), { lr })) but got ${describeValue(optimizer)}`);
  }
  const lossFn = lossFunction('fit', o.loss);
  const metrics = checkMetrics('fit', o.metrics);
  const device = o.device ?? 'cpu';
  if (device !== 'cpu') {
    throw new RangeError(`fit: device '${device}' is not available: ` +
      (native.buildInfo().cuda ? 'fit does not move models and batches to a device yet' : 'this build of flint has no CUDA') + "; use 'cpu'");
  }
  if (o.seed !== undefined && (!Number.isSafeInteger(o.seed) || o.seed < 0)) {
    throw new (typeof o.seed === 'number' ? RangeError : TypeError)(`fit: seed must be a non-negative integer but got ${describeValue(o.seed)}`);
  }
  if (o.resumeFrom !== undefined && (typeof o.resumeFrom !== 'string' || o.resumeFrom === '')) {
    throw new TypeError(`fit: resumeFrom must be the path of a checkpoint but got ${describeValue(o.resumeFrom)}`);
  }
  const scheduler = o.scheduler ?? null;
  if (scheduler !== null && !(scheduler instanceof LRScheduler) && !(scheduler instanceof ReduceLROnPlateau)) {
    throw new TypeError(`fit: scheduler must be one of optim.lrScheduler's (StepLR, ..., ReduceLROnPlateau) but got ${describeValue(scheduler)}`);
  }
  if (scheduler !== null && scheduler.optimizer !== optimizer) {
    throw new RangeError(`fit: the ${scheduler.constructor.name} scheduler was built for another optimizer than fit's, so stepping it ` +
      `would never change the learning rate fit trains with: build it on the same optimizer (new ${scheduler.constructor.name}(optimizer, ...))`);
  }
  if (o.schedulerMonitor !== undefined && typeof o.schedulerMonitor !== 'string') {
    throw new TypeError(`fit: schedulerMonitor must be the name of an epoch value such as 'valLoss' but got ${describeValue(o.schedulerMonitor)}`);
  }
  if (o.schedulerMonitor !== undefined && !(scheduler instanceof ReduceLROnPlateau)) {
    throw new RangeError('fit: schedulerMonitor is for a ReduceLROnPlateau scheduler' +
      (scheduler ? `; ${scheduler.constructor.name} steps once per epoch whatever the values` : ', and fit was given none'));
  }
  const schedulerMonitor = o.schedulerMonitor ?? (o.val ? 'valLoss' : 'loss');
  if (o.callbacks !== undefined && !Array.isArray(o.callbacks)) {
    throw new TypeError(`fit: callbacks must be an array (callbacks: [callbacks.earlyStopping(), ...]) but got ${describeValue(o.callbacks)}`);
  }
  const callbacks = (o.callbacks ?? []).slice();
  callbacks.forEach((cb, i) => {
    if (!cb || typeof cb !== 'object' || Array.isArray(cb)) {
      throw new TypeError(`fit: callbacks[${i}] must be a callback object (callbacks.earlyStopping(...), { onEpochEnd() {...} }, ...) ` +
        `but got ${describeValue(cb)}`);
    }
    for (const h of HOOKS) {
      const f = (cb as Record<string, unknown>)[h];
      if (f !== undefined && typeof f !== 'function') throw new TypeError(`fit: callbacks[${i}].${h} must be a function but got ${describeValue(f)}`);
    }
  });
  if (o.progress !== undefined && typeof o.progress !== 'boolean' && (o.progress === null || typeof o.progress !== 'object')) {
    throw new TypeError(`fit: progress must be true, false or progress options { out, tty, lossEvery, summary } but got ${describeValue(o.progress)}`);
  }
  if (typeof o.progress === 'object') checkOptionKeys('fit: progress', o.progress, ['out', 'tty', 'lossEvery', 'summary']);
  if (o.progress !== false && !callbacks.some((c) => c.name === 'progress')) {
    callbacks.unshift(progressBar(typeof o.progress === 'object' ? o.progress : {}));
  }
  // Unique names for the callbacks' saved states: earlyStopping, earlyStopping1, ...
  const named: [string, Callback][] = [];
  const counts = new Map<string, number>();
  for (const cb of callbacks) {
    if (!cb.name || typeof cb.stateDict !== 'function') continue;
    const c = counts.get(cb.name) ?? 0;
    counts.set(cb.name, c + 1);
    named.push([c ? `${cb.name}${c}` : cb.name, cb]);
  }

  let seed = o.seed;
  let history: History = { epoch: [], loss: [] };
  let initialEpoch = 1;
  if (o.resumeFrom !== undefined) {
    const ck = loadCheckpoint(o.resumeFrom);
    const what = `checkpoint ${o.resumeFrom}`;
    checkSignature(model, ck.signature, what);
    if (!ck.optimizer) throw new Error(`${what} has no optimizer state to resume from`);
    if (ck.optimizerClass && ck.optimizerClass !== optimizer.constructor.name) {
      throw new Error(`${what} was trained with ${ck.optimizerClass}, but fit was given ${optimizer.constructor.name}`);
    }
    if (ck.scheduler && !scheduler) throw new Error(`${what} was trained with a ${ck.scheduler.class} scheduler: pass one to fit to resume it`);
    if (scheduler && !ck.scheduler) {
      throw new Error(`${what} was written by a run without a scheduler, but fit was given ${scheduler.constructor.name}: the checkpoint ` +
        'holds no schedule to continue (leave the scheduler out to resume, or start a new run with it)');
    }
    if (scheduler && ck.scheduler && ck.scheduler.class !== scheduler.constructor.name) {
      throw new Error(`${what} was trained with a ${ck.scheduler.class} scheduler, but fit was given ${scheduler.constructor.name}`);
    }
    if (ck.fit && seed !== undefined && seed !== ck.fit.seed) {
      throw new Error(`${what} was trained with seed ${ck.fit.seed}; resuming with seed ${seed} would change the data order (leave the seed out)`);
    }
    model.loadStateDict(ck.model);
    optimizer.loadStateDict(ck.optimizer);
    if (scheduler && ck.scheduler) scheduler.loadStateDict(ck.scheduler.state as never);
    for (const [name, cb] of named) if (ck.callbacks?.[name]) cb.loadStateDict?.(ck.callbacks[name]);
    if (ck.history) history = ck.history as History;
    seed = ck.fit?.seed ?? seed;
    initialEpoch = ck.epoch + 1;
  }
  if (seed === undefined) seed = native.randomBits() >>> 1;

  const train = o.train;
  // The values each epoch logs, in the order of its logs (callbacks check their monitor against them).
  const metricKeys = metrics.map((m) => (typeof m === 'string' ? m : m.name));
  const logKeys = ['loss', ...metricKeys];
  if (o.val) logKeys.push('valLoss', ...metricKeys.map((k) => `val${k[0].toUpperCase()}${k.slice(1)}`));
  if ((optimizer.paramGroups[0] as { lr?: number })?.lr !== undefined) logKeys.push('lr');
  logKeys.push('seconds', 'samplesPerSec');
  if (scheduler instanceof ReduceLROnPlateau && !logKeys.includes(schedulerMonitor)) {
    throw new RangeError(unknownMonitorMessage('fit', 'schedulerMonitor', schedulerMonitor, logKeys));
  }
  const state: FitState = {
    model,
    optimizer,
    scheduler,
    history,
    epoch: initialEpoch,
    epochs: o.epochs,
    initialEpoch,
    seed,
    batchesPerEpoch: train.length,
    samplesPerEpoch: train.dropLast ? train.length * train.batchSize : train.dataset.length,
    logKeys,
    stopTraining: false,
    notes: [],
    callbackStates() {
      const out: Record<string, CallbackState> = {};
      for (const [name, cb] of named) out[name] = cb.stateDict!();
      return out;
    },
  };
  const each = async (hook: keyof Callback, ...args: unknown[]) => {
    for (const cb of callbacks) {
      const f = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (typeof f === 'function') await f.apply(cb, args);
    }
  };

  await each('onTrainBegin', state);
  for (let epoch = initialEpoch; epoch <= o.epochs && !state.stopTraining; epoch++) {
    state.epoch = epoch;
    const es = epochSeed(seed, epoch);
    native.manualSeed(es);
    await each('onEpochBegin', epoch, state);
    const t0 = performance.now();
    const lr = (optimizer.paramGroups[0] as { lr?: number })?.lr;
    model.train();
    const acc = new MetricAccumulator('fit', metrics);
    let lossSum = 0;
    let samples = 0;
    let b = 0;
    for (const batch of epochLoader(train, es)) {
      const [x, y] = batchXY('fit', batch, 'training');
      optimizer.zeroGrad();
      const out = model.forward(x);
      const loss = lossFn(out, y);
      loss.backward();
      optimizer.step();
      const lv = loss.item();
      if (!Number.isFinite(lv)) {
        throw new Error(`fit: the loss is ${lv} at epoch ${epoch}, batch ${b + 1} (try a lower learning rate)`);
      }
      const size = x.shape[0];
      lossSum += lv * size;
      samples += size;
      if (metrics.length) acc.update(out, y);
      b++;
      await each('onBatchEnd', b, { loss: lv, size }, state);
      await tick(); // lets finalizers of the dropped step's tensors run (flat native memory)
    }
    const trainSecs = (performance.now() - t0) / 1000;
    const logs: EpochLogs = { loss: lossSum / samples, ...acc.result() };
    if (o.val) {
      const r = evaluate(model, o.val, { loss: lossFn, metrics });
      logs.valLoss = r.loss!;
      for (const [k, v] of Object.entries(r.metrics)) logs[`val${k[0].toUpperCase()}${k.slice(1)}`] = v;
    }
    if (lr !== undefined) logs.lr = lr;
    logs.seconds = (performance.now() - t0) / 1000;
    logs.samplesPerSec = samples / trainSecs;
    if (scheduler instanceof ReduceLROnPlateau) {
      const v = logs[schedulerMonitor];
      if (typeof v !== 'number') throw new Error(unknownMonitorMessage('fit', 'schedulerMonitor', schedulerMonitor, Object.keys(logs)));
      scheduler.step(v);
    } else if (scheduler) scheduler.step();
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) {
      if (k === 'samplesPerSec') continue;
      (history[k] ??= []).push(v);
    }
    await each('onEpochEnd', epoch, logs, state);
    await each('afterEpoch', epoch, logs, state);
  }
  await each('onTrainEnd', state);
  await each('afterTrainEnd', state);
  return history;
}
