// CSVDataset: parsing (quotes, delimiters, header or none, blank lines, CRLF, BOM), feature and
// label selection by name, label kinds, errors with line numbers and column names, and the
// DataLoader fast path against per-sample collation.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flint from '../../lib';
import { CSVDataset, DataLoader, Subset, randomSplit } from '../../lib/data';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-csv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let k = 0;
/** writes text to a fresh temp file and returns its path */
const csv = (text: string): string => {
  const f = path.join(dir, `t${k++}.csv`);
  fs.writeFileSync(f, text);
  return f;
};

const IRIS = `sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.3,3.3,6.0,2.5,virginica
4.9,3.0,1.4,0.2,setosa
5.5,2.3,4.0,1.3,versicolor
`;

describe('reading', () => {
  test('features default to every other column; string labels become sorted classes', () => {
    const ds = new CSVDataset(csv(IRIS), { label: 'species' });
    expect(ds.length).toBe(5);
    expect(ds.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(ds.labelName).toBe('species');
    expect(ds.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(ds.classToIdx).toEqual({ setosa: 0, versicolor: 1, virginica: 2 });
    expect(ds.data.dtype).toBe('float32');
    expect(ds.data.shape).toEqual([5, 4]);
    expect(ds.targets.dtype).toBe('int64');
    expect(ds.targets.toArray()).toEqual([0, 1, 2, 0, 1]);
    const [x, y] = ds.get(2);
    expect(x.shape).toEqual([4]);
    expect(Array.from(x.dataSync())).toEqual([6.3, 3.3, 6.0, 2.5].map(Math.fround));
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(2);
    expect(ds.get(-1)[1].item()).toBe(1);
  });
  test('chosen features in the given order; integer labels are class indices as they are; float labels on request', () => {
    const f = csv('id,a,b,y\n7,1,2,3\n8,4,5,0\n');
    const ds = new CSVDataset(f, { label: 'y', features: ['b', 'a'] });
    expect(ds.data.toArray()).toEqual([[2, 1], [5, 4]]);
    expect(ds.targets.toArray()).toEqual([3, 0]);
    expect(ds.classes).toBeNull();
    const r = new CSVDataset(f, { label: 'y', features: ['a'], labelDtype: 'float64', dtype: 'float64' });
    expect(r.targets.dtype).toBe('float64');
    expect(r.data.dtype).toBe('float64');
    expect(r.targets.toArray()).toEqual([3, 0]);
  });
  test('quoted fields, another delimiter, CRLF, a BOM, blank lines, spaces around numbers', () => {
    const text = '\ufeff"x;1";x2;"the ""label"""\r\n\r\n 1.5 ;-2e1;"a;b"\r\n.25;inf;"multi\nline"\r\n\r\n';
    const ds = new CSVDataset(csv(text), { label: 'the "label"', delimiter: ';' });
    expect(ds.featureNames).toEqual(['x;1', 'x2']);
    expect(ds.data.toArray()).toEqual([[1.5, -20], [0.25, Infinity]]);
    expect(ds.classes).toEqual(['a;b', 'multi\nline']);
  });
  test('without a header, columns are named by index', () => {
    const ds = new CSVDataset(csv('1,2,0\n3,4,1\n'), { header: false, label: 2 });
    expect(ds.featureNames).toEqual(['0', '1']);
    expect(ds.data.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(ds.targets.toArray()).toEqual([0, 1]);
    expect(new CSVDataset(csv('1,2,0\n'), { header: false, label: '0', features: [2] }).data.toArray()).toEqual([[0]]);
  });
  test('toString', () => {
    const ds = new CSVDataset(csv(IRIS), { label: 'species' });
    expect(String(ds)).toMatch(/^Dataset CSVDataset\n {4}Number of datapoints: 5\n {4}File: .*\n {4}Features \(4\): sepal_length, .*\n {4}Label: species \(3 classes\)$/);
  });
});

describe('errors name the file, the line and the column', () => {
  test('a missing column lists the header (and a near miss)', () => {
    const f = csv(IRIS);
    expect(() => new CSVDataset(f, { label: 'Species' })).toThrow(
      `CSVDataset: no label column 'Species' in ${f} (did you mean 'species'?); the header (line 1) has: ` +
        'sepal_length, sepal_width, petal_length, petal_width, species');
    expect(() => new CSVDataset(f, { label: 'species', features: ['sepal_length', 'petal'] })).toThrow(
      `CSVDataset: no feature column 'petal' in ${f}; the header (line 1) has: sepal_length, sepal_width, petal_length, petal_width, species`);
    expect(() => new CSVDataset(csv('1,2\n'), { header: false, label: 5 })).toThrow(/no label column '5' in .*; without a header the columns are: 0, 1$/);
  });
  test('ragged rows', () => {
    const f = csv('a,b,y\n1,2,0\n\n3,4\n');
    expect(() => new CSVDataset(f, { label: 'y' })).toThrow(`CSVDataset: line 4 of ${f} has 2 fields but the header (line 1) has 3`);
  });
  test('non-numeric and empty cells', () => {
    const f = csv('a,b,y\n1,2,0\n3,x4,1\n');
    expect(() => new CSVDataset(f, { label: 'y' })).toThrow(
      `CSVDataset: line 3 of ${f}, column 'b': expected a number but got 'x4' (pass features to choose the numeric columns)`);
    const g = csv('a,b,y\n1,,0\n');
    expect(() => new CSVDataset(g, { label: 'y', features: ['a', 'b'] })).toThrow(`CSVDataset: line 2 of ${g}, column 'b': expected a number but the cell is empty`);
    const h = csv('a,y\n1,0\n2,-1\n');
    expect(() => new CSVDataset(h, { label: 'y' })).toThrow(
      `CSVDataset: line 3 of ${h}, label column 'y': class labels must be non-negative integers but got '-1' (pass labelDtype: 'float32' for numeric targets)`);
    expect(() => new CSVDataset(csv('a,y\n1,0.5\n'), { label: 'y' })).toThrow(/class labels must be non-negative integers but got '0.5'/);
    expect(() => new CSVDataset(csv('a,y\n1,cat\n'), { label: 'y', labelDtype: 'float32' })).toThrow(
      /line 2 of .*, label column 'y': expected a number but got 'cat' \(labelDtype float32\)/);
    expect(() => new CSVDataset(csv('a,y\n1,cat\n2,\n'), { label: 'y' })).toThrow(/line 3 of .*, label column 'y': the cell is empty/);
  });
  test('a label outside the class count (numClasses)', () => {
    const f = csv('a,y\n1,0\n2,2\n3,9\n');
    expect(new CSVDataset(f, { label: 'y', numClasses: 10 }).targets.toArray()).toEqual([0, 2, 9]);
    expect(() => new CSVDataset(f, { label: 'y', numClasses: 3 })).toThrow(
      `CSVDataset: line 4 of ${f}, label column 'y': label 9 is outside the 3 classes (0 to 2) given by numClasses`);
    expect(() => new CSVDataset(csv('a,y\n1,cat\n2,dog\n3,emu\n'), { label: 'y', numClasses: 2 })).toThrow(
      /the label column 'y' of .* holds 3 distinct classes \(cat, dog, emu\) but numClasses is 2/);
    expect(() => new CSVDataset(f, { label: 'y', numClasses: 0 })).toThrow('CSVDataset: numClasses must be a positive integer with int64 labels but got 0');
    expect(() => new CSVDataset(f, { label: 'y', numClasses: NaN })).toThrow(
      new RangeError('CSVDataset: numClasses must be a positive integer with int64 labels but got NaN'));
    expect(() => new CSVDataset(f, { label: 'y', numClasses: '3' as any })).toThrow(
      new TypeError('CSVDataset: numClasses must be a positive integer with int64 labels but got string "3"'));
    expect(() => new CSVDataset(f, { label: 'y', numClasses: 3, labelDtype: 'float32' })).toThrow(/numClasses must be .* \(labelDtype float32\)/);
  });
  test('empty file, header only, bad quotes, duplicates, bad options, missing file', () => {
    const e = csv('');
    expect(() => new CSVDataset(e, { label: 'y' })).toThrow(`CSVDataset: ${e} is empty`);
    expect(() => new CSVDataset(csv('\n \n'), { label: 'y' })).toThrow(/is empty$/);
    const h = csv('a,y\n\n');
    expect(() => new CSVDataset(h, { label: 'y' })).toThrow(`CSVDataset: ${h} has a header but no data rows`);
    expect(() => new CSVDataset(csv('a,y\n"1,0\n'), { label: 'y' })).toThrow(/unterminated quoted field \(opened on line 2\)/);
    expect(() => new CSVDataset(csv('a,y\n"1"x,0\n'), { label: 'y' })).toThrow(/line 2: unexpected text after a closing quote/);
    // a name twice in the header is refused whichever columns are used (x,x would give two features named x)
    const dupFile = csv('x,x,y\n1,2,0\n');
    for (const o of [{ label: 'y' }, { label: 'y', features: ['x'] }]) {
      expect(() => new CSVDataset(dupFile, o)).toThrow(new RangeError(
        `CSVDataset: the header (line 1) of ${dupFile} names column 'x' 2 times (columns 1, 2); column names must be unique`));
    }
    expect(() => new CSVDataset(csv('a,y,a,a\n1,0,2,3\n'), { label: 'y' })).toThrow(/names column 'a' 3 times \(columns 1, 3, 4\)/);
    // without a header the columns are named by index: no duplicates
    expect(new CSVDataset(csv('1,1,0\n2,2,1\n'), { label: 2, header: false }).featureNames).toEqual(['0', '1']);
    expect(() => new CSVDataset(csv('a,y\n1,0\n'), { label: 'y', features: ['y'] })).toThrow(/no feature column 'y'|also listed in features/);
    expect(() => new CSVDataset(csv('a,b,y\n1,2,0\n'), { label: 'y', features: ['a', 'a'] })).toThrow("CSVDataset: features lists column 'a' twice");
    expect(() => new CSVDataset(csv('y\n1\n'), { label: 'y' })).toThrow(/has no feature columns besides the label 'y'/);
    expect(() => new CSVDataset(csv('a,y\n1,0\n'), { label: 'y', delimiter: '::' })).toThrow(/delimiter must be one character/);
    expect(() => new CSVDataset(csv('a,y\n1,0\n'), {} as { label: string })).toThrow(/options.label .* is required/);
    expect(() => new CSVDataset(path.join(dir, 'nope.csv'), { label: 'y' })).toThrow(/CSVDataset: cannot read .*nope.csv: ENOENT/);
  });
});

describe('with the DataLoader', () => {
  test('getBatch == per-sample collation (shuffled), also through a Subset from randomSplit', () => {
    const rows = Array.from({ length: 37 }, (_, i) => `${i},${i * 0.5},${i % 3}`);
    const ds = new CSVDataset(csv(`a,b,y\n${rows.join('\n')}\n`), { label: 'y' });
    const [train] = randomSplit(ds, [0.7, 0.3], { seed: 1 });
    for (const d of [ds, train]) {
      const fast = [...new DataLoader(d, { batchSize: 8, shuffle: true, seed: 3 })];
      const slow = [...new DataLoader(d, { batchSize: 8, shuffle: true, seed: 3, collate: (s) => [flint.stack(s.map((p: any) => p[0])), flint.stack(s.map((p: any) => p[1]))] })];
      expect(fast.length).toBe(slow.length);
      fast.forEach((b, i) => {
        expect(b[0].shape).toEqual(slow[i][0].shape);
        expect(b[0].toArray()).toEqual(slow[i][0].toArray());
        expect(b[1].dtype).toBe('int64');
        expect(b[1].toArray()).toEqual(slow[i][1].toArray());
      });
    }
    expect(train).toBeInstanceOf(Subset);
  });
  test('a transform with a batched form keeps the fast path; one without falls back to get(i)', () => {
    const ds0 = new CSVDataset(csv('a,b,y\n1,2,0\n3,4,1\n'), { label: 'y' });
    const scale = Object.assign((x: flint.Tensor) => x.mul(10), { batched: (x: flint.Tensor) => x.mul(10) });
    const ds = new CSVDataset(ds0.path, { label: 'y', transform: scale });
    expect(ds.getBatch(Int32Array.of(1, 0))![0].toArray()).toEqual([[30, 40], [10, 20]]);
    const plain = new CSVDataset(ds0.path, { label: 'y', transform: (x: flint.Tensor) => x.mul(10) });
    expect(plain.getBatch(Int32Array.of(0))).toBeUndefined();
    const [xb] = [...new DataLoader(plain, { batchSize: 2 })][0];
    expect(xb.toArray()).toEqual([[10, 20], [30, 40]]);
  });
});
