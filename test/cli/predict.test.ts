// flint predict: MNIST test images written as PNGs (grayscale 28x28, RGB at 56x56, dark on light,
// with transparency) and as CSV rows give the probabilities the model gives the dataset's own
// tensors; the resizing and gray conversion on their own; errors and exit codes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import * as flint from '../../lib';
import { datasets } from '../../lib/data';
import { seedTransform } from '../../scripts/cli/common';
import { csvInput, decodeGray, squareResize } from '../../scripts/cli/predict';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';
import { MLP, loaders } from '../train/helpers';
import { run, lastJson } from './run';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cli-predict-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A PNG of w x h RGBA pixels from a function (x, y) -> [r, g, b, a]; colorType 2 (RGB) or 6 (RGBA) or 0 (gray). */
function png(w: number, h: number, px: (x: number, y: number) => number[], colorType: 0 | 2 | 6 = 6): Buffer {
  const p = new PNG({ width: w, height: h, colorType, inputColorType: 6, inputHasAlpha: true } as any);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b, a] = px(x, y);
      p.data.set([r, g, b, a ?? 255], 4 * (y * w + x));
    }
  }
  return PNG.sync.write(p, { colorType, inputColorType: 6, inputHasAlpha: true } as any);
}

test('decodeGray: PIL\'s L = (19595 R + 38470 G + 7471 B + 2^15) >> 16; transparency over white', () => {
  const { gray, width, height } = decodeGray(png(3, 1, (x) => [[255, 0, 0, 255], [10, 200, 30, 255], [0, 0, 0, 0]][x]));
  expect([width, height]).toEqual([3, 1]);
  expect(Array.from(gray)).toEqual([76, 124, 255]); // PIL 9's Image.convert('L') gives 76 and 124 for the first two
  expect(() => decodeGray(Buffer.from('not a png'), 'x.png')).toThrow('x.png is not a readable PNG image');
});

test('squareResize: area averages, padding a non-square image with the fill value', () => {
  // 4x4 -> 2x2: each output pixel is the mean of a 2x2 block
  const g = Uint8Array.from([0, 2, 10, 10, 4, 6, 10, 10, 100, 100, 0, 0, 100, 100, 0, 1]);
  expect(Array.from(squareResize(g, 4, 4, 2, 0))).toEqual([3, 10, 100, 0]);
  // 3x3 -> 2x2: fractional coverage (1.5 source pixels each way)
  const h = Uint8Array.from([9, 9, 0, 9, 9, 0, 0, 0, 0]);
  expect(Array.from(squareResize(h, 3, 3, 2, 0))).toEqual([9, 3, 3, 1]);
  // 2 wide, 1 high -> padded to 2x2 with 7 (the row centred: top pad 0, bottom 1) then kept
  expect(Array.from(squareResize(Uint8Array.from([1, 2]), 2, 1, 2, 7))).toEqual([1, 2, 7, 7]);
});

test('predict --help, and usage errors exit 2', async () => {
  const h = await run(['predict', '--help']);
  expect(h.code).toBe(0);
  expect(h.out).toContain('Usage: flint predict --model NAME --weights FILE IMAGE.png');
  const cases: [string[], string][] = [
    [['--model', 'mlp', '--weights', 'w'], 'expected an image (IMAGE.png) or --csv FILE --row N'],
    [['--model', 'mlp', '--weights', 'w', 'a.png', '--csv', 'b.csv', '--row', '0'], 'give an image or --csv, not both'],
    [['--model', 'mlp', '--weights', 'w', '--csv', 'b.csv'], '--csv needs --row N'],
    [['--model', 'mlp', '--weights', 'w', 'a.png', '--row', '3'], '--row and --label go with --csv'],
    [['--model', 'mlp', '--weights', 'w', 'a.png', 'b.png'], 'expected one image but got 2: a.png b.png'],
    [['--model', 'mlp', '--weights', 'w', 'a.png', '--invert', 'maybe'], "--invert expects auto, always or never but got 'maybe'"],
    [['--model', 'mlp', '--weights', 'w', '--csv', 'b.csv', '--row=-1'], "--row expects an integer >= 0 but got '-1'"],
    [['--model', 'mlp', '--weights', 'w', '--csv', 'b.csv', '--row', '-1'], "--row expects an integer >= 0 but got '-1'"],
    [['--model', 'mlp', '--weights', 'w', '--csv', 'b.csv', '--row', '0', '--label', ''], '--label expects a column name'],
    [['--weights', 'w', 'a.png'], '--model is required'],
  ];
  for (const [args, msg] of cases) {
    const r = await run(['predict', ...args]);
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(r.err).toContain(`flint: ${msg}`);
  }
});

