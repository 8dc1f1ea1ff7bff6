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
import { parseCsv } from '../../lib/data/csv';
import { loadWeights } from '../../lib/train';
import {
  CliContext, Io, UsageError, CLASSIFIERS, checkReadable, datasetOpt, intOpt, joinNegatives, modelOpt, pathOpt, runCommand, seedTransform,
} from './common';

export const PREDICT_HELP = `Usage: flint predict --model NAME --weights FILE IMAGE.png
       flint predict --model NAME --weights FILE --csv FILE --row N [--label COLUMN]

Prints a trained classifier's class probabilities for one input and its prediction. A PNG
(grayscale, RGB or palette; any size) becomes a 28x28 grayscale image as in training: colour to
gray, transparency over white, padded to a square and resized by area averaging, light digit on
a dark background (inverted when its border is light, see --invert), then ToTensor +
Normalize([0.5], [0.5]). A CSV row holds the 784 pixels (0-255, row by row) in its columns
other than the label column, as the common MNIST CSV files do. Without --label, a CSV whose
header has exactly 784 columns and none named label is all pixels, with no label. Only the
requested row is read as numbers: a bad cell in another row does not matter.

Options:
  --model NAME        ${CLASSIFIERS.join(', ')} (as in flint train)           [required]
  --weights FILE      flint train --out's state dict or a --checkpoint file      [required]
  --dataset NAME      names the classes: mnist or fashion-mnist          [default: mnist]
  --csv FILE          read the input from a CSV file (with a header row) instead of a PNG
  --row N             the CSV data row, counted from 0 (the header is not a row)
  --label COLUMN      the CSV's label column, shown beside the prediction   [default: label]
                      (none when left out and the header has exactly 784 columns)
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
  /** --label was given (else a 784-column header without 'label' is all pixels) */
  labelGiven: boolean;
  invert: 'auto' | 'always' | 'never';
  json: boolean;
}

const PREDICT_OPTIONS = {
  model: { type: 'string' },
  weights: { type: 'string' },
  dataset: { type: 'string' },
  csv: { type: 'string' },
  row: { type: 'string' },
  label: { type: 'string' },
  invert: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parsePredict(argv: string[], ctx: CliContext): PredictArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: joinNegatives(argv, PREDICT_OPTIONS),
    strict: true,
    allowPositionals: true,
    options: PREDICT_OPTIONS,
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
  if (values.label === '') throw new UsageError('--label expects a column name');
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
    labelGiven: values.label !== undefined,
    invert,
    json: values.json ?? false,
  };
}

/** A PNG's pixels as 8-bit gray, row-major (see the file header for the conversion). */
export function decodeGray(bytes: Buffer, file = 'image'): { gray: Uint8Array; width: number; height: number } {
  let png: { width: number; height: number; data: Buffer };
  if (bytes.length === 0) throw new Error(`${file} is empty, not a PNG image`);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const head = bytes.subarray(0, 8);
  if (!head.equals(sig.subarray(0, head.length))) throw new Error(`${file} is not a readable PNG image (it does not start with the PNG signature)`);
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    // pngjs's words for data that ends before the image does
    if (/read requests? wait\w* on finished stream|unexpected end/i.test(msg)) {
      throw new Error(`${file} is truncated or not a valid PNG image (it ends before the image data does)`);
    }
    throw new Error(`${file} is not a readable PNG image (${msg})`);
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
  const abs = checkReadable(file, 'image');
  const { gray, width, height } = decodeGray(fs.readFileSync(abs), abs);
  const border = borderMean(gray, width, height);
  const inverted = invert === 'always' || (invert === 'auto' && border > 127.5);
  const pixels = squareResize(gray, width, height, 28, Math.round(border));
  if (inverted) for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i];
  return { pixels, inverted, width, height };
}

/** Column names for a message: all of a few, else the first three and the last. */
function someColumns(names: string[]): string {
  const q = (n: string) => `'${n.length > 30 ? n.slice(0, 30) + '...' : n}'`;
  return names.length <= 6 ? names.map(q).join(', ') : `${names.slice(0, 3).map(q).join(', ')}, ..., ${q(names[names.length - 1])}`;
}

/**
 * One CSV data row's 784 pixels and its label (when the file has the label column). Only that
 * row's cells are read as numbers, so bad cells elsewhere do not matter.
 */
export function csvInput(file: string, row: number, label: string, labelGiven = true): { pixels: Uint8Array; label?: string } {
  const abs = checkReadable(file, 'CSV file');
  const text = fs.readFileSync(abs, 'utf8');
  let header: string[] | null = null;
  let rec: { fields: string[]; line: number } | null = null;
  let rows = 0;
  const found = {};
  try {
    parseCsv(text, ',', abs, (fields, line) => {
      if (header === null) header = fields.map((f) => f.trim());
      else if (rows++ === row) {
        rec = { fields, line };
        throw found; // the rest of the file is not needed
      }
    });
  } catch (e) {
    if (e !== found) throw new Error((e as Error).message.replace(/^CSVDataset: /, ''));
  }
  if (header === null) throw new Error(`CSV file ${abs} is empty (expected a header row, then rows of pixels)`);
  const names: string[] = header;
  let li = names.indexOf(label);
  if (li < 0) {
    if (!labelGiven && names.length === 784) li = -1; // all pixels, no label
    else {
      throw new Error(`${abs} has no label column '${label}'; its ${names.length} column${names.length === 1 ? ' is' : 's are'} ${someColumns(names)} ` +
        '(name the label column with --label, or give a file of exactly 784 pixel columns without --label)');
    }
  }
  const pixelCols = names.length - (li >= 0 ? 1 : 0);
  if (pixelCols !== 784) {
    throw new Error(`${abs} has ${pixelCols} pixel columns${li >= 0 ? ` besides '${names[li]}'` : ''}, but a 28x28 image needs 784 ` +
      '(predict takes a CSV of the 784 pixel columns and, optionally, the label column)');
  }
  if (rec === null) throw new Error(`--row ${row} is past the end of ${abs}: it has ${rows} data rows${rows ? ` (0 to ${rows - 1})` : ''}`);
  const { fields, line } = rec as { fields: string[]; line: number };
  if (fields.length !== names.length) {
    throw new Error(`${abs} row ${row} (line ${line}) has ${fields.length} cells, but the header has ${names.length} columns`);
  }
  const pixels = new Uint8Array(784);
  let p = 0;
  for (let i = 0; i < fields.length; i++) {
    if (i === li) continue;
    const cell = fields[i].trim();
    const v = cell === '' ? NaN : Number(cell);
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      const shown = cell === '' ? 'empty' : `'${cell.length > 20 ? cell.slice(0, 20) + '...' : cell}'`;
      throw new Error(`${abs} row ${row} (line ${line}): pixel ${p} (column '${names[i]}') is ${shown}, but pixels are whole numbers 0-255`);
    }
    pixels[p++] = v;
  }
  return { pixels, ...(li >= 0 ? { label: fields[li].trim() } : {}) };
}

export async function predictCommand(argv: string[], io: Io, ctx: CliContext): Promise<number> {
  return runCommand('predict', io, async () => {
    const a = parsePredict(argv, ctx);
    if (a === 'help') {
      io.out(PREDICT_HELP);
      return 0;
    }
    const model = ctx.models[a.model]();
    loadWeights(model, checkReadable(a.weights, 'weights file'));
    let pixels: Uint8Array;
    let inverted = false;
    let label: string | undefined;
    let source: string;
    if (a.csv !== undefined) {
      ({ pixels, label } = csvInput(a.csv, a.row!, a.label, a.labelGiven));
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
