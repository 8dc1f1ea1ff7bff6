// Op families (one file each); Tensor methods and the public surface re-export from here.
export * from './creation';
export * from './view';
export * from './elementwise';
export * from './reduce';
export * from './linalg';
export * from './loss';
export * from './indexing';
export * from './conv';
export * from './pool';
export * from './rnn';
export * from './activation';
export * from './normalization';
export * from './embedding';
export * from './dropout';