test('decodeGray: an empty or truncated PNG is named as such, not with pngjs\'s stream message', () => {
  const whole = png(28, 28, () => [0, 0, 0, 255], 0);
  expect(() => decodeGray(Buffer.alloc(0), 'e.png')).toThrow('e.png is empty, not a PNG image');
  for (const n of [4, 8, 30, whole.length - 12, whole.length - 3]) {
    expect(() => decodeGray(whole.subarray(0, n), 't.png')).toThrow('t.png is truncated or not a valid PNG image (it ends before the image data does)');
  }
  expect(() => decodeGray(whole.subarray(0, 30), 't.png')).not.toThrow(/waitng|read requests/);
});

describe('csvInput: only the requested row is read', () => {
  const pixels = (k: number) => Array.from({ length: 784 }, (_, i) => String((i * 7 + k) % 256));
  const write = (name: string, lines: string[][]) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, lines.map((l) => l.join(',')).join('\n') + '\n');
    return f;
  };
  const header = Array.from({ length: 784 }, (_, i) => `p${i}`);

  test('a header of exactly 784 columns is all pixels, with no label', () => {
    const f = write('nolabel.csv', [header, pixels(0), pixels(1)]);
    const r = csvInput(f, 1, 'label', false);
    expect(Array.from(r.pixels)).toEqual(pixels(1).map(Number));
    expect(r.label).toBeUndefined();
    // naming a label column that is not there is still an error
    expect(() => csvInput(f, 1, 'digit', true)).toThrow("has no label column 'digit'");
  });

  test('a bad row elsewhere does not matter; the requested bad row is reported with its line and column', () => {
    const bad = pixels(2);
    bad[5] = 'abc';
    const f = write('badrow.csv', [['label', ...header], ['3', ...pixels(0)], ['x', ...bad], ['7', '1', '2'], ['4', ...pixels(3)]]);
    expect(csvInput(f, 0, 'label')).toEqual({ pixels: Uint8Array.from(pixels(0).map(Number)), label: '3' });
    expect(csvInput(f, 3, 'label')).toEqual({ pixels: Uint8Array.from(pixels(3).map(Number)), label: '4' });
    expect(() => csvInput(f, 1, 'label')).toThrow(`${f} row 1 (line 3): pixel 5 (column 'p5') is 'abc', but pixels are whole numbers 0-255`);
    expect(() => csvInput(f, 2, 'label')).toThrow(`${f} row 2 (line 4) has 3 cells, but the header has 785 columns`);
    expect(() => csvInput(f, 4, 'label')).toThrow(`--row 4 is past the end of ${f}: it has 4 data rows (0 to 3)`);
  });

  test('a missing label column: the columns summarised, and advice in flint\'s own options', () => {
    const f = write('digit.csv', [['digit', ...header], ['3', ...pixels(0)]]);
    let msg = '';
    try {
      csvInput(f, 0, 'label', false);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe(`${f} has no label column 'label'; its 785 columns are 'digit', 'p0', 'p1', ..., 'p783' ` +
      '(name the label column with --label, or give a file of exactly 784 pixel columns without --label)');
    expect(csvInput(f, 0, 'digit').label).toBe('3');
    const extra = write('extra.csv', [['id', 'label', ...header], ['9', '3', ...pixels(0)]]);
    expect(() => csvInput(extra, 0, 'label')).toThrow(`${extra} has 785 pixel columns besides 'label', but a 28x28 image needs 784 ` +
      '(predict takes a CSV of the 784 pixel columns and, optionally, the label column)');
    expect(() => csvInput(extra, 0, 'label')).not.toThrow(/features/);
  });
});

