// CSVDataset: a table of numeric feature columns and a label column, read once into native
// memory as `data` [N, F] and `targets` [N], so DataLoader batches come from two index selects.
//
// The reader is RFC 4180 with the usual latitude: a header row (or none), one delimiter
// character, quoted fields ("a, b", "say ""hi""") that may span lines, CRLF or LF line ends, a
// UTF-8 byte-order mark, blank lines skipped. Header names and numeric cells are trimmed; a header
// that names a column twice is refused.
// Numbers are decimal (1, -2.5, .5, 1e-3) or nan / inf / -inf (any case); anything else in a
// feature column is an error naming the line and the column.
import * as fs from 'fs';
import * as path from 'path';
import { Tensor } from '../tensor';
import * as ops from '../ops';
import { checkIndex, Dataset, indexTensor } from './dataset';
import { Transform } from './transforms';

export interface CSVDatasetOptions {
  /** the label column: its header name (or its index when header is false) */
  label: string | number;
  /** the feature columns, in this order (default: every column but the label, in file order) */
  features?: (string | number)[];
  /** the first row names the columns (default true); without one, columns are named '0', '1', ... */
  header?: boolean;
  /** one character between fields (default ',') */
  delimiter?: string;
  /** applied to each sample's features (a tensor [F]); a batched form keeps the getBatch fast path */
  transform?: Transform;
  /** applied to each label (a 0-d tensor) */
  targetTransform?: Transform;
  /**
   * 'int64' (default): class indices. Labels that are all non-negative integers are used as
   * they are; otherwise the distinct label strings, sorted, become classes 0, 1, ... (`classes`).
   * 'float32' / 'float64': numeric targets (regression).
   */
  labelDtype?: 'int64' | 'float32' | 'float64';
  /**
   * int64 labels: the number of classes the model predicts; a numeric label outside
   * [0, numClasses) is an error naming its line (string labels: more distinct names than this).
   */
  numClasses?: number;
  /** dtype of the features (default 'float32') */
  dtype?: 'float32' | 'float64';
}

/** A value as an error message shows it: numbers as they are (NaN too), strings quoted with their type. */
function show(v: unknown): string {
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number in a trimmed cell, or undefined when it is not one. */
function parseNumber(s: string): number | undefined {
  if (NUMBER.test(s)) return Number(s);
  const l = s.toLowerCase();
  if (l === 'nan' || l === '+nan' || l === '-nan') return NaN;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return undefined;
}

/**
 * Splits CSV text into records, calling onRecord(fields, line) for each non-blank record with
 * the 1-based line it starts on. Throws (naming `where`) on an unterminated quote or text after
 * a closing quote.
 * @internal
 */
export function parseCsv(text: string, delimiter: string, where: string, onRecord: (fields: string[], line: number) => void): void {
  const d = delimiter.charCodeAt(0);
  const QUOTE = 34;
  const LF = 10;
  const CR = 13;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    // one record
    for (;;) {
      let field: string;
      if (text.charCodeAt(i) === QUOTE) {
        const open = line;
        let buf = '';
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) throw new RangeError(`CSVDataset: ${where}: unterminated quoted field (opened on line ${open})`);
          const chunk = text.slice(j, q);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === LF) line++;
          buf += chunk;
          if (text.charCodeAt(q + 1) === QUOTE) {
            buf += '"';
            j = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        const c = i < n ? text.charCodeAt(i) : LF;
        if (c !== d && c !== LF && c !== CR) {
          throw new RangeError(`CSVDataset: ${where}: line ${line}: unexpected text after a closing quote (${JSON.stringify(text.slice(i, i + 10))})`);
        }
        field = buf;
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === d || c === LF || c === CR) break;
          j++;
        }
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i < n && text.charCodeAt(i) === d) {
        i++;
        continue;
      }
      // end of record: CRLF, LF, lone CR or end of text
      if (i < n && text.charCodeAt(i) === CR) i++;
      if (i < n && text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    if (fields.length === 1 && fields[0].trim() === '') continue; // a blank line
    onRecord(fields, start);
  }
}

/**
 * A dataset read from a CSV file: numeric feature columns and a label column, chosen by name.
 *
 * Args: path, then options: label (required), features (all other columns), header (true),
 * delimiter (','), transform, targetTransform, labelDtype ('int64'), dtype ('float32').
 * `get(i)` returns `[features, label]`: a float tensor [F] (after transform) and a 0-d tensor
 * (after targetTransform). DataLoader batches are `[x [B, F], y [B]]` built by `getBatch`.
 * Example:
 *   const ds = new CSVDataset('iris.csv', { label: 'species' });   // ds.classes: the species names
 *   const [train, test] = randomSplit(ds, [0.8, 0.2], { seed: 0 });
 *   for (const [x, y] of new DataLoader(train, { batchSize: 16, shuffle: true })) { ... }
 */
