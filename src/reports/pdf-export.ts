import { setImmediate as yieldToLoop } from 'node:timers/promises';
import PDFDocument from 'pdfkit';
import { formatDateTime } from '../shared/local-time.ts';
import { drawReportChart } from '../shared/pdf-charts.ts';
import {
  COPPER,
  GREEN,
  GREY,
  INK,
  MARGIN,
  NAVY,
  PRODUCT_NAME,
  pdfSafe,
  RED,
  RULE,
  ZEBRA,
} from '../shared/pdf-style.ts';
import { formatCell, formatFigure } from './format.ts';
import type { Column, ReportData, ReportTable, Row } from './report-model.ts';

// The PDF rendering of a report: a document a quality manager can sign. Header on every page
// (product, plant, report title, period), the report's particulars, summary figures, the tables
// (breaking across pages with the header row repeated), definitions, a sign-off block, and
// "Page n of N" in the footer. Standard PDF fonts only, so nothing is fetched or embedded.

type Doc = PDFKit.PDFDocument;

const HEADER_H = 44;
const FOOTER_H = 26;
const CELL_PAD_X = 4;
const CELL_PAD_Y = 2.5;
const MAX_CELL_LINES = 6;
/** Rows drawn between turns of the event loop. */
const ROWS_PER_SLICE = 150;

export interface PdfOptions {
  timeZone: string;
  /** Fraction of rows drawn, 0-1. */
  onProgress?: (p: number) => void;
}

interface Layout {
  left: number;
  right: number;
  width: number;
  top: number;
  bottom: number;
}

function layoutOf(doc: Doc): Layout {
  const { width, height } = doc.page;
  return {
    left: MARGIN,
    right: width - MARGIN,
    width: width - 2 * MARGIN,
    top: MARGIN + HEADER_H,
    bottom: height - MARGIN - FOOTER_H,
  };
}

/** Renders the report to a PDF. Draws in slices, yielding to the event loop between them. */
export async function renderPdf(report: ReportData, opts: PdfOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writePdf(report, opts, (c) => chunks.push(c));
  return Buffer.concat(chunks);
}

/**
 * Renders the report, handing out the PDF's bytes as each page is finished, so memory does not grow
 * with the page count (a buffered 600-page report held some 500 MB). The footer's "Page n of N"
 * needs N before page 1 is written, so the document is laid out twice: a first pass runs the same
 * layout code with table rows measured but not painted, into a discarded, uncompressed document,
 * and counts the pages; the second draws and streams them.
 */
export async function writePdf(
  report: ReportData,
  opts: PdfOptions,
  onData: (chunk: Buffer) => void,
): Promise<void> {
  const progress = opts.onProgress;
  const pages = await drawDocument(report, opts.timeZone, null, (p) => progress?.(0.2 * p));
  const written = await drawDocument(report, opts.timeZone, { pages, onData }, (p) =>
    progress?.(0.2 + 0.75 * p),
  );
  // The passes share every layout decision; a difference is a bug, not a file to hand out.
  if (written !== pages) throw new Error(`PDF layout passes disagree: ${pages} then ${written} pages`);
  progress?.(1);
}

/**
 * One pass over the document. Without `out` (the layout pass) rows are only measured and nothing is
 * kept; with it, each page gets its header and footer just before the next one starts (pdfkit then
 * writes it out) and the bytes go to `out.onData`. Returns the page count.
 */
