// Small vector charts drawn with pdfkit's own path operators (no browser, no raster): the
// calibration error plot (as-found / as-left error per test point against the tolerance band), a
// bar per group (compliance by process unit) and a trend line with its min-max envelope (health).
// Each chart is a few dozen path operations, so a report with a chart per record stays small and
// is drawn in slices like the tables.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AMBER, COPPER, GREEN, GREY, INK, NAVY, pdfSafe, RED, RULE } from './pdf-style.ts';

type Doc = PDFKit.PDFDocument;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ErrorPlot {
  title: string;
  /** Tolerance in % of span: the band drawn around zero. */
  tolerance_pct: number | null;
  /** One per test point, in test order. */
  points: { label: string; found: number | null; left: number | null }[];
}

export interface TrendPlot {
  title: string;
  unit: string;
  from: number;
  to: number;
  /** [epoch ms, mean, min, max] per bucket, in time order. */
  points: [number, number, number, number][];
  low: number | null;
  high: number | null;
}

export interface BarPlot {
  title: string;
  unit: string;
  max: number;
  /** A dashed target line across the bars: a bar at or above it is green, below it red (else navy). */
  target?: number | null;
  bars: { label: string; value: number | null }[];
}

const AXIS_FONT = 6;

function caption(doc: Doc, text: string, b: Box) {
  doc
    .font('Helvetica-Bold')
    .fontSize(7.5)
    .fillColor(NAVY)
    .text(pdfSafe(text), b.x, b.y, { width: b.w, lineBreak: false, ellipsis: true, height: 10 });
}

function axisText(doc: Doc, text: string, x: number, y: number, align: 'left' | 'right' | 'center' = 'left') {
  doc.font('Helvetica').fontSize(AXIS_FONT).fillColor(GREY);
  const w = doc.widthOfString(text);
  const tx = align === 'right' ? x - w : align === 'center' ? x - w / 2 : x;
  doc.text(text, tx, y, { lineBreak: false });
}

function fmt(v: number): string {
  const a = Math.abs(v);
  const d = a >= 1000 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  // 0.500 reads as 0.5: no trailing zeros on an axis.
  return String(Number(v.toFixed(d)));
}

/** As-found (red circles) and as-left (green squares) error, % of span, per test point. */
export function drawErrorPlot(doc: Doc, p: ErrorPlot, b: Box) {
  caption(doc, p.title, b);
  const plot = { x: b.x + 28, y: b.y + 13, w: b.w - 32, h: b.h - 33 };
  const values = p.points.flatMap((q) => [q.found, q.left]).filter((v): v is number => v !== null);
  const tol = p.tolerance_pct ?? 0;
  const lim = Math.max(tol * 1.5, ...values.map((v) => Math.abs(v) * 1.1), 0.01);
  const yOf = (v: number) => plot.y + plot.h / 2 - (Math.max(-lim, Math.min(lim, v)) / lim) * (plot.h / 2);
  const n = Math.max(1, p.points.length);
  const xOf = (i: number) => plot.x + ((i + 0.5) / n) * plot.w;

  doc.save();
  doc.rect(plot.x, plot.y, plot.w, plot.h).lineWidth(0.4).strokeColor(RULE).stroke();
  if (tol > 0) {
    doc
      .rect(plot.x, yOf(tol), plot.w, yOf(-tol) - yOf(tol))
      .fillOpacity(0.18)
      .fill(GREEN);
    doc.fillOpacity(1);
    for (const edge of [tol, -tol]) {
      doc
        .moveTo(plot.x, yOf(edge))
        .lineTo(plot.x + plot.w, yOf(edge))
        .lineWidth(0.5)
        .dash(2, { space: 1.5 })
        .strokeColor(GREEN)
        .stroke()
        .undash();
    }
  }
  doc
    .moveTo(plot.x, yOf(0))
    .lineTo(plot.x + plot.w, yOf(0))
    .lineWidth(0.3)
    .strokeColor(GREY)
    .stroke();
  const series = (key: 'found' | 'left', color: string, square: boolean) => {
    let started = false;
    for (const [i, q] of p.points.entries()) {
      const v = q[key];
      if (v === null) continue;
      if (started) doc.lineTo(xOf(i), yOf(v));
      else doc.moveTo(xOf(i), yOf(v));
      started = true;
    }
    if (started) doc.lineWidth(0.7).strokeColor(color).stroke();
    for (const [i, q] of p.points.entries()) {
      const v = q[key];
      if (v === null) continue;
      const outside = tol > 0 && Math.abs(v) > tol;
      if (square) doc.rect(xOf(i) - 1.6, yOf(v) - 1.6, 3.2, 3.2);
      else doc.circle(xOf(i), yOf(v), 1.8);
      doc.fillColor(outside ? RED : color).fill();
    }
  };
  series('found', COPPER, false);
  series('left', NAVY, true);
  doc.restore();

  axisText(doc, `+${fmt(lim)}`, plot.x - 2, plot.y - 2, 'right');
  axisText(doc, '0', plot.x - 2, yOf(0) - 2.5, 'right');
  axisText(doc, `-${fmt(lim)}`, plot.x - 2, plot.y + plot.h - 4, 'right');
  const every = Math.ceil(n / 8);
  for (const [i, q] of p.points.entries()) {
    if (i % every === 0) axisText(doc, pdfSafe(q.label), xOf(i), plot.y + plot.h + 1.5, 'center');
  }
  const legend = b.y + b.h - 9;
  doc
    .circle(plot.x + 3, legend + 2.5, 1.8)
    .fillColor(COPPER)
    .fill();
  axisText(doc, 'as found', plot.x + 7, legend);
  doc
    .rect(plot.x + 42, legend + 0.9, 3.2, 3.2)
    .fillColor(NAVY)
    .fill();
  axisText(doc, 'as left', plot.x + 48, legend);
  axisText(
    doc,
    tol > 0 ? `error % of span, band ±${fmt(tol)} %` : 'error % of span',
    plot.x + plot.w,
    legend,
    'right',
  );
}

