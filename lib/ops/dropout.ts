// Dropout: the input times a mask of 0 and 1/(1-p) drawn from flint's seeded generator
// (native/cpu/dropout.cc), so manualSeed makes it reproducible. The gradient is g * mask.
import { native } from '../native';
import { isFloat, Tensor } from '../tensor';
import { mul } from './elementwise';
import { live } from './util';

/**
 * Zeroes each element with probability p and scales the rest by 1 / (1 - p) when training;
 * returns the input itself when not training or when p is 0 (PyTorch's F.dropout).
 */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  const op = 'dropout';
  live(input, op);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new RangeError(`${op}: probability has to be between 0 and 1 but got ${p}`);
  }
  if (!isFloat(input.dtype)) throw new TypeError(`${op}: expected a float32 or float64 input but got ${input.dtype}`);
  if (!training || p === 0 || input.numel() === 0) return input;
  return mul(input, new Tensor(native.dropoutMask(input.shape, input.dtype, p)));
}
