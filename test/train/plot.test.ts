// The hand-written SVG plots: tick choice, the training-curves document (panels, axes, legend,
// lines), the confusion-matrix heatmap (cells, counts, colours), escaping, and well-formed XML
// (checked by python3's XML parser when it is there).
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import * as flint from '../../lib';
import { niceTicks, trainingCurvesSvg, confusionMatrixSvg, lineChartSvg, blues, escapeXml } from '../../lib/utils/plot';

const python = '/usr/bin/python3';
const havePython = fs.existsSync(python);
/** Parses the SVG with Python's XML parser: the element count, or throws with the parser's error. */
function wellFormed(svg: string): number {
  const r = spawnSync(python, ['-c', 'import sys, xml.etree.ElementTree as E; print(len(list(E.fromstring(sys.stdin.read()).iter())))'], {
    input: svg, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout);
}

test('niceTicks: 1, 2 or 5 times a power of ten covering the range', () => {
  expect(niceTicks(0, 1)).toEqual({ ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], lo: 0, hi: 1 });
  expect(niceTicks(0.43, 0.92).ticks).toEqual([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  expect(niceTicks(1, 30, 8, true).ticks).toEqual([0, 5, 10, 15, 20, 25, 30]);
  expect(niceTicks(1, 3, 2, true).ticks).toEqual([1, 2, 3]);
  expect(niceTicks(5, 5).ticks.length).toBeGreaterThan(1); // a flat range is widened
  expect(() => niceTicks(0, NaN)).toThrow('niceTicks: expected finite bounds');
});

test('trainingCurvesSvg: a loss panel and an accuracy panel, training and validation, with a best-epoch marker', () => {
  const h = { epoch: [1, 2, 3, 4], loss: [1.2, 0.6, 0.4, 0.3], valLoss: [1.0, 0.7, 0.5, 0.55], accuracy: [0.6, 0.8, 0.88, 0.9], valAccuracy: [0.65, 0.78, 0.85, 0.84] };
  const svg = trainingCurvesSvg(h, { title: 'mlp & <friends>', bestEpoch: 3 });
  expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="960" height="370" viewBox="0 0 960 370">/);
  expect(svg).toContain('>mlp &amp; &lt;friends&gt;<');
  for (const s of ['>Loss<', '>Accuracy<', '>loss<', '>accuracy<', '>epoch<', '>best: epoch 3<']) expect(svg).toContain(s);
  expect(svg.match(/>training</g)).toHaveLength(2);
  expect(svg.match(/>validation</g)).toHaveLength(2);
  expect(svg.match(/<circle /g)).toHaveLength(16); // 4 series x 4 epochs
  expect(svg.match(/stroke-width="2" stroke-linejoin="round"/g)).toHaveLength(4); // the lines
  // the loss axis starts at 0
  expect(svg).toMatch(/text-anchor="end" fill="#333333">0\.0</);
  // only a loss: one panel
  const one = trainingCurvesSvg({ epoch: [1], loss: [0.5] });
  expect(one).toContain('width="480"');
  expect(one).not.toContain('>Accuracy<');
  if (havePython) {
    expect(wellFormed(svg)).toBeGreaterThan(50);
    wellFormed(one);
  }
  expect(() => trainingCurvesSvg({} as any)).toThrow('trainingCurvesSvg: expected a history { epoch, loss, ... } from fit');
  expect(() => lineChartSvg([{ name: 'a', x: [1, 2], y: [1] }])).toThrow("lineChartSvg: series 'a' needs x and y arrays of the same length");
});

test('confusionMatrixSvg: one cell per pair with its count, coloured by the share of the true class', () => {
  const cm = [[8, 2, 0], [1, 9, 0], [0, 5, 5]];
  const svg = confusionMatrixSvg(flint.tensor(cm, { dtype: 'int64' }), { labels: ['cat', 'dog', 'bird'] });
  const cells = [...svg.matchAll(/<rect x="\d+" y="\d+" width="56" height="56" fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  expect(cells).toHaveLength(9);
  expect(cells[0]).toBe(blues(0.8));
  expect(cells[2]).toBe(blues(0));
  expect(cells[8]).toBe(blues(0.5));
  expect(blues(0)).toBe('#f7fbff');
  expect(blues(1)).toBe('#08306b');
  for (const s of ['>cat<', '>dog<', '>bird<', '>predicted label<', '>true label<', '>share of true class<', '>100%<',
    '>Confusion matrix (30 samples, accuracy 73.3%)<']) expect(svg).toContain(s);
  // counts: dark cells get white text, the diagonal is bold
  expect(svg).toMatch(/fill="#ffffff" font-weight="bold">8</);
  expect(svg).toMatch(/fill="#111111">2</);
  if (havePython) expect(wellFormed(svg)).toBeGreaterThan(30);
  expect(() => confusionMatrixSvg([[1, 2]])).toThrow('confusionMatrixSvg: expected a square');
  expect(() => confusionMatrixSvg(cm, { labels: ['a'] })).toThrow('confusionMatrixSvg: 1 labels for 3 classes');
  expect(escapeXml('a<b & "c"')).toBe('a&lt;b &amp; &quot;c&quot;');
});
