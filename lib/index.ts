// flint: the public surface (re-exports only).
import { native } from './native';

export { Tensor, DType, Device, NestedArray } from './tensor';
export {
  tensor, zeros, ones, full, empty, rand, randn, arange, zerosLike, onesLike, fullLike,
  add, sub, mul, div, pow, neg, exp, log, sqrt, abs, relu, tanh, sigmoid, maximum, minimum,
  eq, ne, lt, le, gt, ge, matmul, linear, sum, mean, maxAll as max, argmax, cat, stack, indexSelect, gather,
  crossEntropy,
  softmax, logSoftmax,
} from './ops';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad_mode';
export { tidy, keep } from './tidy';
export * as nn from './nn';
export * as optim from './optim';
export { DataLoader, Dataset, TensorDataset, Subset, CSVDataset, randomSplit, datasets, transforms } from './data';
export * as io from './io';
export * as metrics from './metrics';
export { fit, evaluate, callbacks, saveCheckpoint, loadCheckpoint, loadWeights } from './train';
export type { FitOptions, History, Callback, EpochLogs, Checkpoint } from './train';
export * as plot from './utils/plot';
export * as utils from './utils';
export { save, load } from './io';
export { functional as F } from './nn';

/** Seeds the generator used by initialisation, rand/randn, dropout and shuffling. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`manualSeed: expected a non-negative integer but got ${seed}`);
  native.manualSeed(seed);
}
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
/** Native memory in use and held in the allocator's cache, in bytes. */
export function memoryStats(): { liveBytes: number; cachedBytes: number } {
  return native.memoryStats();
}
export function buildInfo(): { gemmKernel: string; cuda: boolean } {
  return native.buildInfo();
}
