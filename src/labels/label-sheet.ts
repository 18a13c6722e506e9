import PDFDocument from 'pdfkit';
import { pdfBytes } from '../shared/pdf-style.ts';
import { encodeQr } from './qr-code.ts';

// A printable A4 sheet of instrument labels, 3 x 7 per page on the common 63.5 x 38.1 mm
// self-adhesive stock (Avery L7160 and equivalents): a QR code that opens the instrument's page,
// the tag in large type, what and where it is, and the link in small print for a phone without a
// camera app. Standard PDF fonts only, so nothing is fetched or embedded.

export interface Label {
  tag: string;
  description: string | null;
  location: string | null;
  processUnit: string | null;
  url: string;
}

const MM = 72 / 25.4;
const LABEL_W = 63.5 * MM;
const LABEL_H = 38.1 * MM;
const PITCH_X = 66 * MM;
const LEFT = 7.2 * MM;
const TOP = 15.1 * MM;
const COLS = 3;
const ROWS = 7;
const PAD = 2.5 * MM;
const QR_SIZE = LABEL_H - 2 * PAD;
const QUIET = 2; // modules; the label's own white margin adds to it

function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number) {
  const qr = encodeQr(text);
  const unit = size / (qr.size + 2 * QUIET);
  doc.save().fillColor('#000000');
  for (let r = 0; r < qr.size; r++) {
    for (let c = 0; c < qr.size; c++) {
      if (qr.modules[r][c]) doc.rect(x + (c + QUIET) * unit, y + (r + QUIET) * unit, unit, unit);
    }
  }
  doc.fill().restore();
}

// Standard fonts speak WinAnsi; keep labels to characters they can print.
const printable = (s: string) => s.replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?');

function drawLabel(doc: PDFKit.PDFDocument, label: Label, x: number, y: number) {
  doc.save().lineWidth(0.3).strokeColor('#c9d1d9').rect(x, y, LABEL_W, LABEL_H).stroke().restore();
  drawQr(doc, label.url, x + PAD, y + PAD, QR_SIZE);
  const tx = x + PAD + QR_SIZE + 1.5 * MM;
  const tw = x + LABEL_W - PAD - tx;
  let ty = y + PAD + 1;
  doc.font('Helvetica-Bold').fontSize(13).fillColor('#1f3a5f');
  doc.text(printable(label.tag), tx, ty, { width: tw, lineBreak: false, ellipsis: true });
  ty += 16;
  doc.font('Helvetica').fontSize(7.5).fillColor('#1a1a1a');
  const lines = [label.description, label.processUnit, label.location].filter((s): s is string => !!s);
  for (const line of lines.slice(0, 3)) {
    doc.text(printable(line), tx, ty, { width: tw, height: 9, lineBreak: false, ellipsis: true });
    ty += 9.5;
  }
  doc.fontSize(5.5).fillColor('#5c6670');
  doc.text(printable(label.url), tx, y + LABEL_H - PAD - 13, { width: tw, height: 13, ellipsis: true });
}

/** Renders the labels, 21 to a page, in the order given. */
export async function renderLabelSheet(labels: Label[], title: string): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    autoFirstPage: false,
    info: { Title: title, Creator: 'The Copperbelt University CMMS' },
  });
  const done = pdfBytes(doc);
  labels.forEach((label, i) => {
    const slot = i % (COLS * ROWS);
    if (slot === 0) doc.addPage();
    const col = slot % COLS;
    const row = Math.floor(slot / COLS);
    drawLabel(doc, label, LEFT + col * PITCH_X, TOP + row * LABEL_H);
  });
  doc.end();
  return done;
}
