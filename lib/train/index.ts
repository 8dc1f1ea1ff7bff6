// flint's training layer over the PyTorch-style pieces: fit (the loop as one call), evaluate,
// callbacks (early stopping, checkpoints, progress) and resumable checkpoints.
export { fit, evaluate, epochSeed } from './fit';
export type { FitOptions, EvaluateOptions, EvaluateResult, Metric, MetricName, MetricFn } from './fit';
export * as callbacks from './callbacks';
export type { Callback, History, EpochLogs, FitState, BatchLogs } from './callbacks';
export {
  saveCheckpoint, loadCheckpoint, loadWeights, isCheckpoint, modelSignature, checkSignature, CHECKPOINT_FORMAT,
} from './checkpoint';
export type { Checkpoint, ModelSignature, SaveCheckpointOptions } from './checkpoint';
export { isInteractive, formatDuration } from './progress';
