// Callbacks for fit (Keras' callback protocol in TypeScript casing): hooks at the start and end
// of training, of each epoch and after each batch, and a state dict for the checkpoint so a
// resumed run carries on with the same counters (patience, best value, best weights).
//
// Order within an epoch: every callback's onEpochEnd, then every callback's afterEpoch. The
// checkpoint callback writes in afterEpoch, so it saves earlyStopping's counters as they are
// after this epoch whatever the order of the callbacks list. Likewise onTrainEnd, then
// afterTrainEnd (where the progress printout reports what the others did).
import * as fs from 'fs';
import * as nodePath from 'path';
import { Tensor } from '../tensor';
import type { Module } from '../nn/module';
import type { Optimizer } from '../optim/optimizer';
import { saveCheckpoint, CallbackState } from './checkpoint';
import { fmtNum, describeValue, checkOptionKeys } from './format';

export { progressBar, ProgressOptions } from './progress';

/** Per-epoch history: epoch numbers (1-based) and one array per logged value. */
export interface History {
  epoch: number[];
  loss: number[];
  valLoss?: number[];
  [key: string]: number[] | undefined;
}

/** One epoch's values: loss, valLoss, each metric and val<Metric>, lr, seconds. */
export type EpochLogs = Record<string, number>;

/** What fit shares with its callbacks. */
export interface FitState {
  model: Module;
  optimizer: Optimizer<any>;
  scheduler: { stateDict(): Record<string, any>; constructor: { name: string } } | null;
  history: History;
  /** the current epoch (1-based) */
  epoch: number;
  /** the last epoch fit will run (the epochs option) */
  epochs: number;
  /** the first epoch of this call (1, or the checkpoint's epoch + 1 when resuming) */
  initialEpoch: number;
  /** the seed of the per-epoch data order and generator */
  seed: number;
  batchesPerEpoch: number;
  samplesPerEpoch: number;
  /** the names each epoch's logs will hold (loss, metrics, valLoss, val metrics, lr, seconds,
   *  samplesPerSec), known before training so callbacks can check what they monitor */
  logKeys?: string[];
  /** set by a callback to end training after this epoch */
  stopTraining: boolean;
  /** why training stopped early, for the progress printout */
  stopReason?: string;
  /** what a callback changed after training, for the progress printout (restored weights) */
  notes: string[];
  /** the saved states of every named callback (what a checkpoint stores) */
  callbackStates(): Record<string, CallbackState>;
}

export interface BatchLogs {
  /** this batch's mean loss */
  loss: number;
  /** samples in this batch */
  size: number;
}

export interface Callback {
  /** names the callback's state in a checkpoint; callbacks without state need none */
  name?: string;
  onTrainBegin?(s: FitState): void | Promise<void>;
  onEpochBegin?(epoch: number, s: FitState): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchLogs, s: FitState): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs, s: FitState): void | Promise<void>;
  /** after every callback's onEpochEnd (the checkpoint writes here) */
  afterEpoch?(epoch: number, logs: EpochLogs, s: FitState): void | Promise<void>;
  onTrainEnd?(s: FitState): void | Promise<void>;
  /** after every callback's onTrainEnd (the progress printout reports restored weights here) */
  afterTrainEnd?(s: FitState): void | Promise<void>;
  stateDict?(): CallbackState;
  loadStateDict?(st: CallbackState): void;
}

/** 'max' for scores that should rise (accuracy, f1, precision, recall, auc), else 'min'. */
export function autoMode(monitor: string): 'min' | 'max' {
  return /acc|f1|precision|recall|auc/i.test(monitor) ? 'max' : 'min';
}

/** fit's built-in metric names (fit.ts's MetricName). */
const METRIC_NAMES = ['accuracy', 'precision', 'recall', 'f1', 'mse', 'mae'];

/**
 * The message for a monitored name that is not among an epoch's values `keys`, with a hint
 * naming only values that exist or that a change to fit's options would create: 'valLoss'
 * without val data (pass val, or monitor 'loss'), 'valAccuracy' without the accuracy metric
 * (add it to metrics), 'valAcc' (did you mean 'valAccuracy').
 * @internal
 */
