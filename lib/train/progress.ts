// Training progress for fit: on a terminal, a bar redrawn in place (at most every 100 ms) with
// the epoch's running loss, samples/s and the time left; elsewhere (a pipe, a file, CI=true)
// plain lines only. After each epoch a summary line: time, samples/s, loss, metrics, val values.
//
//   epoch 2/10 [############..................] 376/938 1.4s 17.2k samples/s loss 0.412 ETA 2s
//   epoch 2/10: 3.51 s, 17094 samples/s, loss 0.4121, accuracy 0.8812, val loss 0.3811, val accuracy 0.8953
import type { Callback, EpochLogs, FitState } from './callbacks';
import { fmtNum, checkOptionKeys, describeValue } from './format';

export interface ProgressOptions {
  /** where text goes [default: process.stdout] */
  out?: (s: string) => void;
  /** redraw a bar in place [default: stdout is a terminal and CI is not 'true'] */
  tty?: boolean;
  /** also print '[epoch, batch] loss: x.xxx' (the PyTorch tutorial's line, the mean of the
   *  last N batches) every N batches; 0: never [default: 0] */
  lossEvery?: number;
  /** the per-epoch summary line [default: true] */
  summary?: boolean;
}

/** Whether stdout takes a redrawn bar: a terminal, and not under CI. */
export function isInteractive(): boolean {
  const ci = process.env.CI;
  return Boolean(process.stdout.isTTY) && !(ci && ci !== '0' && ci.toLowerCase() !== 'false');
}

/** Seconds as '42s', '3m05s' or '1h02m'. */
export function formatDuration(secs: number): string {
  if (!Number.isFinite(secs) || secs < 0) return '?';
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line of the bar (no control characters). */
export function barLine(epoch: number, epochs: number, done: number, total: number, secs: number, samples: number, loss: number): string {
  const width = 30;
  const fill = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  const rate = secs > 0 ? samples / secs : 0;
  const eta = done > 0 ? (secs / done) * (total - done) : NaN;
  return `epoch ${epoch}/${epochs} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} ` +
    `${secs.toFixed(1)}s ${(rate / 1000).toFixed(1)}k samples/s` +
    (Number.isFinite(loss) ? ` loss ${loss.toFixed(3)}` : '') + (done < total ? ` ETA ${formatDuration(eta)}` : '');
}

/** 'valAccuracy' -> 'val accuracy' */
export function label(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

/** The per-epoch summary line. */
export function summaryLine(epoch: number, epochs: number, logs: EpochLogs): string {
  const parts = [`${(logs.seconds ?? 0).toFixed(2)} s`];
  if (logs.samplesPerSec !== undefined) parts.push(`${Math.round(logs.samplesPerSec)} samples/s`);
  for (const [k, v] of Object.entries(logs)) {
    if (k === 'seconds' || k === 'samplesPerSec' || k === 'lr') continue;
    parts.push(`${label(k)} ${fmtNum(v)}`);
  }
  return `epoch ${epoch}/${epochs}: ${parts.join(', ')}`;
}

/** The progress callback (fit adds one unless progress: false). */
export function progressBar(opts: ProgressOptions = {}): Callback {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`progressBar: expected options { out, tty, lossEvery, summary } but got ${describeValue(opts)}`);
  }
  checkOptionKeys('progressBar', opts, ['out', 'tty', 'lossEvery', 'summary']);
  if (opts.out !== undefined && typeof opts.out !== 'function') {
    throw new TypeError(`progressBar: out must be a function (s: string) => void but got ${describeValue(opts.out)}`);
  }
  const out = opts.out ?? ((s: string) => void process.stdout.write(s));
  const tty = opts.tty ?? isInteractive();
  const every = opts.lossEvery ?? 0;
  if (!Number.isInteger(every) || every < 0) throw new RangeError(`progressBar: lossEvery must be an integer >= 0 but got ${every}`);
  const summary = opts.summary ?? true;
  let t0 = 0;
  let lastDraw = 0;
  let samples = 0;
  let lossSum = 0;
  let windowSum = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) out('\r\x1b[K');
    drawn = false;
  };
  return {
    name: 'progress',
    onTrainBegin(s: FitState) {
      if (s.initialEpoch > s.epochs) out(`nothing to train: the checkpoint has ${s.initialEpoch - 1} of ${s.epochs} epochs done\n`);
      else if (s.initialEpoch > 1) out(`resuming at epoch ${s.initialEpoch} of ${s.epochs}\n`);
    },
    onEpochBegin() {
      t0 = performance.now();
      lastDraw = 0;
      samples = lossSum = windowSum = 0;
    },
    onBatchEnd(batch: number, logs, s: FitState) {
      samples += logs.size;
      lossSum += logs.loss * logs.size;
      windowSum += logs.loss;
      if (every > 0 && batch % every === 0) {
        clear();
        out(`[${s.epoch}, ${String(batch).padStart(5)}] loss: ${(windowSum / every).toFixed(3)}\n`);
        windowSum = 0;
      }
      if (tty) {
        const now = performance.now();
        if (now - lastDraw > 100 || batch === s.batchesPerEpoch) {
          lastDraw = now;
          out('\r\x1b[K' + barLine(s.epoch, s.epochs, batch, s.batchesPerEpoch, (now - t0) / 1000, samples, lossSum / samples));
          drawn = true;
        }
      }
    },
    onEpochEnd(epoch: number, logs: EpochLogs, s: FitState) {
      clear();
      if (summary) out(summaryLine(epoch, s.epochs, logs) + '\n');
    },
    afterTrainEnd(s: FitState) {
      clear();
      if (s.stopReason) out(s.stopReason + '\n');
      for (const n of s.notes) out(n + '\n');
    },
  };
}