export class CSVDataset extends Dataset<[any, any]> {
  /** the features, [N, F] */
  readonly data: Tensor;
  /** the labels, [N]: int64 class indices, or float (labelDtype) */
  readonly targets: Tensor;
  /** the feature columns' names, in the order of data's columns */
  readonly featureNames: string[];
  /** the label column's name */
  readonly labelName: string;
  /** class names when the labels were strings (index = class index), else null */
  readonly classes: string[] | null;
  /** class name -> index, when the labels were strings, else null */
  readonly classToIdx: Record<string, number> | null;
  readonly path: string;
  readonly transform?: Transform;
  readonly targetTransform?: Transform;

  constructor(file: string, opts: CSVDatasetOptions) {
    super();
    const op = 'CSVDataset';
    if (typeof file !== 'string' || file === '') throw new TypeError(`${op}: expected the path of a CSV file as the first argument`);
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${op}: expected an options object with label (the label column's name)`);
    const header = opts.header ?? true;
    const delimiter = opts.delimiter ?? ',';
    if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new TypeError(`${op}: delimiter must be one character (not a quote or a line break) but got ${JSON.stringify(delimiter)}`);
    }
    const labelDtype = opts.labelDtype ?? 'int64';
    if (!['int64', 'float32', 'float64'].includes(labelDtype)) {
      throw new TypeError(`${op}: labelDtype must be 'int64', 'float32' or 'float64' but got ${JSON.stringify(labelDtype)}`);
    }
    const dtype = opts.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`${op}: dtype must be 'float32' or 'float64' but got ${JSON.stringify(dtype)}`);
    for (const k of ['transform', 'targetTransform'] as const) {
      if (opts[k] !== undefined && typeof opts[k] !== 'function') throw new TypeError(`${op}: ${k} must be a function (a transform)`);
    }
    if (opts.label === undefined) throw new TypeError(`${op}: options.label (the label column's name) is required`);
    const numClasses = opts.numClasses;
    if (numClasses !== undefined && (!Number.isSafeInteger(numClasses) || numClasses < 1 || labelDtype !== 'int64')) {
      throw new (typeof numClasses === 'number' ? RangeError : TypeError)(
        `${op}: numClasses must be a positive integer with int64 labels but got ${show(numClasses)}` +
        (labelDtype !== 'int64' ? ` (labelDtype ${labelDtype})` : ''));
    }
    this.path = path.resolve(file);
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;

    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${op}: cannot read ${file}: ${(e as Error).message}`);
    }
    const where = file;

    // Pass 1 collects the header and the records (as strings: the label column's kind is known
    // only once every row is seen).
    let names: string[] | null = null;
    let headerLine = 0;
    const rows: string[][] = [];
    const lines: number[] = [];
    parseCsv(text, delimiter, where, (fields, line) => {
      if (names === null) {
        headerLine = line;
        if (header) {
          const hn = fields.map((f) => f.trim());
          const dup = hn.findIndex((c, k) => hn.indexOf(c) !== k);
          if (dup >= 0) {
            const cols = hn.reduce<number[]>((acc, c, k) => (c === hn[dup] ? [...acc, k + 1] : acc), []);
            throw new RangeError(`${op}: the header (line ${line}) of ${where} names column '${hn[dup]}' ${cols.length} times ` +
              `(columns ${cols.join(', ')}); column names must be unique`);
          }
          names = hn;
          return;
        }
        names = fields.map((_, k) => String(k));
      }
      if (fields.length !== names.length) {
        throw new RangeError(`${op}: line ${line} of ${where} has ${fields.length} fields but ` +
          `${header ? 'the header' : 'the first row'} (line ${headerLine}) has ${names.length}`);
      }
      rows.push(fields);
      lines.push(line);
    });
    if (names === null) throw new RangeError(`${op}: ${where} is empty`);
    if (rows.length === 0) throw new RangeError(`${op}: ${where} has a header but no data rows`);
    const cols: string[] = names;

    const columnOf = (key: string | number, what: string): number => {
      const name = String(key);
      const hit = cols.indexOf(name); // names are unique (checked with the header)
      if (hit >= 0) return hit;
      const near = cols.find((c) => c.toLowerCase() === name.toLowerCase());
      throw new RangeError(`${op}: no ${what} column '${name}' in ${where}` + (near !== undefined ? ` (did you mean '${near}'?)` : '') +
        `; ${header ? `the header (line ${headerLine}) has` : 'without a header the columns are'}: ${cols.join(', ')}`);
    };
    const li = columnOf(opts.label, 'label');
    let fi: number[];
    if (opts.features === undefined) {
      fi = cols.map((_, k) => k).filter((k) => k !== li);
    } else {
      if (!Array.isArray(opts.features) || opts.features.length === 0) {
        throw new TypeError(`${op}: features must be a non-empty array of column names`);
      }
      fi = opts.features.map((f) => columnOf(f, 'feature'));
      if (fi.includes(li)) throw new RangeError(`${op}: the label column '${cols[li]}' is also listed in features`);
      const dup = fi.find((k, j) => fi.indexOf(k) !== j);
      if (dup !== undefined) throw new RangeError(`${op}: features lists column '${cols[dup]}' twice`);
    }
    if (fi.length === 0) throw new RangeError(`${op}: ${where} has no feature columns besides the label '${cols[li]}'`);
    this.featureNames = fi.map((k) => cols[k]);
    this.labelName = cols[li];

    // Features, row by row.
    const nr = rows.length;
    const nf = fi.length;
    const x = new Float64Array(nr * nf);
    for (let r = 0; r < nr; r++) {
      const row = rows[r];
      for (let j = 0; j < nf; j++) {
        const cell = row[fi[j]].trim();
        const v = parseNumber(cell);
        if (v === undefined) {
          throw new TypeError(`${op}: line ${lines[r]} of ${where}, column '${cols[fi[j]]}': expected a number but ` +
            (cell === '' ? 'the cell is empty' : `got '${cell.length > 40 ? cell.slice(0, 40) + '...' : cell}'`) +
            (opts.features === undefined ? ' (pass features to choose the numeric columns)' : ''));
        }
        x[r * nf + j] = v;
      }
    }

    // Labels.
    const raw = rows.map((row) => row[li].trim());
    let classes: string[] | null = null;
    if (labelDtype === 'int64') {
      const nums = raw.map(parseNumber);
      if (nums.every((v) => v !== undefined)) {
        nums.forEach((v, r) => {
          if (!Number.isSafeInteger(v) || v! < 0) {
            throw new RangeError(`${op}: line ${lines[r]} of ${where}, label column '${cols[li]}': class labels must be non-negative ` +
              `integers but got '${raw[r]}' (pass labelDtype: 'float32' for numeric targets)`);
          }
          if (numClasses !== undefined && v! >= numClasses) {
            throw new RangeError(`${op}: line ${lines[r]} of ${where}, label column '${cols[li]}': label ${raw[r]} is outside the ` +
              `${numClasses} classes (0 to ${numClasses - 1}) given by numClasses`);
          }
        });
        this.targets = ops.tensor(BigInt64Array.from(nums as number[], (v) => BigInt(v)), { dtype: 'int64', shape: [nr] });
      } else {
        raw.forEach((s, r) => {
          if (s === '') throw new TypeError(`${op}: line ${lines[r]} of ${where}, label column '${cols[li]}': the cell is empty`);
        });
        classes = [...new Set(raw)].sort();
        if (numClasses !== undefined && classes.length > numClasses) {
          throw new RangeError(`${op}: the label column '${cols[li]}' of ${where} holds ${classes.length} distinct classes ` +
            `(${classes.slice(0, 12).join(', ')}${classes.length > 12 ? ', ...' : ''}) but numClasses is ${numClasses}`);
        }
        const idx = new Map(classes.map((c, k) => [c, k]));
        this.targets = ops.tensor(BigInt64Array.from(raw, (s) => BigInt(idx.get(s)!)), { dtype: 'int64', shape: [nr] });
      }
    } else {
      const y = new Float64Array(nr);
      raw.forEach((s, r) => {
        const v = parseNumber(s);
        if (v === undefined) {
          throw new TypeError(`${op}: line ${lines[r]} of ${where}, label column '${cols[li]}': expected a number but ` +
            (s === '' ? 'the cell is empty' : `got '${s}'`) + ` (labelDtype ${labelDtype})`);
        }
        y[r] = v;
      });
      this.targets = ops.tensor(y, { dtype: labelDtype, shape: [nr] });
    }
    this.classes = classes;
    this.classToIdx = classes ? Object.fromEntries(classes.map((c, k) => [c, k])) : null;
    this.data = ops.tensor(x, { dtype, shape: [nr, nf] });
  }

  get length(): number {
    return this.targets.shape[0];
  }

  /** `[features, label]`: features [F] after transform, the label (0-d) after targetTransform. */
  get(index: number): [any, any] {
    const i = checkIndex('CSVDataset.get', index, this.length);
    const x = ops.select(this.data, 0, i);
    const y = ops.select(this.targets, 0, i);
    return [this.transform ? this.transform(x) : x, this.targetTransform ? this.targetTransform(y) : y];
  }

  /**
   * The batch `[x [B, F], y [B]]` for these indices: two index selects, then the transform's
   * batched form. Undefined when a transform has no batched form (DataLoader then collates).
   */
  getBatch(indices: Int32Array): [Tensor, Tensor] | undefined {
    if (this.targetTransform || (this.transform && typeof this.transform.batched !== 'function')) return undefined;
    const idx = indexTensor(indices);
    const x = ops.indexSelect(this.data, 0, idx);
    const y = ops.indexSelect(this.targets, 0, idx);
    idx.dispose();
    return [this.transform ? this.transform.batched!(x) : x, y];
  }

  toString(): string {
    const lines = [`Dataset CSVDataset`, `    Number of datapoints: ${this.length}`, `    File: ${this.path}`,
      `    Features (${this.featureNames.length}): ${this.featureNames.join(', ')}`,
      `    Label: ${this.labelName}${this.classes ? ` (${this.classes.length} classes)` : ` (${this.targets.dtype})`}`];
    if (this.transform) lines.push(`    Transform: ${String(this.transform)}`);
    return lines.join('\n');
  }
}
