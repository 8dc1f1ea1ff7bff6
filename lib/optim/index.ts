export { Optimizer, ParamGroup } from './optimizer';
export { SGD, SGDOptions } from './sgd';
