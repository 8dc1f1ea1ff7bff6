// Plots as hand-written SVG, no dependencies: line charts (training curves: loss and accuracy
// per epoch, training and validation) and a confusion-matrix heatmap with counts. The SVG is
// plain SVG 1.1 (text, lines, paths, rects, a linear gradient), so browsers, Inkscape and
// rsvg-convert render it alike.
//
//   fs.writeFileSync('curves.svg', plot.trainingCurvesSvg(history));
//   fs.writeFileSync('cm.svg', plot.confusionMatrixSvg(metrics.confusionMatrix(yTrue, yPred)));
import { Tensor } from '../tensor';

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
/** Line colours: matplotlib's tab10 (blue, orange, green, red, ...). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Escapes text for SVG content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r2 = (v: number) => String(Math.round(v * 100) / 100);

/**
 * Round tick values covering [lo, hi], about `target` of them, at 1, 2 or 5 times a power of
 * ten (with integer ticks only when `integer`). Returns the ticks and the widened domain.
 */
export function niceTicks(lo: number, hi: number, target = 5, integer = false): { ticks: number[]; lo: number; hi: number } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`niceTicks: expected finite bounds but got ${lo}, ${hi}`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, target);
  const pow = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  if (integer) step = Math.max(1, Math.ceil(step));
  const first = Math.floor(lo / step + 1e-9) * step;
  const last = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= last + step * 1e-6; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, lo: first, hi: last };
}

function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(decimals, 6));
}

export interface Series {
  name: string;
  x: number[];
  y: number[];
  color?: string;
  /** a dashed line */
  dashed?: boolean;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** whole-number x ticks (epochs) [default: true] */
  integerX?: boolean;
  /** include these y values in the axis range (e.g. 0 for a loss) */
  yInclude?: number[];
  /** keep the axis within [lo, hi] unless the data goes beyond (e.g. [0, 1] for an accuracy) */
  yClamp?: [number, number];
  /** a vertical dashed marker with its label, e.g. { x: 7, label: 'best val loss' } */
  marker?: { x: number; label: string };
}

