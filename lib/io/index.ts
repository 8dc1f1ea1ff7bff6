// Saving and loading tensors: safetensors files (PyTorch-compatible state dicts).
export { save, load, serialize, deserialize, readHeader, SafetensorsError } from './safetensors';
export type { TensorDict, SafetensorsMetadata, SafetensorsHeader, SafetensorsTensorInfo } from './safetensors';
