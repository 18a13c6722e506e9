import { setImmediate as yieldToLoop } from 'node:timers/promises';
import PDFDocument from 'pdfkit';
import { formatCell, formatDateTime, formatFigure } from './format.ts';
import { COPPER, GREEN, GREY, INK, MARGIN, NAVY, RED, RULE, ZEBRA } from './pdf-style.ts';
import { type Column, PRODUCT_NAME, type ReportData, type ReportTable, type Row } from './report-model.ts';

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

// Standard fonts speak WinAnsi; map what they lack to readable ASCII rather than dropping it.
const REPLACEMENTS: Record<string, string> = {
  '≤': '<=',
  '≥': '>=',
  '≠': '!=',
  σ: 'sigma',
  Σ: 'Sigma',
  Δ: 'delta',
  '−': '-',
  '→': '->',
  '←': '<-',
  '✓': 'ok',
  '✗': 'x',
  '\t': ' ',
};
const WIN_ANSI_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ']);

export function pdfSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (
      ch === '\n' ||
      (code >= 0x20 && code < 0x7f) ||
      (code >= 0xa0 && code <= 0xff) ||
      WIN_ANSI_EXTRA.has(ch)
    ) {
      out += ch;
    } else {
      out += REPLACEMENTS[ch] ?? (code < 0x20 ? ' ' : '?');
    }
  }
  return out;
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
  const doc = new PDFDocument({
    size: 'A4',
    layout: report.landscape ? 'landscape' : 'portrait',
    margins: { top: MARGIN + HEADER_H, bottom: MARGIN + FOOTER_H, left: MARGIN, right: MARGIN },
    bufferPages: true,
    autoFirstPage: true,
    info: {
      Title: `${report.title} - ${report.plant_name}`,
      Author: `${report.generated_by.full_name} (${report.generated_by.employee_number})`,
      Subject: report.description,
      Creator: PRODUCT_NAME,
      Producer: PRODUCT_NAME,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const tz = opts.timeZone;
  const L = layoutOf(doc);
  let y = L.top;

  y = drawTitleBlock(doc, report, tz, L, y);
  y = drawSummary(doc, report, tz, L, y);

  const tables = [...report.sections, report.main];
  const totalRows = Math.max(
    1,
    tables.reduce((n, t) => n + t.rows.length, 0),
  );
  let drawn = 0;
  for (const table of tables) {
    y = await drawTable(doc, table, tz, L, y, (n) => {
      drawn += n;
      opts.onProgress?.(Math.min(0.95, drawn / totalRows));
    });
  }
  y = drawNotes(doc, report, L, y);
  drawSignOff(doc, report, tz, L, y);

  drawPageFurniture(doc, report, tz);
  doc.end();
  const pdf = await done;
  opts.onProgress?.(1);
  return pdf;
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

async function drawTable(
  doc: Doc,
  table: ReportTable,
  tz: string,
  L: Layout,
  y0: number,
  progress: (rows: number) => void,
): Promise<number> {
  const cols = table.columns.filter((c) => c.pdf !== false);
  const total = cols.reduce((n, c) => n + (c.width ?? 1), 0);
  let x = L.left;
  const prepared: PreparedColumn[] = cols.map((c) => {
    const w = (L.width * (c.width ?? 1)) / total;
    const p = { col: c, x, w, align: alignOf(c) };
    x += w;
    return p;
  });
  const fontSize = cols.length > 12 ? 7 : cols.length > 8 ? 7.5 : 8.5;
  doc.fontSize(fontSize);
  const lineH = doc.font('Helvetica').currentLineHeight(true);

  const headerHeight = (() => {
    doc.font('Helvetica-Bold').fontSize(fontSize);
    let h = lineH;
    for (const p of prepared) {
      h = Math.max(h, doc.heightOfString(pdfSafe(p.col.label), { width: p.w - 2 * CELL_PAD_X }));
    }
    return h + 2 * CELL_PAD_Y + 1;
  })();

  const drawHeader = (yy: number) => {
    doc.rect(L.left, yy, L.width, headerHeight).fill(NAVY);
    doc.font('Helvetica-Bold').fontSize(fontSize).fillColor('#ffffff');
    for (const p of prepared) {
      doc.text(pdfSafe(p.col.label), p.x + CELL_PAD_X, yy + CELL_PAD_Y + 0.5, {
        width: p.w - 2 * CELL_PAD_X,
        align: p.align,
      });
    }
    return yy + headerHeight;
  };

  let y = sectionTitle(
    doc,
    `${table.title}${table.rows.length ? `  (${table.rows.length})` : ''}`,
    L,
    y0,
    headerHeight + lineH * 2,
  );
  if (table.rows.length === 0) {
    doc
      .font('Helvetica-Oblique')
      .fontSize(8.5)
      .fillColor(GREY)
      .text('No records for this period and these filters.', L.left, y, { lineBreak: false });
    return y + 22;
  }
  y = drawHeader(y);

  const cellText = (row: Row, p: PreparedColumn) => {
    const text = pdfSafe(
      formatCell(row[p.col.key] ?? null, p.col.kind, p.col.decimals, { timeZone: tz, target: 'pdf' }),
    );
    return p.col.words ? text.replace(/_/g, ' ') : text;
  };

  let prevGroup: unknown;
  let groupIndex = -1;
  let firstOnPage = true;
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i];
    const groupKey = table.groupBy ? row[table.groupBy] : i;
    const newGroup = i === 0 || groupKey !== prevGroup;
    if (newGroup) groupIndex++;

    doc.font('Helvetica').fontSize(fontSize);
    const texts = prepared.map((p) => cellText(row, p));
    const measure = (showGroupCells: boolean) => {
      let h = lineH;
      for (const [k, p] of prepared.entries()) {
        if (p.col.group && !showGroupCells) continue;
        const avail = p.w - 2 * CELL_PAD_X;
        if (doc.widthOfString(texts[k]) > avail || texts[k].includes('\n')) {
          h = Math.max(h, Math.min(doc.heightOfString(texts[k], { width: avail }), lineH * MAX_CELL_LINES));
        }
      }
      return h + 2 * CELL_PAD_Y;
    };
    let rowH = measure(newGroup || firstOnPage);
    // A group (one calibration's points) that would start at the foot of a page moves whole to the
    // next one, when it fits there.
    let groupH = rowH;
    if (table.groupBy && newGroup && !firstOnPage) {
      let n = 1;
      while (i + n < table.rows.length && table.rows[i + n][table.groupBy] === groupKey) n++;
      groupH = rowH + (n - 1) * (lineH + 2 * CELL_PAD_Y);
      if (groupH > (L.bottom - L.top) / 2) groupH = rowH;
    }
    if (y + Math.max(rowH, groupH) > L.bottom) {
      y = newPage(doc, L);
      doc
        .font('Helvetica-Bold')
        .fontSize(8.5)
        .fillColor(GREY)
        .text(pdfSafe(`${table.title} (continued)`), L.left, y, { lineBreak: false });
      y = drawHeader(y + 13);
      firstOnPage = true;
      doc.font('Helvetica').fontSize(fontSize);
      rowH = measure(true);
    }
    const showGroup = newGroup || firstOnPage;

    if ((table.groupBy ? groupIndex : i) % 2 === 1) doc.rect(L.left, y, L.width, rowH).fill(ZEBRA);
    if (table.groupBy && newGroup && !firstOnPage) {
      doc.moveTo(L.left, y).lineTo(L.right, y).lineWidth(0.6).strokeColor('#8a96a3').stroke();
    }
    for (const [k, p] of prepared.entries()) {
      if (p.col.group && !showGroup) continue;
      const text = texts[k];
      if (text === '–' && p.align !== 'left') {
        drawCell(doc, text, p, y, GREY, false, lineH, rowH);
        continue;
      }
      const bad =
        text === 'FAIL' || text === 'OVERDUE' || (p.col.kind === 'yesno' && isBadYes(p.col.key, text));
      const good = text === 'PASS';
      drawCell(doc, text, p, y, bad ? RED : good ? GREEN : INK, bad || good, lineH, rowH);
    }
    doc
      .moveTo(L.left, y + rowH)
      .lineTo(L.right, y + rowH)
      .lineWidth(0.25)
      .strokeColor(RULE)
      .stroke();
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

/** Header and footer on every page, drawn last so the footer knows the page count. */
function drawPageFurniture(doc: Doc, r: ReportData, tz: string) {
  const range = doc.bufferedPageRange();
  const pages = range.count;
  for (let i = range.start; i < range.start + pages; i++) {
    doc.switchToPage(i);
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
    const pageText = `Page ${i - range.start + 1} of ${pages}`;
    doc.font('Helvetica-Bold').fontSize(7.5).fillColor(INK);
    doc.text(pageText, L.right - doc.widthOfString(pageText), fy, { lineBreak: false });
    doc.page.margins = saved;
  }
}