/** One chart as an SVG group (no <svg> wrapper), its top left corner at (x0, y0). */
function chartGroup(series: Series[], o: LineChartOptions, x0: number, y0: number): string {
  const W = o.width ?? 480;
  const H = o.height ?? 340;
  const m = { left: 64, right: 16, top: o.title ? 34 : 14, bottom: 50 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const live = series.filter((s) => s.x.length > 0);
  const xs = live.flatMap((s) => s.x);
  const ys = live.flatMap((s) => s.y.filter(Number.isFinite));
  // x: the data's own range (a lone epoch sits in the middle of a two-unit domain), ticks within it
  const xmin = xs.length ? Math.min(...xs) : 0;
  const xmax = xs.length ? Math.max(...xs) : 1;
  let xlo = xmin;
  let xhi = xmax;
  let xTicks: number[];
  if (xmin === xmax) {
    [xlo, xhi] = [xmin - 1, xmax + 1];
    xTicks = [xmin];
  } else {
    const xt = niceTicks(xmin, xmax, Math.min(8, Math.max(1, new Set(xs).size - 1)), o.integerX ?? true);
    xTicks = xt.ticks.filter((t) => t >= xlo - 1e-9 && t <= xhi + 1e-9);
  }
  // y: the data's range padded by 5% (so no point sits on the frame), stretched to yInclude's
  // values, kept within yClamp; then widened to round ticks
  const dmin = ys.length ? Math.min(...ys) : 0;
  const dmax = ys.length ? Math.max(...ys) : 1;
  const pad = (dmax - dmin || Math.abs(dmax) || 1) * 0.05;
  let [ylo0, yhi0] = [dmin - pad, dmax + pad];
  for (const v of o.yInclude ?? []) {
    if (v <= dmin) ylo0 = Math.max(Math.min(ylo0, v), v);
    if (v >= dmax) yhi0 = Math.min(Math.max(yhi0, v), v);
  }
  if (o.yClamp) [ylo0, yhi0] = [Math.max(ylo0, o.yClamp[0]), Math.min(yhi0, o.yClamp[1])];
  const yt = niceTicks(ylo0, yhi0, 5);
  if (o.yClamp) [yt.lo, yt.hi] = [Math.max(yt.lo, Math.min(o.yClamp[0], dmin)), Math.min(yt.hi, Math.max(o.yClamp[1], dmax))];
  yt.ticks = yt.ticks.filter((t) => t >= yt.lo - 1e-9 && t <= yt.hi + 1e-9);
  const [ylo, yhi] = [yt.lo, yt.hi];
  const px = (v: number) => x0 + m.left + ((v - xlo) / (xhi - xlo)) * pw;
  const py = (v: number) => y0 + m.top + ph - ((v - ylo) / (yhi - ylo)) * ph;
  const out: string[] = [];
  const text = (x: number, y: number, s: string, attrs = '') =>
    out.push(`<text x="${r2(x)}" y="${r2(y)}" font-family="${FONT}" ${attrs}>${escapeXml(s)}</text>`);
  // frame, grid, ticks
  out.push(`<rect x="${x0 + m.left}" y="${y0 + m.top}" width="${pw}" height="${ph}" fill="#ffffff" stroke="none"/>`);
  const yStep = yt.ticks.length > 1 ? yt.ticks[1] - yt.ticks[0] : 1;
  for (const t of yt.ticks) {
    const y = py(t);
    out.push(`<line x1="${x0 + m.left}" y1="${r2(y)}" x2="${x0 + m.left + pw}" y2="${r2(y)}" stroke="#e6e6e6" stroke-width="1"/>`);
    out.push(`<line x1="${x0 + m.left - 5}" y1="${r2(y)}" x2="${x0 + m.left}" y2="${r2(y)}" stroke="#333333" stroke-width="1"/>`);
    text(x0 + m.left - 8, y + 4, tickLabel(t, yStep), 'font-size="11" text-anchor="end" fill="#333333"');
  }
  const xStep = xTicks.length > 1 ? xTicks[1] - xTicks[0] : 1;
  for (const t of xTicks) {
    const x = px(t);
    out.push(`<line x1="${r2(x)}" y1="${y0 + m.top}" x2="${r2(x)}" y2="${y0 + m.top + ph}" stroke="#f0f0f0" stroke-width="1"/>`);
    out.push(`<line x1="${r2(x)}" y1="${y0 + m.top + ph}" x2="${r2(x)}" y2="${y0 + m.top + ph + 5}" stroke="#333333" stroke-width="1"/>`);
    text(x, y0 + m.top + ph + 18, tickLabel(t, xStep), 'font-size="11" text-anchor="middle" fill="#333333"');
  }
  out.push(`<path d="M${x0 + m.left},${y0 + m.top}V${y0 + m.top + ph}H${x0 + m.left + pw}" fill="none" stroke="#333333" stroke-width="1"/>`);
  if (o.title) text(x0 + m.left + pw / 2, y0 + 20, o.title, 'font-size="14" font-weight="bold" text-anchor="middle" fill="#111111"');
  if (o.xLabel) text(x0 + m.left + pw / 2, y0 + H - 12, o.xLabel, 'font-size="12" text-anchor="middle" fill="#111111"');
  if (o.yLabel) {
    const cx = x0 + 16;
    const cy = y0 + m.top + ph / 2;
    text(cx, cy, o.yLabel, `font-size="12" text-anchor="middle" fill="#111111" transform="rotate(-90 ${r2(cx)} ${r2(cy)})"`);
  }
  // the marker's label box, which the legend avoids: [x, y, width, height]
  let markerBox: [number, number, number, number] | null = null;
  if (o.marker && o.marker.x >= xlo && o.marker.x <= xhi) {
    const x = px(o.marker.x);
    out.push(`<line x1="${r2(x)}" y1="${y0 + m.top}" x2="${r2(x)}" y2="${y0 + m.top + ph}" stroke="#888888" stroke-width="1" stroke-dasharray="4 3"/>`);
    const right = x > x0 + m.left + pw * 0.6;
    const tw = o.marker.label.length * 6;
    const ty = y0 + m.top + ph - 6;
    text(right ? x - 4 : x + 4, ty, o.marker.label, `font-size="10" fill="#555555" text-anchor="${right ? 'end' : 'start'}"`);
    markerBox = [right ? x - 4 - tw : x + 4, ty - 10, tw, 13];
  }
  // lines and points
  live.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.x.map((x, k) => [x, s.y[k]] as const).filter(([, y]) => Number.isFinite(y));
    if (pts.length > 1) {
      const d = pts.map(([x, y], k) => `${k ? 'L' : 'M'}${r2(px(x))},${r2(py(y))}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} stroke-linejoin="round"/>`);
    }
    if (pts.length <= 40) {
      for (const [x, y] of pts) out.push(`<circle cx="${r2(px(x))}" cy="${r2(py(y))}" r="3" fill="${s.dashed ? '#ffffff' : color}" stroke="${color}" stroke-width="1.5"/>`);
    }
  });
  // legend: on a white box in the inside corner that the lines cross least
  if (live.length) {
    const lw = Math.max(...live.map((s) => s.name.length)) * 7 + 40;
    const lh = live.length * 18 + 8;
    const corners: [number, number][] = [
      [x0 + m.left + pw - lw - 8, y0 + m.top + 8], // top right
      [x0 + m.left + pw - lw - 8, y0 + m.top + ph - lh - 8], // bottom right
      [x0 + m.left + 8, y0 + m.top + 8], // top left
      [x0 + m.left + 8, y0 + m.top + ph - lh - 8], // bottom left
    ];
    // points along every line (each segment sampled), in pixels
    const samples: [number, number][] = [];
    for (const s of live) {
      const pts = s.x.map((x, k) => [px(x), py(s.y[k])] as const).filter(([, y]) => Number.isFinite(y));
      pts.forEach(([x, y], k) => {
        if (k === 0) return void samples.push([x, y]);
        const [xa, ya] = pts[k - 1];
        for (let t = 1; t <= 16; t++) samples.push([xa + ((x - xa) * t) / 16, ya + ((y - ya) * t) / 16]);
      });
    }
    if (markerBox) {
      const [bx, by, bw, bh] = markerBox;
      for (let i = 0; i <= 8; i++) for (let j = 0; j <= 2; j++) samples.push([bx + (bw * i) / 8, by + (bh * j) / 2]);
    }
    const hits = ([lx, ly]: [number, number]) =>
      samples.filter(([x, y]) => x >= lx - 4 && x <= lx + lw + 4 && y >= ly - 4 && y <= ly + lh + 4).length;
    let [lx, ly] = corners[0];
    let least = Infinity;
    for (const c of corners) {
      const h = hits(c);
      if (h < least) [least, lx, ly] = [h, c[0], c[1]];
    }
    out.push(`<rect x="${r2(lx)}" y="${r2(ly)}" width="${lw}" height="${lh}" fill="#ffffff" fill-opacity="0.9" stroke="#cccccc" stroke-width="1"/>`);
    live.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      const y = ly + 13 + i * 18;
      out.push(`<line x1="${r2(lx + 8)}" y1="${r2(y)}" x2="${r2(lx + 30)}" y2="${r2(y)}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      text(lx + 36, y + 4, s.name, 'font-size="11" fill="#111111"');
    });
  }
  return out.join('\n');
}

function svgDoc(width: number, height: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}">\n<rect width="${width}" height="${height}" fill="#ffffff"/>\n${body}\n</svg>\n`;
}

/** A line chart as a complete SVG document. */
export function lineChartSvg(series: Series[], o: LineChartOptions = {}): string {
  if (!Array.isArray(series)) throw new TypeError('lineChartSvg: expected an array of series { name, x, y }');
  for (const s of series) {
    if (!s || !Array.isArray(s.x) || !Array.isArray(s.y) || s.x.length !== s.y.length) {
      throw new RangeError(`lineChartSvg: series '${s?.name}' needs x and y arrays of the same length`);
    }
  }
  const W = o.width ?? 480;
  const H = o.height ?? 340;
  return svgDoc(W, H, chartGroup(series, o, 0, 0));
}

export interface CurvesOptions {
  /** a title over both panels */
  title?: string;
  /** the accuracy-like history key for the second panel [default: 'accuracy' if present] */
  metric?: string;
  /** mark this epoch (e.g. the best or restored one) with a dashed line */
  bestEpoch?: number;
}

/**
 * Training curves from a fit history: loss (training and validation) per epoch, and beside it
 * the accuracy (or `metric`) when the history has it. Returns an SVG document.
 */
export function trainingCurvesSvg(history: { epoch: number[]; [k: string]: number[] | undefined }, o: CurvesOptions = {}): string {
  if (!history || !Array.isArray(history.epoch) || !Array.isArray(history.loss)) {
    throw new TypeError('trainingCurvesSvg: expected a history { epoch, loss, ... } from fit');
  }
  const ep = history.epoch;
  const pick = (k: string) => (Array.isArray(history[k]) && history[k]!.length === ep.length ? history[k]! : null);
  const metric = o.metric ?? 'accuracy';
  const valKey = (k: string) => `val${k[0].toUpperCase()}${k.slice(1)}`;
  const panels: Array<{ series: Series[]; opts: LineChartOptions }> = [];
  const lossSeries: Series[] = [{ name: 'training', x: ep, y: pick('loss')!, color: PALETTE[0] }];
  if (pick('valLoss')) lossSeries.push({ name: 'validation', x: ep, y: pick('valLoss')!, color: PALETTE[1] });
  const marker = o.bestEpoch !== undefined ? { x: o.bestEpoch, label: `best: epoch ${o.bestEpoch}` } : undefined;
  panels.push({ series: lossSeries, opts: { title: 'Loss', xLabel: 'epoch', yLabel: 'loss', yInclude: [0], marker } });
  if (pick(metric) || pick(valKey(metric))) {
    const s: Series[] = [];
    if (pick(metric)) s.push({ name: 'training', x: ep, y: pick(metric)!, color: PALETTE[0] });
    if (pick(valKey(metric))) s.push({ name: 'validation', x: ep, y: pick(valKey(metric))!, color: PALETTE[1] });
    const title = metric[0].toUpperCase() + metric.slice(1);
    const bounded = /acc|f1|precision|recall|auc/i.test(metric);
    panels.push({ series: s, opts: { title, xLabel: 'epoch', yLabel: metric, marker, yClamp: bounded ? [0, 1] : undefined } });
  }
  const pw = 480;
  const ph = 340;
  const top = o.title ? 30 : 0;
  const body = panels.map((p, i) => chartGroup(p.series, { ...p.opts, width: pw, height: ph }, i * pw, top)).join('\n');
  const W = pw * panels.length;
  const head = o.title
    ? `<text x="${W / 2}" y="21" font-family="${FONT}" font-size="15" font-weight="bold" text-anchor="middle" fill="#111111">${escapeXml(o.title)}</text>\n`
    : '';
  return svgDoc(W, ph + top, head + body);
}

// ---- confusion matrix ----

// matplotlib's 'Blues' colormap (9 stops, light to dark).
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

/** The Blues colour at t in [0, 1], interpolated between the stops. */
export function blues(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(u));
  const f = u - i;
  const c = (h: string, k: number) => parseInt(h.slice(1 + 2 * k, 3 + 2 * k), 16);
  const mix = [0, 1, 2].map((k) => Math.round(c(BLUES[i], k) * (1 - f) + c(BLUES[i + 1], k) * f));
  return '#' + mix.map((v) => v.toString(16).padStart(2, '0')).join('');
}

