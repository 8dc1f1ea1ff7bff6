// flint predict: a trained classifier's class probabilities for one image (a PNG) or one row of
// a CSV file. The input becomes what the model was trained on: a 28x28 grayscale image,
// ToTensor + Normalize([0.5], [0.5]) as flint train.
//
// PNG decoding is pngjs's (any bit depth, palette, interlacing; 16-bit samples scaled to 8).
// Colour becomes gray as PIL's convert('L') does (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16);
// transparent pixels are composited over white. A non-square image is padded to a square with
// its border colour, then resized to 28x28 by averaging the source area under each pixel.
// MNIST digits are light on dark: with --invert auto (the default) an image whose border is
// mostly light (a dark digit on paper) is inverted, and the output says so.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { PNG } from 'pngjs';
import * as flint from '../../lib';
import { CSVDataset } from '../../lib/data';
import { loadWeights } from '../../lib/train';
import { CliContext, Io, UsageError, CLASSIFIERS, datasetOpt, intOpt, modelOpt, pathOpt, runCommand, seedTransform } from './common';

export const PREDICT_HELP = `Usage: flint predict --model NAME --weights FILE IMAGE.png
       flint predict --model NAME --weights FILE --csv FILE --row N [--label COLUMN]

Prints a trained classifier's class probabilities for one input and its prediction. A PNG
(grayscale, RGB or palette; any size) becomes a 28x28 grayscale image as in training: colour to
gray, transparency over white, padded to a square and resized by area averaging, light digit on
a dark background (inverted when its border is light, see --invert), then ToTensor +
Normalize([0.5], [0.5]). A CSV row holds the 784 pixels (0-255, row by row) in its columns
other than the label column, as the common MNIST CSV files do.

Options:
  --model NAME        ${CLASSIFIERS.join(', ')} (as in flint train)           [required]
  --weights FILE      flint train --out's state dict or a --checkpoint file      [required]
  --dataset NAME      names the classes: mnist or fashion-mnist          [default: mnist]
  --csv FILE          read the input from a CSV file (with a header row) instead of a PNG
  --row N             the CSV data row, counted from 0 (the header is not a row)
  --label COLUMN      the CSV's label column, shown beside the prediction   [default: label]
  --invert MODE       auto, always or never: make a dark-on-light image light-on-dark
                                                                         [default: auto]
  --json              print one line of JSON: prediction, class, probabilities, inverted
  -h, --help          show this help

Examples:
  flint predict --model mlp --weights mlp.safetensors digit.png
  flint predict --model mlp --weights mlp.safetensors --csv mnist_test.csv --row 0
`;

interface PredictArgs {
  model: string;
  weights: string;
  dataset: string;
  image?: string;
  csv?: string;
  row?: number;
  label: string;
  invert: 'auto' | 'always' | 'never';
  json: boolean;
}

function parsePredict(argv: string[], ctx: CliContext): PredictArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      weights: { type: 'string' },
      dataset: { type: 'string' },
      csv: { type: 'string' },
      row: { type: 'string' },
      label: { type: 'string' },
      invert: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const model = modelOpt(ctx, values.model, true);
  const weights = pathOpt('weights', values.weights);
  if (weights === undefined) throw new UsageError('--weights is required (the trained weights, a safetensors file)');
  const csv = pathOpt('csv', values.csv);
  if (positionals.length > 1) throw new UsageError(`expected one image but got ${positionals.length}: ${positionals.join(' ')}`);
  const image = positionals[0];
  if (image !== undefined && csv !== undefined) throw new UsageError('give an image or --csv, not both');
  if (image === undefined && csv === undefined) throw new UsageError('expected an image (IMAGE.png) or --csv FILE --row N');
  if (csv !== undefined && values.row === undefined) throw new UsageError('--csv needs --row N (which data row to classify)');
  if (csv === undefined && (values.row !== undefined || values.label !== undefined)) throw new UsageError('--row and --label go with --csv');
  const invert = values.invert ?? 'auto';
  if (invert !== 'auto' && invert !== 'always' && invert !== 'never') throw new UsageError(`--invert expects auto, always or never but got '${invert}'`);
  return {
    model,
    weights,
    dataset: datasetOpt(ctx, values.dataset),
    image,
    csv,
    row: intOpt('row', values.row, undefined, 0),
    label: values.label ?? 'label',
    invert,
    json: values.json ?? false,
  };
}

/** A PNG's pixels as 8-bit gray, row-major (see the file header for the conversion). */
export function decodeGray(bytes: Buffer, file = 'image'): { gray: Uint8Array; width: number; height: number } {
  let png: { width: number; height: number; data: Buffer };
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw new Error(`${file} is not a readable PNG image (${(e as Error).message})`);
  }
  const { width, height, data } = png; // RGBA, 8 bits a sample
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const a = data[4 * i + 3];
    // over white: c' = c * a / 255 + 255 * (1 - a / 255)
    const over = (c: number) => (a === 255 ? c : Math.round((c * a + 255 * (255 - a)) / 255));
    gray[i] = (19595 * over(data[4 * i]) + 38470 * over(data[4 * i + 1]) + 7471 * over(data[4 * i + 2]) + 0x8000) >> 16;
  }
  return { gray, width, height };
}

/** The mean of the outermost ring of pixels. */
function borderMean(g: Uint8Array, w: number, h: number): number {
  let s = 0;
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (y === 0 || x === 0 || y === h - 1 || x === w - 1) {
        s += g[y * w + x];
        n++;
      }
    }
  }
  return s / n;
}

/**
 * Pads to a square with `fill`, then resizes to size x size: each output pixel is the mean of
 * the source area it covers (exact fractional coverage), rounded.
 */