/** One horizontal bar per group, its value at the bar's end. */
export function drawBarPlot(doc: Doc, p: BarPlot, b: Box) {
  caption(doc, p.title, b);
  const labelW = Math.min(120, b.w * 0.3);
  const plot = { x: b.x + labelW, y: b.y + 14, w: b.w - labelW - 40, h: b.h - 28 };
  const n = Math.max(1, p.bars.length);
  const rowH = plot.h / n;
  const barH = Math.min(14, rowH * 0.7);
  const xOf = (v: number) => plot.x + (Math.max(0, Math.min(p.max, v)) / p.max) * plot.w;
  doc.save();
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const x = plot.x + tick * plot.w;
    doc
      .moveTo(x, plot.y)
      .lineTo(x, plot.y + plot.h)
      .lineWidth(0.3)
      .strokeColor(RULE)
      .stroke();
  }
  for (const [i, bar] of p.bars.entries()) {
    const cy = plot.y + i * rowH + rowH / 2;
    if (bar.value !== null) {
      const hasTarget = p.target !== undefined && p.target !== null;
      doc
        .rect(plot.x, cy - barH / 2, Math.max(0.5, xOf(bar.value) - plot.x), barH)
        .fillColor(hasTarget ? (bar.value < (p.target as number) ? RED : GREEN) : NAVY)
        .fill();
    }
  }
  if (p.target !== undefined && p.target !== null) {
    doc
      .moveTo(xOf(p.target), plot.y - 2)
      .lineTo(xOf(p.target), plot.y + plot.h)
      .lineWidth(0.8)
      .dash(3, { space: 2 })
      .strokeColor(AMBER)
      .stroke()
      .undash();
  }
  doc.restore();
  for (const [i, bar] of p.bars.entries()) {
    const cy = plot.y + i * rowH + rowH / 2;
    doc
      .font('Helvetica')
      .fontSize(7)
      .fillColor(INK)
      .text(pdfSafe(bar.label), b.x, cy - 3.5, { width: labelW - 6, lineBreak: false, ellipsis: true });
    const text = bar.value === null ? 'nothing due' : `${fmt(bar.value)} ${p.unit}`;
    doc
      .font('Helvetica-Bold')
      .fontSize(7)
      .fillColor(bar.value === null ? GREY : INK);
    doc.text(pdfSafe(text), (bar.value === null ? plot.x : xOf(bar.value)) + 3, cy - 3.5, {
      lineBreak: false,
    });
  }
  for (const tick of [0, 0.5, 1]) {
    axisText(doc, `${fmt(tick * p.max)} ${p.unit}`, plot.x + tick * plot.w, plot.y + plot.h + 2, 'center');
  }
  if (p.target !== undefined && p.target !== null) {
    axisText(doc, `target ${fmt(p.target)} ${p.unit}`, xOf(p.target), plot.y + plot.h + 9, 'center');
  }
}

