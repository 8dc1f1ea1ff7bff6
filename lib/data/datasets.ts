// flint.datasets (torchvision.datasets): the datasets that ship with flint.
export { MNIST, FashionMNIST, MNISTOptions } from './mnist';
export { CSVDataset, CSVDatasetOptions } from './csv';