export function squareResize(g: Uint8Array, w: number, h: number, size: number, fill: number): Uint8Array {
  const n = Math.max(w, h);
  let sq = g;
  if (w !== h) {
    sq = new Uint8Array(n * n).fill(fill);
    const ox = Math.floor((n - w) / 2);
    const oy = Math.floor((n - h) / 2);
    for (let y = 0; y < h; y++) sq.set(g.subarray(y * w, (y + 1) * w), (y + oy) * n + ox);
  }
  if (n === size) return sq;
  const out = new Uint8Array(size * size);
  const scale = n / size;
  // coverage of source cells [k, k+1) by output cell [i*scale, (i+1)*scale)
  const spans = Array.from({ length: size }, (_, i) => {
    const a = i * scale;
    const b = (i + 1) * scale;
    const parts: [number, number][] = [];
    for (let k = Math.floor(a); k < Math.min(n, Math.ceil(b)); k++) parts.push([k, Math.min(b, k + 1) - Math.max(a, k)]);
    return parts;
  });
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let s = 0;
      let wsum = 0;
      for (const [y, wy] of spans[i]) for (const [x, wx] of spans[j]) {
        s += sq[y * n + x] * wy * wx;
        wsum += wy * wx;
      }
      out[i * size + j] = Math.round(s / wsum);
    }
  }
  return out;
}

/** A PNG file as the 28x28 light-on-dark image the models were trained on. */
export function imageInput(file: string, invert: 'auto' | 'always' | 'never'): { pixels: Uint8Array; inverted: boolean; width: number; height: number } {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new Error(`image ${abs} does not exist`);
  const { gray, width, height } = decodeGray(fs.readFileSync(abs), abs);
  const border = borderMean(gray, width, height);
  const inverted = invert === 'always' || (invert === 'auto' && border > 127.5);
  const pixels = squareResize(gray, width, height, 28, Math.round(border));
  if (inverted) for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i];
  return { pixels, inverted, width, height };
}

/** One CSV data row's 784 pixels and its label (when the file has the label column). */
function csvInput(file: string, row: number, label: string): { pixels: Uint8Array; label: string } {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new Error(`CSV file ${abs} does not exist`);
  let ds: CSVDataset;
  try {
    ds = new CSVDataset(abs, { label, labelDtype: 'float64', dtype: 'float64' });
  } catch (e) {
    const msg = (e as Error).message;
    if (/no label column/.test(msg)) throw new Error(`${msg} (name the label column with --label)`);
    throw e;
  }
  if (row >= ds.length) throw new Error(`--row ${row} is past the end of ${abs}: it has ${ds.length} data rows (0 to ${ds.length - 1})`);
  if (ds.featureNames.length !== 784) {
    throw new Error(`${abs} has ${ds.featureNames.length} pixel columns besides '${ds.labelName}', but a 28x28 image needs 784`);
  }
  const [x, y] = ds.get(row) as [flint.Tensor, flint.Tensor];
  const v = x.dataSync() as Float64Array;
  const pixels = new Uint8Array(784);
  for (let i = 0; i < 784; i++) {
    if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] > 255) {
      throw new Error(`${abs} row ${row}: pixel ${i} (column '${ds.featureNames[i]}') is ${v[i]}, but pixels are whole numbers 0-255`);
    }
    pixels[i] = v[i];
  }
  return { pixels, label: String(ds.classes ? ds.classes[y.item()] : y.item()) };
}

export async function predictCommand(argv: string[], io: Io, ctx: CliContext): Promise<number> {
  return runCommand('predict', io, async () => {
    const a = parsePredict(argv, ctx);
    if (a === 'help') {
      io.out(PREDICT_HELP);
      return 0;
    }
    const model = ctx.models[a.model]();
    loadWeights(model, path.resolve(a.weights));
    let pixels: Uint8Array;
    let inverted = false;
    let label: string | undefined;
    let source: string;
    if (a.csv !== undefined) {
      ({ pixels, label } = csvInput(a.csv, a.row!, a.label));
      source = `${path.resolve(a.csv)} row ${a.row}`;
    } else {
      const img = imageInput(a.image!, a.invert);
      ({ pixels, inverted } = img);
      source = `${path.resolve(a.image!)} (${img.width}x${img.height}${img.width === 28 && img.height === 28 ? '' : ' -> 28x28'}${inverted ? ', inverted' : ''})`;
    }
    const x = seedTransform()(flint.tensor(pixels, { dtype: 'uint8', shape: [28, 28] })) as flint.Tensor; // [1, 28, 28]
    model.eval();
    const probs = flint.noGrad(() => model.forward(x.reshape([1, 1, 28, 28])).softmax(1)).dataSync() as Float32Array;
    let best = 0;
    for (let c = 1; c < probs.length; c++) if (probs[c] > probs[best]) best = c;
    const classes = ctx.datasets[a.dataset].classes;
    const name = (c: number) => (classes.length === probs.length ? classes[c] : String(c));
    if (a.json) {
      io.out(JSON.stringify({
        prediction: best, class: name(best), probabilities: Array.from(probs), inverted, ...(label !== undefined ? { label } : {}),
      }) + '\n');
      return 0;
    }
    io.out(`${source}\n`);
    io.out(`prediction: ${name(best)} (${(100 * probs[best]).toFixed(1)} %)${label !== undefined ? `, label ${label}` : ''}\n\n`);
    const w = Math.max(...Array.from(probs, (_, c) => name(c).length));
    for (let c = 0; c < probs.length; c++) {
      io.out(`  ${name(c).padEnd(w)}  ${probs[c].toFixed(4)}  ${'#'.repeat(Math.round(probs[c] * 40))}\n`);
    }
    return 0;
  });
}
