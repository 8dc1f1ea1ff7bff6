// flint.utils: images from tensors (torchvision.utils' make_grid and save_image) and the PNG
// encoder under them.
export { makeGrid, savePng } from './image';
export type { GridOptions, PngOptions } from './image';
export { encodePng, writePng, crc32 } from '../io/png';