export interface ConfusionSvgOptions {
  /** class names, in the matrix's order [default: 0, 1, ...] */
  labels?: string[];
  title?: string;
  /** colour by each row's fraction (recall per class, default) or by the count over the largest */
  normalize?: 'row' | 'all';
}

/**
 * A confusion matrix (rows: true class, columns: predicted class, as sklearn's) as a heatmap
 * with the count in each cell; the colour is the cell's share of its row (that class's
 * recall on the diagonal). Takes a [C, C] tensor (metrics.confusionMatrix) or nested arrays.
 */
export function confusionMatrixSvg(cm: Tensor | number[][], o: ConfusionSvgOptions = {}): string {
  let rows: number[][];
  if (cm instanceof Tensor) {
    if (cm.shape.length !== 2 || cm.shape[0] !== cm.shape[1]) throw new RangeError(`confusionMatrixSvg: expected a square [C, C] matrix but got shape [${cm.shape.join(', ')}]`);
    const d = cm.dataSync();
    const c = cm.shape[0];
    rows = Array.from({ length: c }, (_, i) => Array.from({ length: c }, (_, j) => Number(d[i * c + j])));
  } else if (Array.isArray(cm) && cm.every((r) => Array.isArray(r) && r.length === cm.length)) rows = cm.map((r) => r.map(Number));
  else throw new TypeError('confusionMatrixSvg: expected a square [C, C] tensor or an array of C rows of C counts');
  const C = rows.length;
  if (C === 0) throw new RangeError('confusionMatrixSvg: the matrix is empty');
  const labels = o.labels ?? rows.map((_, i) => String(i));
  if (labels.length !== C) throw new RangeError(`confusionMatrixSvg: ${labels.length} labels for ${C} classes`);
  const normalize = o.normalize ?? 'row';
  const total = rows.flat().reduce((s, v) => s + v, 0);
  const correct = rows.reduce((s, r, i) => s + r[i], 0);
  const maxCount = Math.max(1, ...rows.flat());
  const cell = Math.max(14, Math.min(56, Math.floor(560 / C)));
  const labelW = Math.max(...labels.map((l) => l.length)) * 7 + 14;
  const m = { left: 40 + labelW, top: 58, right: 100, bottom: 56 + Math.max(0, labelW - 24) };
  const gw = cell * C;
  const W = m.left + gw + m.right;
  const H = m.top + gw + m.bottom;
  const out: string[] = [];
  const text = (x: number, y: number, s: string, attrs: string) =>
    out.push(`<text x="${r2(x)}" y="${r2(y)}" font-family="${FONT}" ${attrs}>${escapeXml(s)}</text>`);
  const title = o.title ?? `Confusion matrix (${total} samples, accuracy ${total ? ((100 * correct) / total).toFixed(1) : '0.0'}%)`;
  text(W / 2, 24, title, 'font-size="14" font-weight="bold" text-anchor="middle" fill="#111111"');
  const fontSize = Math.max(7, Math.min(13, Math.floor(cell / 3.2)));
  const showCounts = cell >= 18;
  for (let i = 0; i < C; i++) {
    const rowSum = rows[i].reduce((s, v) => s + v, 0);
    for (let j = 0; j < C; j++) {
      const v = rows[i][j];
      const t = normalize === 'row' ? (rowSum ? v / rowSum : 0) : v / maxCount;
      const x = m.left + j * cell;
      const y = m.top + i * cell;
      out.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blues(t)}" stroke="#ffffff" stroke-width="1"/>`);
      if (showCounts) {
        text(x + cell / 2, y + cell / 2 + fontSize * 0.36, String(v),
          `font-size="${fontSize}" text-anchor="middle" fill="${t > 0.5 ? '#ffffff' : '#111111'}"${i === j ? ' font-weight="bold"' : ''}`);
      }
    }
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${gw}" height="${gw}" fill="none" stroke="#333333" stroke-width="1"/>`);
  // class labels: rows on the left, columns below (rotated when long)
  const rotate = labels.some((l) => l.length * 7 > cell);
  for (let i = 0; i < C; i++) {
    text(m.left - 6, m.top + i * cell + cell / 2 + 4, labels[i], 'font-size="11" text-anchor="end" fill="#333333"');
    const cx = m.left + i * cell + cell / 2;
    const cy = m.top + gw + 16;
    if (rotate) text(cx + 4, cy - 6, labels[i], `font-size="11" text-anchor="end" fill="#333333" transform="rotate(-45 ${r2(cx + 4)} ${r2(cy - 6)})"`);
    else text(cx, cy, labels[i], 'font-size="11" text-anchor="middle" fill="#333333"');
  }
  text(m.left + gw / 2, H - 14, 'predicted label', 'font-size="12" text-anchor="middle" fill="#111111"');
  const ycx = 16;
  const ycy = m.top + gw / 2;
  text(ycx, ycy, 'true label', `font-size="12" text-anchor="middle" fill="#111111" transform="rotate(-90 ${ycx} ${r2(ycy)})"`);
  // colour bar: 0 (bottom) to 100% of the row (top)
  const bx = m.left + gw + 24;
  const bw = 14;
  out.push('<defs><linearGradient id="cmscale" x1="0" y1="1" x2="0" y2="0">' +
    BLUES.map((c, k) => `<stop offset="${r2(k / (BLUES.length - 1))}" stop-color="${c}"/>`).join('') + '</linearGradient></defs>');
  out.push(`<rect x="${bx}" y="${m.top}" width="${bw}" height="${gw}" fill="url(#cmscale)" stroke="#333333" stroke-width="1"/>`);
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const y = m.top + gw - f * gw;
    out.push(`<line x1="${bx + bw}" y1="${r2(y)}" x2="${bx + bw + 4}" y2="${r2(y)}" stroke="#333333" stroke-width="1"/>`);
    const lab = normalize === 'row' ? `${Math.round(f * 100)}%` : String(Math.round(f * maxCount));
    text(bx + bw + 7, y + 4, lab, 'font-size="10" fill="#333333"');
  }
  const cap = normalize === 'row' ? 'share of true class' : 'count';
  const capx = bx + bw + 44;
  text(capx, m.top + gw / 2, cap, `font-size="11" text-anchor="middle" fill="#333333" transform="rotate(90 ${r2(capx)} ${r2(m.top + gw / 2)})"`);
  return svgDoc(W, H, out.join('\n'));
}
