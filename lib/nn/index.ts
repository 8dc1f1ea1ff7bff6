export { Module, Parameter, StateDict } from './module';
export { Linear, ReLU, Identity, Flatten, Sequential } from './layers';
export { CrossEntropyLoss } from './loss';
export * as init from './init';
export * as functional from './functional';
export * as utils from './utils';
