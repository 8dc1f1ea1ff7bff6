// Seeded gradcheck inputs for the op tests: `inp(shape, opts)` draws uniform values (or values
// kept away from kinks), optionally as a non-contiguous leaf or a constant.
import { GradcheckInput, uniform, uniformAway } from './gradcheck';

export interface InpOptions {
  lo?: number;
  hi?: number;
  /** non-contiguous leaf (a transposed view; stride 2 for 1-D) */
  nc?: boolean;
  /** keep values apart from each other and from 0 (relu/abs kinks, max ties) */
  away?: boolean;
  /** false: a constant input */
  rg?: boolean;
}

export function inputMaker(firstSeed: number): (shape: number[], o?: InpOptions) => GradcheckInput {
  let seed = firstSeed;
  return (shape, o = {}) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const s = seed++;
    const data = o.away ? uniformAway(n, s, o.lo ?? -1, o.hi ?? 1) : uniform(n, s, o.lo ?? -1, o.hi ?? 1);
    return { data, shape, noncontiguous: o.nc, requiresGrad: o.rg };
  };
}
