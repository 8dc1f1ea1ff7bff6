// fit, evaluate and the callbacks refuse what they cannot do, before training and with messages
// that name the option and the bad value: empty loaders, unknown options, a scheduler on another
// optimizer, malformed callbacks, monitors that name nothing the epoch logs.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flint from '../../lib';
import { DataLoader, TensorDataset } from '../../lib/data';
import { callbacks, evaluate, Callback, Metric } from '../../lib/train';

const { nn, optim } = flint;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-fit-options-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** 24 samples of 4 features, 3 classes; a small model and its SGD. */
function tiny(n = 24) {
  flint.manualSeed(0);
  const ds = new TensorDataset(flint.randn([n, 4]), flint.tensor(BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 3)), { dtype: 'int64' }));
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
  const train = new DataLoader(ds, { batchSize: 8, shuffle: true });
  const base = { train, epochs: 1, optimizer, loss: new nn.CrossEntropyLoss(), progress: false as const };
  return { ds, model, optimizer, train, base, val: new DataLoader(ds, { batchSize: 24 }) };
}

/** A callback that counts the batches trained, to show an error came before training. */
function counter() {
  const c = { batches: 0, onBatchEnd: () => void c.batches++ };
  return c;
}

describe('fit', () => {
  test('an empty train loader, or one dropLast leaves without batches, is refused before training', async () => {
    const { model, base } = tiny();
    const empty = new DataLoader(new TensorDataset(flint.zeros([0, 4]), flint.zeros([0], { dtype: 'int64' })), { batchSize: 8 });
    await expect(flint.fit(model, { ...base, train: empty })).rejects.toThrow(
      new RangeError('fit: train: the loader yields no batches: its dataset is empty'));
    const { ds } = tiny(5);
    const dropped = new DataLoader(ds, { batchSize: 8, dropLast: true });
    const c = counter();
    await expect(flint.fit(model, { ...base, train: dropped, callbacks: [c] })).rejects.toThrow(
      'fit: train: the loader yields no batches: dropLast drops the only, partial batch (5 samples, batchSize 8)');
    expect(c.batches).toBe(0);
    await expect(flint.fit(model, { ...base, val: empty })).rejects.toThrow('fit: val: the loader yields no batches: its dataset is empty');
  });

  test('unknown options are refused, naming the option and listing the valid ones', async () => {
    const { model, base } = tiny();
    const err = await flint.fit(model, { ...base, epoch: 3 } as any).catch((e) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe("fit: unknown option 'epoch' (did you mean 'epochs'?); the options are: train, val, epochs, optimizer, loss, " +
      'metrics, callbacks, scheduler, schedulerMonitor, seed, resumeFrom, device, progress');
    await expect(flint.fit(model, { ...base, lr: 0.1 } as any)).rejects.toThrow(/^fit: unknown option 'lr'; the options are: train, /);
    await expect(flint.fit(model, { ...base, progress: { every: 10 } } as any)).rejects.toThrow(
      "fit: progress: unknown option 'every'; the options are: out, tty, lossEvery, summary");
  });

  test('wrong types are TypeErrors naming the value', async () => {
    const { model, base } = tiny();
    await expect(flint.fit(model, { ...base, epochs: '3' } as any)).rejects.toThrow(new TypeError('fit: epochs must be an integer >= 1 but got string "3"'));
    await expect(flint.fit(model, { ...base, epochs: NaN })).rejects.toThrow(new RangeError('fit: epochs must be an integer >= 1 but got NaN'));
    await expect(flint.fit(model, { ...base, seed: '1' } as any)).rejects.toThrow(new TypeError('fit: seed must be a non-negative integer but got string "1"'));
    await expect(flint.fit(model, { ...base, metrics: 'accuracy' } as any)).rejects.toThrow(
      new TypeError("fit: metrics must be an array such as ['accuracy', 'f1'] but got string \"accuracy\""));
    await expect(flint.fit(model, { ...base, progress: 'yes' } as any)).rejects.toThrow(/^fit: progress must be true, false or progress options/);
    await expect(flint.fit(model, { ...base, resumeFrom: 5 } as any)).rejects.toThrow('fit: resumeFrom must be the path of a checkpoint but got 5');
  });

  test('a scheduler built for another optimizer is refused (its steps would never reach fit\'s optimizer)', async () => {
    const { model, base } = tiny();
    const other = new optim.SGD(model.parameters(), { lr: 0.1 });
    const c = counter();
    await expect(flint.fit(model, { ...base, scheduler: new optim.lrScheduler.StepLR(other, { stepSize: 1 }), callbacks: [c] })).rejects.toThrow(
      new RangeError("fit: the StepLR scheduler was built for another optimizer than fit's, so stepping it would never change the learning " +
        'rate fit trains with: build it on the same optimizer (new StepLR(optimizer, ...))'));
    await expect(flint.fit(model, { ...base, scheduler: new optim.ReduceLROnPlateau(other) })).rejects.toThrow(
      /^fit: the ReduceLROnPlateau scheduler was built for another optimizer than fit's/);
    expect(c.batches).toBe(0);
    // on the right optimizer the lr changes
    const h = await flint.fit(model, { ...base, epochs: 2, scheduler: new optim.lrScheduler.StepLR(base.optimizer, { stepSize: 1, gamma: 0.5 }) });
    expect(h.lr).toEqual([0.1, 0.05]);
  });

  test('schedulerMonitor: checked before training, and only with ReduceLROnPlateau', async () => {
    const { model, base, optimizer, val } = tiny();
    await expect(flint.fit(model, { ...base, scheduler: new optim.ReduceLROnPlateau(optimizer), schedulerMonitor: 'valLoss' })).rejects.toThrow(
      "fit: schedulerMonitor 'valLoss' is not among the epoch's values (loss, lr, seconds, samplesPerSec); pass val to fit, or monitor 'loss'");
    await expect(flint.fit(model, { ...base, val, scheduler: new optim.ReduceLROnPlateau(optimizer), schedulerMonitor: 'val_loss' })).rejects.toThrow(
      "fit: schedulerMonitor 'val_loss' is not among the epoch's values (loss, valLoss, lr, seconds, samplesPerSec); did you mean 'valLoss'?");
    await expect(flint.fit(model, { ...base, schedulerMonitor: 'loss' })).rejects.toThrow(
      'fit: schedulerMonitor is for a ReduceLROnPlateau scheduler, and fit was given none');
  });

  test('callbacks: an array of objects whose hooks are functions', async () => {
    const { model, base } = tiny();
    await expect(flint.fit(model, { ...base, callbacks: callbacks.earlyStopping() as any })).rejects.toThrow(
      new TypeError('fit: callbacks must be an array (callbacks: [callbacks.earlyStopping(), ...]) but got an object'));
    await expect(flint.fit(model, { ...base, callbacks: [5 as any] })).rejects.toThrow(/^fit: callbacks\[0\] must be a callback object .* but got 5$/);
    await expect(flint.fit(model, { ...base, callbacks: [{ onEpochEnd: 'log' } as any] })).rejects.toThrow(
      new TypeError('fit: callbacks[0].onEpochEnd must be a function but got string "log"'));
  });

  test('resuming with a scheduler the checkpoint did not have is refused', async () => {
    const { model, base, optimizer } = tiny();
    const file = path.join(tmp, 'nosched.safetensors');
    await flint.fit(model, { ...base, callbacks: [callbacks.checkpoint({ path: file })] });
    await expect(flint.fit(model, {
      ...base, epochs: 3, resumeFrom: file, scheduler: new optim.lrScheduler.StepLR(optimizer, { stepSize: 1 }),
    })).rejects.toThrow(`checkpoint ${file} was written by a run without a scheduler, but fit was given StepLR: the checkpoint holds no ` +
      'schedule to continue (leave the scheduler out to resume, or start a new run with it)');
    const h = await flint.fit(model, { ...base, epochs: 2, resumeFrom: file });
    expect(h.epoch).toEqual([1, 2]);
  });
});

describe('monitor names', () => {
  test('earlyStopping and checkpoint check their monitor before training, suggesting only names that exist', async () => {
    const { model, base, val } = tiny();
    const c = counter();
    const fitWith = (cb: Callback, metrics?: Metric[]) =>
      flint.fit(model, { ...base, val, metrics, callbacks: [cb, c] });
    // a misspelt metric that fit computes
    await expect(fitWith(callbacks.earlyStopping({ monitor: 'valAcc' }), ['accuracy'])).rejects.toThrow(
      "earlyStopping: monitor 'valAcc' is not among the epoch's values (loss, accuracy, valLoss, valAccuracy, lr, seconds, samplesPerSec); " +
      "did you mean 'valAccuracy'?");
    // ... and one it does not compute
    await expect(fitWith(callbacks.earlyStopping({ monitor: 'valAcc' }))).rejects.toThrow(
      "earlyStopping: monitor 'valAcc' is not among the epoch's values (loss, valLoss, lr, seconds, samplesPerSec); " +
      "did you mean 'valAccuracy' (with metrics: ['accuracy'])?");
    // val was passed: the metric is what is missing
    await expect(fitWith(callbacks.earlyStopping({ monitor: 'valAccuracy' }))).rejects.toThrow(
      "earlyStopping: monitor 'valAccuracy' is not among the epoch's values (loss, valLoss, lr, seconds, samplesPerSec); " +
      "'accuracy' is not among fit's metrics: add it (metrics: ['accuracy'])");
    await expect(fitWith(callbacks.checkpoint({ path: path.join(tmp, 'c.safetensors'), monitor: 'valF1', saveBestOnly: true }))).rejects.toThrow(
      "checkpoint: monitor 'valF1' is not among the epoch's values (loss, valLoss, lr, seconds, samplesPerSec); 'f1' is not among fit's metrics");
    await expect(fitWith(callbacks.earlyStopping({ monitor: 'bogus' }))).rejects.toThrow(
      /^earlyStopping: monitor 'bogus' is not among the epoch's values \([^)]*\)$/);
    expect(c.batches).toBe(0);
    // without val data
    await expect(flint.fit(model, { ...base, metrics: ['accuracy'], callbacks: [callbacks.earlyStopping({ monitor: 'valAccuracy' })] })).rejects.toThrow(
      "earlyStopping: monitor 'valAccuracy' is not among the epoch's values (loss, accuracy, lr, seconds, samplesPerSec); pass val to fit, or monitor 'accuracy'");
    await expect(flint.fit(model, { ...base, callbacks: [callbacks.earlyStopping({ monitor: 'valAccuracy' })] })).rejects.toThrow(
      "'accuracy' is not among fit's metrics: add it (metrics: ['accuracy']) and pass val to fit");
    // checkpoint without saveBestOnly does not compare its monitor
    await flint.fit(model, { ...base, callbacks: [callbacks.checkpoint({ path: path.join(tmp, 'd.safetensors') })] });
  });
});

describe('callback options', () => {
  test('earlyStopping: types, negative minDelta, unknown options', () => {
    expect(() => callbacks.earlyStopping({ minDelta: -1 })).toThrow(
      new RangeError('earlyStopping: minDelta must be a finite number >= 0 (the smallest improvement, in either mode) but got -1'));
    expect(() => callbacks.earlyStopping({ minDelta: '0.1' as any })).toThrow(new TypeError('earlyStopping: minDelta must be a number >= 0 but got string "0.1"'));
    expect(() => callbacks.earlyStopping({ patience: 1.5 })).toThrow(new RangeError('earlyStopping: patience must be an integer >= 0 but got 1.5'));
    expect(() => callbacks.earlyStopping({ patience: '2' as any })).toThrow(new TypeError('earlyStopping: patience must be an integer >= 0 but got string "2"'));
    expect(() => callbacks.earlyStopping({ restoreBest: 'yes' as any })).toThrow(new TypeError('earlyStopping: restoreBest must be true or false but got string "yes"'));
    expect(() => callbacks.earlyStopping({ monitor: 3 as any })).toThrow(new TypeError("earlyStopping: monitor must be the name of an epoch value such as 'valLoss' but got 3"));
    expect(() => callbacks.earlyStopping({ patients: 3 } as any)).toThrow(
      new RangeError('earlyStopping: unknown option \'patients\' (did you mean \'patience\'?); the options are: monitor, patience, minDelta, mode, restoreBest'));
    expect(() => callbacks.earlyStopping(5 as any)).toThrow(/^earlyStopping: expected an options object \{ monitor, .* \} but got 5$/);
    expect(callbacks.earlyStopping({ minDelta: 0.5 }).name).toBe('earlyStopping');
  });

  test('checkpoint: path, unknown options, types', () => {
    expect(() => callbacks.checkpoint(undefined as any)).toThrow(/^checkpoint: expected an options object \{ path, .* \} but got undefined$/);
    expect(() => callbacks.checkpoint({ path: '' })).toThrow(new TypeError('checkpoint: expected { path } naming the file to write but path is string ""'));
    expect(() => callbacks.checkpoint({ path: 'x', saveBest: true } as any)).toThrow(
      "checkpoint: unknown option 'saveBest' (did you mean 'saveBestOnly'?); the options are: path, monitor, saveBestOnly, mode, metadata");
    expect(() => callbacks.checkpoint({ path: 'x', saveBestOnly: 1 as any })).toThrow(new TypeError('checkpoint: saveBestOnly must be true or false but got 1'));
    expect(() => callbacks.checkpoint({ path: 'x', metadata: { n: 1 } as any })).toThrow('checkpoint: metadata must be an object of strings but got an object');
  });

  test('progressBar: unknown options and a non-function out', () => {
    expect(() => callbacks.progressBar({ lossEvry: 10 } as any)).toThrow(
      "progressBar: unknown option 'lossEvry' (did you mean 'lossEvery'?); the options are: out, tty, lossEvery, summary");
    expect(() => callbacks.progressBar({ out: process.stdout } as any)).toThrow(
      new TypeError('progressBar: out must be a function (s: string) => void but got an object'));
  });

  test('lambda takes a function', async () => {
    expect(() => callbacks.lambda(5 as any)).toThrow(new TypeError('callbacks.lambda: expected a function (epoch, logs, state) => ... but got 5'));
    expect(() => callbacks.lambda({ onEpochEnd: () => undefined } as any)).toThrow(
      "callbacks.lambda: expected a function (epoch, logs, state) => ... but got an object (an object of hooks such as { onEpochEnd } is a callback itself: put it in fit's callbacks as it is)");
    const { model, base } = tiny();
    const seen: number[] = [];
    await flint.fit(model, { ...base, epochs: 2, callbacks: [callbacks.lambda((e) => void seen.push(e))] });
    expect(seen).toEqual([1, 2]);
  });
});

describe('evaluate', () => {
  test('its errors name evaluate, not fit', () => {
    const { model, val } = tiny();
    expect(() => evaluate(model, val, { metrics: ['acc' as any] })).toThrow(new RangeError("evaluate: unknown metric 'acc' (available: accuracy, precision, recall, f1, mse, mae, or { name, fn })"));
    expect(() => evaluate(model, val, { metrics: 'accuracy' as any })).toThrow(/^evaluate: metrics must be an array/);
    expect(() => evaluate(model, val, { loss: 3 as any })).toThrow(/^evaluate: loss must be a loss module .* but got 3$/);
    expect(() => evaluate(model, val, { metric: ['accuracy'] } as any)).toThrow(
      "evaluate: unknown option 'metric' (did you mean 'metrics'?); the options are: loss, metrics");
    expect(() => evaluate(model, [] as any)).toThrow(new TypeError('evaluate: expected a DataLoader as the second argument but got an array'));
    const empty = new DataLoader(new TensorDataset(flint.zeros([0, 4]), flint.zeros([0], { dtype: 'int64' })), { batchSize: 8 });
    expect(() => evaluate(model, empty)).toThrow(new RangeError('evaluate: the loader yields no batches: its dataset is empty'));
    const regress = new DataLoader(new TensorDataset(flint.randn([4, 4]), flint.randn([4, 2])), { batchSize: 4 });
    expect(() => evaluate(model, regress, { metrics: ['mse'] })).toThrow(/^evaluate: mse\/mae need targets the shape of the output/);
    expect(evaluate(model, val, { metrics: ['accuracy'] }).samples).toBe(24);
  });
});