/** Mean per bucket as a line over its min-max envelope, with the warning limits when set. */
export function drawTrendPlot(doc: Doc, p: TrendPlot, b: Box) {
  caption(doc, p.title, b);
  const plot = { x: b.x + 30, y: b.y + 13, w: b.w - 34, h: b.h - 25 };
  const span = Math.max(1, p.to - p.from);
  const xOf = (t: number) => plot.x + ((t - p.from) / span) * plot.w;
  doc.save();
  doc.rect(plot.x, plot.y, plot.w, plot.h).lineWidth(0.4).strokeColor(RULE).stroke();
  if (p.points.length === 0) {
    doc.restore();
    axisText(doc, 'no readings in the last 30 days', plot.x + plot.w / 2, plot.y + plot.h / 2 - 3, 'center');
    return;
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [, , mn, mx] of p.points) {
    if (mn < lo) lo = mn;
    if (mx > hi) hi = mx;
  }
  for (const lim of [p.low, p.high]) {
    // A limit near the data is drawn; one far away would flatten the line, so it is left out.
    if (lim !== null && lim >= lo - (hi - lo) && lim <= hi + (hi - lo)) {
      lo = Math.min(lo, lim);
      hi = Math.max(hi, lim);
    }
  }
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const yOf = (v: number) => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h;
  // Envelope: along the maxima, back along the minima.
  for (const [i, [t, , , mx]] of p.points.entries()) {
    if (i === 0) doc.moveTo(xOf(t), yOf(mx));
    else doc.lineTo(xOf(t), yOf(mx));
  }
  for (let i = p.points.length - 1; i >= 0; i--) doc.lineTo(xOf(p.points[i][0]), yOf(p.points[i][2]));
  doc.closePath().fillOpacity(0.2).fill(NAVY);
  doc.fillOpacity(1);
  for (const lim of [p.low, p.high]) {
    if (lim === null || lim < lo || lim > hi) continue;
    doc
      .moveTo(plot.x, yOf(lim))
      .lineTo(plot.x + plot.w, yOf(lim))
      .lineWidth(0.5)
      .dash(2, { space: 1.5 })
      .strokeColor(AMBER)
      .stroke()
      .undash();
  }
  for (const [i, [t, avg]] of p.points.entries()) {
    if (i === 0) doc.moveTo(xOf(t), yOf(avg));
    else doc.lineTo(xOf(t), yOf(avg));
  }
  doc.lineWidth(0.8).strokeColor(NAVY).stroke();
  doc.restore();
  axisText(doc, fmt(hi - pad), plot.x - 2, plot.y - 1, 'right');
  axisText(doc, fmt(lo + pad), plot.x - 2, plot.y + plot.h - 5, 'right');
  axisText(doc, pdfSafe(p.unit), plot.x - 2, plot.y + plot.h / 2 - 3, 'right');
  const day = (t: number) => new Date(t).toISOString().slice(5, 10);
  axisText(doc, day(p.from), plot.x, plot.y + plot.h + 1.5);
  axisText(doc, day(p.to), plot.x + plot.w, plot.y + plot.h + 1.5, 'right');
}

export interface ChartLayout {
  left: number;
  width: number;
  top: number;
  bottom: number;
}

/** Charts drawn between turns of the event loop. */
const CHARTS_PER_SLICE = 40;

/**
 * Draws a report chart: a titled block of small multiples (a grid of cells) or one bar chart.
 * Returns the y below it; starts new pages as needed via `newPage`.
 */
export async function drawReportChart(
  doc: Doc,
  chart: ReportChart,
  L: ChartLayout,
  y0: number,
  newPage: () => number,
): Promise<number> {
  let y = y0;
  const title = (extra = 0) => {
    if (y + 16 + extra > L.bottom) y = newPage();
    doc
      .font('Helvetica-Bold')
      .fontSize(10.5)
      .fillColor(NAVY)
      .text(pdfSafe(chart.title), L.left, y, { lineBreak: false });
    y += 14;
    doc.font('Helvetica').fontSize(7.5).fillColor(GREY);
    const h = doc.heightOfString(pdfSafe(chart.caption), { width: L.width });
    doc.text(pdfSafe(chart.caption), L.left, y, { width: L.width });
    y += h + 4;
  };
  if (chart.kind === 'bars') {
    const h = Math.max(60, 30 + chart.plot.bars.length * 16);
    title(h);
    drawBarPlot(doc, chart.plot, { x: L.left, y, w: L.width, h });
    return y + h + 12;
  }
  const cells: unknown[] = chart.plots;
  const perRow = Math.max(2, Math.floor(L.width / 185));
  const gap = 10;
  const w = (L.width - gap * (perRow - 1)) / perRow;
  const h = chart.kind === 'calibration_errors' ? 104 : 84;
  title(h);
  if (cells.length === 0) {
    doc
      .font('Helvetica-Oblique')
      .fontSize(8.5)
      .fillColor(GREY)
      .text('Nothing to draw for this period and these filters.', L.left, y, { lineBreak: false });
    return y + 22;
  }
  for (let i = 0; i < cells.length; i += perRow) {
    if (y + h > L.bottom) y = newPage();
    for (let j = 0; j < perRow && i + j < cells.length; j++) {
      const box = { x: L.left + j * (w + gap), y, w, h: h - 6 };
      if (chart.kind === 'calibration_errors') drawErrorPlot(doc, chart.plots[i + j], box);
      else drawTrendPlot(doc, chart.plots[i + j], box);
    }
    y += h;
    if ((i / perRow + 1) % Math.ceil(CHARTS_PER_SLICE / perRow) === 0) await yieldToLoop();
  }
  return y + 8;
}

/**
 * A chart of the PDF: small multiples (one cell per calibration record or instrument) or one bar
 * chart. The plot shapes are above; only what is drawn is kept (a few numbers a cell).
 */
export type ReportChart = { key: string; title: string; caption: string } & (
  | { kind: 'calibration_errors'; plots: ErrorPlot[] }
  | { kind: 'trends'; plots: TrendPlot[] }
  | { kind: 'bars'; plot: BarPlot }
);
