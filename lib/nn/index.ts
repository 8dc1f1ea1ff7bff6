export { Module, Parameter, StateDict } from './module';
export { Linear, ReLU, Identity, Flatten, Sequential } from './layers';
export { CrossEntropyLoss } from './loss';
export { Conv2d, Conv2dOptions } from './conv';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling';
export { RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell, RNNOptions, RNNBaseOptions } from './rnn';
export * as init from './init';
export * as functional from './functional';
export * as utils from './utils';
