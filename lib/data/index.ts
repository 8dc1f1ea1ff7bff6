// flint.data: datasets, transforms and the DataLoader (torch.utils.data + torchvision's parts).
export { Dataset, DatasetLike, TensorDataset, Subset } from './dataset';
export { DataLoader, DataLoaderOptions, defaultCollate } from './dataloader';
export { readIdx, parseIdx, IdxArray } from './idx';
export * as transforms from './transforms';
export * as datasets from './datasets';