async function drawDocument(
  report: ReportData,
  tz: string,
  out: { pages: number; onData: (chunk: Buffer) => void } | null,
  onProgress: (p: number) => void,
): Promise<number> {
  const doc = new PDFDocument({
    size: 'A4',
    layout: report.landscape ? 'landscape' : 'portrait',
    margins: { top: MARGIN + HEADER_H, bottom: MARGIN + FOOTER_H, left: MARGIN, right: MARGIN },
    bufferPages: false,
    compress: out !== null,
    autoFirstPage: true,
    info: {
      Title: `${report.title} - ${report.plant_name}`,
      Author: `${report.generated_by.full_name} (${report.generated_by.employee_number})`,
      Subject: report.description,
      Creator: PRODUCT_NAME,
      Producer: PRODUCT_NAME,
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    doc.on('data', out ? out.onData : () => {});
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  // Every new page, ours or one pdfkit starts itself, finishes the current one first.
  let page = 1;
  const addPage = doc.addPage.bind(doc);
  doc.addPage = (options) => {
    if (out) drawPageFurniture(doc, report, tz, page, out.pages);
    page++;
    return addPage(options);
  };

  const L = layoutOf(doc);
  let y = L.top;

  y = drawTitleBlock(doc, report, tz, L, y);
  y = drawSummary(doc, report, tz, L, y);
  for (const chart of report.charts ?? []) {
    y = await drawReportChart(doc, chart, L, y, () => newPage(doc, L));
  }

  const tables = [...report.sections, report.main];
  const totalRows = Math.max(
    1,
    tables.reduce((n, t) => n + t.rows.length, 0),
  );
  let drawn = 0;
  for (const table of tables) {
    y = await drawTable(doc, table, tz, L, y, out === null, (n) => {
      drawn += n;
      onProgress(Math.min(1, drawn / totalRows));
    });
  }
  y = drawNotes(doc, report, L, y);
  drawSignOff(doc, report, tz, L, y);

  if (out) drawPageFurniture(doc, report, tz, page, out.pages);
  doc.end();
  await done;
  return page;
}

function newPage(doc: Doc, L: Layout): number {
  doc.addPage();
  return L.top;
}

function drawTitleBlock(doc: Doc, r: ReportData, tz: string, L: Layout, y0: number): number {
  let y = y0 + 4;
  doc
    .font('Helvetica-Bold')
    .fontSize(17)
    .fillColor(NAVY)
    .text(pdfSafe(r.title), L.left, y, { lineBreak: false });
  y += 22;
  doc.font('Helvetica').fontSize(8.5).fillColor(GREY);
  const descH = doc.heightOfString(pdfSafe(r.description), { width: L.width });
  doc.text(pdfSafe(r.description), L.left, y, { width: L.width });
  y += descH + 8;

  const filters = r.filters.length
    ? r.filters.map((f) => `${f.label}: ${f.display}`).join(';  ')
    : 'None (all instruments)';
  const periodText = r.period.scopes_rows
    ? `${formatDateTime(r.period.from, tz)}  to  ${formatDateTime(r.period.to, tz)}`
    : `Snapshot at ${formatDateTime(r.generated_at, tz)}; alert counts over ${formatDateTime(r.period.from, tz)} to ${formatDateTime(r.period.to, tz)}`;
  const items: [string, string][] = [
    ['Plant', r.plant_name],
    ['Period', `${periodText}${r.period.source === 'default' ? '  (default period)' : ''}`],
    ['Filters', filters],
    ['Generated by', `${r.generated_by.full_name} (employee no. ${r.generated_by.employee_number})`],
    ['Generated at', `${formatDateTime(r.generated_at, tz)} (${tz})`],
  ];
  const labelW = 78;
  doc.fontSize(8.5);
  const heights = items.map(([, v]) =>
    Math.max(11, doc.font('Helvetica').heightOfString(pdfSafe(v), { width: L.width - labelW - 16 }) + 2),
  );
  const boxH = heights.reduce((a, b) => a + b, 0) + 10;
  doc.save().rect(L.left, y, L.width, boxH).fillAndStroke('#f7f9fb', RULE).restore();
  doc.rect(L.left, y, 3, boxH).fill(COPPER);
  let yy = y + 5;
  for (const [i, [k, v]] of items.entries()) {
    doc
      .font('Helvetica-Bold')
      .fontSize(8.5)
      .fillColor(GREY)
      .text(k, L.left + 10, yy, { lineBreak: false });
    doc
      .font('Helvetica')
      .fillColor(INK)
      .text(pdfSafe(v), L.left + 10 + labelW, yy, { width: L.width - labelW - 16 });
    yy += heights[i];
  }
  return y + boxH + 12;
}

function drawSummary(doc: Doc, r: ReportData, tz: string, L: Layout, y0: number): number {
  const fields = r.summary_fields;
  if (fields.length === 0) return y0;
  let y = sectionTitle(doc, 'Summary', L, y0);
  const perRow = Math.min(fields.length, r.landscape ? 8 : 4);
  const gap = 6;
  const w = (L.width - gap * (perRow - 1)) / perRow;
  const h = 46;
  for (let i = 0; i < fields.length; i += perRow) {
    if (y + h > L.bottom) y = newPage(doc, L);
    for (const [j, f] of fields.slice(i, i + perRow).entries()) {
      const x = L.left + j * (w + gap);
      doc.save().rect(x, y, w, h).fillAndStroke('#ffffff', RULE).restore();
      doc.rect(x, y, w, 2).fill(NAVY);
      const text = pdfSafe(formatFigure(r.summary[f.key] ?? null, f.kind, f.decimals, f.unit, tz));
      doc.font('Helvetica-Bold').fontSize(14).fillColor(NAVY);
      doc.text(text, x + 6, y + 7, { width: w - 12, lineBreak: false, ellipsis: true, height: 16 });
      doc.font('Helvetica').fontSize(7).fillColor(GREY);
      // Up to two lines of label; a longer one ends in an ellipsis.
      doc.text(pdfSafe(f.label), x + 6, y + 26, { width: w - 12, ellipsis: true, height: 17 });
    }
    y += h + gap;
  }
  return y + 6;
}

function sectionTitle(doc: Doc, title: string, L: Layout, y0: number, minFollowing = 40): number {
  let y = y0;
  if (y + 16 + minFollowing > L.bottom) y = newPage(doc, L);
  doc
    .font('Helvetica-Bold')
    .fontSize(10.5)
    .fillColor(NAVY)
    .text(pdfSafe(title), L.left, y, { lineBreak: false });
  return y + 15;
}

interface PreparedColumn {
  col: Column;
  x: number;
  w: number;
  align: 'left' | 'right' | 'center';
}

function alignOf(c: Column): PreparedColumn['align'] {
  switch (c.kind) {
    case 'int':
    case 'number':
    case 'percent':
      return 'right';
    case 'passfail':
    case 'yesno':
      return 'center';
    default:
      return 'left';
  }
}

/** How one table is laid out: its printed columns, font size, line and header heights. */
interface TableLayout {
  columns: PreparedColumn[];
  fontSize: number;
  lineH: number;
  headerHeight: number;
}

function layoutTable(doc: Doc, table: ReportTable, L: Layout): TableLayout {
  const cols = table.columns.filter((c) => c.pdf !== false);
  const total = cols.reduce((n, c) => n + (c.width ?? 1), 0);
  let x = L.left;
  const columns: PreparedColumn[] = cols.map((c) => {
    const w = (L.width * (c.width ?? 1)) / total;
    const p = { col: c, x, w, align: alignOf(c) };
    x += w;
    return p;
  });
  const fontSize = cols.length > 12 ? 7 : cols.length > 8 ? 7.5 : 8.5;
  doc.fontSize(fontSize);
  const lineH = doc.font('Helvetica').currentLineHeight(true);
  doc.font('Helvetica-Bold').fontSize(fontSize);
  let h = lineH;
  for (const p of columns) {
    h = Math.max(h, doc.heightOfString(pdfSafe(p.col.label), { width: p.w - 2 * CELL_PAD_X }));
  }
  return { columns, fontSize, lineH, headerHeight: h + 2 * CELL_PAD_Y + 1 };
}

function drawTableHeader(doc: Doc, t: TableLayout, L: Layout, y: number): number {
  doc.rect(L.left, y, L.width, t.headerHeight).fill(NAVY);
  doc.font('Helvetica-Bold').fontSize(t.fontSize).fillColor('#ffffff');
  for (const p of t.columns) {
    doc.text(pdfSafe(p.col.label), p.x + CELL_PAD_X, y + CELL_PAD_Y + 0.5, {
      width: p.w - 2 * CELL_PAD_X,
      align: p.align,
    });
  }
  return y + t.headerHeight;
}

/** The title line and header row of a table carried over to a new page. */
function continueTable(doc: Doc, table: ReportTable, t: TableLayout, L: Layout): number {
  const y = newPage(doc, L);
  doc
    .font('Helvetica-Bold')
    .fontSize(8.5)
    .fillColor(GREY)
    .text(pdfSafe(`${table.title} (continued)`), L.left, y, { lineBreak: false });
  return drawTableHeader(doc, t, L, y + 13);
}

function cellTexts(row: Row, t: TableLayout, tz: string): string[] {
  return t.columns.map((p) => {
    const text = pdfSafe(
      formatCell(row[p.col.key] ?? null, p.col.kind, p.col.decimals, { timeZone: tz, target: 'pdf' }),
    );
    return p.col.words ? text.replace(/_/g, ' ') : text;
  });
}

/** A row's height: its tallest wrapped cell (capped), group cells counted only where they show. */
function rowHeight(doc: Doc, t: TableLayout, texts: string[], showGroupCells: boolean): number {
  doc.font('Helvetica').fontSize(t.fontSize);
  let h = t.lineH;
  for (const [k, p] of t.columns.entries()) {
    if (p.col.group && !showGroupCells) continue;
    const avail = p.w - 2 * CELL_PAD_X;
    if (doc.widthOfString(texts[k]) > avail || texts[k].includes('\n')) {
      h = Math.max(h, Math.min(doc.heightOfString(texts[k], { width: avail }), t.lineH * MAX_CELL_LINES));
    }
  }
  return h + 2 * CELL_PAD_Y;
}

/**
 * The height a group (one calibration's points) starting at row `i` needs, so a group that would
 * start at the foot of a page moves whole to the next one; a group taller than half a page does not.
 */
function groupHeight(table: ReportTable, i: number, rowH: number, t: TableLayout, L: Layout): number {
  const by = table.groupBy as string;
  let n = 1;
  while (i + n < table.rows.length && table.rows[i + n][by] === table.rows[i][by]) n++;
  const h = rowH + (n - 1) * (t.lineH + 2 * CELL_PAD_Y);
  return h > (L.bottom - L.top) / 2 ? rowH : h;
}

/** One row: zebra band, a rule above a new group, the cells (verdicts in colour), a rule below. */
function drawRow(
  doc: Doc,
  t: TableLayout,
  L: Layout,
  texts: string[],
  y: number,
  rowH: number,
  o: { showGroup: boolean; zebra: boolean; groupRule: boolean },
) {
  if (o.zebra) doc.rect(L.left, y, L.width, rowH).fill(ZEBRA);
  if (o.groupRule) doc.moveTo(L.left, y).lineTo(L.right, y).lineWidth(0.6).strokeColor('#8a96a3').stroke();
  for (const [k, p] of t.columns.entries()) {
    if (p.col.group && !o.showGroup) continue;
    const text = texts[k];
    if (text === '–' && p.align !== 'left') {
      drawCell(doc, text, p, y, GREY, false, t.lineH, rowH);
      continue;
    }
    const bad =
      text === 'FAIL' || text === 'OVERDUE' || (p.col.kind === 'yesno' && isBadYes(p.col.key, text));
    const good = text === 'PASS';
    drawCell(doc, text, p, y, bad ? RED : good ? GREEN : INK, bad || good, t.lineH, rowH);
  }
  doc
    .moveTo(L.left, y + rowH)
    .lineTo(L.right, y + rowH)
    .lineWidth(0.25)
    .strokeColor(RULE)
    .stroke();
}

async function drawTable(
  doc: Doc,
  table: ReportTable,
  tz: string,
  L: Layout,
  y0: number,
  measureOnly: boolean,
  progress: (rows: number) => void,
): Promise<number> {
  const t = layoutTable(doc, table, L);
  const count = table.rows.length ? `  (${table.rows.length})` : '';
  let y = sectionTitle(doc, `${table.title}${count}`, L, y0, t.headerHeight + t.lineH * 2);
  if (table.rows.length === 0) {
    doc
      .font('Helvetica-Oblique')
      .fontSize(8.5)
      .fillColor(GREY)
      .text('No records for this period and these filters.', L.left, y, { lineBreak: false });
    return y + 22;
  }
  y = drawTableHeader(doc, t, L, y);

  let prevGroup: unknown;
  let groupIndex = -1;
  let firstOnPage = true;
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i];
    const groupKey = table.groupBy ? row[table.groupBy] : i;
    const newGroup = i === 0 || groupKey !== prevGroup;
    if (newGroup) groupIndex++;
    const texts = cellTexts(row, t, tz);
    let rowH = rowHeight(doc, t, texts, newGroup || firstOnPage);
    const groupH = table.groupBy && newGroup && !firstOnPage ? groupHeight(table, i, rowH, t, L) : rowH;
    if (y + Math.max(rowH, groupH) > L.bottom) {
      y = continueTable(doc, table, t, L);
      firstOnPage = true;
      rowH = rowHeight(doc, t, texts, true);
    }
    if (!measureOnly)
      drawRow(doc, t, L, texts, y, rowH, {
        showGroup: newGroup || firstOnPage,
        zebra: (table.groupBy ? groupIndex : i) % 2 === 1,
        groupRule: Boolean(table.groupBy) && newGroup && !firstOnPage,
      });
    y += rowH;
    prevGroup = groupKey;
    firstOnPage = false;
    if ((i + 1) % ROWS_PER_SLICE === 0) {
      progress(ROWS_PER_SLICE);
      await yieldToLoop();
    }
  }
  progress(table.rows.length % ROWS_PER_SLICE);
  return y + 14;
}

/** Yes in these columns is bad news (printed red); in the others it is neutral. */
function isBadYes(key: string, text: string): boolean {
  if (text === 'Yes') return key === 'overdue' || key === 'sla_breached' || key === 'calibration_overdue';
  if (text === 'No') return key === 'compliant' || key === 'on_time';
  return false;
}

function drawCell(
  doc: Doc,
  text: string,
  p: PreparedColumn,
  y: number,
  color: string,
  bold: boolean,
  lineH: number,
  rowH: number,
) {
  const avail = p.w - 2 * CELL_PAD_X;
  doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fillColor(color);
  const width = doc.widthOfString(text);
  if (width <= avail && !text.includes('\n')) {
    // One line: place it directly (the fast path; no line wrapper).
    const tx =
      p.align === 'right'
        ? p.x + p.w - CELL_PAD_X - width
        : p.align === 'center'
          ? p.x + (p.w - width) / 2
          : p.x + CELL_PAD_X;
    doc.text(text, tx, y + CELL_PAD_Y, { lineBreak: false });
    return;
  }
  doc.text(text, p.x + CELL_PAD_X, y + CELL_PAD_Y, {
    width: avail,
    height: Math.min(rowH - 2 * CELL_PAD_Y, lineH * MAX_CELL_LINES) + 0.5,
    ellipsis: true,
    align: p.align === 'center' ? 'center' : p.align,
  });
}

function drawNotes(doc: Doc, r: ReportData, L: Layout, y0: number): number {
  if (r.notes.length === 0) return y0;
  doc.font('Helvetica').fontSize(7.5);
  const heights = r.notes.map((n) => doc.heightOfString(pdfSafe(n), { width: L.width - 12 }) + 3);
  let y = sectionTitle(doc, 'Definitions', L, y0, Math.min(heights[0] ?? 0, 60));
  for (const [i, n] of r.notes.entries()) {
    if (y + heights[i] > L.bottom) y = newPage(doc, L);
    doc.font('Helvetica').fontSize(7.5).fillColor(GREY);
    doc.text('•', L.left, y, { lineBreak: false });
    doc.text(pdfSafe(n), L.left + 10, y, { width: L.width - 12 });
    y += heights[i];
  }
  return y + 10;
}

/** The block a reviewer signs: who generated it, then reviewer, signature and date lines. */
function drawSignOff(doc: Doc, r: ReportData, tz: string, L: Layout, y0: number) {
  const h = 64;
  let y = y0;
  if (y + h + 16 > L.bottom) y = newPage(doc, L);
  y = sectionTitle(doc, 'Review and approval', L, y, h);
  doc.save().rect(L.left, y, L.width, h).lineWidth(0.6).strokeColor(RULE).stroke().restore();
  const colW = L.width / 3;
  const cells: [string, string | null][] = [
    ['Prepared (generated) by', `${r.generated_by.full_name}, ${formatDateTime(r.generated_at, tz)}`],
    ['Reviewed by (name and title)', null],
    ['Signature and date', null],
  ];
  for (const [i, [label, value]] of cells.entries()) {
    const x = L.left + i * colW + 10;
    doc
      .font('Helvetica-Bold')
      .fontSize(7.5)
      .fillColor(GREY)
      .text(label, x, y + 8, { lineBreak: false });
    if (value)
      doc
        .font('Helvetica')
        .fontSize(9)
        .fillColor(INK)
        .text(pdfSafe(value), x, y + 24, { width: colW - 20 });
    doc
      .moveTo(x, y + h - 14)
      .lineTo(x + colW - 24, y + h - 14)
      .lineWidth(0.5)
      .strokeColor('#8a96a3')
      .stroke();
  }
}

/** The header and footer of the current page, drawn when its body is done. */
function drawPageFurniture(doc: Doc, r: ReportData, tz: string, page: number, pages: number) {
  const L = layoutOf(doc);
  const { height } = doc.page;
  // Writing in the margins must not trigger pdfkit's automatic page break.
  const saved = doc.page.margins;
  doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };

  const top = MARGIN;
  doc
    .font('Helvetica-Bold')
    .fontSize(11)
    .fillColor(NAVY)
    .text(PRODUCT_NAME, L.left, top, { lineBreak: false });
  doc
    .font('Helvetica')
    .fontSize(8.5)
    .fillColor(GREY)
    .text(pdfSafe(r.plant_name), L.left, top + 15, { lineBreak: false });
  const title = pdfSafe(r.title);
  doc.font('Helvetica-Bold').fontSize(9.5).fillColor(INK);
  doc.text(title, L.right - doc.widthOfString(title), top + 1, { lineBreak: false });
  const period = r.period.scopes_rows
    ? `Period ${formatDateTime(r.period.from, tz).slice(0, 10)} to ${formatDateTime(r.period.to, tz).slice(0, 10)}`
    : `Snapshot ${formatDateTime(r.generated_at, tz)}`;
  doc.font('Helvetica').fontSize(8).fillColor(GREY);
  doc.text(period, L.right - doc.widthOfString(period), top + 15, { lineBreak: false });
  doc.rect(L.left, top + 28, L.width, 1.6).fill(COPPER);

  const fy = height - MARGIN - 10;
  doc
    .moveTo(L.left, fy - 5)
    .lineTo(L.right, fy - 5)
    .lineWidth(0.5)
    .strokeColor(RULE)
    .stroke();
  doc.font('Helvetica').fontSize(7).fillColor(GREY);
  const left = pdfSafe(
    `Generated ${formatDateTime(r.generated_at, tz)} (${tz}) by ${r.generated_by.full_name} - ${r.title}`,
  );
  doc.text(left, L.left, fy, { lineBreak: false });
  const pageText = `Page ${page} of ${pages}`;
  doc.font('Helvetica-Bold').fontSize(7.5).fillColor(INK);
  doc.text(pageText, L.right - doc.widthOfString(pageText), fy, { lineBreak: false });
  doc.page.margins = saved;
}