describeMnist('flint predict on MNIST test images', () => {
  let weights: string;
  let model: InstanceType<typeof MLP>;
  let testSet: InstanceType<typeof datasets.MNIST>;
  let raw: Uint8Array[]; // the first 3 test images, uint8 28x28
  let want: Float32Array[]; // the model's probabilities for them, through the dataset
  beforeAll(async () => {
    const l = loaders(1500);
    flint.manualSeed(4);
    model = new MLP();
    await flint.fit(model, {
      train: l.train, epochs: 2, optimizer: new flint.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
      loss: new flint.nn.CrossEntropyLoss(), progress: false,
    });
    weights = path.join(tmp, 'mlp.safetensors');
    flint.save(model.stateDict(), weights);
    testSet = new datasets.MNIST({ root: MNIST_DIR, train: false, transform: seedTransform() });
    raw = [0, 1, 2].map((i) => testSet.data.select(0, i).dataSync() as Uint8Array);
    model.eval();
    want = [0, 1, 2].map((i) => flint.noGrad(() => model.forward((testSet.get(i)[0] as flint.Tensor).reshape([1, 1, 28, 28])).softmax(1)).dataSync() as Float32Array);
  });
  const predict = (...args: string[]) => run(['predict', '--model', 'mlp', '--weights', weights, ...args]);
  const expectProbs = (got: number[], w: Float32Array) => got.forEach((p, c) => expect(Math.abs(p - w[c])).toBeLessThan(1e-6));

  test('a 28x28 grayscale PNG: the same probabilities as the dataset\'s tensor; a table and the prediction', async () => {
    const file = path.join(tmp, 'digit0.png');
    fs.writeFileSync(file, png(28, 28, (x, y) => { const v = raw[0][y * 28 + x]; return [v, v, v, 255]; }, 0));
    const r = await predict(file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const label = Number(testSet.targets.dataSync()[0]);
    let best = 0;
    want[0].forEach((p, c) => { if (p > want[0][best]) best = c; });
    expect(r.out).toContain(`${file} (28x28)\nprediction: ${testSet.classes[best]} (${(100 * want[0][best]).toFixed(1)} %)`);
    expect(r.out).toMatch(new RegExp(`^ {2}${testSet.classes[label]} +[01]\\.\\d{4} +#*$`, 'm'));
    const j = lastJson((await predict(file, '--json')).out);
    expect(j.prediction).toBe(best);
    expect(j.inverted).toBe(false);
    expectProbs(j.probabilities, want[0]);
  });

  test('RGB at 56x56, and dark on light (inverted automatically): the same probabilities', async () => {
    const big = path.join(tmp, 'digit1-rgb.png');
    // each pixel as a 2x2 block in colour: gray v as (v, v, v) keeps L = v
    fs.writeFileSync(big, png(56, 56, (x, y) => { const v = raw[1][(y >> 1) * 28 + (x >> 1)]; return [v, v, v, 255]; }, 2));
    const a = lastJson((await predict(big, '--json')).out);
    expectProbs(a.probabilities, want[1]);
    const inv = path.join(tmp, 'digit2-paper.png');
    fs.writeFileSync(inv, png(28, 28, (x, y) => { const v = 255 - raw[2][y * 28 + x]; return [v, v, v, 255]; }));
    const r = await predict(inv);
    expect(r.out).toContain(`${inv} (28x28, inverted)`);
    const b = lastJson((await predict(inv, '--json')).out);
    expect(b.inverted).toBe(true);
    expectProbs(b.probabilities, want[2]);
    const never = lastJson((await predict(inv, '--json', '--invert', 'never')).out);
    expect(never.inverted).toBe(false);
  });

  test('--csv FILE --row N: a row of 784 pixels and its label', async () => {
    const file = path.join(tmp, 'mnist.csv');
    const header = ['label', ...Array.from({ length: 784 }, (_, i) => `p${i}`)].join(',');
    const rows = [0, 1, 2].map((i) => [String(testSet.targets.dataSync()[i]), ...Array.from(raw[i], String)].join(','));
    fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');
    const j = lastJson((await predict('--csv', file, '--row', '1', '--json')).out);
    expect(j.label).toBe(String(testSet.targets.dataSync()[1]));
    expectProbs(j.probabilities, want[1]);
    const r = await predict('--csv', file, '--row', '2');
    expect(r.out).toContain(`${file} row 2\nprediction: `);
    expect(r.out).toContain(`, label ${testSet.targets.dataSync()[2]}\n`);
    const past = await predict('--csv', file, '--row', '3');
    expect(past.code).toBe(1);
    expect(past.err).toBe(`flint: error: --row 3 is past the end of ${file}: it has 3 data rows (0 to 2)\n`);
    const noLabel = await predict('--csv', file, '--row', '0', '--label', 'digit');
    expect(noLabel.code).toBe(1);
    expect(noLabel.err).toContain("no label column 'digit'");
    expect(noLabel.err).toContain('(name the label column with --label');
    expect(noLabel.err.length).toBeLessThan(400); // not all 785 column names
    // the same pixels without the label column: no label shown
    const pixelsOnly = path.join(tmp, 'mnist-pixels.csv');
    fs.writeFileSync(pixelsOnly, [header.split(',').slice(1).join(','), ...rows.map((r) => r.split(',').slice(1).join(','))].join('\n') + '\n');
    const p = await predict('--csv', pixelsOnly, '--row', '1', '--json');
    expect(p.code).toBe(0);
    const pj = lastJson(p.out);
    expect(pj.label).toBeUndefined();
    expectProbs(pj.probabilities, want[1]);
    expect((await predict('--csv', pixelsOnly, '--row', '1')).out).toMatch(/prediction: .*\)\n/);
  });

  test('folders and truncated files: clear one-line errors (exit 1)', async () => {
    const png0 = png(28, 28, (x, y) => { const v = raw[0][y * 28 + x]; return [v, v, v, 255]; }, 0);
    const cut = path.join(tmp, 'cut.png');
    fs.writeFileSync(cut, png0.subarray(0, png0.length >> 1));
    const empty = path.join(tmp, 'empty.png');
    fs.writeFileSync(empty, '');
    const cases: [string[], string][] = [
      [[tmp], `image ${tmp} is a folder, not a file`],
      [['--csv', tmp, '--row', '0'], `CSV file ${tmp} is a folder, not a file`],
      [[cut], `${cut} is truncated or not a valid PNG image`],
      [[empty], `${empty} is empty, not a PNG image`],
    ];
    for (const [args, msg] of cases) {
      const r = await predict(...args);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 1, err: expect.stringContaining(`flint: error: ${msg}`) });
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    const w = await run(['predict', '--model', 'mlp', '--weights', tmp, cut]);
    expect(w.code).toBe(1);
    expect(w.err).toBe(`flint: error: weights file ${tmp} is a folder, not a file\n`);
  });

  test('runtime failures exit 1: no such image, not a PNG, weights of another model', async () => {
    const none = await predict(path.join(tmp, 'none.png'));
    expect(none.code).toBe(1);
    expect(none.err).toBe(`flint: error: image ${path.join(tmp, 'none.png')} does not exist\n`);
    const txt = path.join(tmp, 'fake.png');
    fs.writeFileSync(txt, 'hello');
    const bad = await predict(txt);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`flint: error: ${txt} is not a readable PNG image`);
    const cnn = await run(['predict', '--model', 'cnn', '--weights', weights, txt]);
    expect(cnn.code).toBe(1);
    expect(cnn.err).toContain('does not fit SimpleCNN');
  });
});
