// flint.data: datasets, transforms and the DataLoader (torch.utils.data + torchvision's parts).
export { Dataset, DatasetLike, TensorDataset, Subset, randomSplit, RandomSplitOptions } from './dataset';
export { CSVDataset, CSVDatasetOptions } from './csv';
export { DataLoader, DataLoaderOptions, defaultCollate } from './dataloader';
export { readIdx, parseIdx, IdxArray } from './idx';
export * as transforms from './transforms';
export * as datasets from './datasets';