export function unknownMonitorMessage(who: string, what: string, monitor: string, keys: string[]): string {
  const hasVal = keys.includes('valLoss');
  const isVal = /^val[A-Z0-9]/.test(monitor);
  const base = isVal ? monitor[3].toLowerCase() + monitor.slice(4) : monitor;
  const asVal = (n: string) => `val${n[0].toUpperCase()}${n.slice(1)}`;
  const withVal = isVal && !hasVal ? ' and pass val to fit' : '';
  let hint = '';
  if (METRIC_NAMES.includes(base) && !keys.includes(base)) {
    hint = `'${base}' is not among fit's metrics: add it (metrics: ['${base}'])${withVal}`;
  } else if (isVal && !hasVal && keys.includes(base)) {
    hint = `pass val to fit, or monitor '${base}'`;
  } else {
    // a near name: one of the epoch's values, or a built-in metric's (val) name, that the
    // monitor spells in another case, with underscores, or cut short
    const norm = (n: string) => n.toLowerCase().replace(/[_\s]/g, '');
    const m = norm(monitor);
    const candidates = [...keys, ...METRIC_NAMES.flatMap((n) => [n, asVal(n)]).filter((c) => !keys.includes(c))];
    const near = candidates.find((c) => norm(c) === m) ?? (m.length >= 3 ? candidates.find((c) => norm(c).startsWith(m)) : undefined);
    if (near !== undefined && keys.includes(near)) hint = `did you mean '${near}'?`;
    else if (near !== undefined) {
      const metric = /^val[A-Z]/.test(near) ? near[3].toLowerCase() + near.slice(4) : near;
      hint = `did you mean '${near}' (with metrics: ['${metric}']${/^val[A-Z]/.test(near) && !hasVal ? ' and val data' : ''})?`;
    } else if (isVal && !hasVal) hint = 'pass val to fit';
  }
  return `${who}: ${what} '${monitor}' is not among the epoch's values (${keys.join(', ')})` + (hint ? `; ${hint}` : '');
}

function monitored(who: string, monitor: string, logs: EpochLogs): number {
  const v = logs[monitor];
  if (typeof v !== 'number') throw new Error(unknownMonitorMessage(who, 'monitor', monitor, Object.keys(logs)));
  return v;
}

/** Before training: the monitored name must be among the values fit will log. */
function checkMonitor(who: string, monitor: string, s: FitState): void {
  if (s.logKeys && !s.logKeys.includes(monitor)) throw new RangeError(unknownMonitorMessage(who, 'monitor', monitor, s.logKeys));
}

