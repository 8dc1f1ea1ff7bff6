#!/usr/bin/env node
// How much of an MLP training step is data loading: one epoch of the seed recipe (784-512-256-10
// MLP, SGD lr 0.01, batch 64, shuffled MNIST, ToTensor + Normalize([0.5], [0.5])) timing the
// DataLoader's next() (index select, transform: the whole batch) apart from the rest of the step
// (forward, loss, backward, optimizer step, and the reading out of the loss).
//
//   node dist/scripts/datatime.js --data ../shared/data/mnist [--augment] [--batches N]
//        [--batch-size 64] [--threads N] [--seed 0] [--json]
//
// --augment adds RandomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1] }) in front
// of ToTensor (the per-sample warps of a batch in one native call). The loss is read every step
// (item()), so the step's native work is done when its clock stops. Garbage-collection pauses are
// timed too (perf_hooks 'gc' entries) and reported with the share that fell inside next(): a
// pause lands wherever V8 decides, mostly collecting what the training step left behind.
import { PerformanceObserver } from 'perf_hooks';
import { parseArgs } from 'util';
import * as flint from '../lib';
import { DataLoader, datasets, transforms } from '../lib/data';
import type { Tensor } from '../lib/tensor';

const { nn, optim } = flint;

class MLP extends nn.Module {
  fc1 = new nn.Linear(784, 512);
  fc2 = new nn.Linear(512, 256);
  fc3 = new nn.Linear(256, 10);
  forward(x: Tensor): Tensor {
    const h = x.reshape([x.shape[0], -1]);
    return this.fc3.forward(flint.relu(this.fc2.forward(flint.relu(this.fc1.forward(h)))));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      augment: { type: 'boolean' },
      batches: { type: 'string' },
      'batch-size': { type: 'string' },
      threads: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const batchSize = Number(values['batch-size'] ?? 64);
  const seed = Number(values.seed ?? 0);
  if (values.threads) flint.setNumThreads(Number(values.threads));
  flint.manualSeed(seed);

  const tf = transforms.Compose([
    ...(values.augment ? [transforms.RandomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1] })] : []),
    transforms.ToTensor(),
    transforms.Normalize([0.5], [0.5]),
  ]);
  const train = new datasets.MNIST({ root: values.data, train: true, transform: tf });
  const loader = new DataLoader(train, { batchSize, shuffle: true });
  const limit = values.batches ? Number(values.batches) : loader.length;

  const model = new MLP();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  const criterion = new nn.CrossEntropyLoss();

  const gcs: { start: number; end: number }[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  const dataSpans: [number, number][] = [];

  const it = loader[Symbol.iterator]();
  let dataMs = 0;
  let stepMs = 0;
  let steps = 0;
  let lossSum = 0;
  const perStep: number[] = [];
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    const r = it.next();
    const t1 = performance.now();
    if (r.done || steps >= limit) break;
    const [x, y] = r.value as [Tensor, Tensor];
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    lossSum += loss.item();
    const t2 = performance.now();
    dataMs += t1 - t0;
    stepMs += t2 - t0;
    perStep.push(t1 - t0);
    dataSpans.push([t0, t1]);
    steps++;
  }
  const wall = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the observer deliver
  obs.disconnect();
  // GC time overall and inside next(): overlap of each pause with the data spans
  let gcMs = 0;
  let gcDataMs = 0;
  for (const g of gcs) {
    if (g.end < start || g.start > start + wall) continue;
    gcMs += g.end - g.start;
    for (const [a, b] of dataSpans) gcDataMs += Math.max(0, Math.min(b, g.end) - Math.max(a, g.start));
  }
  perStep.sort((a, b) => a - b);
  const res = {
    batches: steps,
    batchSize,
    augment: Boolean(values.augment),
    threads: flint.getNumThreads(),
    dataMsPerStep: dataMs / steps,
    stepMsPerStep: stepMs / steps,
    dataShare: dataMs / stepMs,
    dataMsMedian: perStep[Math.floor(steps / 2)],
    gcMsPerStep: gcMs / steps,
    gcInDataMsPerStep: gcDataMs / steps,
    dataShareWithoutGc: (dataMs - gcDataMs) / (stepMs - gcMs),
    samplesPerSec: (steps * batchSize) / (wall / 1000),
    meanLoss: lossSum / steps,
  };
  if (values.json) {
    console.log(JSON.stringify(res));
    return;
  }
  console.log(`MNIST MLP 784-512-256-10, batch ${batchSize}, ${steps} steps, ${res.threads} threads${res.augment ? ', RandomAffine' : ''}`);
  console.log(`  data (loader.next): ${res.dataMsPerStep.toFixed(3)} ms/step (median ${res.dataMsMedian.toFixed(3)})`);
  console.log(`  whole step:         ${res.stepMsPerStep.toFixed(3)} ms/step`);
  console.log(`  data share:         ${(100 * res.dataShare).toFixed(2)} %`);
  console.log(`  GC pauses:          ${res.gcMsPerStep.toFixed(3)} ms/step, of which ${res.gcInDataMsPerStep.toFixed(3)} inside next(); ` +
    `data share without GC ${(100 * res.dataShareWithoutGc).toFixed(2)} %`);
  console.log(`  throughput:         ${Math.round(res.samplesPerSec)} samples/s; mean loss ${res.meanLoss.toFixed(3)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
