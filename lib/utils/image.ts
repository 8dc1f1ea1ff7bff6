// Images from tensors, as torchvision.utils does it: makeGrid tiles a batch of single-channel
// images into one (make_grid: nrow per row, padding between and around), savePng writes a tensor
// or a grid as an 8-bit grayscale PNG (save_image: value * 255 + 0.5, clamped, truncated).
import { Tensor } from '../tensor';
import { tensor } from '../ops';
import { writePng } from '../io/png';

export interface GridOptions {
  /** images per row of the grid (torchvision's nrow) [default: 8] */
  nrow?: number;
  /** pixels between the images and around the grid [default: 2] */
  padding?: number;
  /** the value of the padding pixels, in the tensor's units [default: the low end of valueRange, black] */
  padValue?: number;
}

export interface PngOptions extends GridOptions {
  /** the values shown as black and white; float tensors only [default: [0, 1]; uint8 is 0..255] */
  valueRange?: [number, number];
  /** map the tensor's own minimum to black and maximum to white (overrides valueRange) */
  normalize?: boolean;
}

type Pixels = Float64Array | Float32Array | Uint8Array;

function imagesOf(op: string, t: Tensor): { data: Pixels; n: number; h: number; w: number; single: boolean } {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor but got ${t === null ? 'null' : typeof t}`);
  if (t.dtype !== 'float32' && t.dtype !== 'float64' && t.dtype !== 'uint8') {
    throw new TypeError(`${op}: expected a float32, float64 or uint8 tensor but got ${t.dtype}`);
  }
  const s = t.shape;
  let n: number;
  let single = false;
  if (s.length === 2) [n, single] = [1, true];
  else if (s.length === 3) n = s[0]; // [N, H, W] (N = 1: one image [1, H, W])
  else if (s.length === 4 && s[1] === 1) n = s[0]; // [N, 1, H, W]
  else throw new RangeError(`${op}: expected an image [H, W], images [N, H, W] or [N, 1, H, W] (one channel) but got shape [${s.join(', ')}]`);
  const [h, w] = s.slice(-2);
  if (n < 1 || h < 1 || w < 1) throw new RangeError(`${op}: expected at least one non-empty image but got shape [${s.join(', ')}]`);
  return { data: t.dataSync() as Pixels, n, h, w, single: single || n === 1 };
}

function gridOf(op: string, t: Tensor, o: GridOptions, dflt: number) {
  const { data, n, h, w, single } = imagesOf(op, t);
  const nrow = o.nrow ?? 8;
  const pad = o.padding ?? 2;
  if (!Number.isInteger(nrow) || nrow < 1) throw new RangeError(`${op}: nrow must be a positive integer but got ${nrow}`);
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`${op}: padding must be a non-negative integer but got ${pad}`);
  // One image is returned as it is, without padding (as torchvision's make_grid).
  if (single) return { data, width: w, height: h };
  const cols = Math.min(nrow, n);
  const rows = Math.ceil(n / cols);
  const width = cols * (w + pad) + pad;
  const height = rows * (h + pad) + pad;
  const out = new (data.constructor as new (n: number) => Pixels)(width * height).fill(o.padValue ?? dflt);
  for (let k = 0; k < n; k++) {
    const y0 = Math.floor(k / cols) * (h + pad) + pad;
    const x0 = (k % cols) * (w + pad) + pad;
    for (let y = 0; y < h; y++) out.set(data.subarray((k * h + y) * w, (k * h + y + 1) * w), (y0 + y) * width + x0);
  }
  return { data: out, width, height };
}

/**
 * Tiles single-channel images into one grid image, as torchvision.utils.make_grid: `nrow`
 * images a row, `padding` pixels of `padValue` between and around them.
 *
 * Shape: [N, 1, H, W] or [N, H, W] -> [rows * (H + padding) + padding, cols * (W + padding) + padding]
 * with cols = min(nrow, N); one image ([H, W], [1, H, W], [1, 1, H, W]) comes back as [H, W].
 * The dtype (float32, float64 or uint8) is kept.
 * Example: `utils.makeGrid(G.forward(z).view(64, 1, 28, 28), { padValue: -1 })`  // [242, 242]
 */
export function makeGrid(t: Tensor, opts: GridOptions = {}): Tensor {
  const g = gridOf('makeGrid', t, opts, 0);
  return tensor(g.data, { dtype: t.dtype, shape: [g.height, g.width] });
}

/**
 * Writes a tensor as an 8-bit grayscale PNG file: one image [H, W], or a batch [N, 1, H, W] /
 * [N, H, W] tiled by makeGrid (options nrow, padding, padValue). Float values map from
 * `valueRange` (default [0, 1]; `normalize: true`: the tensor's min and max) to 0..255 as
 * torchvision's save_image does (scaled, + 0.5, clamped, truncated; NaN is black); uint8 values
 * are written as they are.
 * Example: `utils.savePng(fake.view(64, 1, 28, 28), 'samples.png', { valueRange: [-1, 1] })`
 */
export function savePng(t: Tensor, path: string, opts: PngOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('savePng: path must be a non-empty string');
  let [lo, hi] = opts.valueRange ?? [0, 1];
  if (t instanceof Tensor && t.dtype !== 'uint8') {
    if (opts.normalize) {
      const d = t.dataSync() as Float32Array | Float64Array;
      [lo, hi] = [Infinity, -Infinity];
      for (let i = 0; i < d.length; i++) {
        if (d[i] < lo) lo = d[i];
        if (d[i] > hi) hi = d[i];
      }
    }
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo)) {
      throw new RangeError(`savePng: the value range must be finite with low <= high but got [${lo}, ${hi}]`);
    }
  }
  const g = gridOf('savePng', t, opts, t instanceof Tensor && t.dtype === 'uint8' ? 0 : lo);
  let pixels: Uint8Array;
  if (g.data instanceof Uint8Array) pixels = g.data;
  else {
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    pixels = new Uint8Array(g.data.length);
    for (let i = 0; i < g.data.length; i++) {
      const v = (g.data[i] - lo) * scale + 0.5; // NaN fails both tests below: 0
      pixels[i] = v >= 255 ? 255 : v > 0 ? v : 0; // Uint8Array truncates
    }
  }
  writePng(path, pixels, g.width, g.height);
}