function checkOptionsObject(who: string, opts: unknown, valid: readonly string[], required = false): void {
  if (opts === undefined && !required) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${who}: expected an options object { ${valid.join(', ')} } but got ${describeValue(opts)}`);
  }
  checkOptionKeys(who, opts, valid);
}

function checkMonitorName(who: string, monitor: unknown): string {
  if (typeof monitor !== 'string' || !monitor) {
    throw new TypeError(`${who}: monitor must be the name of an epoch value such as 'valLoss' but got ${describeValue(monitor)}`);
  }
  return monitor;
}

function checkBoolean(who: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TypeError(`${who}: ${name} must be true or false but got ${describeValue(v)}`);
  return v;
}

function checkMode(who: string, mode: unknown, monitor: string): 'min' | 'max' {
  if (mode === undefined || mode === 'auto') return autoMode(monitor);
  if (mode !== 'min' && mode !== 'max') throw new RangeError(`${who}: mode must be 'min', 'max' or 'auto' but got ${JSON.stringify(mode)}`);
  return mode;
}

export interface EarlyStoppingOptions {
  /** the epoch value to watch [default: 'valLoss'] */
  monitor?: string;
  /** epochs without improvement before stopping [default: 0] */
  patience?: number;
  /** the smallest change that counts as an improvement, >= 0 whatever the mode (a negative
   *  value is refused, where Keras takes its absolute value) [default: 0] */
  minDelta?: number;
  /** 'min' (a loss), 'max' (an accuracy) or 'auto' (from the name) [default: 'auto'] */
  mode?: 'min' | 'max' | 'auto';
  /** at the end of training, load the weights of the best epoch [default: false] */
  restoreBest?: boolean;
}

/**
 * Stops training when the monitored value has not improved (by more than minDelta) for
 * `patience` epochs in a row (Keras' EarlyStopping). With restoreBest, the model ends with the
 * weights of its best epoch.
 * Example: fit(model, { ..., callbacks: [earlyStopping({ patience: 3, restoreBest: true })] })
 */
export function earlyStopping(opts: EarlyStoppingOptions = {}): Callback & {
  best: number; bestEpoch: number; wait: number; stoppedEpoch: number;
} {
  const who = 'earlyStopping';
  checkOptionsObject(who, opts, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBest']);
  opts ??= {};
  const monitor = checkMonitorName(who, opts.monitor ?? 'valLoss');
  const patience = opts.patience ?? 0;
  if (typeof patience !== 'number') throw new TypeError(`${who}: patience must be an integer >= 0 but got ${describeValue(patience)}`);
  if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`${who}: patience must be an integer >= 0 but got ${patience}`);
  const minDelta = opts.minDelta ?? 0;
  if (typeof minDelta !== 'number') throw new TypeError(`${who}: minDelta must be a number >= 0 but got ${describeValue(minDelta)}`);
  if (!Number.isFinite(minDelta) || minDelta < 0) {
    throw new RangeError(`${who}: minDelta must be a finite number >= 0 (the smallest improvement, in either mode) but got ${minDelta}`);
  }
  const mode = checkMode(who, opts.mode, monitor);
  const restoreBest = checkBoolean(who, 'restoreBest', opts.restoreBest);
  let bestWeights: Record<string, Tensor> | null = null;
  const better = (a: number, b: number) => (mode === 'min' ? a < b - minDelta : a > b + minDelta);
  const cb = {
    name: 'earlyStopping',
    best: mode === 'min' ? Infinity : -Infinity,
    bestEpoch: 0,
    wait: 0,
    stoppedEpoch: 0,
    onTrainBegin(s: FitState) {
      checkMonitor(who, monitor, s);
    },
    onEpochEnd(epoch: number, logs: EpochLogs, s: FitState) {
      const v = monitored(who, monitor, logs);
      if (better(v, cb.best)) {
        cb.best = v;
        cb.bestEpoch = epoch;
        cb.wait = 0;
        if (restoreBest) {
          bestWeights = {};
          for (const [k, t] of Object.entries(s.model.stateDict())) bestWeights[k] = t.clone();
        }
        return;
      }
      cb.wait += 1;
      if (cb.wait >= patience) {
        cb.stoppedEpoch = epoch;
        s.stopTraining = true;
        s.stopReason = `early stopping after epoch ${epoch}: ${monitor} has not improved on ${fmtNum(cb.best)} (epoch ${cb.bestEpoch}) ` +
          `for ${cb.wait} epoch${cb.wait === 1 ? '' : 's'}`;
      }
    },
    onTrainEnd(s: FitState) {
      const last = s.history.epoch[s.history.epoch.length - 1];
      if (restoreBest && bestWeights && cb.bestEpoch !== last) {
        s.model.loadStateDict(bestWeights);
        s.notes.push(`restored the weights of epoch ${cb.bestEpoch} (best ${monitor} ${fmtNum(cb.best)})`);
      }
    },
    stateDict(): CallbackState {
      return {
        json: { monitor, best: cb.best, bestEpoch: cb.bestEpoch, wait: cb.wait, stoppedEpoch: cb.stoppedEpoch },
        tensors: bestWeights ?? undefined,
      };
    },
    loadStateDict(st: CallbackState) {
      const j = st.json as Record<string, number | string> | null;
      if (!j || typeof j !== 'object') return;
      if (j.monitor !== monitor) return; // a different watch: start afresh
      cb.best = j.best as number;
      cb.bestEpoch = j.bestEpoch as number;
      cb.wait = j.wait as number;
      cb.stoppedEpoch = j.stoppedEpoch as number;
      if (restoreBest && st.tensors && Object.keys(st.tensors).length) bestWeights = { ...st.tensors };
    },
  };
  return cb;
}

export interface CheckpointOptions {
  /** the file to write; '{epoch}' in it is replaced by the epoch number */
  path: string;
  /** the value saveBestOnly compares [default: 'valLoss'] */
  monitor?: string;
  /** write only when the monitored value improves on the best so far [default: false] */
  saveBestOnly?: boolean;
  /** 'min', 'max' or 'auto' (from the monitor's name) [default: 'auto'] */
  mode?: 'min' | 'max' | 'auto';
  /** extra string metadata stored in the file */
  metadata?: Record<string, string>;
}

/**
 * Writes a resumable checkpoint (model, optimizer, scheduler, epoch, history, callback states,
 * the model's signature) after each epoch, or only after improving ones with saveBestOnly.
 * Each write is atomic: a temporary file renamed over the path (see checkpoint.ts).
 * Resume with `fit(model, { ..., resumeFrom: path })`.
 */
export function checkpoint(opts: CheckpointOptions): Callback & { best: number; lastSaved: number; lastPath: string | null } {
  const who = 'checkpoint';
  checkOptionsObject(who, opts, ['path', 'monitor', 'saveBestOnly', 'mode', 'metadata'], true);
  if (typeof opts.path !== 'string' || opts.path === '') {
    throw new TypeError(`${who}: expected { path } naming the file to write but path is ${describeValue(opts.path)}`);
  }
  const monitor = checkMonitorName(who, opts.monitor ?? 'valLoss');
  const mode = checkMode(who, opts.mode, monitor);
  const saveBestOnly = checkBoolean(who, 'saveBestOnly', opts.saveBestOnly);
  if (opts.metadata !== undefined &&
      (opts.metadata === null || typeof opts.metadata !== 'object' || Object.values(opts.metadata).some((v) => typeof v !== 'string'))) {
    throw new TypeError(`${who}: metadata must be an object of strings but got ${describeValue(opts.metadata)}`);
  }
  const cb = {
    name: 'checkpoint',
    best: mode === 'min' ? Infinity : -Infinity,
    lastSaved: 0,
    lastPath: null as string | null,
    onTrainBegin(s: FitState) {
      // Fail before training rather than after its first epoch.
      if (saveBestOnly) checkMonitor(who, monitor, s);
      const dir = nodePath.dirname(nodePath.resolve(opts.path));
      let st: fs.Stats;
      try {
        st = fs.statSync(dir);
      } catch {
        throw new Error(`${who}: the folder ${dir} does not exist (create it first)`);
      }
      if (!st.isDirectory()) throw new Error(`${who}: ${dir} is not a folder`);
      try {
        fs.accessSync(dir, fs.constants.W_OK);
      } catch {
        throw new Error(`${who}: the folder ${dir} is not writable`);
      }
    },
    afterEpoch(epoch: number, logs: EpochLogs, s: FitState) {
      if (saveBestOnly) {
        const v = monitored(who, monitor, logs);
        if (!(mode === 'min' ? v < cb.best : v > cb.best)) return;
        cb.best = v;
      }
      const file = opts.path.replace(/\{epoch\}/g, String(epoch));
      cb.lastSaved = epoch;
      cb.lastPath = nodePath.resolve(file);
      saveCheckpoint(file, {
        model: s.model,
        optimizer: s.optimizer,
        scheduler: s.scheduler,
        epoch,
        history: s.history as Record<string, number[]>,
        callbacks: s.callbackStates(),
        fit: { seed: s.seed, epochs: s.epochs },
        metadata: opts.metadata,
      });
    },
    stateDict(): CallbackState {
      return { json: { monitor, best: cb.best } };
    },
    loadStateDict(st: CallbackState) {
      const j = st.json as { monitor?: string; best?: number } | null;
      if (j && j.monitor === monitor && typeof j.best === 'number') cb.best = j.best;
    },
  };
  return cb;
}

/** Calls fn(epoch, logs, state) after each epoch: a callback from a function. */
export function lambda(fn: (epoch: number, logs: EpochLogs, s: FitState) => void | Promise<void>): Callback {
  if (typeof fn !== 'function') {
    const hint = fn && typeof fn === 'object' && !Array.isArray(fn)
      ? ' (an object of hooks such as { onEpochEnd } is a callback itself: put it in fit\'s callbacks as it is)' : '';
    throw new TypeError(`callbacks.lambda: expected a function (epoch, logs, state) => ... but got ${describeValue(fn)}${hint}`);
  }
  return { onEpochEnd: fn };
}
