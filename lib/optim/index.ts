export { Optimizer, ParamGroup, OptimizerStateDict, StateSpec } from './optimizer';
export { SGD, SGDOptions } from './sgd';
export { Adam, AdamW, AdamOptions } from './adam';
export { RMSprop, RMSpropOptions } from './rmsprop';
export { Adagrad, AdagradOptions } from './adagrad';
export { Adadelta, AdadeltaOptions } from './adadelta';
export * as lrScheduler from './lr_scheduler';
export { LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau } from './lr_scheduler';
export { stateDictToSafetensors, stateDictFromSafetensors } from './serialize';
